-- The plugin's Neovim 0.10 start path, run on 0.11 with `vim.lsp.config`/`vim.lsp.enable` hidden:
-- a FileType autocommand calls `vim.lsp.start`, the server attaches with its root, the
-- settings arrive and code lenses show. Uses the server named by VOID_LS_CMD (a JSON list).
--
--   VOID_LS_CMD='["void-ls"]' nvim --headless --clean -l tests/nvim-e2e/start_without_lsp_config.lua
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h:h')
vim.opt.runtimepath:prepend(root .. '/nvim-plugin')
vim.cmd.runtime('plugin/void.lua')

local function fail(reason)
  io.stdout:write('FAIL start without vim.lsp.config: ' .. reason .. '\n')
  os.exit(1)
end

vim.lsp.config = nil
vim.lsp.enable = nil
local cmd = vim.json.decode(os.getenv('VOID_LS_CMD') or '["void-ls"]')
require('void').setup({ cmd = cmd, settings = { envProfile = 'test' } })

local dir = vim.fn.tempname()
vim.fn.mkdir(dir .. '/.voiden', 'p')
local path = dir .. '/echo.void'
local lines = vim.fn.readfile(root .. '/tests/nvim-e2e/fixtures/echo.void.in')
for i, line in ipairs(lines) do
  lines[i] = line:gsub('@ECHO_URL@', 'ws://127.0.0.1:9/')
end
vim.fn.writefile(lines, path)
vim.cmd.edit(vim.fn.fnameescape(path))
local bufnr = vim.api.nvim_get_current_buf()

local client
if
  not vim.wait(10000, function()
    client = vim.lsp.get_clients({ name = 'void_ls', bufnr = bufnr })[1]
    return client ~= nil and client.initialized
  end, 20)
then
  fail('void-ls did not attach through the FileType autocommand')
end
if vim.fs.normalize(client.root_dir or '') ~= vim.fs.normalize(vim.uv.fs_realpath(dir) or dir) then
  fail('root is ' .. tostring(client.root_dir) .. ', expected ' .. dir)
end
if (client.settings or {}).envProfile ~= 'test' then
  fail('settings did not reach the client config: ' .. vim.inspect(client.settings))
end
if
  not vim.wait(10000, function()
    for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
      if lens.command and lens.command.title:find('Connect', 1, true) then
        return true
      end
    end
    return false
  end, 20)
then
  fail('no ▶ Connect code lens')
end
io.stdout:write('ok   start without vim.lsp.config (the Neovim 0.10 path): attached, root, settings, code lens\n')
client:stop()
os.exit(0)
