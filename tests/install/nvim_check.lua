-- The Neovim part of the fresh-machine check (tests/stages/install.sh). Runs inside
--   nvim --headless examples/echo.void -c 'luafile tests/install/nvim_check.lua'
-- started with the sandbox HOME, so the only configuration is what the README's install
-- section wrote (the plugin package and `vim.lsp.enable('void_ls')`). Checks that echo.void has
-- the `void` filetype, that void_ls attached and answers (server name, document symbols), and
-- that `:checkhealth void` reports no error. Exits 0 when all holds, 1 naming what did not.
local out = io.stdout

local function fail(message)
  out:write('FAIL ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local function ok(message)
  out:write('ok   ' .. message .. '\n')
end

local buf = vim.api.nvim_get_current_buf()
local name = vim.api.nvim_buf_get_name(buf)
if not name:match('examples/echo%.void$') then
  fail('the current buffer is ' .. name .. ', not examples/echo.void')
end
if vim.bo[buf].filetype ~= 'void' then
  fail('echo.void has filetype ' .. vim.inspect(vim.bo[buf].filetype) .. ', not void')
end
ok('examples/echo.void opened with filetype void')

local client
vim.wait(20000, function()
  client = vim.lsp.get_clients({ bufnr = buf, name = 'void_ls' })[1]
  return client ~= nil and client.initialized == true
end, 100)
if not client then
  fail('void_ls did not attach to echo.void')
end
local info = client.server_info or {}
if info.name ~= 'void-ls' then
  fail('the server calls itself ' .. vim.inspect(info.name))
end
ok(
  string.format(
    'void_ls attached: %s %s, cmd %s',
    info.name,
    tostring(info.version),
    table.concat(client.config.cmd, ' ')
  )
)

local params = { textDocument = vim.lsp.util.make_text_document_params(buf) }
local responses = vim.lsp.buf_request_sync(buf, 'textDocument/documentSymbol', params, 10000) or {}
local symbols = vim.inspect(responses)
if not symbols:find('Say hello', 1, true) then
  fail('document symbols lack the "Say hello" section: ' .. symbols:sub(1, 400))
end
ok('document symbols list the "Say hello" section')

vim.cmd('checkhealth void')
local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
if report:find('ERROR', 1, true) then
  fail(':checkhealth void reports an error:\n' .. report)
end
if not report:find('server: ', 1, true) then
  fail(':checkhealth void does not name the server:\n' .. report)
end
ok(':checkhealth void: no error, server found')
out:write('nvim: every check passed\n')
vim.cmd('qall!')
