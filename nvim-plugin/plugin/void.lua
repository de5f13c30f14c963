-- Filetype detection for `*.void`, so the filetype is right even before `setup()` runs.
-- Everything else (server, commands, log buffers) starts with `require('void').setup()`.
if vim.g.loaded_void then
  return
end
vim.g.loaded_void = true
if vim.fn.has('nvim-0.10') == 0 then
  vim.notify('void: Neovim 0.10 or later is required', vim.log.levels.WARN)
  return
end
vim.filetype.add({ extension = { void = 'void' } })
