--- `:checkhealth void`: what a working setup needs and which part is missing: the Neovim
--- version, `.void` filetype detection, how the server is declared (`lsp/void_ls.lua` for
--- `vim.lsp.enable('void_ls')`, or `setup()`), the server executable and its `--version`, the
--- tree-sitter parsers, and whether void-ls is running. It only reports; it changes nothing.
local M = {}

local install_advice = {
  'Install the server: `cargo install --locked --path server/ls` in a void-ls checkout puts `void-ls` in ~/.cargo/bin',
  'or download the `void-ls-<platform>-<version>` binary of a release, make it executable and put it on PATH',
  'or point the VOID_LS_PATH environment variable (or `cmd` in setup() / vim.lsp.config) at the binary',
}

--- The command the client would run: the resolved `vim.lsp.config` on 0.11 (it includes this
--- plugin's `lsp/void_ls.lua`, `setup()` and the user's own config), else `setup()`'s option.
--- @return string[]|nil cmd, string source
local function server_command(name)
  local has_config = vim.fn.has('nvim-0.11') == 1 and vim.lsp.config ~= nil
  if has_config then
    local ok, resolved = pcall(function()
      return vim.lsp.config[name]
    end)
    if ok and type(resolved) == 'table' and type(resolved.cmd) == 'table' then
      return resolved.cmd, "vim.lsp.config('" .. name .. "')"
    end
  end
  return require('void.config').options.cmd, 'setup() option `cmd`'
end

--- Runs `<exe> --version`; returns its first line, or nil and why not.
--- @return string|nil version, string|nil problem
local function server_version(exe)
  local ok, result = pcall(function()
    return vim.system({ exe, '--version' }, { text = true }):wait(5000)
  end)
  if not ok then
    return nil, tostring(result)
  end
  local first = vim.trim(vim.split(result.stdout or '', '\n')[1] or '')
  if result.code ~= 0 then
    return nil,
      string.format('`%s --version` exited with %s: %s', exe, tostring(result.code), vim.trim(result.stderr or ''))
  end
  if not first:match('^void%-ls ') then
    return nil, string.format('`%s --version` printed %q, not `void-ls <version>`', exe, first)
  end
  return first, nil
end

function M.check()
  local health = vim.health
  local config = require('void.config').options
  health.start('void')

  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  elseif vim.fn.has('nvim-0.10') == 1 then
    health.warn(
      'Neovim ' .. tostring(vim.version()) .. ': works with setup(), but `vim.lsp.enable` needs 0.11',
      { 'Call require("void").setup() from init.lua' }
    )
  else
    health.error('Neovim 0.10 or later is required')
  end

  if vim.filetype.match({ filename = 'example.void' }) == 'void' then
    health.ok('*.void files get the filetype `void`')
  else
    health.error('*.void files are not detected', {
      'Put the plugin on the runtimepath (its plugin/void.lua adds the filetype)',
      "or add vim.filetype.add({ extension = { void = 'void' } }) to init.lua",
    })
  end

  local name = config.name
  if vim.fn.has('nvim-0.11') == 1 then
    local files = vim.api.nvim_get_runtime_file('lsp/' .. name .. '.lua', true)
    if #files > 0 then
      health.ok(string.format("lsp/%s.lua found (%s): vim.lsp.enable('%s') can start the server", name, files[1], name))
    else
      health.warn(
        string.format('no lsp/%s.lua on the runtimepath', name),
        { 'Add the plugin folder (nvim-plugin/) to the runtimepath, or declare the server with vim.lsp.config' }
      )
    end
    local enabled = vim.lsp.is_enabled and vim.lsp.is_enabled(name)
    if enabled then
      health.ok(string.format("vim.lsp.enable('%s') is on", name))
    elseif vim.lsp.is_enabled then
      health.warn(
        'the server is not enabled: nothing starts it for .void files',
        { string.format("Add vim.lsp.enable('%s') to init.lua, or call require('void').setup()", name) }
      )
    end
  end

  local cmd, source = server_command(name)
  local exe = cmd and cmd[1]
  if type(exe) ~= 'string' or exe == '' then
    health.error('no server command (' .. source .. ')', install_advice)
  elseif vim.fn.executable(exe) ~= 1 then
    health.error(string.format('server executable not found: %s (from %s)', exe, source), install_advice)
  else
    local version, problem = server_version(exe)
    if version then
      health.ok(string.format('server: %s (%s)', vim.fn.exepath(exe), version))
    else
      health.error(string.format('server %s does not run: %s', vim.fn.exepath(exe), problem), install_advice)
    end
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

  local clients = vim.lsp.get_clients({ name = name })
  if #clients > 0 then
    for _, c in ipairs(clients) do
      health.ok(string.format('%s running (id %d, root %s)', c.name, c.id, tostring(c.root_dir)))
    end
  else
    health.info('void-ls is not running (it starts when a .void file is opened)')
  end
end

return M
