--- What the editor knows about WebSocket sessions: the last `void/sessionStatus` of each one
--- (docs/lsp-extensions.md, "Notifications and requests from the server"), merged with what
--- `void.connect` and `void.sessions` return. Also the statusline function built on it, and the
--- sections served from this editor (`void.serve` answers, until `void.stopServe`).
---
--- The server is the source of truth; this is a cache for display and for choosing a session.
--- It must not send requests itself (the commands do) and must not touch windows.
local protocol = require('void.protocol')

local M = {}

--- A `void/sessionStatus` (see `void.protocol`) as this cache keeps it.
--- @class void.TrackedSession: void.SessionStatus
--- @field seq integer Order in which sessions were first seen (newest is highest).

--- @type table<string, void.SessionStatus>
M.by_id = {}

local next_seq = 0

--- A section served on loopback (`void.serve`'s answer): the id `void.stopServe` takes.
--- @class void.ServedSection: void.ServeResult
--- @field section string The section's key (`void.log.section_key`: document and request uid).

--- Sections served from this editor, by section key (the server sends no status for them).
--- @type table<string, void.ServedSection>
M.served = {}

--- Listeners called with the merged status after every update.
--- @type fun(status: void.SessionStatus, previous: void.SessionStatus|nil)[]
local listeners = {}

--- @param listener fun(status: void.SessionStatus, previous: void.SessionStatus|nil)
function M.on_update(listener)
  table.insert(listeners, listener)
end

--- Whether a session can still do anything.
--- @param status void.SessionStatus
function M.is_live(status)
  return protocol.is_live(status.state)
end

--- Merges what is known about a session and tells the listeners.
--- @param fields table Must hold `sessionId`; other keys replace known ones (JSON null clears).
--- @return void.SessionStatus|nil
function M.update(fields)
  if type(fields) ~= 'table' or type(fields.sessionId) ~= 'string' then
    return nil
  end
  local previous = M.by_id[fields.sessionId]
  local merged = previous and vim.deepcopy(previous) or nil
  if not merged then
    next_seq = next_seq + 1
    merged = { sessionId = fields.sessionId, seq = next_seq }
  end
  for key, value in pairs(fields) do
    if value == vim.NIL then
      merged[key] = nil
    elseif key ~= 'seq' then
      merged[key] = value
    end
  end
  M.by_id[fields.sessionId] = merged
  for _, listener in ipairs(listeners) do
    local ok, err = pcall(listener, merged, previous)
    if not ok then
      vim.notify('void: session listener failed: ' .. tostring(err), vim.log.levels.ERROR)
    end
  end
  return merged
end

--- Forgets every session and served section (the server stopped).
function M.clear()
  M.by_id = {}
  M.served = {}
end

--- Remembers a section served under `section` (a `void.serve` answer).
--- @param section string
--- @param result void.ServeResult
function M.remember_served(section, result)
  M.served[section] = { section = section, sessionId = result.sessionId, logUri = result.logUri, url = result.url }
end

--- Forgets the served section with this id (`void.stopServe` answered).
--- @param serve_id string
function M.forget_served(serve_id)
  for key, served in pairs(M.served) do
    if served.sessionId == serve_id then
      M.served[key] = nil
    end
  end
end

--- Sessions, newest first, optionally only those of one document.
--- @param uri string|nil
--- @return void.SessionStatus[]
function M.list(uri)
  local result = {}
  for _, status in pairs(M.by_id) do
    if uri == nil or status.uri == uri then
      table.insert(result, status)
    end
  end
  table.sort(result, function(a, b)
    return a.seq > b.seq
  end)
  return result
end

--- The session whose log is this URI.
--- @param log_uri string
--- @return void.SessionStatus|nil
function M.by_log_uri(log_uri)
  for _, status in pairs(M.by_id) do
    if status.logUri == log_uri then
      return status
    end
  end
  return nil
end

--- The session id inside a log URI (`void-session:/<sessionId>/<name>.wslog`).
--- @param log_uri string
--- @return string|nil
function M.id_from_log_uri(log_uri)
  return log_uri:match('^' .. vim.pesc(protocol.log_scheme) .. ':/+([^/]+)/')
end

--- The best session for a section: a live one before an ended one, newest first.
--- @param uri string
--- @param block_uid string|nil
--- @return void.SessionStatus|nil
function M.for_block(uri, block_uid)
  local best
  for _, status in ipairs(M.list(uri)) do
    if block_uid == nil or status.blockUid == block_uid then
      if not best or (M.is_live(status) and not M.is_live(best)) then
        best = status
      end
    end
  end
  return best
end

--- One short piece of text for a session: `WS open ↑3 ↓5`, `WS paused ↑3 ↓5 ✓2 ✗1`,
--- `WS reconnecting (attempt 2) ↑3 ↓5`, `WS closed 1006 ↑3 ↓5`. Assertion counts only once
--- rows settled; `2 pending` while rows wait.
--- @param status void.SessionStatus
--- @return string
function M.describe(status)
  local state = status.state or 'unknown'
  if status.paused and state == 'open' then
    state = 'paused'
  end
  local detail = type(status.detail) == 'table' and status.detail or {}
  local text = 'WS ' .. state
  if state == 'reconnecting' and tonumber(detail.attempt) then
    text = string.format('%s (attempt %d)', text, detail.attempt)
  elseif (state == 'closed' or state == 'failed') and tonumber(detail.closeCode) then
    text = string.format('%s %d', text, detail.closeCode)
  end
  if status.sent or status.received then
    text = string.format('%s ↑%d ↓%d', text, tonumber(status.sent) or 0, tonumber(status.received) or 0)
  end
  local a = type(detail.assertions) == 'table' and detail.assertions or {}
  local passed, failed, pending = tonumber(a.passed) or 0, tonumber(a.failed) or 0, tonumber(a.pending) or 0
  if passed + failed > 0 then
    text = string.format('%s ✓%d ✗%d', text, passed, failed)
  end
  if pending > 0 then
    text = string.format('%s %d pending', text, pending)
  end
  return text
end

--- How long ago a session started, for people (`12 s`, `3 min`, `2 h`); `nil` when unknown.
--- @param started_at string|nil RFC 3339 (`2026-01-02T10:02:30.123Z`)
--- @param now integer|nil Seconds since the epoch (default: now).
--- @return string|nil
function M.age(started_at, now)
  if type(started_at) ~= 'string' then
    return nil
  end
  local y, mo, d, h, mi, sec = started_at:match('^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)')
  if not y then
    return nil
  end
  -- os.time reads a table as local time; the stamp is UTC: correct by the local offset.
  local t = {
    year = tonumber(y),
    month = tonumber(mo),
    day = tonumber(d),
    hour = tonumber(h),
    min = tonumber(mi),
    sec = tonumber(sec),
  }
  local local_epoch = os.time(t)
  local offset = os.time(os.date('*t', local_epoch)) - os.time(os.date('!*t', local_epoch))
  local started = local_epoch + offset
  local seconds = math.max(0, (now or os.time()) - started)
  if seconds < 60 then
    return string.format('%d s', seconds)
  elseif seconds < 3600 then
    return string.format('%d min', math.floor(seconds / 60))
  end
  return string.format('%d h %d min', math.floor(seconds / 3600), math.floor((seconds % 3600) / 60))
end

--- Statusline text for a buffer: the state of its sessions (for a log buffer, of its session),
--- one entry per WebSocket section, or '' when there is none. Cheap: reads the cache only.
--- Use it as `%{%v:lua.require'void'.statusline()%}` or from a statusline plugin.
--- @param bufnr integer|nil
--- @return string
function M.statusline(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.startswith(name, protocol.log_scheme .. ':') then
    local status = M.by_log_uri(name) or M.by_id[M.id_from_log_uri(name) or '']
    return status and M.describe(status) or ''
  end
  local uri = vim.uri_from_bufnr(bufnr)
  local shown, parts = {}, {}
  for _, status in ipairs(M.list(uri)) do
    local key = status.blockUid or status.sessionId
    if not shown[key] then
      local best = status.blockUid and M.for_block(uri, status.blockUid) or status
      shown[key] = true
      table.insert(parts, M.describe(best))
    end
  end
  return table.concat(parts, ' | ')
end

return M
