--- The void-ls language server for Neovim 0.11's `vim.lsp.enable('void_ls')`: with this plugin
--- on the runtimepath, that one line starts the server for `.void` files, no `setup()` call
--- needed. `require('void').setup()` adds the session commands, live logs and code lens
--- handling on top, and a user's own `vim.lsp.config('void_ls', {...})` is merged over this.
---
--- The server is `void-ls` on PATH, or the program named by the `VOID_LS_PATH` environment
--- variable (the same variable the VS Code extension reads). `:checkhealth void` tells what is
--- missing.
---@type vim.lsp.Config
return {
  cmd = { vim.env.VOID_LS_PATH and vim.env.VOID_LS_PATH ~= '' and vim.env.VOID_LS_PATH or 'void-ls' },
  filetypes = { 'void' },
  root_markers = { '.voiden', '.git' },
}
