--- The server's contract with this plugin, mirrored once from the server's own declarations
--- (`server/ls/src/lsp/ext.rs` for the names, `server/ls/src/lsp/sessions/protocol.rs` for the
--- shapes; docs/lsp-extensions.md documents both): custom requests and notifications, command
--- names, the log URI scheme, and the argument and result types (as LuaCATS classes).
---
--- The plugin never parses `.void` text itself: what it needs to know about a section (its
--- request, its messages, its session) comes from `void/sectionAt`. This module only holds names
--- and types; it does nothing.
local M = {}

--- Custom requests and notifications.
M.method = {
  --- Server -> client notification: a session changed state.
  session_status = 'void/sessionStatus',
  --- Client -> server: the text of a log document (`{uri}` -> `{text, version}`).
  session_log_text = 'void/sessionLogText',
  --- Client -> server: the section under a position, or the one whose request has a uid.
  section_at = 'void/sectionAt',
  --- Client -> server: the whole message behind a line of a log document.
  log_message = 'void/logMessage',
  --- Client -> server: the project's environments, and picking one.
  environment = 'void/environment',
  --- Server -> client request (LSP 3.18): a log document's text changed (`{uri}`).
  text_document_content_refresh = 'workspace/textDocumentContent/refresh',
}

--- `workspace/executeCommand` names (the server's one table, `ext::commands::ALL`).
M.command = {
  connect = 'void.connect',
  send = 'void.send',
  test_connection = 'void.testConnection',
  pause = 'void.pause',
  resume = 'void.resume',
  close = 'void.close',
  sessions = 'void.sessions',
  export_transcript = 'void.exportTranscript',
  copy_as_websocat = 'void.copyAsWebsocat',
  open_log = 'void.openLog',
  serve = 'void.serve',
  stop_serve = 'void.stopServe',
}

--- URI scheme of the live log documents (`void-session:/<sessionId>/<name>.wslog`).
M.log_scheme = 'void-session'

--- @alias void.SessionState 'connecting'|'open'|'closing'|'closed'|'failed'|'reconnecting'

--- @class void.Position
--- @field line integer
--- @field character integer

--- A section to act on (`void.connect`, `void.testConnection`, `void.copyAsWebsocat`).
--- @class void.SectionTarget
--- @field uri string
--- @field blockUid string|nil
--- @field position void.Position|nil

--- @class void.ConnectResult
--- @field sessionId string
--- @field logUri string

--- `void.serve` (a void.SectionTarget): the served section's id (for `void.stopServe`, which
--- takes void.SessionArgs), its log document and where clients connect.
--- @class void.ServeResult
--- @field sessionId string
--- @field logUri string
--- @field url string

--- `void.send`: a `ws-message` by uid, or an ad-hoc body.
--- @class void.SendArgs
--- @field sessionId string
--- @field messageUid string|nil
--- @field format string|nil
--- @field body string|nil

--- `void.pause`, `void.resume`.
--- @class void.SessionArgs
--- @field sessionId string

--- `void.close` (code 1000 when absent).
--- @class void.CloseArgs
--- @field sessionId string
--- @field code integer|nil
--- @field reason string|nil

--- `void.openLog`.
--- @class void.OpenLogArgs
--- @field sessionId string|nil
--- @field logUri string|nil

--- `void.exportTranscript` and its result.
--- @class void.ExportArgs
--- @field sessionId string
--- @field path string
--- @class void.ExportResult
--- @field path string
--- @field events integer

--- One entry of `void.sessions`.
--- @class void.SessionSummary
--- @field sessionId string
--- @field uri string
--- @field blockUid string
--- @field state void.SessionState
--- @field logUri string
--- @field label string
--- @field startedAt string RFC 3339 with milliseconds.

--- `detail` of a session status.
--- @class void.StatusDetail
--- @field httpStatus integer|nil
--- @field subprotocol string|nil
--- @field handshakeMs integer|nil
--- @field closeCode integer|nil
--- @field closeReason string|nil
--- @field error string|nil
--- @field endedBy 'client'|'server'|'network'|nil
--- @field attempt integer|nil While reconnecting: the attempt that comes next.
--- @field retryInMs integer|nil While reconnecting: when it starts.
--- @field warnings string[]|nil
--- @field assertions {passed: integer, failed: integer, pending: integer}|nil

--- `void/sessionStatus` parameters.
--- @class void.SessionStatus
--- @field sessionId string
--- @field uri string|nil
--- @field blockUid string|nil
--- @field url string|nil Secrets already masked by the server.
--- @field state void.SessionState|nil
--- @field paused boolean|nil
--- @field sent integer|nil
--- @field received integer|nil
--- @field logUri string|nil
--- @field label string|nil
--- @field startedAt string|nil
--- @field detail void.StatusDetail|nil

--- One `ws-message` of a section.
--- @class void.MessageInfo
--- @field uid string|nil `vim.NIL` on the wire for a message without a uid.
--- @field name string|nil
--- @field format string
--- @field send string
--- @field preview string

--- A session as `void/sectionAt` names it.
--- @class void.SessionRef
--- @field sessionId string
--- @field state void.SessionState
--- @field logUri string

--- `void/sectionAt` result (`nil` when the section holds no request).
--- @class void.SectionInfo
--- @field sectionKey string
--- @field label string
--- @field blockUid string
--- @field kind 'websocket'|'grpc'|'http'
--- @field url string
--- @field messages void.MessageInfo[]
--- @field session void.SessionRef|nil

--- `void/logMessage` result (`nil` when the line is not a message).
--- @class void.LogMessage
--- @field direction 'in'|'out'
--- @field format string
--- @field size integer
--- @field at string
--- @field text string|nil
--- @field note string|nil

--- Whether a session in this state can still send, pause or close (or will try again).
--- @param state string|nil
--- @return boolean
function M.is_live(state)
  return state == 'connecting' or state == 'open' or state == 'closing' or state == 'reconnecting'
end

--- A JSON `null` (`vim.NIL`) as `nil`.
--- @generic T
--- @param value T|userdata|nil
--- @return T|nil
function M.value(value)
  if value == vim.NIL then
    return nil
  end
  return value
end

return M
