--- The session commands (`:VoidConnect`, `:VoidSend`, `:VoidPause`, `:VoidResume`, `:VoidClose`,
--- `:VoidLog`, `:VoidSessions`, `:VoidExport`) and the Lua functions behind them.
---
--- Each one works on "the session of the section under the cursor": in a `.void` buffer that is
--- the newest live session of the section's `socket-request`; in a log buffer it is the log's
--- own session. When that does not single out one session, a picker (`vim.ui.select`) asks.
--- Everything is asynchronous; failures are reported with `vim.notify`, never raised.
--- This module must not keep session state of its own (see `void.sessions`).
local client = require('void.client')
local document = require('void.document')
local log = require('void.log')
local lsp = require('void.lsp')
local sessions = require('void.sessions')

local M = {}

--- @class void.Context
--- @field bufnr integer The buffer the command was run from.
--- @field uri string|nil Document URI (nil in a log buffer).
--- @field section void.Section|nil Section under the cursor.
--- @field block_uid string|nil uid of that section's `socket-request`.
--- @field session_id string|nil Set in a log buffer.

--- Where the command was run from.
--- @return void.Context
local function context()
  local bufnr = vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  if log.is_log(bufnr) then
    return { bufnr = bufnr, session_id = sessions.id_from_log_uri(name), log_uri = name }
  end
  local scan = document.scan(bufnr)
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local section = document.section_at(scan, row)
  local request = section and document.socket_request(section)
  return {
    bufnr = bufnr,
    uri = vim.uri_from_bufnr(bufnr),
    section = section,
    block_uid = request and request.attrs.uid or nil,
  }
end

--- The client for a command, or a notification saying why there is none.
--- @param ctx void.Context
--- @return vim.lsp.Client|nil
local function require_client(ctx)
  local c = client.get(ctx.bufnr)
  if not c then
    vim.notify('void: void-ls is not running (open a .void file; see :checkhealth void)', vim.log.levels.ERROR)
  end
  return c
end

--- Asks the server for its sessions and merges them into the cache; `done` runs either way
--- (with the cache as it is when the server cannot answer).
--- @param c vim.lsp.Client
--- @param done fun()
function M.sync_sessions(c, done)
  client.execute(c, 'void.sessions', {}, function(err, result)
    if not err and type(result) == 'table' then
      for _, entry in ipairs(result) do
        if type(entry) == 'table' and type(entry.sessionId) == 'string' then
          sessions.update({
            sessionId = entry.sessionId,
            uri = entry.uri,
            blockUid = entry.blockUid,
            state = entry.state,
            logUri = entry.logUri,
          })
        end
      end
    end
    done()
  end)
end

--- One line describing a session in a picker.
--- @param status void.SessionStatus
--- @return string
local function session_label(status)
  local file = status.uri and vim.fn.fnamemodify(vim.uri_to_fname(status.uri), ':t') or '?'
  return string.format('%s  %s  (%s)', sessions.describe(status), status.url or status.blockUid or '', file)
end

--- Finds the session a command applies to, then calls `use(client, session)`.
--- @param use fun(c: vim.lsp.Client, status: void.SessionStatus)
--- @param opts {live: boolean}|nil `live` (default true) skips sessions that already ended.
local function with_session(use, opts)
  local want_live = not (opts and opts.live == false)
  local ctx = context()
  local c = require_client(ctx)
  if not c then
    return
  end
  M.sync_sessions(c, function()
    if ctx.session_id then
      use(c, sessions.by_id[ctx.session_id] or { sessionId = ctx.session_id, logUri = ctx.log_uri })
      return
    end
    -- In a WebSocket section only that section's sessions count; elsewhere in the file
    -- (prose before the first section) any session of the file does.
    local candidates = vim.tbl_filter(function(status)
      return (ctx.block_uid == nil or status.blockUid == ctx.block_uid) and (sessions.is_live(status) or not want_live)
    end, sessions.list(ctx.uri))
    if ctx.block_uid and #candidates > 1 then
      candidates = { sessions.for_block(ctx.uri, ctx.block_uid) }
    end
    if #candidates == 1 then
      use(c, candidates[1])
    elseif #candidates == 0 then
      vim.notify(
        'void: no '
          .. (want_live and 'live ' or '')
          .. 'session for this section; run :VoidConnect with the cursor in a WebSocket section',
        vim.log.levels.WARN
      )
    else
      vim.ui.select(candidates, { prompt = 'WebSocket session', format_item = session_label }, function(choice)
        if choice then
          use(c, choice)
        end
      end)
    end
  end)
end

--- Runs a session command and reports failures; `after(result)` on success.
local function run(c, command, argument, after)
  client.execute(c, command, argument, function(err, result)
    if err then
      client.notify_error(command, err)
      return
    end
    local status = argument.sessionId and sessions.by_id[argument.sessionId]
    local bufnr = status and client.loaded_buffer(status.uri)
    if bufnr then
      lsp.refresh_codelens(bufnr)
    end
    if after then
      after(result)
    end
  end)
end

--- Connects the WebSocket section under the cursor (`void.connect {uri, position}`).
function M.connect()
  local ctx = context()
  if not ctx.uri then
    vim.notify('void: :VoidConnect works in a .void buffer', vim.log.levels.WARN)
    return
  end
  local c = require_client(ctx)
  if not c then
    return
  end
  local argument = { uri = ctx.uri, position = client.cursor_position(c) }
  client.execute(c, 'void.connect', argument, function(err, result)
    if err then
      client.notify_error('connect', err)
      return
    end
    lsp.on_connected(result, { uri = ctx.uri, blockUid = ctx.block_uid })
    lsp.refresh_codelens(ctx.bufnr)
  end, ctx.bufnr)
end

--- The `ws-message` blocks of the section a session belongs to (or of the cursor's section).
--- @param status void.SessionStatus
--- @return void.Block[]
local function messages_for(status)
  local scan, section
  if status.uri then
    local bufnr = vim.uri_to_bufnr(status.uri)
    vim.fn.bufload(bufnr)
    scan = document.scan(bufnr)
    section = status.blockUid and document.section_of_block(scan, status.blockUid)
  end
  if not section then
    section = context().section
  end
  return section and document.messages(section) or {}
end

--- Text naming a message in pickers and errors.
--- @param block void.Block
local function message_label(block)
  local label = block.attrs.name or string.format('(unnamed, line %d)', block.first + 1)
  return string.format('%s  [%s]', label, block.attrs.format or 'text')
end

--- Sends a `ws-message` of the session's section, by name, or chosen in a picker.
--- @param name string|nil
function M.send(name)
  name = (name ~= nil and name ~= '') and name or nil
  with_session(function(c, status)
    local messages = messages_for(status)
    local function send(block)
      if not block.attrs.uid then
        vim.notify(
          'void: the message "' .. (block.attrs.name or '?') .. '" has no uid; add one (code action) first',
          vim.log.levels.ERROR
        )
        return
      end
      run(c, 'void.send', { sessionId = status.sessionId, messageUid = block.attrs.uid })
    end
    if name then
      for _, block in ipairs(messages) do
        if block.attrs.name == name then
          send(block)
          return
        end
      end
      local names = vim.tbl_map(function(b)
        return b.attrs.name or '?'
      end, messages)
      vim.notify(
        string.format(
          'void: no ws-message named "%s" in this section (found: %s)',
          name,
          #names > 0 and table.concat(names, ', ') or 'none'
        ),
        vim.log.levels.ERROR
      )
    elseif #messages == 0 then
      vim.notify('void: this section has no ws-message to send', vim.log.levels.WARN)
    else
      vim.ui.select(messages, { prompt = 'Send message', format_item = message_label }, function(choice)
        if choice then
          send(choice)
        end
      end)
    end
  end)
end

--- Names offered by `:VoidSend <Tab>`: the messages of the cursor's section.
--- @param lead string
--- @return string[]
function M.complete_message(lead)
  local ctx = context()
  local messages = {}
  if ctx.section then
    messages = document.messages(ctx.section)
  elseif ctx.session_id then
    local status = sessions.by_id[ctx.session_id]
    messages = status and messages_for(status) or {}
  end
  local names = {}
  for _, block in ipairs(messages) do
    local n = block.attrs.name
    if n and vim.startswith(n, lead or '') then
      table.insert(names, n)
    end
  end
  return names
end

--- Pauses the live view of the session (the connection stays open; nothing is dropped).
function M.pause()
  with_session(function(c, status)
    run(c, 'void.pause', { sessionId = status.sessionId })
  end)
end

--- Resumes the live view; everything that arrived meanwhile shows up.
function M.resume()
  with_session(function(c, status)
    run(c, 'void.resume', { sessionId = status.sessionId })
  end)
end

--- Closes the session (or cancels the attempt while connecting).
--- @param code integer|nil Close code, 1000 by default.
--- @param reason string|nil
function M.close(code, reason)
  with_session(function(c, status)
    local argument = { sessionId = status.sessionId }
    argument.code = code
    argument.reason = reason
    run(c, 'void.close', argument)
  end)
end

--- Opens the live log of the session.
function M.open_log()
  with_session(function(_, status)
    if status.logUri then
      log.open(status.logUri)
    else
      vim.notify('void: the server gave no log for session ' .. status.sessionId, vim.log.levels.ERROR)
    end
  end, { live = false })
end

--- Lists every session; choosing one opens its log.
function M.list_sessions()
  local ctx = context()
  local c = require_client(ctx)
  if not c then
    return
  end
  M.sync_sessions(c, function()
    local all = sessions.list(nil)
    if #all == 0 then
      vim.notify('void: no WebSocket sessions', vim.log.levels.INFO)
      return
    end
    vim.ui.select(all, { prompt = 'WebSocket sessions', format_item = session_label }, function(choice)
      if choice and choice.logUri then
        log.open(choice.logUri)
      end
    end)
  end)
end

--- Copies the session's transcript (JSON Lines, every event) to `path`.
--- @param path string
function M.export(path)
  if not path or path == '' then
    vim.notify('void: :VoidExport needs a path', vim.log.levels.ERROR)
    return
  end
  local target = vim.fn.fnamemodify(vim.fn.expand(path), ':p')
  with_session(function(c, status)
    run(c, 'void.exportTranscript', { sessionId = status.sessionId, path = target }, function(result)
      local written = type(result) == 'table' and result.path or target
      local events = type(result) == 'table' and result.events or '?'
      vim.notify(string.format('void: wrote %s events to %s', tostring(events), written), vim.log.levels.INFO)
    end)
  end, { live = false })
end

--- Defines the user commands.
function M.setup()
  local function define(name, fn, opts)
    vim.api.nvim_create_user_command(name, fn, opts)
  end
  define('VoidConnect', function()
    M.connect()
  end, { desc = 'Connect the WebSocket section under the cursor' })
  define('VoidSend', function(args)
    M.send(args.args)
  end, {
    nargs = '?',
    complete = function(lead)
      return M.complete_message(lead)
    end,
    desc = 'Send a ws-message of this section (picker without a name)',
  })
  define('VoidPause', function()
    M.pause()
  end, { desc = 'Pause the live log of this section’s session' })
  define('VoidResume', function()
    M.resume()
  end, { desc = 'Resume the live log of this section’s session' })
  define('VoidClose', function(args)
    local code, reason = args.fargs[1], nil
    if code and not tonumber(code) then
      vim.notify('void: :VoidClose [code] [reason]: code must be a number', vim.log.levels.ERROR)
      return
    end
    if #args.fargs > 1 then
      reason = table.concat(vim.list_slice(args.fargs, 2), ' ')
    end
    M.close(code and tonumber(code) or nil, reason)
  end, { nargs = '*', desc = 'Close this section’s session: [code] [reason]' })
  define('VoidLog', function()
    M.open_log()
  end, { desc = 'Open the live log of this section’s session' })
  define('VoidSessions', function()
    M.list_sessions()
  end, { desc = 'List WebSocket sessions; pick one to open its log' })
  define('VoidExport', function(args)
    M.export(args.args)
  end, { nargs = 1, complete = 'file', desc = 'Export this section’s session transcript to a file' })
end

return M
