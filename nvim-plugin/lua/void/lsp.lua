--- Starting void-ls for `void` buffers and wiring what the server sends back: session status
--- notifications, messages for the user, code lens refreshes, and the client-side handling of
--- commands that code lenses run (so that `▶ Connect` from a lens also opens the live log).
---
--- On Neovim 0.11+ the server is declared with `vim.lsp.config` and `vim.lsp.enable`, so a
--- user's own `vim.lsp.config('void_ls', {...})` still applies; on 0.10 a FileType autocommand
--- calls `vim.lsp.start`. This module must not define user commands (see `void.commands`).
local client = require('void.client')
local config = require('void.config')
local log = require('void.log')
local sessions = require('void.sessions')

local M = {}

local has_011 = vim.fn.has('nvim-0.11') == 1

local levels = {
  [1] = vim.log.levels.ERROR,
  [2] = vim.log.levels.WARN,
  [3] = vim.log.levels.INFO,
  [4] = vim.log.levels.DEBUG,
}

--- Buffers whose code lenses should be asked for again soon.
local lens_pending = {}

--- Asks for the code lenses of a buffer again, at most once per event-loop turn.
--- @param bufnr integer
function M.refresh_codelens(bufnr)
  if not config.options.codelens or lens_pending[bufnr] then
    return
  end
  lens_pending[bufnr] = true
  vim.schedule(function()
    lens_pending[bufnr] = nil
    if vim.api.nvim_buf_is_valid(bufnr) and client.get(bufnr) then
      pcall(vim.lsp.codelens.refresh, { bufnr = bufnr })
    end
  end)
end

--- Buffers attached to void-ls.
--- @return integer[]
local function attached_buffers()
  local result = {}
  for _, c in ipairs(vim.lsp.get_clients({ name = config.options.name })) do
    for bufnr in pairs(c.attached_buffers or {}) do
      table.insert(result, bufnr)
    end
  end
  return result
end

--- What to do when the server reports a session's state.
--- @param status void.SessionStatus
--- @param previous void.SessionStatus|nil
local function on_session_update(status, previous)
  log.refresh(status.logUri)
  local bufnr = client.loaded_buffer(status.uri)
  if bufnr then
    M.refresh_codelens(bufnr)
  end
  -- A connection that ends with an error is worth a message even when the user is looking at
  -- another file; the server's own `window/showMessage` covers failures to connect.
  local ended = status.state == 'closed' or status.state == 'failed'
  local was_ended = previous and (previous.state == 'closed' or previous.state == 'failed')
  local detail = type(status.detail) == 'table' and status.detail or {}
  if ended and not was_ended and previous and previous.state == 'open' and detail.error then
    vim.notify(
      string.format('void: %s %s: %s', status.url or status.sessionId, status.state, tostring(detail.error)),
      vim.log.levels.WARN
    )
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'VoidSessionStatus', data = status, modeline = false })
  vim.cmd.redrawstatus({ bang = true })
end

--- Handlers for what the server sends.
M.handlers = {
  ['void/sessionStatus'] = function(_, result)
    sessions.update(result)
  end,
  ['window/showMessage'] = function(_, result)
    if type(result) == 'table' and result.message then
      vim.notify('void-ls: ' .. tostring(result.message), levels[result.type] or vim.log.levels.INFO)
    end
    return vim.NIL
  end,
  ['workspace/codeLens/refresh'] = function()
    for _, bufnr in ipairs(attached_buffers()) do
      M.refresh_codelens(bufnr)
    end
    return vim.NIL
  end,
}

--- Sends a command chosen from a code lens to the server, then does the editor's part.
--- @param server_command string The `void.*` command the server runs.
--- @param after fun(result: any, argument: table)|nil
local function forward(server_command, after)
  return function(command, ctx)
    local c = vim.lsp.get_client_by_id(ctx.client_id)
    if not c then
      return
    end
    local argument = (command.arguments or {})[1] or {}
    client.execute(c, server_command, argument, function(err, result)
      if err then
        client.notify_error(server_command, err)
        return
      end
      if after then
        after(result, argument)
      end
      if ctx.bufnr then
        M.refresh_codelens(ctx.bufnr)
      end
    end, ctx.bufnr)
  end
end

--- Remembers a new session and opens its log as the settings say.
--- @param result table `{sessionId, logUri}` from `void.connect`
--- @param argument table The `void.connect` argument.
function M.on_connected(result, argument)
  if type(result) ~= 'table' or type(result.sessionId) ~= 'string' then
    vim.notify('void: the server answered void.connect without a session id', vim.log.levels.ERROR)
    return
  end
  local known = sessions.by_id[result.sessionId]
  sessions.update({
    sessionId = result.sessionId,
    logUri = result.logUri,
    uri = argument.uri,
    blockUid = argument.blockUid or (known and known.blockUid) or nil,
    state = known and known.state or 'connecting',
  })
  if config.options.open_log_on_connect and type(result.logUri) == 'string' then
    log.open(result.logUri, { focus = false })
  end
end

--- Opens the log named in a code lens argument (`{logUri}` or `{sessionId}`).
local function open_log_from_argument(command)
  local argument = (command.arguments or {})[1] or {}
  local uri = argument.logUri
  if not uri and argument.sessionId then
    local status = sessions.by_id[argument.sessionId]
    uri = status and status.logUri
  end
  if type(uri) == 'string' then
    log.open(uri)
  else
    vim.notify('void: this code lens names no session log', vim.log.levels.WARN)
  end
end

--- Client-side commands: code lenses run these instead of a bare `workspace/executeCommand`.
--- The `voidLs.*` names are the VS Code extension's client commands; a server that puts them
--- in lenses (for "Open log", say) works here too.
M.commands = {
  ['void.openLog'] = open_log_from_argument,
  ['voidLs.openLog'] = open_log_from_argument,
}
for _, name in ipairs({ 'connect', 'send', 'pause', 'resume', 'close' }) do
  local after = name == 'connect' and function(result, argument)
    M.on_connected(result, argument)
  end or nil
  M.commands['void.' .. name] = forward('void.' .. name, after)
  M.commands['voidLs.' .. name] = forward('void.' .. name, after)
end

--- Capabilities: the defaults plus code lens refresh, plus the user's own.
local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.workspace = caps.workspace or {}
  caps.workspace.codeLens = { refreshSupport = true }
  if config.options.capabilities then
    caps = vim.tbl_deep_extend('force', caps, config.options.capabilities)
  end
  return caps
end

--- The client configuration shared by both start paths.
local function client_config()
  local opts = config.options
  return {
    name = opts.name,
    cmd = opts.cmd,
    filetypes = { 'void' },
    root_markers = opts.root_markers,
    settings = opts.settings,
    -- The server reads its settings at start-up from initializationOptions, then from
    -- workspace/didChangeConfiguration (which Neovim sends with `settings`).
    -- An empty Lua table would be encoded as a JSON array: send nothing instead.
    init_options = next(opts.settings) and opts.settings or nil,
    handlers = M.handlers,
    commands = M.commands,
    capabilities = capabilities(),
  }
end

--- What happens once the server is attached to a buffer.
--- @param bufnr integer
local function on_attach(bufnr)
  if config.options.codelens then
    M.refresh_codelens(bufnr)
  end
  -- Neovim shows inlay hints only where they are enabled: a void buffer shows them by default
  -- (values of variables, assertion results), as VS Code does.
  if config.options.inlay_hints and vim.lsp.inlay_hint then
    pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr })
  end
end

--- Highlight groups for the server's own semantic token modifiers (a `{{variable}}` nobody
--- sets, a secret one); `default` so a colorscheme or the user can override them.
local function semantic_highlights()
  vim.api.nvim_set_hl(0, '@lsp.typemod.variable.undefined.void', { default = true, link = 'DiagnosticUnderlineWarn' })
  vim.api.nvim_set_hl(0, '@lsp.typemod.variable.secret.void', { default = true, link = 'Special' })
  vim.api.nvim_set_hl(0, '@lsp.type.event.void', { default = true, link = 'Function' })
end

--- Declares and enables the server, and registers the autocommands around it.
--- @param group integer
function M.setup(group)
  sessions.on_update(on_session_update)
  semantic_highlights()
  vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = semantic_highlights })

  if has_011 and vim.lsp.config and vim.lsp.enable then
    vim.lsp.config(config.options.name, client_config())
    vim.lsp.enable(config.options.name)
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = 'void',
      callback = function(args)
        if vim.bo[args.buf].buftype ~= '' then
          return
        end
        local cfg = client_config()
        cfg.root_dir = vim.fs.root(args.buf, cfg.root_markers)
        cfg.root_markers = nil
        cfg.filetypes = nil
        vim.lsp.start(cfg, { bufnr = args.buf })
      end,
    })
  end

  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local c = vim.lsp.get_client_by_id(args.data.client_id)
      if c and c.name == config.options.name then
        on_attach(args.buf)
      end
    end,
  })
  if config.options.codelens then
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
      group = group,
      callback = function(args)
        if vim.bo[args.buf].filetype == 'void' and client.get(args.buf) then
          M.refresh_codelens(args.buf)
        end
      end,
    })
  end
end

return M
