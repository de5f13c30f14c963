--- `:checkhealth void`: the Neovim version, the server executable, the Markdown parser, and
--- whether void-ls is running. It only reports; it changes nothing.
local M = {}

function M.check()
  local health = vim.health
  local config = require('void.config').options
  health.start('void')

  if vim.fn.has('nvim-0.10') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.10 or later is required')
  end

  local exe = config.cmd[1]
  if vim.fn.executable(exe) == 1 then
    local out = vim.fn.system({ exe, '--version' })
    health.ok(string.format('server: %s (%s)', vim.fn.exepath(exe), vim.trim(out)))
  else
    health.error(
      'server executable not found: ' .. exe,
      { 'Build it with `cargo build --release -p void-ls` and put it on PATH, or pass `cmd` to setup()' }
    )
  end

  if pcall(vim.treesitter.language.add, 'markdown') then
    health.ok('tree-sitter parser: markdown')
  else
    health.warn('no markdown tree-sitter parser; falling back to the Markdown syntax file')
  end
  if pcall(vim.treesitter.language.add, 'yaml') then
    health.ok('tree-sitter parser: yaml (```void blocks are highlighted as YAML)')
  else
    health.info('no yaml tree-sitter parser: ```void blocks are not highlighted inside')
  end

  local clients = vim.lsp.get_clients({ name = config.name })
  if #clients > 0 then
    for _, c in ipairs(clients) do
      health.ok(string.format('%s running (id %d, root %s)', c.name, c.id, tostring(c.root_dir)))
    end
  else
    health.info('void-ls is not running (it starts when a .void file is opened)')
  end
end

return M
