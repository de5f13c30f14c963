-- Unit tests of the Neovim plugin's pure parts, in headless Neovim, without a server:
-- options, the protocol mirror, the session cache and statusline, log rendering, following and
-- folding, filetype and highlighting, commands and health. (The plugin reads no `.void` text:
-- what it knows of sections comes from the server, tested end to end in e2e.lua.)
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

local protocol = require('void.protocol')
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

test('protocol: names mirror the server, live states', function()
  eq('void/sectionAt', protocol.method.section_at, 'sectionAt')
  eq('void.openLog', protocol.command.open_log, 'openLog is a command of the server table')
  eq('void-session', protocol.log_scheme, 'log scheme')
  for _, state in ipairs({ 'connecting', 'open', 'closing', 'reconnecting' }) do
    eq(true, protocol.is_live(state), state .. ' is live')
  end
  eq(false, protocol.is_live('closed'), 'closed')
  eq(nil, protocol.value(vim.NIL), 'JSON null')
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
  sessions.update({
    sessionId = 's3',
    state = 'reconnecting',
    sent = 1,
    received = 0,
    detail = { attempt = 2, retryInMs = 500 },
  })
  eq('WS reconnecting (attempt 2) ↑1 ↓0', sessions.describe(sessions.by_id.s3), 'reconnecting with its attempt')
  eq(true, sessions.is_live(sessions.by_id.s3), 'reconnecting is live')
  sessions.update({
    sessionId = 's3',
    state = 'closed',
    detail = { closeCode = 1006, assertions = { passed = 0, failed = 0, pending = 2 } },
  })
  eq('WS closed 1006 ↑1 ↓0 2 pending', sessions.describe(sessions.by_id.s3), 'close code and pending rows in words')
  local age = sessions.age(os.date('!%Y-%m-%dT%H:%M:%S.000Z', os.time() - 125))
  truthy(age == '2 min', 'age of a session started 125 s ago: ' .. tostring(age))
  eq(nil, sessions.age(nil), 'no start time')
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
    'VoidMessage',
    'VoidSessions',
    'VoidExport',
    'VoidServe',
    'VoidStopServe',
  }) do
    eq(2, vim.fn.exists(':' .. name), ':' .. name .. ' defined')
  end
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

test('log buffer: the handshake folds into one line', function()
  local log = require('void.log')
  local buf = vim.api.nvim_create_buf(true, true)
  vim.api.nvim_set_current_buf(buf)
  log.render(
    buf,
    table.concat({
      '# ws://h/chat · open',
      '12:00:00.000 ⇄ connecting · ws://h/chat',
      '12:00:00.001 ⇄ → GET /chat HTTP/1.1',
      '12:00:00.001 ⇄ → host: h',
      '12:00:00.002 ⇄ ← HTTP/1.1 101 Switching Protocols',
      '12:00:00.002 ⇄ ← upgrade: websocket',
      '12:00:00.003 ⇄ open · 101 Switching Protocols · 2 ms',
      '12:00:00.004 → hi                     text · 2 B',
    }, '\n')
  )
  eq(
    { '0', '0', '>1', '1', '1', '1', '0', '0' },
    vim.tbl_map(function(l)
      return log.foldexpr(l)
    end, { 1, 2, 3, 4, 5, 6, 7, 8 }),
    'one fold over the four handshake lines'
  )
  eq('file:///a.void#u1', log.section_key('file:///a.void', 'u1'), 'section key')
  eq('file:///a.void#', log.section_key('file:///a.void', nil), 'section key without a uid')
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

test('served sections: remembered by section, forgotten by id and when the server stops', function()
  local sessions = require('void.sessions')
  sessions.remember_served(
    'file:///a.void#u1',
    { sessionId = 'serve-1', logUri = 'void-session:/serve-1/a.wslog', url = 'ws://127.0.0.1:1' }
  )
  sessions.remember_served(
    'file:///a.void#u2',
    { sessionId = 'serve-2', logUri = 'void-session:/serve-2/b.wslog', url = 'ws://127.0.0.1:2' }
  )
  eq('serve-1', sessions.served['file:///a.void#u1'].sessionId, 'remembered')
  sessions.forget_served('serve-1')
  eq(nil, sessions.served['file:///a.void#u1'], 'forgotten by id')
  truthy(sessions.served['file:///a.void#u2'], 'the other one kept')
  sessions.clear()
  eq(nil, next(sessions.served), 'cleared with the sessions')
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
    ':VoidMessage',
    ':VoidSessions',
    ':VoidExport',
    ':VoidServe',
    ':VoidStopServe',
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
