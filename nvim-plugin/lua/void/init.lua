--- void.nvim: Neovim client for void-ls, the language server for `.void` files (Voiden API
--- requests in Markdown), with WebSocket sessions driven from the editor.
---
---   require('void').setup({ cmd = { 'void-ls' }, settings = {} })  -- both optional
---
--- `setup` registers the `void` filetype for `*.void`, reuses the Markdown tree-sitter parser
--- for highlighting, starts the server for those buffers, shows code lenses, defines the
--- `:Void*` commands and makes `void-session:` log buffers readable. It sets no key mappings.
--- This module only wires the others together; it holds no state of its own.
local M = {}

local group = nil

--- Sets up filetype detection only (also done by plugin/void.lua, so `:e x.void` gets the
--- `void` filetype even before `setup` runs).
function M.filetype()
  vim.filetype.add({ extension = { void = 'void' } })
end

--- Highlights a `void` buffer with the Markdown tree-sitter parser, or with the Markdown
--- syntax file when the parser is missing.
--- @param bufnr integer
function M.highlight(bufnr)
  local ok = pcall(vim.treesitter.start, bufnr, 'markdown')
  if not ok then
    vim.bo[bufnr].syntax = 'markdown'
  end
end

--- @param opts table|nil See `:help void-options` (cmd, settings, codelens, log_window, ...).
function M.setup(opts)
  require('void.config').apply(opts)
  M.filetype()

  group = vim.api.nvim_create_augroup('void', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'void',
    callback = function(args)
      M.highlight(args.buf)
      vim.bo[args.buf].commentstring = '<!-- %s -->'
    end,
  })
  -- Buffers that were already open before setup.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'void' then
      M.highlight(bufnr)
    end
  end

  require('void.log').setup(group)
  require('void.lsp').setup(group)
  require('void.commands').setup()
  require('void.environment').setup(group)
end

--- The commands module, loaded on first use.
local function commands()
  return require('void.commands')
end

--- Lua entry points behind the commands, for key mappings.
M.connect = function()
  commands().connect()
end
--- @param name string|nil
M.send = function(name)
  commands().send(name)
end
M.pause = function()
  commands().pause()
end
M.resume = function()
  commands().resume()
end
--- @param code integer|nil
--- @param reason string|nil
M.close = function(code, reason)
  commands().close(code, reason)
end
M.open_log = function()
  commands().open_log()
end
--- The whole message on the cursor's line of a log buffer, pretty-printed in a float.
M.open_message = function()
  commands().open_message()
end
M.sessions = function()
  commands().list_sessions()
end
--- @param path string
M.export = function(path)
  commands().export(path)
end
M.serve = function()
  commands().serve()
end
M.stop_serve = function()
  commands().stop_serve()
end

--- Statusline text for a buffer (current one by default): the state of its sessions.
--- @param bufnr integer|nil
--- @return string
function M.statusline(bufnr)
  return require('void.sessions').statusline(bufnr)
end

return M
