--- Talking to the void-ls client: finding it, sending requests and `workspace/executeCommand`,
--- hiding the API differences between Neovim 0.10 and 0.11 (`client.request` became
--- `client:request`).
---
--- It must not decide what to do with results (the commands and the log buffers do that) and
--- must not start the server (see `void.lsp`).
local config = require('void.config')
local protocol = require('void.protocol')

local M = {}

local has_011 = vim.fn.has('nvim-0.11') == 1

--- The void-ls client attached to a buffer, or else any running void-ls client (log buffers
--- are not attached to the server but still read from it).
--- @param bufnr integer|nil
--- @return vim.lsp.Client|nil
function M.get(bufnr)
  local name = config.options.name
  if bufnr then
    local attached = vim.lsp.get_clients({ name = name, bufnr = bufnr })
    if attached[1] then
      return attached[1]
    end
  end
  return vim.lsp.get_clients({ name = name })[1]
end

--- Sends a request; `handler(err, result)` runs on the main loop.
--- @param client vim.lsp.Client
--- @param method string
--- @param params table
--- @param handler fun(err: table|nil, result: any)
--- @param bufnr integer|nil
--- @return boolean sent
function M.request(client, method, params, handler, bufnr)
  local function on_result(err, result)
    handler(err, result)
  end
  local ok
  if has_011 then
    ok = client:request(method, params, on_result, bufnr)
  else
    ok = client.request(method, params, on_result, bufnr)
  end
  if not ok then
    vim.schedule(function()
      handler({ message = 'void-ls is not running (the request could not be sent)' }, nil)
    end)
  end
  return ok and true or false
end

--- Whether a client has stopped (its server exited or was asked to).
--- @param c vim.lsp.Client
--- @return boolean
function M.is_stopped(c)
  if has_011 then
    return c:is_stopped()
  end
  return c.is_stopped()
end

--- Runs a server command with one argument object, as docs/lsp-extensions.md defines them.
--- @param client vim.lsp.Client
--- @param command string
--- @param argument table
--- @param handler fun(err: table|nil, result: any)
--- @param bufnr integer|nil
function M.execute(client, command, argument, handler, bufnr)
  return M.request(client, 'workspace/executeCommand', {
    command = command,
    arguments = { argument },
  }, handler, bufnr)
end

--- `void/sectionAt`: what the server knows about a section (the plugin never parses `.void`
--- text itself). `handler(err, section)` gets `nil` when that section holds no request.
--- @param client vim.lsp.Client
--- @param params {textDocument: {uri: string}, position: void.Position|nil, blockUid: string|nil}
--- @param handler fun(err: table|nil, section: void.SectionInfo|nil)
--- @param bufnr integer|nil
function M.section_at(client, params, handler, bufnr)
  return M.request(client, protocol.method.section_at, params, function(err, result)
    handler(err, protocol.value(result))
  end, bufnr)
end

--- `void/sectionAt` answered at once (for command-line completion, which cannot wait for a
--- callback); `nil` when it has no answer within `timeout_ms`.
--- @param client vim.lsp.Client
--- @param params table
--- @param bufnr integer|nil
--- @param timeout_ms integer|nil
--- @return void.SectionInfo|nil
function M.section_at_sync(client, params, bufnr, timeout_ms)
  local response
  if has_011 then
    response = client:request_sync(protocol.method.section_at, params, timeout_ms or 500, bufnr)
  else
    response = client.request_sync(protocol.method.section_at, params, timeout_ms or 500, bufnr)
  end
  if not response or response.err then
    return nil
  end
  return protocol.value(response.result)
end

--- Text of an LSP error for a person.
--- @param err table|string
--- @return string
function M.error_text(err)
  if type(err) == 'table' then
    return tostring(err.message or vim.inspect(err))
  end
  return tostring(err)
end

--- Reports an error through `vim.notify`.
--- @param what string What was being done ("connect", "send", ...).
--- @param err table|string
function M.notify_error(what, err)
  vim.notify(string.format('void: %s failed: %s', what, M.error_text(err)), vim.log.levels.ERROR)
end

--- The loaded buffer showing a document URI, without creating one (unlike
--- `vim.uri_to_bufnr`).
--- @param uri string|nil
--- @return integer|nil
function M.loaded_buffer(uri)
  if type(uri) ~= 'string' then
    return nil
  end
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.uri_from_bufnr(bufnr) == uri then
      return bufnr
    end
  end
  return nil
end

--- Position params for the cursor in the current window, in the client's encoding.
--- @param client vim.lsp.Client
--- @return table
function M.cursor_position(client)
  return vim.lsp.util.make_position_params(0, client.offset_encoding or 'utf-16').position
end

return M
