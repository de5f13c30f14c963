--- The live log of a session as a read-only buffer named after its `void-session:` URI
--- (docs/lsp-extensions.md, "Log documents"). Neovim has no
--- `workspace/textDocumentContent`, so the text is read with `void/sessionLogText {uri}` ->
--- `{text, version}` and read again whenever `void/sessionStatus` reports a change.
---
--- Windows whose cursor sits on the last line follow new lines, like `tail -f`; a window
--- scrolled elsewhere stays where it is. This module must not decide when a session changes
--- (the status handler calls `refresh`), and never writes to the server.
local client = require('void.client')
local config = require('void.config')

local M = {}

M.pattern = 'void-session:/*'

--- @class void.LogState
--- @field uri string
--- @field version any Version of the text now shown.
--- @field inflight boolean A read is on its way.
--- @field again boolean Another read was asked for while one was on its way.
--- @field reported string|nil The last error shown, so it is not repeated on every refresh.

--- @type table<integer, void.LogState>
local state = {}

--- Whether a buffer is a session log.
--- @param bufnr integer
function M.is_log(bufnr)
  return state[bufnr] ~= nil or vim.api.nvim_buf_get_name(bufnr):match('^void%-session:') ~= nil
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
  client.request(c, 'void/sessionLogText', { uri = s.uri }, function(err, result)
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

--- Shows a session log in a window (opening one with `log_window` when it is not visible).
--- @param uri string
--- @param opts {focus: boolean}|nil When `focus` is false the cursor stays where it was.
--- @return integer bufnr
function M.open(uri, opts)
  opts = opts or {}
  local focus = opts.focus ~= false
  local bufnr = M.buffer_for(uri)
  if bufnr then
    local wins = vim.fn.win_findbuf(bufnr)
    if wins[1] then
      if focus then
        vim.api.nvim_set_current_win(wins[1])
      end
      M.fetch(bufnr)
      return bufnr
    end
  end
  local previous = vim.api.nvim_get_current_win()
  vim.cmd(config.options.log_window)
  if bufnr and vim.api.nvim_buf_is_loaded(bufnr) then
    vim.api.nvim_win_set_buf(0, bufnr)
    M.fetch(bufnr)
  else
    vim.cmd.edit(vim.fn.fnameescape(uri))
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not focus and vim.api.nvim_win_is_valid(previous) then
    vim.api.nvim_set_current_win(previous)
  end
  return bufnr
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
  vim.api.nvim_create_autocmd({ 'BufWipeout', 'BufDelete' }, {
    group = group,
    pattern = M.pattern,
    callback = function(args)
      state[args.buf] = nil
    end,
  })
end

return M
