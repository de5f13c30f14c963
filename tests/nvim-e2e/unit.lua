-- Unit tests of the Neovim plugin's pure parts, in headless Neovim, without a server:
-- options, the block scanner (inline text and the real Voiden samples), the session cache and
-- statusline, log rendering and following, filetype and highlighting, commands and health.
--
--   nvim --headless --clean -l tests/nvim-e2e/unit.lua
--
-- Exits 0 when every test passes, 1 otherwise, naming each failure.
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h:h')
vim.opt.runtimepath:prepend(root .. '/nvim-plugin')
vim.cmd.runtime('plugin/void.lua')

local out = io.stdout
local failures, passed = {}, 0

local function test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
    out:write('ok   ' .. name .. '\n')
  else
    table.insert(failures, name)
    out:write('FAIL ' .. name .. '\n' .. tostring(err) .. '\n')
  end
end

local function eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format('%s: expected %s, got %s', what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function truthy(value, what)
  if not value then
    error((what or 'value') .. ' should hold', 2)
  end
end

local document = require('void.document')
local sessions = require('void.sessions')
local config = require('void.config')

local sample = [[
---
version: 0.20.1
---

# Chat

```void
---
type: socket-request
attrs:
  uid: 3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11
content:
  - type: smethod
    attrs:
      uid: 7d1e2c44-0c55-4a1b-9d8e-0b7f3b1c2a90
      method: WSS
    content: WSS
  - type: surl
    attrs:
      uid: 0e6a4b1f-2d7c-4f3e-8a19-5c2b7d9e1f03
    content: wss://example.test/ws
---
```

````markdown
```void
---
type: ws-message
attrs:
  uid: not-a-block-this-is-an-example
  name: hidden
---
```
````

```void
---
type: ws-message
attrs:
  uid: 5b0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c
  name: subscribe
  format: json
  body: |-
    {"name": "not an attr"}
---
```

```void
---
type: ws-message
attrs: { uid: "aa0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c", name: 'it''s, here', format: text }
---
```

```void
---
type: request-separator
attrs:
  uid: 11111111-2f3d-4e6a-9b7c-1d2e3f4a5b6c
  label: Second
---
```

```void
---
type: socket-request
attrs:
  uid: 22222222-2f3d-4e6a-9b7c-1d2e3f4a5b6c
---
```

```void
---
type: ws-message
attrs:
  uid: 33333333-2f3d-4e6a-9b7c-1d2e3f4a5b6c
  name: ping
---
```
]]

test('options: defaults, merge and type errors', function()
  local o = config.apply(nil)
  eq({ 'void-ls' }, o.cmd, 'default cmd')
  o = config.apply({ cmd = { '/x/void-ls', 'lsp' }, settings = { a = 1 } })
  eq({ '/x/void-ls', 'lsp' }, o.cmd, 'cmd replaced, not merged')
  eq({ a = 1 }, o.settings, 'settings')
  eq(true, o.codelens, 'codelens default')
  eq(true, o.inlay_hints, 'inlay hints on by default')
  local ok, err = pcall(config.apply, { cmd = 'void-ls' })
  eq(false, ok, 'string cmd rejected')
  truthy(tostring(err):find('cmd', 1, true), 'error names the option')
  ok = pcall(config.apply, { cmd = {} })
  eq(false, ok, 'empty cmd rejected')
  config.apply(nil)
end)

test('scanner: blocks, attrs, flow style, nested fences, sections', function()
  local scan = document.scan_lines(vim.split(sample, '\n', { plain = true }))
  local types = vim.tbl_map(function(b)
    return b.type
  end, scan.blocks)
  eq(
    { 'socket-request', 'ws-message', 'ws-message', 'request-separator', 'socket-request', 'ws-message' },
    types,
    'block types'
  )
  eq('3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11', scan.blocks[1].attrs.uid, 'top-level uid, not a nested one')
  eq(nil, scan.blocks[1].attrs.method, 'nested attrs are not the block attrs')
  eq('subscribe', scan.blocks[2].attrs.name, 'name')
  eq('json', scan.blocks[2].attrs.format, 'format')
  eq(nil, scan.blocks[2].attrs.body, 'block literal is not read as a scalar')
  eq("it's, here", scan.blocks[3].attrs.name, 'flow style with quotes and a comma')
  eq('aa0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c', scan.blocks[3].attrs.uid, 'flow style uid')
  eq(2, #scan.sections, 'two sections')
  eq('Second', scan.sections[2].label, 'separator label')
  eq(1, scan.blocks[3].section, 'third block in the first section')
  eq(2, scan.blocks[6].section, 'last block in the second section')
  local first = scan.sections[1]
  eq(
    { 'subscribe', "it's, here" },
    vim.tbl_map(function(b)
      return b.attrs.name
    end, document.messages(first)),
    'messages of section 1'
  )
  eq('3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11', document.socket_request(first).attrs.uid, 'socket request of section 1')
  eq(scan.sections[2], document.section_at(scan, scan.blocks[6].first), 'section_at')
  eq(scan.sections[2], document.section_of_block(scan, '22222222-2f3d-4e6a-9b7c-1d2e3f4a5b6c'), 'section_of_block')
end)

test('scanner: unclosed fence and empty input do not fail', function()
  local scan = document.scan_lines({ '```void', '---', 'type: ws-message', 'attrs:', '  name: x' })
  eq(1, #scan.blocks, 'one block')
  eq('x', scan.blocks[1].attrs.name, 'name read')
  eq(4, scan.blocks[1].last, 'runs to the end')
  scan = document.scan_lines({})
  eq(0, #scan.blocks, 'no blocks')
  eq(1, #scan.sections, 'one section')
end)

test('scanner: real Voiden files', function()
  local dir = root .. '/../shared/voiden-samples'
  if vim.fn.isdirectory(dir) == 0 then
    -- Never pass having checked nothing in CI.
    truthy(os.getenv('CI') ~= 'true', 'the Voiden samples are needed under CI=true: ' .. dir)
    out:write('     (skipped: ' .. dir .. ' is absent)\n')
    return
  end
  local echo = vim.fn.readfile(dir .. '/plugin-voiden-sockets_skill.md__websocket-echo-example.void')
  local scan = document.scan_lines(echo)
  eq('socket-request', scan.blocks[1].type, 'first block')
  eq('so1ck2et-e5f6-7890-abcd-ef1234567890', scan.blocks[1].attrs.uid, 'quoted uid')
  eq('messages-node', scan.blocks[2].type, 'second block')
  local files = vim.fn.glob(dir .. '/*.void', false, true)
  truthy(#files >= 9, 'samples found')
  for _, file in ipairs(files) do
    local s = document.scan_lines(vim.fn.readfile(file))
    for _, block in ipairs(s.blocks) do
      truthy(block.type, vim.fn.fnamemodify(file, ':t') .. ': every block has a type (line ' .. block.first .. ')')
    end
  end
end)

test('sessions: merge, order, live choice, statusline', function()
  sessions.clear()
  local uri = vim.uri_from_fname('/tmp/void-unit/a.void')
  sessions.update({ sessionId = 's1', uri = uri, blockUid = 'b1', state = 'closed', sent = 1, received = 1 })
  sessions.update({
    sessionId = 's2',
    uri = uri,
    blockUid = 'b1',
    state = 'open',
    sent = 3,
    received = 5,
    logUri = 'void-session:/s2/chat.wslog',
  })
  sessions.update({ sessionId = 's1', detail = vim.NIL })
  eq('s2', sessions.for_block(uri, 'b1').sessionId, 'live session preferred')
  eq(
    { 's2', 's1' },
    vim.tbl_map(function(s)
      return s.sessionId
    end, sessions.list(uri)),
    'newest first'
  )
  eq('WS open ↑3 ↓5', sessions.describe(sessions.by_id.s2), 'describe')
  sessions.update({ sessionId = 's2', detail = { assertions = { passed = 0, failed = 0, pending = 0 } } })
  eq('WS open ↑3 ↓5', sessions.describe(sessions.by_id.s2), 'a section without assertions shows no counts')
  sessions.update({ sessionId = 's2', paused = true, detail = { assertions = { passed = 2, failed = 1, pending = 0 } } })
  eq('WS paused ↑3 ↓5 ✓2 ✗1', sessions.describe(sessions.by_id.s2), 'paused with assertions')
  eq('s2', sessions.id_from_log_uri('void-session:/s2/chat.wslog'), 'id from log uri')
  eq(nil, sessions.update({ nope = true }), 'status without id ignored')

  vim.cmd.edit('/tmp/void-unit/a.void')
  eq('WS paused ↑3 ↓5 ✓2 ✗1', sessions.statusline(), 'statusline of the document')
  vim.cmd.enew()
  eq('', sessions.statusline(), 'statusline elsewhere')
  sessions.clear()
end)

test('filetype, Markdown tree-sitter, injection query', function()
  require('void').setup({ cmd = { 'void-ls-does-not-exist' } })
  local path = vim.fn.tempname() .. '.void'
  vim.fn.writefile(vim.split(sample, '\n', { plain = true }), path)
  vim.cmd.edit(path)
  eq('void', vim.bo.filetype, 'filetype')
  truthy(vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()], 'tree-sitter highlighter active')
  eq('markdown', vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()].tree:lang(), 'parser language')
  local query = vim.treesitter.query.get('markdown', 'injections')
  truthy(query, 'injection query loads with the plugin extension')
  for _, name in ipairs({
    'VoidConnect',
    'VoidSend',
    'VoidPause',
    'VoidResume',
    'VoidClose',
    'VoidLog',
    'VoidSessions',
    'VoidExport',
  }) do
    eq(2, vim.fn.exists(':' .. name), ':' .. name .. ' defined')
  end
end)

test('section under the cursor picks names for :VoidSend completion', function()
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local row = 0
  for i, line in ipairs(lines) do
    if line:find('name: ping', 1, true) then
      row = i
    end
  end
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  eq({ 'ping' }, vim.fn.getcompletion('VoidSend ', 'cmdline'), 'completion in section 2')
  vim.api.nvim_win_set_cursor(0, { 8, 0 })
  eq({ 'subscribe' }, vim.fn.getcompletion('VoidSend s', 'cmdline'), 'completion in section 1 with a prefix')
end)

test('log buffer: render touches changed lines and follows the end', function()
  local log = require('void.log')
  local buf = vim.api.nvim_create_buf(true, true)
  vim.api.nvim_set_current_buf(buf)
  log.render(buf, '# h · open · 0 sent\n12:00:00.000 ⇄ open\n')
  eq(
    { '# h · open · 0 sent', '12:00:00.000 ⇄ open' },
    vim.api.nvim_buf_get_lines(buf, 0, -1, false),
    'first render'
  )
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  log.render(buf, '# h · open · 1 sent\n12:00:00.000 ⇄ open\n12:00:01.000 → hi\n')
  eq(3, vim.api.nvim_win_get_cursor(0)[1], 'cursor follows the new last line')
  eq('# h · open · 1 sent', vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1], 'header updated')
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  log.render(
    buf,
    '# h · open · 1 sent · 1 received\n12:00:00.000 ⇄ open\n12:00:01.000 → hi\n12:00:01.001 ← hi\n'
  )
  eq(1, vim.api.nvim_win_get_cursor(0)[1], 'a window scrolled away stays put')
  eq(4, vim.api.nvim_buf_line_count(buf), 'four lines')
  eq(false, vim.bo[buf].modifiable, 'read-only after render')
  log.render(buf, '# h\n')
  eq({ '# h' }, vim.api.nvim_buf_get_lines(buf, 0, -1, false), 'shrinks')
end)

test('void-session: buffers are log views even without a server', function()
  local notes = {}
  local notify = vim.notify
  vim.notify = function(msg)
    table.insert(notes, msg)
  end
  vim.cmd.edit('void-session:/abc/chat.wslog')
  vim.notify = notify
  eq('voidlog', vim.bo.filetype, 'filetype')
  eq('nofile', vim.bo.buftype, 'buftype')
  eq(false, vim.bo.modifiable, 'read-only')
  truthy(notes[1] and notes[1]:find('not running', 1, true), 'says the server is not running')
end)

test(':checkhealth void runs', function()
  vim.cmd('checkhealth void')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  truthy(text:find('void-ls-does-not-exist', 1, true), 'names the missing server')
end)

test(':help void: tags build and name every command', function()
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp, 'p')
  vim.fn.writefile(vim.fn.readfile(root .. '/nvim-plugin/doc/void.txt'), tmp .. '/void.txt')
  vim.cmd.helptags(vim.fn.fnameescape(tmp))
  local tags = table.concat(vim.fn.readfile(tmp .. '/tags'), '\n')
  for _, tag in ipairs({
    ':VoidConnect',
    ':VoidSend',
    ':VoidPause',
    ':VoidResume',
    ':VoidClose',
    ':VoidLog',
    ':VoidSessions',
    ':VoidExport',
    'void.setup()',
    'void-options',
  }) do
    truthy(tags:find(tag, 1, true), 'help tag ' .. tag)
  end
end)

out:write(string.format('\n%d passed, %d failed\n', passed, #failures))
if #failures > 0 then
  out:write('failed: ' .. table.concat(failures, ', ') .. '\n')
  os.exit(1)
end
os.exit(0)
