--- Starting void-ls for `void` buffers and wiring what the server sends back: session status
--- notifications, messages for the user, code lens refreshes, the client-side handling of
--- commands that code lenses run (so that `▶ Connect` from a lens also opens the live log, and
--- `▶ Serve` the served section's log), the refreshes of log documents
--- (`workspace/textDocumentContent/refresh` of `void-session:` URIs),
--- completion with the plugin's defaults (`/wss` expands without any other setup), and what
--- happens when the server dies (said once, sessions and statusline cleared, started again by
--- the next command).
---
--- On Neovim 0.11+ the server is declared with `vim.lsp.config` and `vim.lsp.enable`, so a
--- user's own `vim.lsp.config('void_ls', {...})` still applies; on 0.10 a FileType autocommand
--- calls `vim.lsp.start`. This module must not define user commands (see `void.commands`).
local client = require('void.client')
local config = require('void.config')
local log = require('void.log')
local protocol = require('void.protocol')
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
  [protocol.method.session_status] = function(_, result)
    sessions.update(result)
  end,
  ['window/showMessage'] = function(_, result)
    if type(result) == 'table' and result.message then
      vim.notify('void-ls: ' .. tostring(result.message), levels[result.type] or vim.log.levels.INFO)
    end
    return vim.NIL
  end,
  -- The capability below asks for these: a log document changed (a served section's log has
  -- no session status to say so). The text is read with `void/sessionLogText`.
  [protocol.method.text_document_content_refresh] = function(_, result)
    if type(result) == 'table' and type(result.uri) == 'string' then
      log.refresh(result.uri)
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

--- Remembers a new session and opens its log as the settings say (the cursor stays where it is).
--- @param result void.ConnectResult
--- @param argument void.SectionTarget The `void.connect` argument (`blockUid` when known).
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
    log.open(result.logUri, { focus = false, section = log.section_key(argument.uri, argument.blockUid) })
  end
end

--- Remembers a served section and shows its log in the section's log window (the cursor stays).
--- @param result void.ServeResult
--- @param argument void.SectionTarget The `void.serve` argument.
function M.on_served(result, argument)
  if type(result) ~= 'table' or type(result.sessionId) ~= 'string' or type(result.logUri) ~= 'string' then
    vim.notify('void: the server answered void.serve without a serve id or log', vim.log.levels.ERROR)
    return
  end
  local section = log.section_key(argument.uri, argument.blockUid)
  if section then
    sessions.remember_served(section, result)
  end
  log.open(result.logUri, { focus = false, section = section })
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
    local status = argument.sessionId and sessions.by_id[argument.sessionId]
    log.open(uri, { focus = false, section = status and log.section_key(status.uri, status.blockUid) })
  else
    vim.notify('void: this code lens names no session log', vim.log.levels.WARN)
  end
end

--- Client-side commands: code lenses run these instead of a bare `workspace/executeCommand`.
M.commands = {
  [protocol.command.open_log] = open_log_from_argument,
  [protocol.command.connect] = forward(protocol.command.connect, function(result, argument)
    M.on_connected(result, argument)
  end),
  [protocol.command.serve] = forward(protocol.command.serve, function(result, argument)
    M.on_served(result, argument)
  end),
  [protocol.command.stop_serve] = forward(protocol.command.stop_serve, function(_, argument)
    sessions.forget_served(argument.sessionId)
  end),
}
for _, name in ipairs({ 'send', 'pause', 'resume', 'close' }) do
  M.commands[protocol.command[name]] = forward(protocol.command[name])
end

--- Capabilities: the defaults plus code lens refresh and log document refresh (LSP 3.18
--- `workspace.textDocumentContent`: the server then says when a log document changed; the
--- plugin reads logs with `void/sessionLogText`), plus the user's own. Not `window/showDocument`:
--- the plugin opens every log itself, in the section's log window (the server would show a
--- served section's log at the same time, in a window of Neovim's choosing).
local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.workspace = caps.workspace or {}
  caps.workspace.codeLens = { refreshSupport = true }
  caps.workspace.textDocumentContent = { dynamicRegistration = false }
  caps.window = caps.window or {}
  caps.window.showDocument = { support = false }
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
    on_exit = function(code, signal)
      vim.schedule(function()
        M.on_server_exit(code, signal)
      end)
    end,
  }
end

--- The server process ended: forget its sessions (they died with it), say so when it was not
--- asked to stop, and redraw what showed them. The next command starts it again.
--- @param code integer
--- @param signal integer
function M.on_server_exit(code, signal)
  local had_sessions = next(sessions.by_id) ~= nil
  sessions.clear()
  if code ~= 0 or (signal or 0) ~= 0 then
    local how = (signal or 0) ~= 0 and ('killed by signal ' .. signal) or ('exit code ' .. code)
    vim.notify(
      string.format(
        'void: void-ls stopped (%s)%s; it starts again with the next :Void command or when a .void file is opened',
        how,
        had_sessions and ' and its WebSocket sessions ended with it' or ''
      ),
      vim.log.levels.ERROR
    )
  end
  log.server_stopped()
  vim.api.nvim_exec_autocmds(
    'User',
    { pattern = 'VoidServerExit', data = { code = code, signal = signal }, modeline = false }
  )
  vim.cmd.redrawstatus({ bang = true })
end

--- The client configuration to start by hand (after the server died): the user's merged
--- `vim.lsp.config` on 0.11, else the plugin's own.
--- @param bufnr integer
--- @return table
local function start_config(bufnr)
  local cfg
  if has_011 and vim.lsp.config then
    local ok, resolved = pcall(function()
      return vim.lsp.config[config.options.name]
    end)
    cfg = ok and resolved and vim.deepcopy(resolved) or nil
  end
  cfg = cfg or client_config()
  cfg.name = config.options.name
  if type(cfg.root_dir) ~= 'string' then
    cfg.root_dir = vim.fs.root(bufnr, cfg.root_markers or config.options.root_markers)
  end
  cfg.root_markers = nil
  cfg.filetypes = nil
  return cfg
end

--- The void-ls client for a buffer, starting the server when none runs (after it died, say).
--- Waits for its initialization (a few hundred milliseconds at most, normally).
--- @param bufnr integer
--- @return vim.lsp.Client|nil client, string|nil why
function M.ensure_client(bufnr)
  local c = client.get(bufnr)
  if c and not client.is_stopped(c) then
    return c
  end
  local target = bufnr
  if vim.bo[target].filetype ~= 'void' then
    -- A log buffer or another file: start the server for a loaded .void buffer.
    target = nil
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'void' then
        target = b
        break
      end
    end
    if not target then
      return nil, 'void-ls is not running; open a .void file to start it'
    end
  end
  local ok, id = pcall(vim.lsp.start, start_config(target), { bufnr = target })
  if not ok or not id then
    return nil, 'void-ls could not be started: ' .. tostring(ok and 'no client' or id)
  end
  local started = vim.lsp.get_client_by_id(id)
  vim.wait(10000, function()
    return started ~= nil and (started.initialized or client.is_stopped(started))
  end, 20)
  if not started or not started.initialized then
    return nil, 'void-ls did not start (see :checkhealth void and :LspLog)'
  end
  return started
end

--- What happens once the server is attached to a buffer: code lenses, inlay hints, and
--- completion with the plugin's defaults (Neovim's own `vim.lsp.completion`, which expands
--- snippets such as `/wss`).
--- @param bufnr integer
--- @param client_id integer
local function on_attach(bufnr, client_id)
  if config.options.codelens then
    M.refresh_codelens(bufnr)
  end
  -- Neovim shows inlay hints only where they are enabled: a void buffer shows them by default
  -- (values of variables, assertion results), as VS Code does.
  if config.options.inlay_hints and vim.lsp.inlay_hint then
    pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr })
  end
  if config.options.completion and vim.lsp.completion and vim.lsp.completion.enable then
    vim.lsp.completion.enable(true, client_id, bufnr, { autotrigger = true })
    -- Neovim's default 'completeopt' inserts the first item as soon as the menu opens (typing
    -- `/wss` would give `/wswss`): unless the user chose their own, select without inserting.
    if vim.go.completeopt == 'menu,popup' or vim.go.completeopt == 'menu,preview' then
      pcall(function()
        vim.bo[bufnr].completeopt = 'menuone,noinsert,popup'
      end)
    end
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
        on_attach(args.buf, c.id)
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
