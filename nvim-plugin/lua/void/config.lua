--- The plugin's options: defaults, validation, and the one table every module reads.
---
--- This module only holds data. It must not start servers, create commands or touch buffers.
local M = {}

--- @class void.Options
--- @field cmd string[] Command line that starts the language server.
--- @field settings table Sent to the server as its settings (`workspace/configuration`).
--- @field name string Name of the LSP client (what `:checkhealth vim.lsp` shows).
--- @field root_markers string[] Files or folders that mark a workspace root.
--- @field codelens boolean Show code lenses and keep them refreshed.
--- @field inlay_hints boolean Show inlay hints (variable values, assertion results) in void buffers.
--- @field completion boolean Turn on Neovim's LSP completion (0.11+) in `.void` buffers.
--- @field open_log_on_connect boolean Open the live log in a window after `:VoidConnect`.
--- @field log_window string Ex command that opens the window for a log buffer.
--- @field follow_log boolean Keep the cursor on the newest line of a log while it grows.
--- @field capabilities table|nil Extra client capabilities, merged over the defaults.

--- @type void.Options
M.defaults = {
  cmd = { 'void-ls' },
  settings = {},
  name = 'void_ls',
  root_markers = { '.voiden', '.git' },
  codelens = true,
  inlay_hints = true,
  completion = true,
  open_log_on_connect = true,
  log_window = 'botright 12split',
  follow_log = true,
  capabilities = nil,
}

--- @type void.Options
M.options = vim.deepcopy(M.defaults)

--- Raises a readable error when an option has the wrong type. (`vim.validate` changed its
--- signature in 0.11; this keeps one form for 0.10 and later.)
local function check(name, value, expected, optional)
  if value == nil and optional then
    return
  end
  if type(value) ~= expected then
    error(string.format('void: option `%s` must be a %s, got %s', name, expected, type(value)), 0)
  end
end

--- Merges user options over the defaults and checks their types.
--- @param user table|nil
--- @return void.Options
function M.apply(user)
  user = user or {}
  check('options', user, 'table')
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), user)
  -- Lists replace the default instead of being merged index by index.
  if user.cmd then
    merged.cmd = vim.deepcopy(user.cmd)
  end
  if user.root_markers then
    merged.root_markers = vim.deepcopy(user.root_markers)
  end
  check('cmd', merged.cmd, 'table')
  check('settings', merged.settings, 'table')
  check('name', merged.name, 'string')
  check('root_markers', merged.root_markers, 'table')
  check('codelens', merged.codelens, 'boolean')
  check('inlay_hints', merged.inlay_hints, 'boolean')
  check('completion', merged.completion, 'boolean')
  check('open_log_on_connect', merged.open_log_on_connect, 'boolean')
  check('log_window', merged.log_window, 'string')
  check('follow_log', merged.follow_log, 'boolean')
  check('capabilities', merged.capabilities, 'table', true)
  if #merged.cmd == 0 or type(merged.cmd[1]) ~= 'string' then
    error('void: `cmd` must be a list starting with the server executable', 0)
  end
  M.options = merged
  return merged
end

return M
