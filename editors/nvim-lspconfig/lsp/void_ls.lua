---@brief
---
--- void-ls: language server for Voiden `.void` API request files (Markdown documents holding
--- requests as blocks): diagnostics, completion, hover, formatting, code actions, and live
--- WebSocket sessions run from the file.
---
--- Install the `void-ls` binary (`cargo install --locked --path server/ls` in a void-ls checkout,
--- a release binary, or `:MasonInstall void-ls`) so that it is on PATH.
---
--- Neovim does not know the `.void` extension yet; add it:
--- ```lua
--- vim.filetype.add({ extension = { void = 'void' } })
--- ```
---
--- Settings (sent as `initializationOptions` and on `workspace/didChangeConfiguration`):
--- `envProfile` (which `.env.<profile>` file and app environment to use), `variables` (name to
--- value, highest priority), `logLevel` (`error` ... `trace`).

---@type vim.lsp.Config
return {
  cmd = { 'void-ls' },
  filetypes = { 'void' },
  root_markers = { '.voiden', '.git' },
}
