-- End-to-end test of the Neovim plugin with the real void-ls server and a real WebSocket echo
-- server, in headless Neovim 0.11:
--
--   VOID_LS=path/to/void-ls VOID_ECHO_URL=ws://127.0.0.1:PORT/ VOID_E2E_DIR=scratch-dir \
--     nvim --headless --clean -l tests/nvim-e2e/e2e.lua
--
-- Steps: open a fixture, get diagnostics, complete /wss in insert mode with the plugin's default
-- setup, show code lenses, connect to the echo server, read the log buffer with → and ← lines
-- (the handshake folded), send (by name and with the picker), pause, check nothing moves while
-- paused, resume, statusline, export the transcript, list sessions, close, connect again three
-- times into the same log window, run an HTTP section (its response buffer), serve a section
-- with its ▶ Serve lens (a Python client talks to it, ■ Stop serving stops it), kill the server
-- and recover on the next command; then the
-- fixture project (inlay hints, workspace symbols, rename). Every step is real (no stubs besides
-- answering the picker). The first failing step stops the run with its name, the reason, and the
-- notifications seen so far; exit code 1.
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h:h')
vim.opt.runtimepath:prepend(root .. '/nvim-plugin')
vim.cmd.runtime('plugin/void.lua')

local out = io.stdout
local server = os.getenv('VOID_LS')
-- VOID_LS_CMD (a JSON list) replaces the command line.
local server_cmd = os.getenv('VOID_LS_CMD') and vim.json.decode(os.getenv('VOID_LS_CMD')) or { server }
local echo_url = os.getenv('VOID_ECHO_URL')
local dir = os.getenv('VOID_E2E_DIR') or vim.fn.tempname()
local step_timeout = tonumber(os.getenv('VOID_E2E_TIMEOUT_MS') or '') or 10000

--- Everything the plugin told the user, to explain failures.
local notes = {}
local level_names = {}
for name, value in pairs(vim.log.levels) do
  level_names[value] = name
end
vim.notify = function(msg, level)
  table.insert(notes, string.format('[%s] %s', level_names[level or vim.log.levels.INFO] or tostring(level), msg))
end

--- The picker answers: a function that receives the items and returns the one to pick.
local pick = nil
local picker_items = nil
vim.ui.select = function(items, opts, on_choice)
  picker_items = { items = items, opts = opts }
  local choice = pick and pick(items, opts) or nil
  vim.schedule(function()
    on_choice(choice)
  end)
end

local step_number, passed = 0, {}

local function fail(name, reason)
  out:write(string.format('FAIL step %d (%s): %s\n', step_number, name, reason))
  if #notes > 0 then
    out:write('  notifications:\n')
    for _, note in ipairs(notes) do
      out:write('    ' .. note .. '\n')
    end
  end
  out:write(string.format('  steps passed before it: %s\n', #passed > 0 and table.concat(passed, ', ') or 'none'))
  out:write('  LSP log: ' .. vim.lsp.get_log_path() .. '\n')
  os.exit(1)
end

--- Runs a step; `fn` returns nothing on success or raises `error('reason')`.
local function step(name, fn)
  step_number = step_number + 1
  local started = vim.uv.hrtime()
  local ok, err = xpcall(fn, function(e)
    if type(e) == 'string' and e:sub(1, 7) == 'reason:' then
      return e:sub(8)
    end
    return debug.traceback(tostring(e), 2)
  end)
  if not ok then
    fail(name, tostring(err))
  end
  table.insert(passed, name)
  out:write(string.format('ok   step %d %s (%d ms)\n', step_number, name, (vim.uv.hrtime() - started) / 1e6))
end

local function reason(text)
  error('reason:' .. text, 0)
end

--- Waits for `cond` to return a truthy value; returns it, or fails with `why()`.
local function wait_for(cond, why, timeout)
  local value
  local ok = vim.wait(timeout or step_timeout, function()
    value = cond()
    return value ~= nil and value ~= false
  end, 20)
  if not ok then
    reason(type(why) == 'function' and why() or why)
  end
  return value
end

local function buf_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

local function find_line(bufnr, pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find(pattern) then
      return i
    end
  end
  return nil
end

local function void_client(bufnr)
  return vim.lsp.get_clients({ name = 'void_ls', bufnr = bufnr })[1]
end

local sessions = require('void.sessions')
local log = require('void.log')

-- Fixtures, copied into the scratch directory (the echo URL filled in).
local fixtures = root .. '/tests/nvim-e2e/fixtures'
local echo_path, diagnostics_path, completion_path =
  dir .. '/echo.void', dir .. '/diagnostics.void', dir .. '/completion.void'

--- Writes the fixture `name` (a `.void.in` file) to `path` with `url` in place of @ECHO_URL@.
local function write_fixture(name, url, path)
  local lines = vim.fn.readfile(fixtures .. '/' .. name)
  for i, line in ipairs(lines) do
    lines[i] = line:gsub('@ECHO_URL@', url)
  end
  vim.fn.writefile(lines, path)
end

step('environment', function()
  if vim.fn.executable(server_cmd[1] or '') == 0 then
    reason('VOID_LS must name the void-ls binary (got ' .. tostring(server_cmd[1]) .. ')')
  end
  if not echo_url or not echo_url:match('^wss?://127%.0%.0%.1:%d+') then
    reason('VOID_ECHO_URL must be a loopback ws:// URL (got ' .. tostring(echo_url) .. ')')
  end
  if vim.fn.has('nvim-0.11') == 0 then
    reason('this test runs on Neovim 0.11 or later, got ' .. tostring(vim.version()))
  end
  vim.fn.mkdir(dir, 'p')
  write_fixture('echo.void.in', echo_url, echo_path)
  vim.fn.writefile(vim.fn.readfile(fixtures .. '/diagnostics.void'), diagnostics_path)
  vim.fn.writefile(vim.fn.readfile(fixtures .. '/completion.void'), completion_path)
  -- No git folder or .voiden above the scratch dir should become the root: mark it.
  vim.fn.mkdir(dir .. '/.voiden', 'p')
  require('void').setup({ cmd = server_cmd })
end)

local diag_buf
step('open a fixture: filetype, highlighting, server attached', function()
  vim.cmd.edit(vim.fn.fnameescape(diagnostics_path))
  diag_buf = vim.api.nvim_get_current_buf()
  if vim.bo.filetype ~= 'void' then
    reason('filetype is "' .. vim.bo.filetype .. '", expected "void"')
  end
  if not vim.treesitter.highlighter.active[diag_buf] then
    reason('no tree-sitter highlighter on the .void buffer')
  end
  local c = wait_for(function()
    local c = void_client(diag_buf)
    return c and c.initialized and c
  end, function()
    return 'void-ls did not start and attach within the timeout (cmd ' .. table.concat(server_cmd, ' ') .. ')'
  end)
  out:write(
    string.format(
      '     server %s, position encoding %s\n',
      c.server_info and c.server_info.name or '?',
      c.offset_encoding
    )
  )
end)

step('diagnostics: duplicate uid and invalid JSON body', function()
  local dup_lines = {}
  for i, line in ipairs(vim.api.nvim_buf_get_lines(diag_buf, 0, -1, false)) do
    if line:find('a2a3e821-beb1-46ec-afd4-265d29f23f48', 1, true) then
      table.insert(dup_lines, i - 1)
    end
  end
  local function describe()
    return vim.inspect(vim.tbl_map(function(d)
      return string.format('%d:%d %s %s', d.lnum + 1, d.col + 1, vim.diagnostic.severity[d.severity], d.message)
    end, vim.diagnostic.get(diag_buf)))
  end
  wait_for(function()
    for _, d in ipairs(vim.diagnostic.get(diag_buf)) do
      local msg = d.message:lower()
      if
        d.severity == vim.diagnostic.severity.ERROR
        and msg:find('uid', 1, true)
        and msg:find('duplicate', 1, true)
      then
        return true
      end
    end
  end, function()
    return 'no error diagnostic about the duplicate uid (lines '
      .. table.concat(
        vim.tbl_map(function(l)
          return l + 1
        end, dup_lines),
        ', '
      )
      .. '); diagnostics: '
      .. describe()
  end)
  wait_for(function()
    for _, d in ipairs(vim.diagnostic.get(diag_buf)) do
      if d.message:lower():find('json', 1, true) then
        return true
      end
    end
  end, function()
    return 'no diagnostic about the invalid JSON body of "broken"; diagnostics: ' .. describe()
  end)
end)

step('completion: /wss expands in insert mode with the default setup', function()
  -- Typing needs Neovim's input loop, which this script's own instance does not run: a second
  -- Neovim (embedded, driven over RPC as a UI would) gets the keys, with the plugin's defaults.
  local chan = vim.fn.jobstart({ vim.v.progpath, '--embed', '--headless', '--clean', '-n' }, { rpc = true })
  if chan <= 0 then
    reason('cannot start an embedded Neovim')
  end
  local function lua(code, ...)
    return vim.rpcrequest(chan, 'nvim_exec_lua', code, { ... })
  end
  local ok, err = pcall(function()
    lua(
      "vim.opt.runtimepath:prepend(...); vim.cmd.runtime('plugin/void.lua'); require('void').setup({ cmd = select(2, ...) })",
      root .. '/nvim-plugin',
      server_cmd
    )
    vim.rpcrequest(chan, 'nvim_command', 'edit ' .. vim.fn.fnameescape(completion_path))
    wait_for(function()
      return lua("local c = vim.lsp.get_clients({ name = 'void_ls', bufnr = 0 })[1]; return c ~= nil and c.initialized")
    end, 'void-ls did not attach to completion.void in the embedded Neovim')
    -- As a person types it: a new line, `/wss` (`/` opens completion), the item, accept.
    vim.rpcrequest(chan, 'nvim_input', 'Go/wss')
    local items = wait_for(function()
      local info = lua("return vim.fn.pumvisible() == 1 and vim.fn.complete_info({ 'items', 'selected' }) or false")
      return info and #info.items > 0 and info
    end, function()
      return 'no completion menu after typing /wss (mode ' .. lua('return vim.fn.mode()') .. ')'
    end)
    local index
    for i, item in ipairs(items.items) do
      if (item.abbr or item.word or ''):find('wss', 1, true) then
        index = i - 1
        break
      end
    end
    if not index then
      reason('no /wss item in the menu: ' .. vim.inspect(vim.tbl_map(function(it)
        return it.abbr or it.word
      end, items.items)))
    end
    local moves = index - items.selected
    local keys = moves >= 0 and string.rep('<C-n>', moves) or string.rep('<C-p>', -moves)
    vim.rpcrequest(chan, 'nvim_input', keys .. '<C-y>')
    local text = wait_for(function()
      local t = lua("return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')")
      return t:find('type: socket-request', 1, true) and t:find('type: ws-message', 1, true) and t
    end, function()
      return 'accepting the item did not insert the WebSocket section:\n'
        .. lua("return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')")
    end)
    vim.rpcrequest(chan, 'nvim_input', '<Esc>')
    if text:find('\n/wss', 1, true) then
      reason('the typed /wss is still in the buffer:\n' .. text)
    end
    if not text:find('%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x') then
      reason('the inserted section holds no UUID v4 uid:\n' .. text)
    end
    out:write('     accepted item ' .. (items.items[index + 1].abbr or items.items[index + 1].word) .. '\n')
  end)
  vim.fn.jobstop(chan)
  if not ok then
    error(err, 0)
  end
end)

local echo_buf
step('code lens: ▶ Connect on the socket-request', function()
  vim.cmd.edit(vim.fn.fnameescape(echo_path))
  echo_buf = vim.api.nvim_get_current_buf()
  wait_for(function()
    local c = void_client(echo_buf)
    return c and c.initialized
  end, 'void-ls did not attach to echo.void')
  local function titles()
    return vim.tbl_map(function(l)
      return l.command and l.command.title or '?'
    end, vim.lsp.codelens.get(echo_buf))
  end
  wait_for(function()
    for _, title in ipairs(titles()) do
      if title:find('Connect', 1, true) then
        return true
      end
    end
  end, function()
    return 'no code lens titled Connect; lenses: ' .. vim.inspect(titles())
  end)
end)

local session, log_buf
step(':VoidConnect connects to the echo server', function()
  local row = find_line(echo_buf, 'type: surl')
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  vim.cmd('VoidConnect')
  local uri = vim.uri_from_bufnr(echo_buf)
  session = wait_for(function()
    local s = sessions.list(uri)[1]
    return s and s.state == 'open' and s
  end, function()
    local s = sessions.list(uri)[1]
    return 'no void/sessionStatus with state "open" for echo.void; last known: ' .. vim.inspect(s)
  end)
  if session.blockUid ~= 'a28f5d6e-a67b-47e2-943f-c682e4f30018' then
    reason('the session is for block ' .. tostring(session.blockUid) .. ', not the socket-request under the cursor')
  end
  if not (session.logUri or ''):match('^void%-session:/') then
    reason('the session has no void-session: log URI: ' .. vim.inspect(session))
  end
end)

step('log buffer shows → and ← lines for the on-open message, the handshake folded', function()
  log_buf = wait_for(function()
    return log.buffer_for(session.logUri)
  end, 'the log buffer did not open after :VoidConnect')
  if vim.fn.win_findbuf(log_buf)[1] == nil then
    reason('the log buffer is not shown in a window')
  end
  if vim.api.nvim_get_current_buf() ~= echo_buf then
    reason('opening the log moved the cursor out of the .void buffer')
  end
  wait_for(function()
    local text = buf_text(log_buf)
    return text:find('→[^\n]*hello%-from%-nvim') and text:find('←[^\n]*hello%-from%-nvim')
  end, function()
    return 'the log has no → and ← lines with the on-open message; log:\n' .. buf_text(log_buf)
  end)
  local header = vim.api.nvim_buf_get_lines(log_buf, 0, 1, false)[1]
  if not header:match('^#') or not header:find('open', 1, true) then
    reason('the log header does not start with # and say open: ' .. header)
  end
  if vim.bo[log_buf].modifiable then
    reason('the log buffer is modifiable')
  end
  -- The handshake's request and header lines are one closed fold: the messages fit a small window.
  local win = vim.fn.win_findbuf(log_buf)[1]
  local first_handshake
  for i, line in ipairs(vim.api.nvim_buf_get_lines(log_buf, 0, -1, false)) do
    if require('void.log').is_handshake_line(line) then
      first_handshake = i
      break
    end
  end
  if not first_handshake then
    reason('the log has no handshake lines to fold:\n' .. buf_text(log_buf))
  end
  local folded = vim.api.nvim_win_call(win, function()
    return { start = vim.fn.foldclosed(first_handshake), finish = vim.fn.foldclosedend(first_handshake) }
  end)
  if folded.start == -1 or folded.finish <= folded.start then
    reason('the handshake is not a closed fold in the log window: ' .. vim.inspect(folded))
  end
  if vim.api.nvim_win_get_cursor(win)[1] ~= vim.api.nvim_buf_line_count(log_buf) then
    reason('the log window cursor is not on the newest line')
  end
end)

step('code lenses refresh while connected (Send)', function()
  wait_for(function()
    for _, l in ipairs(vim.lsp.codelens.get(echo_buf)) do
      if l.command and l.command.title:find('Send', 1, true) then
        return true
      end
    end
  end, function()
    return 'no Send code lens while connected; lenses: '
      .. vim.inspect(vim.tbl_map(function(l)
        return l.command and l.command.title
      end, vim.lsp.codelens.get(echo_buf)))
  end)
end)

step('the Open log code lens shows the log again', function()
  for _, win in ipairs(vim.fn.win_findbuf(log_buf)) do
    vim.api.nvim_win_close(win, true)
  end
  local lens_line
  for _, l in ipairs(vim.lsp.codelens.get(echo_buf)) do
    if l.command and l.command.title == 'Open log' then
      lens_line = l.range.start.line
    end
  end
  if not lens_line then
    reason('no "Open log" code lens while connected')
  end
  vim.api.nvim_win_set_cursor(0, { lens_line + 1, 0 })
  pick = function(items)
    for _, item in ipairs(items) do
      if item.lens and item.lens.command.title == 'Open log' then
        return item
      end
    end
  end
  vim.lsp.codelens.run()
  wait_for(function()
    return vim.fn.win_findbuf(log_buf)[1] ~= nil
  end, 'running the Open log lens did not show the log buffer')
  pick = nil
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(echo_buf)[1])
end)

local function log_has(pattern)
  return buf_text(log_buf):find(pattern) ~= nil
end

step(':VoidSend ping sends by name; the echo comes back', function()
  vim.cmd('VoidSend ping')
  wait_for(function()
    return log_has('→[^\n]*ping%-from%-nvim') and log_has('←[^\n]*ping%-from%-nvim')
  end, function()
    return 'no → and ← lines for ping-from-nvim; log:\n' .. buf_text(log_buf)
  end)
end)

step(':VoidSend without a name asks with a picker', function()
  local _, before = buf_text(log_buf):gsub('←[^\n]*ping%-from%-nvim', '')
  pick = function(items)
    for _, item in ipairs(items) do
      if item.name == 'ping' then
        return item
      end
    end
  end
  vim.cmd('VoidSend')
  wait_for(function()
    local _, now = buf_text(log_buf):gsub('←[^\n]*ping%-from%-nvim', '')
    return now > before
  end, function()
    local offered = picker_items and vim.tbl_map(function(i)
      return i.name
    end, picker_items.items)
    return 'the picked message was not sent; picker offered ' .. vim.inspect(offered) .. '; log:\n' .. buf_text(log_buf)
  end)
  pick = nil
end)

step(':VoidPause pauses; messages are counted but the view stays', function()
  vim.cmd('VoidPause')
  wait_for(function()
    return sessions.by_id[session.sessionId].paused == true
  end, 'no void/sessionStatus with paused=true after :VoidPause')
  local received = sessions.by_id[session.sessionId].received or 0
  vim.cmd('VoidSend later')
  wait_for(function()
    return (sessions.by_id[session.sessionId].received or 0) > received
  end, function()
    return 'the received count did not grow while paused (still ' .. received .. ')'
  end)
  -- Read the log once more and give the server time to (wrongly) move the view.
  log.fetch(log_buf)
  vim.wait(600)
  log.fetch(log_buf)
  vim.wait(200)
  if log_has('←[^\n]*sent%-while%-paused') then
    reason('the live log showed a received message while paused:\n' .. buf_text(log_buf))
  end
  if not require('void').statusline(echo_buf):find('paused', 1, true) then
    reason('the statusline does not say paused: ' .. require('void').statusline(echo_buf))
  end
end)

step(':VoidResume shows what arrived while paused', function()
  vim.cmd('VoidResume')
  wait_for(function()
    return sessions.by_id[session.sessionId].paused == false
  end, 'no void/sessionStatus with paused=false after :VoidResume')
  wait_for(function()
    return log_has('←[^\n]*sent%-while%-paused')
  end, function()
    return 'the message received while paused is not in the log after resume:\n' .. buf_text(log_buf)
  end)
end)

step('statusline shows the session state and counts', function()
  local text = require('void').statusline(echo_buf)
  if not text:find('WS open', 1, true) or not text:find('↑%d+ ↓%d+') then
    reason('statusline is "' .. text .. '"')
  end
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(log_buf)[1])
  local in_log = require('void').statusline()
  vim.cmd.wincmd('p')
  if not in_log:find('WS open', 1, true) then
    reason('statusline in the log buffer is "' .. in_log .. '"')
  end
end)

step(':VoidExport writes the transcript as JSON Lines', function()
  local path = dir .. '/export/transcript.jsonl'
  vim.fn.mkdir(dir .. '/export', 'p')
  vim.cmd('VoidExport ' .. vim.fn.fnameescape(path))
  wait_for(function()
    return vim.fn.filereadable(path) == 1 and #vim.fn.readfile(path) >= 4
  end, function()
    return 'no transcript at ' .. path
  end)
  local dirs = {}
  for n, line in ipairs(vim.fn.readfile(path)) do
    local ok, event = pcall(vim.json.decode, line)
    if not ok or type(event) ~= 'table' or not event.t or not event.dir then
      reason('transcript line ' .. n .. ' is not a {t, dir, ...} JSON object: ' .. line)
    end
    dirs[event.dir] = true
  end
  if not dirs['in'] or not dirs['out'] then
    reason('the transcript lacks "in" or "out" events: ' .. vim.inspect(vim.tbl_keys(dirs)))
  end
  wait_for(function()
    for _, note in ipairs(notes) do
      if note:find('wrote', 1, true) and note:find(path, 1, true) then
        return true
      end
    end
  end, 'no notification saying where the transcript was written')
end)

step(':VoidSessions lists the session', function()
  picker_items = nil
  pick = function()
    return nil
  end
  vim.cmd('VoidSessions')
  wait_for(function()
    return picker_items ~= nil
  end, 'no session picker opened')
  local ids = vim.tbl_map(function(s)
    return s.sessionId
  end, picker_items.items)
  if not vim.list_contains(ids, session.sessionId) then
    reason('the session list lacks ' .. session.sessionId .. ': ' .. vim.inspect(ids))
  end
  pick = nil
end)

step(':VoidClose closes with 1000', function()
  vim.cmd('VoidClose')
  wait_for(function()
    return sessions.by_id[session.sessionId].state == 'closed'
  end, function()
    return 'no void/sessionStatus with state "closed" after :VoidClose; last: '
      .. vim.inspect(sessions.by_id[session.sessionId])
  end)
  wait_for(function()
    return log_has('✕[^\n]*1000')
  end, function()
    return 'the log has no ✕ line with code 1000:\n' .. buf_text(log_buf)
  end)
  if not require('void').statusline(echo_buf):find('closed', 1, true) then
    reason('statusline after close: ' .. require('void').statusline(echo_buf))
  end
end)

step('the ▶ Connect code lens connects again and opens the new log', function()
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(echo_buf)[1])
  local uri = vim.uri_from_bufnr(echo_buf)
  local lens_line
  wait_for(function()
    for _, l in ipairs(vim.lsp.codelens.get(echo_buf)) do
      if l.command and l.command.title:find('Connect', 1, true) then
        lens_line = l.range.start.line
        return true
      end
    end
  end, 'no ▶ Connect code lens after the session closed (lenses are not refreshed)')
  vim.api.nvim_win_set_cursor(0, { lens_line + 1, 0 })
  pick = function(items)
    for _, item in ipairs(items) do
      if item.lens and item.lens.command.title:find('Connect', 1, true) then
        return item
      end
    end
  end
  vim.lsp.codelens.run()
  local second = wait_for(function()
    local s = sessions.list(uri)[1]
    return s and s.sessionId ~= session.sessionId and s.state == 'open' and s
  end, function()
    return 'no new open session after running the lens; newest: ' .. vim.inspect(sessions.list(uri)[1])
  end)
  pick = nil
  wait_for(function()
    return log.buffer_for(second.logUri)
  end, 'the new session log did not open')
  vim.cmd('VoidClose')
  wait_for(function()
    return sessions.by_id[second.sessionId].state == 'closed'
  end, 'the second session did not close')
end)

step('a refused connection is reported through vim.notify', function()
  -- A loopback port that nothing listens on: bind one, note it, close it.
  local tcp = vim.uv.new_tcp()
  tcp:bind('127.0.0.1', 0)
  local port = tcp:getsockname().port
  tcp:close()
  local url = 'ws://127.0.0.1:' .. port .. '/'
  local path = dir .. '/refused.void'
  write_fixture('echo.void.in', url, path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for(function()
    local c = void_client(bufnr)
    return c and c.initialized
  end, 'void-ls did not attach to refused.void')
  vim.api.nvim_win_set_cursor(0, { find_line(bufnr, 'type: surl'), 0 })
  local seen = #notes
  vim.cmd('VoidConnect')
  local uri = vim.uri_from_bufnr(bufnr)
  wait_for(function()
    local s = sessions.list(uri)[1]
    return s and (s.state == 'failed' or s.state == 'closed')
  end, function()
    return 'the session did not end as failed; last: ' .. vim.inspect(sessions.list(uri)[1])
  end)
  wait_for(function()
    for i = seen + 1, #notes do
      if notes[i]:find('[ERROR]', 1, true) and notes[i]:find(tostring(port), 1, true) then
        return true
      end
    end
  end, 'no error notification naming the refused address 127.0.0.1:' .. port)
end)

-- The app's environments (docs/format.md §5).
step(':VoidEnv and :VoidProfile pick the environment; diagnostics follow', function()
  vim.fn.writefile({
    'alpha:',
    '  variables:',
    '    GREETING: hello',
    'beta:',
    '  displayName: Beta',
    '  variables:',
    '    ONLY_BETA: here',
  }, dir .. '/.voiden/env-public.yaml')
  vim.fn.writefile({ 'staging:', '  variables:', '    ONLY_BETA: staged' }, dir .. '/.voiden/env-ci-public.yaml')
  local path = dir .. '/env.void'
  vim.fn.writefile({
    '```void',
    '---',
    'type: headers-table',
    'attrs:',
    '  uid: 3c1e9a7f-5b2d-4e8f-a1c3-7d9e0f2b4a6c',
    'content:',
    '  - type: table',
    '    rows:',
    '      - attrs:',
    '          disabled: false',
    '        row:',
    '          - X-Who',
    '          - "{{ONLY_BETA}}"',
    '---',
    '```',
  }, path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for(function()
    local c = void_client(bufnr)
    return c and c.initialized
  end, 'void-ls did not attach to env.void')
  local environment = require('void.environment')
  local function unresolved()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.message:find('ONLY_BETA', 1, true) then
        return d.message
      end
    end
  end
  -- Pick with the picker (vim.ui.select answers `alpha`), as a user would.
  -- (The picker opens once the server has answered, so the stub stays until it is used.)
  local original_select = vim.ui.select
  local offered
  vim.ui.select = function(items, _, on_choice)
    vim.ui.select = original_select
    offered = vim.tbl_map(function(item)
      return item.name
    end, items)
    for _, item in ipairs(items) do
      if item.name == 'alpha' then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.cmd('VoidEnv')
  wait_for(function()
    return offered
  end, ':VoidEnv did not open a picker')
  if table.concat(offered, ',') ~= 'alpha,beta' then
    vim.ui.select = original_select
    reason('the picker offered ' .. vim.inspect(offered) .. ', expected alpha and beta')
  end
  wait_for(function()
    local m = unresolved()
    return m and m:find('in environment `alpha`; defined in `beta`', 1, true)
  end, function()
    return 'no warning naming alpha and beta; diagnostics: ' .. vim.inspect(vim.diagnostic.get(bufnr))
  end)
  if environment.statusline(bufnr) ~= 'alpha' then
    reason('statusline shows "' .. environment.statusline(bufnr) .. '", expected "alpha"')
  end
  vim.cmd('VoidEnv beta')
  wait_for(function()
    return environment.statusline(bufnr) == 'beta' and not unresolved()
  end, function()
    return 'after :VoidEnv beta: statusline "' .. environment.statusline(bufnr) .. '", ' .. tostring(unresolved())
  end)
  vim.cmd('VoidProfile ci')
  wait_for(function()
    return environment.statusline(bufnr) == 'ci · staging' and not unresolved()
  end, function()
    return 'after :VoidProfile ci: statusline "' .. environment.statusline(bufnr) .. '"'
  end)
  local seen = #notes
  vim.cmd('VoidEnv asgard')
  wait_for(function()
    for i = seen + 1, #notes do
      if notes[i]:find('environment `asgard` does not exist in profile `ci`', 1, true) then
        return true
      end
    end
  end, 'no error notification for an environment that does not exist')
end)

step('connecting again reuses the section log window, and the cursor stays (three cycles)', function()
  vim.cmd.edit(vim.fn.fnameescape(echo_path))
  local editor_win = vim.api.nvim_get_current_win()
  local uri = vim.uri_from_bufnr(echo_buf)
  vim.api.nvim_win_set_cursor(0, { find_line(echo_buf, 'type: surl'), 0 })
  local wins_before = #vim.api.nvim_tabpage_list_wins(0)
  local height_before = vim.api.nvim_win_get_height(editor_win)
  local log_win
  for cycle = 1, 3 do
    local before = sessions.list(uri)[1]
    vim.cmd('VoidConnect')
    local new = wait_for(function()
      local s = sessions.list(uri)[1]
      return s and s.sessionId ~= (before and before.sessionId) and s.state == 'open' and s
    end, 'cycle ' .. cycle .. ': no new open session')
    log_win = wait_for(function()
      local b = log.buffer_for(new.logUri)
      return b and vim.fn.win_findbuf(b)[1]
    end, 'cycle ' .. cycle .. ': the new log is not shown')
    if vim.api.nvim_get_current_win() ~= editor_win then
      reason('cycle ' .. cycle .. ': :VoidConnect moved the cursor out of the .void window')
    end
    vim.cmd('VoidLog')
    vim.wait(200)
    if vim.api.nvim_get_current_win() ~= editor_win then
      reason('cycle ' .. cycle .. ': :VoidLog moved the cursor (it must leave it as :VoidConnect does)')
    end
    vim.cmd('VoidClose')
    wait_for(function()
      return sessions.by_id[new.sessionId].state == 'closed'
    end, 'cycle ' .. cycle .. ': the session did not close')
  end
  local wins_after = #vim.api.nvim_tabpage_list_wins(0)
  if wins_after ~= wins_before then
    reason(
      string.format('%d windows before three connects, %d after: log windows are not reused', wins_before, wins_after)
    )
  end
  if vim.api.nvim_win_get_height(editor_win) ~= height_before then
    reason(
      string.format('the editor shrank from %d to %d lines', height_before, vim.api.nvim_win_get_height(editor_win))
    )
  end
  if vim.api.nvim_win_get_height(log_win) > 12 then
    reason('the log window grew past its 12 lines')
  end
end)

--- The process id of the void-ls server this Neovim started (its child running `server_cmd`).
local function server_pid()
  local exe = vim.fn.fnamemodify(server_cmd[1], ':t')
  for _, task in ipairs(vim.fn.glob('/proc/' .. vim.fn.getpid() .. '/task/*', false, true)) do
    local children = io.open(task .. '/children')
    if children then
      local list = children:read('*a')
      children:close()
      for pid in list:gmatch('%d+') do
        local cmdline = io.open('/proc/' .. pid .. '/cmdline')
        local text = cmdline and cmdline:read('*a') or ''
        if cmdline then
          cmdline:close()
        end
        if text:find(exe, 1, true) then
          return tonumber(pid)
        end
      end
    end
  end
  return nil
end

step(':VoidConnect in an HTTP section runs it; its response opens like a log', function()
  -- A plain GET to the WebSocket echo server: it answers 426 Upgrade Required, a real response.
  local http_path = dir .. '/http.void'
  local http_url = echo_url:gsub('^ws', 'http')
  local lines = {
    '# Plain HTTP',
    '',
    '```void',
    '---',
    'type: request',
    'attrs:',
    '  uid: 5d1e4c2a-7b3f-4e8a-9c1d-2f3e4a5b6c7d',
    'content:',
    '  - type: method',
    '    attrs:',
    '      uid: 6e2f5d3b-8c4a-4f9b-8d2e-3a4b5c6d7e8f',
    '    content: GET',
    '  - type: url',
    '    attrs:',
    '      uid: 7f3a6e4c-9d5b-4a0c-8e3f-4b5c6d7e8f9a',
    '    content: "' .. http_url .. '"',
    '---',
    '```',
    '',
    '```void',
    '---',
    'type: assertions-table',
    'attrs:',
    '  uid: 8a4b7f5d-0e6c-4b1d-9f4a-5c6d7e8f9a0b',
    'content:',
    '  - type: table',
    '    rows:',
    '      - attrs:',
    '          disabled: false',
    '        row:',
    '          - "Upgrade required"',
    '          - "status"',
    '          - "equals"',
    '          - "426"',
    '---',
    '```',
  }
  vim.fn.writefile(lines, http_path)
  vim.cmd.edit(vim.fn.fnameescape(http_path))
  local buf = vim.api.nvim_get_current_buf()
  wait_for(function()
    local c = void_client(buf)
    return c and c.initialized
  end, 'void-ls did not attach to http.void')
  vim.api.nvim_win_set_cursor(0, { find_line(buf, 'type: url'), 0 })
  vim.cmd('VoidConnect')
  local response = wait_for(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      local name = vim.api.nvim_buf_get_name(b)
      if name:match('^void%-session:/.*%.response$') and buf_text(b):find('426 Upgrade Required', 1, true) then
        return b
      end
    end
  end, function()
    local names = vim.tbl_map(vim.api.nvim_buf_get_name, vim.api.nvim_list_bufs())
    return 'no response buffer with 426 Upgrade Required; buffers: ' .. vim.inspect(names)
  end)
  if vim.fn.win_findbuf(response)[1] == nil then
    reason('the response buffer is not shown in a window')
  end
  local text = buf_text(response)
  if not text:find('✓ Upgrade required', 1, true) then
    reason('the response does not show the passing row:\n' .. text)
  end
  vim.cmd.edit(vim.fn.fnameescape(echo_path))
end)

-- A section served from the editor (docs/lsp-extensions.md, "Served sections"), as a user
-- serves one: its ▶ Serve code lens, a real WebSocket client (Python `websockets`), then its
-- ■ Stop serving lens.
local serve_buf, served_log, served_url

--- The code lens of `bufnr` whose title matches `pattern`, once the server shows one.
local function lens_titled(bufnr, pattern, why)
  return wait_for(function()
    for _, l in ipairs(vim.lsp.codelens.get(bufnr)) do
      if l.command and l.command.title:find(pattern) then
        return l
      end
    end
  end, function()
    local titles = vim.tbl_map(function(l)
      return l.command and l.command.title or '?'
    end, vim.lsp.codelens.get(bufnr))
    return why .. '; lenses: ' .. vim.inspect(titles)
  end)
end

--- Runs the code lens titled like `pattern` as a user does: cursor on its line, then
--- |vim.lsp.codelens.run()| (the picker, when the line has several, answers with that lens).
local function run_lens(bufnr, pattern, why)
  local lens = lens_titled(bufnr, pattern, why)
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(bufnr)[1])
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
  pick = function(items)
    for _, item in ipairs(items) do
      if item.lens and item.lens.command.title:find(pattern) then
        return item
      end
    end
  end
  vim.lsp.codelens.run()
end

step('the ▶ Serve code lens serves the section on loopback with its log beside', function()
  local serve_path = dir .. '/serve.void'
  write_fixture('serve.void.in', echo_url, serve_path)
  vim.cmd.edit(vim.fn.fnameescape(serve_path))
  serve_buf = vim.api.nvim_get_current_buf()
  wait_for(function()
    local c = void_client(serve_buf)
    return c and c.initialized
  end, 'void-ls did not attach to serve.void')
  run_lens(serve_buf, '^▶ Serve$', 'no ▶ Serve code lens on a section with a reply')
  pick = nil
  served_log = wait_for(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      local name = vim.api.nvim_buf_get_name(b)
      if name:match('^void%-session:/serve%-') and vim.fn.win_findbuf(b)[1] then
        return b
      end
    end
  end, function()
    local names = vim.tbl_map(vim.api.nvim_buf_get_name, vim.api.nvim_list_bufs())
    return 'no served log (void-session:/serve-…) shown in a window; buffers: ' .. vim.inspect(names)
  end)
  served_url = wait_for(function()
    return buf_text(served_log):match('serving on (ws://127%.0%.0%.1:%d+)')
  end, function()
    return 'the served log does not say "serving on ws://127.0.0.1:<port>":\n' .. buf_text(served_log)
  end)
  if vim.api.nvim_get_current_buf() ~= serve_buf then
    reason('the cursor left serve.void when the served log opened')
  end
  out:write('     serving on ' .. served_url .. '\n')
end)

step('a WebSocket client gets the greeting and the reply; the served log shows them', function()
  local python = os.getenv('VOID_TEST_PYTHON')
  if not python or vim.fn.executable(python) == 0 then
    reason('VOID_TEST_PYTHON must name a Python with websockets (tests/lib/tools.sh ensure_python)')
  end
  local result
  vim.system({ python, root .. '/tests/nvim-e2e/serve_client.py', served_url }, { text = true }, function(done)
    result = done
  end)
  wait_for(function()
    return result
  end, 'the WebSocket client did not finish')
  if result.code ~= 0 or not result.stdout:find('reply {"op": *"welcome"}') then
    reason(string.format('the client (exit %d) saw:\n%s\nstderr:\n%s', result.code, result.stdout, result.stderr))
  end
  if not result.stdout:find('greeting {"op": *"hello"}') then
    reason('the client got no greeting:\n' .. result.stdout)
  end
  -- The log is read again when the server says it changed: the login, the reply and the close.
  for _, expected in ipairs({ '#1 ⇄', '#1 ← {"op": *"login"}', '#1 → welcome', '#1 ✕' }) do
    wait_for(function()
      return buf_text(served_log):find(expected)
    end, function()
      return 'the served log has no line like "' .. expected .. '":\n' .. buf_text(served_log)
    end)
  end
  for _, line in ipairs(vim.api.nvim_buf_get_lines(served_log, 1, -1, false)) do
    out:write('     ' .. line .. '\n')
  end
end)

step('the ■ Stop serving code lens stops it: the log ends stopped, ▶ Serve comes back', function()
  run_lens(serve_buf, '^■ Stop serving ws:', 'no ■ Stop serving lens while the section is served')
  pick = nil
  wait_for(function()
    return buf_text(served_log):find('■ stopped', 1, true)
  end, function()
    return 'the served log does not end "■ stopped":\n' .. buf_text(served_log)
  end)
  lens_titled(serve_buf, '^▶ Serve$', 'the ▶ Serve lens did not come back after stopping')
  if next(sessions.served) ~= nil then
    reason('the plugin still lists a served section: ' .. vim.inspect(sessions.served))
  end
  -- Nothing listens any more.
  local tcp = vim.uv.new_tcp()
  local refused
  tcp:connect('127.0.0.1', tonumber(served_url:match(':(%d+)$')), function(err)
    refused = err ~= nil
    tcp:close()
  end)
  wait_for(function()
    return refused ~= nil
  end, 'connecting to the stopped port neither failed nor succeeded')
  if not refused then
    reason('something still listens on ' .. served_url .. ' after stopping')
  end
end)

step(':VoidServe serves the section again and :VoidStopServe stops it', function()
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(serve_buf)[1])
  vim.api.nvim_win_set_cursor(0, { find_line(serve_buf, 'type: surl'), 0 })
  vim.cmd('VoidServe')
  local served = wait_for(function()
    local s = next(sessions.served) and select(2, next(sessions.served))
    return s and s.url ~= served_url and s
  end, 'the plugin lists no new served section after :VoidServe')
  local again = wait_for(function()
    local b = log.buffer_for(served.logUri)
    return b and vim.fn.win_findbuf(b)[1] and buf_text(b):find('serving on ' .. served.url, 1, true) and b
  end, 'the new served log is not shown serving on ' .. served.url)
  vim.cmd('VoidStopServe')
  wait_for(function()
    return buf_text(again):find('■ stopped', 1, true)
  end, function()
    return 'the log does not end "■ stopped" after :VoidStopServe:\n' .. buf_text(again)
  end)
  vim.cmd.edit(vim.fn.fnameescape(echo_path))
end)

step('when the server is killed the plugin says so, forgets its sessions and recovers', function()
  vim.cmd.edit(vim.fn.fnameescape(echo_path))
  local uri = vim.uri_from_bufnr(echo_buf)
  vim.api.nvim_win_set_cursor(0, { find_line(echo_buf, 'type: surl'), 0 })
  vim.cmd('VoidConnect')
  local live = wait_for(function()
    local s = sessions.list(uri)[1]
    return s and s.state == 'open' and s
  end, 'no open session before the kill')
  local old = void_client(echo_buf)
  local pid = server_pid()
  if not pid then
    reason('cannot find the void-ls process among the children of this Neovim')
  end
  local seen = #notes
  vim.uv.kill(pid, 'sigkill')
  wait_for(function()
    for i = seen + 1, #notes do
      if notes[i]:find('[ERROR]', 1, true) and notes[i]:find('void-ls stopped', 1, true) then
        return true
      end
    end
  end, function()
    return 'no error notification saying the server stopped; notes: ' .. vim.inspect(vim.list_slice(notes, seen + 1))
  end)
  wait_for(function()
    return #sessions.list(uri) == 0 and require('void').statusline(echo_buf) == ''
  end, function()
    return "the dead server's sessions are still shown: " .. require('void').statusline(echo_buf)
  end)
  -- :VoidClose has nothing to close now, and says so (a warning, not a failure).
  local before_close = #notes
  vim.cmd('VoidClose')
  wait_for(function()
    for i = before_close + 1, #notes do
      if notes[i]:find('no live session', 1, true) then
        return true
      end
    end
  end, 'VoidClose after the kill did not say there is no live session')
  -- The next :VoidConnect starts a new server and connects.
  vim.cmd('VoidConnect')
  local again = wait_for(function()
    local s = sessions.list(uri)[1]
    return s and s.sessionId ~= live.sessionId and s.state == 'open' and s
  end, function()
    return 'no open session after :VoidConnect on a restarted server; notes: '
      .. vim.inspect(vim.list_slice(notes, seen + 1))
  end)
  local new = void_client(echo_buf)
  if not new or new.id == old.id then
    reason('the server was not started again')
  end
  out:write('     restarted as client ' .. new.id .. ', session ' .. again.sessionId .. '\n')
  vim.cmd('VoidClose')
end)

-- The whole project (docs/lsp-extensions.md), last so its second server does not meet the kill
-- step: the multi-file fixture project in its own folder (its own workspace root and client), as
-- a user reaches each feature: inlay hints are on in void buffers and mask the secret; workspace
-- symbols fill the quickfix list; renaming a variable edits every file that uses or defines it.
step('the project: inlay hint with a masked secret, workspace symbols, rename', function()
  local project = dir .. '/project'
  vim.fn.system({ 'cp', '-R', root .. '/tests/project-fixture/project', project })
  if vim.v.shell_error ~= 0 then
    reason('could not copy the fixture project to ' .. project)
  end
  vim.cmd.edit(vim.fn.fnameescape(project .. '/chat.void'))
  local bufnr = vim.api.nvim_get_current_buf()
  local c = wait_for(function()
    local c = void_client(bufnr)
    return c and c.initialized and c
  end, 'void-ls did not attach to chat.void')
  if c.root_dir ~= project then
    reason('the project root is ' .. tostring(c.root_dir) .. ', expected ' .. project)
  end
  if not vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }) then
    reason('inlay hints are not enabled in the void buffer')
  end
  local function labels()
    local all = {}
    for _, h in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
      local label = h.inlay_hint.label
      if type(label) == 'table' then
        label = table.concat(
          vim.tbl_map(function(part)
            return part.value
          end, label),
          ''
        )
      end
      table.insert(all, label)
    end
    return all
  end
  wait_for(function()
    return vim.tbl_contains(labels(), '= •••• · dev')
  end, function()
    return 'no masked inlay hint for {{API_TOKEN}}; hints: ' .. vim.inspect(labels())
  end)
  for _, label in ipairs(labels()) do
    if label:find('s3cret', 1, true) then
      reason('an inlay hint shows the secret: ' .. label)
    end
  end

  vim.fn.setqflist({})
  vim.lsp.buf.workspace_symbol('orders')
  local found = wait_for(function()
    for _, item in ipairs(vim.fn.getqflist()) do
      if vim.api.nvim_buf_get_name(item.bufnr):find('/api/orders%.void$') then
        return item.text
      end
    end
  end, function()
    return 'workspace symbol "orders" did not list api/orders.void; quickfix: ' .. vim.inspect(vim.fn.getqflist())
  end)
  out:write('     workspace symbol: ' .. found .. '\n')
  vim.cmd.cclose()

  vim.api.nvim_set_current_buf(bufnr)
  local line = find_line(bufnr, '{{REGION}}')
  local col = vim.api.nvim_buf_get_lines(bufnr, line - 1, line, false)[1]:find('{{REGION}}', 1, true)
  vim.api.nvim_win_set_cursor(0, { line, col + 2 })
  vim.lsp.buf.rename('ZONE')
  local function text_of(relative)
    local b = vim.fn.bufnr(project .. '/' .. relative)
    return b > 0 and buf_text(b) or ''
  end
  wait_for(function()
    return text_of('chat.void'):find('{{ZONE}}', 1, true)
      and not text_of('chat.void'):find('{{REGION}}', 1, true)
      and text_of('api/orders.void'):find('{{ZONE}}', 1, true)
      and text_of('api/nested/linked.void'):find('{{ZONE}}', 1, true)
      and text_of('.env'):find('^ZONE=eu')
      and text_of('api/.env'):find('^ZONE=us')
  end, function()
    return 'the rename did not reach every file: chat.void has ZONE: '
      .. tostring(text_of('chat.void'):find('{{ZONE}}', 1, true) ~= nil)
      .. ', .env: '
      .. vim.inspect(text_of('.env'))
      .. ', api/.env: '
      .. vim.inspect(text_of('api/.env'))
  end)
end)

-- Keep what the user saw, as artifacts.
vim.fn.writefile(vim.api.nvim_buf_get_lines(log_buf, 0, -1, false), dir .. '/first-session.wslog.txt')
vim.fn.writefile(notes, dir .. '/notifications.txt')

out:write(string.format('\nall %d steps passed\n', step_number))
for _, c in ipairs(vim.lsp.get_clients()) do
  c:stop()
end
vim.wait(1000, function()
  return #vim.lsp.get_clients() == 0
end)
os.exit(0)
