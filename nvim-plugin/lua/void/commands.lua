--- The session commands (`:VoidConnect`, `:VoidSend`, `:VoidPause`, `:VoidResume`, `:VoidClose`,
--- `:VoidLog`, `:VoidSessions`, `:VoidExport`, `:VoidMessage`), serving a section on loopback
--- (`:VoidServe`, `:VoidStopServe`) and the Lua functions behind them.
---
--- Each one works on "the session of the section under the cursor": in a `.void` buffer the
--- server says which section that is and which session it has (`void/sectionAt`: the plugin
--- never parses `.void` text); in a log buffer it is the log's own session. When that does not
--- single out one session, a picker (`vim.ui.select`) asks. When the server is not running (it
--- died, say), the command starts it first. Everything is asynchronous; failures are reported
--- with `vim.notify`, never raised. Opening a log never moves the cursor: `:VoidConnect` and
--- `:VoidLog` leave it alike, in the window it was in. This module keeps no session state of its
--- own (see `void.sessions`).
local client = require('void.client')
local log = require('void.log')
local lsp = require('void.lsp')
local protocol = require('void.protocol')
local sessions = require('void.sessions')

local M = {}

--- @class void.Context
--- @field bufnr integer The buffer the command was run from.
--- @field uri string|nil Document URI (nil in a log buffer).
--- @field position void.Position|nil The cursor, in the client's encoding.
--- @field session_id string|nil Set in a log buffer.
--- @field log_uri string|nil Set in a log buffer.

--- Where the command was run from.
--- @param c vim.lsp.Client
--- @return void.Context
local function context(c)
  local bufnr = vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  if log.is_log(bufnr) then
    return { bufnr = bufnr, session_id = sessions.id_from_log_uri(name), log_uri = name }
  end
  return { bufnr = bufnr, uri = vim.uri_from_bufnr(bufnr), position = client.cursor_position(c) }
end

--- The client for a command, started when it is not running; or a notification saying why not.
--- @return vim.lsp.Client|nil
local function require_client()
  local c, why = lsp.ensure_client(vim.api.nvim_get_current_buf())
  if not c then
    vim.notify('void: ' .. (why or 'void-ls is not running') .. ' (see :checkhealth void)', vim.log.levels.ERROR)
  end
  return c
end

--- The section under the cursor of a `.void` buffer, then `use(section)` (`nil`: no request).
--- @param c vim.lsp.Client
--- @param ctx void.Context
--- @param use fun(section: void.SectionInfo|nil)
local function with_section(c, ctx, use)
  client.section_at(c, { textDocument = { uri = ctx.uri }, position = ctx.position }, function(err, section)
    if err then
      client.notify_error('reading the section', err)
      return
    end
    use(section)
  end, ctx.bufnr)
end

--- Asks the server for its sessions and merges them into the cache; `done` runs either way
--- (with the cache as it is when the server cannot answer).
--- @param c vim.lsp.Client
--- @param done fun()
function M.sync_sessions(c, done)
  client.execute(c, protocol.command.sessions, {}, function(err, result)
    if not err and type(result) == 'table' then
      for _, entry in ipairs(result) do
        if type(entry) == 'table' and type(entry.sessionId) == 'string' then
          sessions.update({
            sessionId = entry.sessionId,
            uri = entry.uri,
            blockUid = entry.blockUid,
            state = entry.state,
            logUri = entry.logUri,
            label = entry.label,
            startedAt = entry.startedAt,
          })
        end
      end
    end
    done()
  end)
end

--- One line describing a session in a picker: section, file, state and age.
--- @param status void.SessionStatus
--- @return string
function M.session_label(status)
  local file = status.uri and vim.fn.fnamemodify(vim.uri_to_fname(status.uri), ':t') or '?'
  local age = sessions.age(status.startedAt)
  return string.format(
    '%s  (%s)  %s%s',
    status.label or status.url or status.blockUid or status.sessionId,
    file,
    sessions.describe(status),
    age and ('  ' .. age .. ' ago') or ''
  )
end

--- Finds the session a command applies to, then calls `use(client, session)`.
--- @param use fun(c: vim.lsp.Client, status: void.SessionStatus)
--- @param opts {live: boolean}|nil `live` (default true) skips sessions that already ended.
local function with_session(use, opts)
  local want_live = not (opts and opts.live == false)
  local c = require_client()
  if not c then
    return
  end
  local ctx = context(c)
  local function pick_among(candidates)
    if #candidates == 1 then
      use(c, candidates[1])
    elseif #candidates == 0 then
      vim.notify(
        'void: no '
          .. (want_live and 'live ' or '')
          .. 'session here; run :VoidConnect with the cursor in a WebSocket section',
        vim.log.levels.WARN
      )
    else
      vim.ui.select(candidates, { prompt = 'WebSocket session', format_item = M.session_label }, function(choice)
        if choice then
          use(c, choice)
        end
      end)
    end
  end
  M.sync_sessions(c, function()
    if ctx.session_id then
      use(c, sessions.by_id[ctx.session_id] or { sessionId = ctx.session_id, logUri = ctx.log_uri })
      return
    end
    with_section(c, ctx, function(section)
      local ref = section and section.session
      if ref and (protocol.is_live(ref.state) or not want_live) then
        use(c, sessions.by_id[ref.sessionId] or { sessionId = ref.sessionId, logUri = ref.logUri, uri = ctx.uri })
        return
      end
      if section then
        -- A section of its own with no (live) session: say so rather than act on another one.
        pick_among({})
        return
      end
      -- Prose before any request: any session of the file.
      pick_among(vim.tbl_filter(function(status)
        return sessions.is_live(status) or not want_live
      end, sessions.list(ctx.uri)))
    end)
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

--- The section under the cursor of a `.void` buffer (`nil`: no request there), then
--- `use(client, ctx, section)`; in a log buffer it says that `what` works in a `.void` buffer.
--- @param what string The command, for messages.
--- @param use fun(c: vim.lsp.Client, ctx: void.Context, section: void.SectionInfo|nil)
local function section_here(what, use)
  if log.is_log(vim.api.nvim_get_current_buf()) then
    vim.notify('void: ' .. what .. ' works in a .void buffer', vim.log.levels.WARN)
    return
  end
  local c = require_client()
  if not c then
    return
  end
  local ctx = context(c)
  with_section(c, ctx, function(section)
    use(c, ctx, section)
  end)
end

--- The command argument naming a section: by its request's uid, else by the cursor.
--- @param ctx void.Context
--- @param section void.SectionInfo
--- @return void.SectionTarget
local function target_of(ctx, section)
  return section.blockUid ~= '' and { uri = ctx.uri, blockUid = section.blockUid }
    or { uri = ctx.uri, position = ctx.position }
end

--- Runs `void.connect` or `void.serve` on a section, then `opened(result, target)` (which shows
--- the log; the cursor stays where it is) and refreshes the lenses.
--- @param c vim.lsp.Client
--- @param ctx void.Context
--- @param what string The operation, for messages ("connect", "serve").
--- @param target void.SectionTarget
--- @param opened fun(result: any, target: void.SectionTarget)
local function start_target(c, ctx, what, target, opened)
  client.execute(c, protocol.command[what], target, function(err, result)
    if err then
      client.notify_error(what, err)
      return
    end
    opened(result, target)
    lsp.refresh_codelens(ctx.bufnr)
  end, ctx.bufnr)
end

--- Connects and opens the log (the cursor stays where it is).
--- @param c vim.lsp.Client
--- @param ctx void.Context
--- @param target void.SectionTarget
local function connect_target(c, ctx, target)
  start_target(c, ctx, 'connect', target, lsp.on_connected)
end

--- Connects the WebSocket section under the cursor (or runs the HTTP one). When it is already
--- connected, asks whether to show its log or to reconnect (closing the running session first).
function M.connect()
  section_here(':VoidConnect', function(c, ctx, section)
    if not section then
      vim.notify(
        'void: there is no request in this section; type /wss on an empty line to add one',
        vim.log.levels.WARN
      )
      return
    end
    if section.kind ~= 'websocket' and section.kind ~= 'http' then
      vim.notify(
        string.format('void: "%s" is a %s request; only WebSocket and HTTP sections run', section.label, section.kind),
        vim.log.levels.WARN
      )
      return
    end
    local target = target_of(ctx, section)
    if section.kind == 'http' then
      -- An HTTP section runs once; its response document opens like a log (the server answers
      -- a run still waiting for its response instead of sending again).
      connect_target(c, ctx, target)
      return
    end
    local running = section.session
    if not (running and protocol.is_live(running.state)) then
      connect_target(c, ctx, target)
      return
    end
    local choices = { 'Show its log', 'Reconnect (close it and connect again)' }
    vim.ui.select(choices, {
      prompt = string.format('"%s" is already connected (%s)', section.label, running.state),
    }, function(choice)
      if choice == choices[1] then
        log.open(running.logUri, { focus = false, section = log.section_key(ctx.uri, section.blockUid) })
      elseif choice == choices[2] then
        run(c, protocol.command.close, { sessionId = running.sessionId }, function()
          vim.wait(6000, function()
            local now = sessions.by_id[running.sessionId]
            return now == nil or not sessions.is_live(now)
          end, 20)
          connect_target(c, ctx, target)
        end)
      end
    end)
  end)
end

--- The WebSocket section under the cursor of a `.void` buffer, then `use(client, ctx, section,
--- target)`; says why not when the cursor is elsewhere. `what` names the command in messages.
--- @param what string
--- @param use fun(c: vim.lsp.Client, ctx: void.Context, section: void.SectionInfo, target: void.SectionTarget)
local function with_websocket_section(what, use)
  section_here(what, function(c, ctx, section)
    if not section or section.kind ~= 'websocket' then
      vim.notify('void: ' .. what .. ' works with the cursor in a WebSocket section', vim.log.levels.WARN)
      return
    end
    use(c, ctx, section, target_of(ctx, section))
  end)
end

--- Serves the WebSocket section under the cursor on a free loopback port (its server side: the
--- `on-open` messages and `on-receive` replies) and shows its log; a section already served
--- shows its log again.
function M.serve()
  with_websocket_section(':VoidServe', function(c, ctx, _, target)
    start_target(c, ctx, 'serve', target, lsp.on_served)
  end)
end

--- Stops serving the section under the cursor (every client's connection ends).
function M.stop_serve()
  with_websocket_section(':VoidStopServe', function(c, ctx, section)
    local served = sessions.served[log.section_key(ctx.uri, section.blockUid) or '']
    if not served then
      vim.notify('void: "' .. section.label .. '" is not served from this editor', vim.log.levels.WARN)
      return
    end
    client.execute(c, protocol.command.stop_serve, { sessionId = served.sessionId }, function(err)
      sessions.forget_served(served.sessionId)
      if err then
        client.notify_error('stop serving', err)
        return
      end
      lsp.refresh_codelens(ctx.bufnr)
    end, ctx.bufnr)
  end)
end

--- The `ws-message` blocks of the section a session belongs to, from the server.
--- @param c vim.lsp.Client
--- @param status void.SessionStatus
--- @param done fun(messages: void.MessageInfo[])
local function messages_for(c, status, done)
  if not (status.uri and status.blockUid) then
    done({})
    return
  end
  client.section_at(c, { textDocument = { uri = status.uri }, blockUid = status.blockUid }, function(err, section)
    done((not err and section and section.messages) or {})
  end)
end

--- Text naming a message in pickers and errors.
--- @param message void.MessageInfo
function M.message_label(message)
  return string.format('%s  [%s]  %s', protocol.value(message.name) or '(unnamed)', message.format, message.preview)
end

--- Sends a `ws-message` of the session's section, by name, or chosen in a picker.
--- @param name string|nil
function M.send(name)
  name = (name ~= nil and name ~= '') and name or nil
  with_session(function(c, status)
    messages_for(c, status, function(messages)
      local function send(message)
        local uid = protocol.value(message.uid)
        if not uid then
          vim.notify(
            'void: the message "'
              .. (protocol.value(message.name) or '?')
              .. '" has no uid; add one (code action) first',
            vim.log.levels.ERROR
          )
          return
        end
        run(c, protocol.command.send, { sessionId = status.sessionId, messageUid = uid })
      end
      if name then
        for _, message in ipairs(messages) do
          if protocol.value(message.name) == name then
            send(message)
            return
          end
        end
        local names = vim.tbl_map(function(m)
          return protocol.value(m.name) or '?'
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
        vim.ui.select(messages, { prompt = 'Send message', format_item = M.message_label }, function(choice)
          if choice then
            send(choice)
          end
        end)
      end
    end)
  end)
end

--- Names offered by `:VoidSend <Tab>`: the messages of the cursor's section (or, in a log
--- buffer, of the log's section), asked of the server.
--- @param lead string
--- @return string[]
function M.complete_message(lead)
  local bufnr = vim.api.nvim_get_current_buf()
  local c = client.get(bufnr)
  if not c then
    return {}
  end
  local params
  if log.is_log(bufnr) then
    local status = sessions.by_id[sessions.id_from_log_uri(vim.api.nvim_buf_get_name(bufnr)) or '']
    if not (status and status.uri and status.blockUid) then
      return {}
    end
    params = { textDocument = { uri = status.uri }, blockUid = status.blockUid }
  else
    params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = client.cursor_position(c) }
  end
  local section = client.section_at_sync(c, params, bufnr)
  local names = {}
  for _, message in ipairs(section and section.messages or {}) do
    local n = protocol.value(message.name)
    if n and vim.startswith(n, lead or '') then
      table.insert(names, n)
    end
  end
  return names
end

--- Pauses the live view of the session (the connection stays open; nothing is dropped).
function M.pause()
  with_session(function(c, status)
    run(c, protocol.command.pause, { sessionId = status.sessionId })
  end)
end

--- Resumes the live view; everything that arrived meanwhile shows up.
function M.resume()
  with_session(function(c, status)
    run(c, protocol.command.resume, { sessionId = status.sessionId })
  end)
end

--- Closes the session (or cancels the attempt while connecting or waiting to reconnect).
--- @param code integer|nil Close code, 1000 by default.
--- @param reason string|nil
function M.close(code, reason)
  with_session(function(c, status)
    run(c, protocol.command.close, { sessionId = status.sessionId, code = code, reason = reason })
  end)
end

--- Shows the live log of the session (the cursor stays where it is, as after :VoidConnect).
function M.open_log()
  with_session(function(_, status)
    if status.logUri then
      log.open(status.logUri, { focus = false, section = log.section_key(status.uri, status.blockUid) })
    else
      vim.notify('void: the server gave no log for session ' .. status.sessionId, vim.log.levels.ERROR)
    end
  end, { live = false })
end

--- Opens the whole message on the cursor's line of a log buffer in a floating window,
--- pretty-printed (`void/logMessage`). `q` closes it.
function M.open_message()
  local bufnr = vim.api.nvim_get_current_buf()
  if not log.is_log(bufnr) then
    vim.notify('void: :VoidMessage works on a → or ← line of a session log', vim.log.levels.WARN)
    return
  end
  local c = require_client()
  if not c then
    return
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1]
  local params = { uri = vim.api.nvim_buf_get_name(bufnr), line = row, text = line }
  client.request(c, protocol.method.log_message, params, function(err, result)
    if err then
      client.notify_error('reading the message', err)
      return
    end
    result = protocol.value(result)
    if not result then
      vim.notify('void: this line holds no message (it is the header or a connection event)', vim.log.levels.WARN)
      return
    end
    local text = protocol.value(result.text)
    if not text then
      vim.notify('void: ' .. (protocol.value(result.note) or 'the whole message is not kept'), vim.log.levels.WARN)
      return
    end
    local lines = vim.split(text, '\n', { plain = true })
    local float = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_lines(float, 0, -1, false, lines)
    vim.bo[float].modifiable = false
    vim.bo[float].filetype = result.format == 'json' and 'json' or (result.format == 'xml' and 'xml' or 'text')
    local width = math.min(vim.o.columns - 4, math.max(40, vim.fn.max(vim.tbl_map(vim.fn.strdisplaywidth, lines)) + 2))
    local height = math.min(vim.o.lines - 4, #lines)
    local title = string.format(
      ' %s %s · %d B%s ',
      result.direction == 'in' and '←' or '→',
      result.format,
      result.size,
      protocol.value(result.note) and (' · ' .. result.note) or ''
    )
    local win = vim.api.nvim_open_win(float, true, {
      relative = 'editor',
      row = math.floor((vim.o.lines - height) / 2),
      col = math.floor((vim.o.columns - width) / 2),
      width = width,
      height = height,
      border = 'rounded',
      title = title,
    })
    vim.keymap.set('n', 'q', function()
      pcall(vim.api.nvim_win_close, win, true)
    end, { buffer = float, nowait = true, desc = 'Close the message' })
  end, bufnr)
end

--- Lists every session (section, file, state, age); choosing one opens its log.
function M.list_sessions()
  local c = require_client()
  if not c then
    return
  end
  M.sync_sessions(c, function()
    local all = sessions.list(nil)
    if #all == 0 then
      vim.notify('void: no WebSocket sessions', vim.log.levels.INFO)
      return
    end
    vim.ui.select(all, { prompt = 'WebSocket sessions', format_item = M.session_label }, function(choice)
      if choice and choice.logUri then
        log.open(choice.logUri, { focus = false, section = log.section_key(choice.uri, choice.blockUid) })
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
    run(c, protocol.command.export_transcript, { sessionId = status.sessionId, path = target }, function(result)
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
  end, { desc = 'Show the live log of this section’s session' })
  define('VoidMessage', function()
    M.open_message()
  end, { desc = 'Show the whole message on this log line, pretty-printed' })
  define('VoidSessions', function()
    M.list_sessions()
  end, { desc = 'List WebSocket sessions; pick one to open its log' })
  define('VoidServe', function()
    M.serve()
  end, { desc = 'Serve this WebSocket section on loopback and show its log' })
  define('VoidStopServe', function()
    M.stop_serve()
  end, { desc = 'Stop serving this WebSocket section' })
  define('VoidExport', function(args)
    M.export(args.args)
  end, { nargs = 1, complete = 'file', desc = 'Export this section’s session transcript to a file' })
end

return M
