--- The Voiden app's environments in Neovim (docs/format.md §5.2): `:VoidEnv` shows and picks
--- the environment of the current `.void` file's project, `:VoidProfile` its profile, both
--- through the server's `void/environment` request (docs/lsp-extensions.md). The server owns
--- the environments; this module asks, shows, and keeps the last answer per buffer for the
--- statusline (`require('void.environment').statusline()`).
---
---   :VoidEnv              pick an environment (vim.ui.select)
---   :VoidEnv thor.test    make `thor.test` the active environment
---   :VoidEnv -            back to the profile's first environment
---   :VoidProfile [name]   pick (or set) the profile; `default` is the default one
local client = require('void.client')
local protocol = require('void.protocol')

local M = {}

--- `void/environment` (see `void.protocol`).
M.method = protocol.method.environment

--- The last answer per buffer.
--- @type table<integer, table>
local last = {}

--- @param bufnr integer
--- @return string|nil uri, vim.lsp.Client|nil c
local function target(bufnr)
  if vim.bo[bufnr].filetype ~= 'void' or vim.api.nvim_buf_get_name(bufnr) == '' then
    vim.notify('void: open a .void file of the project first; environments belong to a project', vim.log.levels.WARN)
    return nil, nil
  end
  local c = client.get(bufnr)
  if not c then
    vim.notify('void: void-ls is not running (open a .void file; see :checkhealth void)', vim.log.levels.ERROR)
    return nil, nil
  end
  return vim.uri_from_bufnr(bufnr), c
end

--- One line for a person: `profile · environment`, with a note when nothing is picked.
--- @param state table The answer of `void/environment`.
--- @return string
function M.describe(state)
  local env = state.environment
  if env == nil or env == vim.NIL then
    env = '(none)'
  end
  local text = string.format('profile %s · environment %s', state.profile, env)
  if not state.chosen then
    text = text .. ' (the first one: none is picked)'
  end
  if type(state.problem) == 'string' then
    text = text .. ' — ' .. state.problem
  end
  return text
end

--- Asks the server (and applies `select` when given); `done(state)` runs with the answer.
--- @param bufnr integer
--- @param select table|nil `{ profile = string|vim.NIL, envName = string|vim.NIL }`
--- @param done fun(state: table)|nil
function M.request(bufnr, select, done)
  local uri, c = target(bufnr)
  if not uri or not c then
    return
  end
  local params = { uri = uri }
  if select then
    params.select = select
  end
  client.request(c, M.method, params, function(err, state)
    if err then
      client.notify_error('environment', err)
      return
    end
    last[bufnr] = state
    vim.cmd.redrawstatus()
    if done then
      done(state)
    end
  end, bufnr)
end

--- The profile to send back: `vim.NIL` for `default`.
local function profile_param(name)
  if name == nil or name == 'default' then
    return vim.NIL
  end
  return name
end

--- `:VoidEnv [name|-]`.
--- @param name string|nil
function M.pick_environment(name)
  local bufnr = vim.api.nvim_get_current_buf()
  M.request(bufnr, nil, function(state)
    local function apply(env)
      M.request(bufnr, { profile = profile_param(state.profile), envName = env }, function(now)
        vim.notify('void: ' .. M.describe(now))
      end)
    end
    if name == '-' then
      apply(vim.NIL)
      return
    end
    if name and name ~= '' then
      apply(name)
      return
    end
    local items = vim.deepcopy(state.environments or {})
    if #items == 0 then
      vim.notify('void: ' .. M.describe(state) .. '; this profile has no environments')
      return
    end
    vim.ui.select(items, {
      prompt = 'Environment (' .. M.describe(state) .. ')',
      format_item = function(item)
        local display = item.displayName
        if type(display) == 'string' and display ~= '' then
          return item.name .. '  ' .. display
        end
        return item.name
      end,
    }, function(item)
      if item then
        apply(item.name)
      end
    end)
  end)
end

--- `:VoidProfile [name]`.
--- @param name string|nil
function M.pick_profile(name)
  local bufnr = vim.api.nvim_get_current_buf()
  M.request(bufnr, nil, function(state)
    local function apply(profile)
      M.request(bufnr, { profile = profile_param(profile), envName = vim.NIL }, function(now)
        vim.notify('void: ' .. M.describe(now))
      end)
    end
    if name and name ~= '' then
      apply(name)
      return
    end
    vim.ui.select(state.profiles or {}, { prompt = 'Environment profile (now ' .. state.profile .. ')' }, function(item)
      if item then
        apply(item)
      end
    end)
  end)
end

--- Statusline text for a buffer (current one by default): its project's profile and
--- environment, as last answered by the server (empty before the first answer).
--- @param bufnr integer|nil
--- @return string
function M.statusline(bufnr)
  local state = last[bufnr or vim.api.nvim_get_current_buf()]
  if not state then
    return ''
  end
  local env = state.environment
  if env == nil or env == vim.NIL then
    return ''
  end
  if state.profile ~= 'default' then
    return state.profile .. ' · ' .. env
  end
  return env
end

--- Completion of `:VoidEnv` and `:VoidProfile` from the last answer.
local function complete(field)
  return function(lead)
    local state = last[vim.api.nvim_get_current_buf()] or {}
    local out = {}
    for _, item in ipairs(state[field] or {}) do
      local name = type(item) == 'table' and item.name or item
      if vim.startswith(name, lead) then
        table.insert(out, name)
      end
    end
    return out
  end
end

--- Defines `:VoidEnv` and `:VoidProfile`, and asks for the state of each `.void` buffer the
--- server attaches to (so the statusline and completion have it).
--- @param group integer The plugin's autocommand group.
function M.setup(group)
  vim.api.nvim_create_user_command('VoidEnv', function(args)
    M.pick_environment(args.args)
  end, { nargs = '?', complete = complete('environments'), desc = 'void: show or pick the environment' })
  vim.api.nvim_create_user_command('VoidProfile', function(args)
    M.pick_profile(args.args)
  end, { nargs = '?', complete = complete('profiles'), desc = 'void: show or pick the environment profile' })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local c = vim.lsp.get_client_by_id(args.data.client_id)
      if c and c.name == require('void.config').options.name and vim.bo[args.buf].filetype == 'void' then
        client.request(c, M.method, { uri = vim.uri_from_bufnr(args.buf) }, function(err, state)
          if not err then
            last[args.buf] = state
          end
        end, args.buf)
      end
    end,
  })
end

return M
