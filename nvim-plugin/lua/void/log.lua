--- The live log of a session as a read-only buffer named after its `void-session:` URI
--- (docs/lsp-extensions.md, "Log documents"). Neovim has no
--- `workspace/textDocumentContent`, so the text is read with `void/sessionLogText {uri}` ->
--- `{text, version}` and read again whenever `void/sessionStatus` reports a change or the server
--- sends `workspace/textDocumentContent/refresh` for it (a served section's log has no status).
---
--- Windows whose cursor sits on the last line follow new lines, like `tail -f`; a window
--- scrolled elsewhere stays where it is. Each section gets one log window, reused when it
--- connects again (the new session's log replaces the old one in it). The handshake's request
--- and header lines fold into one line (`zo` opens them), so a small window shows the messages.
--- This module must not decide when a session changes (the status handler calls `refresh`),
--- and never writes to the server.
local client = require('void.client')
local config = require('void.config')
local protocol = require('void.protocol')

local M = {}

M.pattern = protocol.log_scheme .. ':/*'

--- @class void.LogState
--- @field uri string
--- @field version any Version of the text now shown.
--- @field inflight boolean A read is on its way.
--- @field again boolean Another read was asked for while one was on its way.
--- @field reported string|nil The last error shown, so it is not repeated on every refresh.
--- @field section string|nil The section the session belongs to (see `section_key`).

--- @type table<integer, void.LogState>
local state = {}

--- Whether a buffer is a session log.
--- @param bufnr integer
function M.is_log(bufnr)
  return state[bufnr] ~= nil or vim.startswith(vim.api.nvim_buf_get_name(bufnr), protocol.log_scheme .. ':')
end

--- The loaded log buffer for a URI, if any.
--- @param uri string
--- @return integer|nil
function M.buffer_for(uri)
  for bufnr, s in pairs(state) do
    if s.uri == uri and vim.api.nvim_buf_is_valid(bufnr) then
      return bufnr
    end
  end
  return nil
end

--- Replaces the buffer text with `text`, touching only the lines that changed (the header and
--- the tail, for an appending log), and moves following windows to the new last line.
--- @param bufnr integer
--- @param text string
function M.render(bufnr, text)
  local new = vim.split(text, '\n', { plain = true })
  if #new > 1 and new[#new] == '' then
    table.remove(new)
  end
  local old = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

  local following = {}
  for _, win in ipairs(vim.fn.win_findbuf(bufnr)) do
    local row = vim.api.nvim_win_get_cursor(win)[1]
    following[win] = config.options.follow_log and row >= #old
  end

  vim.bo[bufnr].modifiable = true
  local first_diff = 1
  if old[1] ~= new[1] and #old >= 1 and #new >= 1 then
    vim.api.nvim_buf_set_lines(bufnr, 0, 1, false, { new[1] })
    first_diff = 2
  end
  while first_diff <= #new and first_diff <= #old and old[first_diff] == new[first_diff] do
    first_diff = first_diff + 1
  end
  if first_diff <= #new or first_diff <= #old then
    vim.api.nvim_buf_set_lines(bufnr, first_diff - 1, -1, false, vim.list_slice(new, first_diff))
  end
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].modified = false

  local last = vim.api.nvim_buf_line_count(bufnr)
  for win, follow in pairs(following) do
    if follow and vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

--- Reads the log text from the server and shows it when its version changed. Reads never
--- overlap: a refresh asked for during a read runs once that read is done.
--- @param bufnr integer
function M.fetch(bufnr)
  local s = state[bufnr]
  if not s then
    return
  end
  if s.inflight then
    s.again = true
    return
  end
  local c = client.get(nil)
  if not c then
    if s.reported ~= 'no-client' then
      s.reported = 'no-client'
      vim.notify('void: cannot read ' .. s.uri .. ': void-ls is not running', vim.log.levels.WARN)
    end
    return
  end
  s.inflight = true
  client.request(c, protocol.method.session_log_text, { uri = s.uri }, function(err, result)
    s.inflight = false
    if state[bufnr] ~= s or not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    if err then
      local text = client.error_text(err)
      if s.reported ~= text then
        s.reported = text
        vim.notify('void: cannot read ' .. s.uri .. ': ' .. text, vim.log.levels.ERROR)
      end
    elseif type(result) == 'table' and type(result.text) == 'string' then
      s.reported = nil
      if s.version == nil or result.version ~= s.version then
        s.version = result.version
        M.render(bufnr, result.text)
      end
    end
    if s.again then
      s.again = false
      M.fetch(bufnr)
    end
  end)
end

--- Reads again the log buffer of this URI, if one is loaded.
--- @param uri string|nil
function M.refresh(uri)
  if not uri then
    return
  end
  local bufnr = M.buffer_for(uri)
  if bufnr then
    M.fetch(bufnr)
  end
end

--- Reads again every loaded log buffer (after the server restarted).
function M.refresh_all()
  for bufnr in pairs(state) do
    M.fetch(bufnr)
  end
end

--- Turns a buffer named `void-session:/...` into a log view and fills it (BufReadCmd).
--- @param bufnr integer
function M.attach(bufnr)
  local uri = vim.api.nvim_buf_get_name(bufnr)
  state[bufnr] = { uri = uri, inflight = false, again = false }
  local bo = vim.bo[bufnr]
  bo.buftype = 'nofile'
  bo.bufhidden = 'hide'
  bo.swapfile = false
  bo.modifiable = false
  bo.modified = false
  bo.filetype = 'voidlog'
  M.fetch(bufnr)
end

--- The key of a section for log windows: its document and request uid.
--- @param uri string|nil
--- @param block_uid string|nil
--- @return string|nil
function M.section_key(uri, block_uid)
  if type(uri) ~= 'string' then
    return nil
  end
  return uri .. '#' .. (type(block_uid) == 'string' and block_uid or '')
end

--- A window showing a log of `section` (in the current tab page), if any.
--- @param section string|nil
--- @return integer|nil
local function section_window(section)
  if not section then
    return nil
  end
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local s = state[vim.api.nvim_win_get_buf(win)]
    if s and s.section == section then
      return win
    end
  end
  return nil
end

--- Shows a session log in a window: the window already showing it; else the window showing
--- another log of the same section (reused: reconnecting never stacks windows); else a new one
--- opened with `log_window`. The log window's cursor goes to the newest line.
--- @param uri string
--- @param opts {focus: boolean|nil, section: string|nil}|nil `focus` false keeps the cursor
---   where it was; `section` (see `section_key`) names the section the log belongs to.
--- @return integer bufnr
function M.open(uri, opts)
  opts = opts or {}
  local focus = opts.focus ~= false
  local previous = vim.api.nvim_get_current_win()
  local bufnr = M.buffer_for(uri)
  local win = bufnr and vim.fn.win_findbuf(bufnr)[1] or nil
  if not win then
    win = section_window(opts.section)
    if not win then
      vim.cmd(config.options.log_window)
      win = vim.api.nvim_get_current_win()
    end
    vim.api.nvim_set_current_win(win)
    if bufnr and vim.api.nvim_buf_is_loaded(bufnr) then
      vim.api.nvim_win_set_buf(win, bufnr)
    else
      vim.cmd.edit(vim.fn.fnameescape(uri))
      bufnr = vim.api.nvim_get_current_buf()
    end
  end
  if state[bufnr] and opts.section then
    state[bufnr].section = opts.section
  end
  M.fetch(bufnr)
  pcall(vim.api.nvim_win_set_cursor, win, { vim.api.nvim_buf_line_count(bufnr), 0 })
  if focus then
    vim.api.nvim_set_current_win(win)
  elseif vim.api.nvim_win_is_valid(previous) then
    vim.api.nvim_set_current_win(previous)
  end
  return bufnr
end

--- Whether a log line is part of a handshake (`⇄ → GET /x HTTP/1.1`, `⇄ → Host: h`,
--- `⇄ ← HTTP/1.1 101 ...`, `⇄ ← upgrade: websocket`).
--- @param line string
--- @return boolean
function M.is_handshake_line(line)
  -- (Lua patterns work on bytes: the two arrows are two patterns, not one class.)
  return line:match('^%d%d:%d%d:%d%d%.%d+ ⇄ → ') ~= nil or line:match('^%d%d:%d%d:%d%d%.%d+ ⇄ ← ') ~= nil
end

--- `foldexpr` of log windows: each run of handshake lines is one fold.
--- @param lnum integer
--- @return string
function M.foldexpr(lnum)
  local line = vim.fn.getline(lnum)
  if not M.is_handshake_line(line) then
    return '0'
  end
  if lnum > 1 and M.is_handshake_line(vim.fn.getline(lnum - 1)) then
    return '1'
  end
  return '>1'
end

--- `foldtext` of log windows: `12:03:04.123 ⇄ handshake: GET /chat HTTP/1.1 … (12 lines, zo opens)`.
--- @return string
function M.foldtext()
  local first = vim.fn.getline(vim.v.foldstart)
  local time, rest = first:match('^(%S+) ⇄ → (.*)$')
  if not time then
    time, rest = first:match('^(%S+) ⇄ ← (.*)$')
  end
  local lines = vim.v.foldend - vim.v.foldstart + 1
  return string.format('%s ⇄ handshake: %s … (%d lines, zo opens)', time or '', rest or first, lines)
end

--- Window options of a window showing a log: the handshake folded.
--- @param win integer
local function set_window_options(win)
  local wo = vim.wo[win][0]
  wo.foldmethod = 'expr'
  wo.foldexpr = "v:lua.require'void.log'.foldexpr(v:lnum)"
  wo.foldtext = "v:lua.require'void.log'.foldtext()"
  wo.foldlevel = 0
  wo.foldenable = true
  wo.wrap = false
end

--- The server stopped: reads in flight will never answer.
function M.server_stopped()
  for _, s in pairs(state) do
    s.inflight = false
    s.again = false
  end
end

--- Registers the autocommands that make `void-session:` buffers work.
--- @param group integer
function M.setup(group)
  vim.api.nvim_create_autocmd('BufReadCmd', {
    group = group,
    pattern = M.pattern,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd('BufWinEnter', {
    group = group,
    pattern = M.pattern,
    callback = function()
      set_window_options(vim.api.nvim_get_current_win())
    end,
  })
  vim.api.nvim_create_autocmd({ 'BufWipeout', 'BufDelete' }, {
    group = group,
    pattern = M.pattern,
    callback = function(args)
      state[args.buf] = nil
    end,
  })
end

return M
