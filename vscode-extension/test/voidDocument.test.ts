import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messagesOf, scanSections, sectionAt, socketRequestOf, unquote } from '../src/voidDocument';

const FILE = [
  '---',
  'version: 0.20.1',
  '---',
  '',
  '# Echo',
  '',
  '```void',
  '---',
  'type: socket-request',
  'attrs:',
  '  uid: aaaaaaaa-0000-4000-8000-000000000001',
  'content:',
  '  - type: surl',
  '    attrs:',
  '      uid: aaaaaaaa-0000-4000-8000-000000000002',
  '    content: ws://127.0.0.1:9/echo',
  '---',
  '```',
  '',
  '```void',
  '---',
  'type: ws-message',
  'attrs:',
  '  uid: aaaaaaaa-0000-4000-8000-000000000003',
  '  name: subscribe',
  '  format: json',
  '  send: on-open',
  '  body: |-',
  '    {"op": "subscribe",',
  '',
  '     "x": 1}',
  '---',
  '```',
  '',
  '```yaml',
  'type: ws-message',
  '```',
  '',
  '```void',
  '---',
  'type: request-separator',
  'attrs:',
  '  uid: aaaaaaaa-0000-4000-8000-000000000004',
  '  label: "Second: one"',
  '---',
  '```',
  '',
  '```void',
  '---',
  'type: socket-request',
  'attrs:',
  '  uid: aaaaaaaa-0000-4000-8000-000000000005',
  '---',
  '```',
  '',
  '```void',
  '---',
  'type: ws-message',
  'attrs:',
  '  uid: aaaaaaaa-0000-4000-8000-000000000006',
  "  body: 'it''s {{X}}'",
  '---',
  '```',
].join('\n');

test('sections split at request-separator blocks', () => {
  const sections = scanSections(FILE);
  assert.equal(sections.length, 2);
  assert.equal(sections[0].startLine, 0);
  assert.equal(sections[1].label, 'Second: one');
  assert.equal(socketRequestOf(sections[0])?.uid, 'aaaaaaaa-0000-4000-8000-000000000001');
  assert.equal(socketRequestOf(sections[1])?.uid, 'aaaaaaaa-0000-4000-8000-000000000005');
  assert.equal(sectionAt(sections, 4), sections[0]);
  assert.equal(sectionAt(sections, 60), sections[1]);
});

test('ws-message attrs and block literal bodies are read; other fences are not blocks', () => {
  const [first, second] = scanSections(FILE);
  const messages = messagesOf(first);
  assert.equal(messages.length, 1);
  assert.deepEqual(
    { uid: messages[0].uid, name: messages[0].name, format: messages[0].format, send: messages[0].send },
    { uid: 'aaaaaaaa-0000-4000-8000-000000000003', name: 'subscribe', format: 'json', send: 'on-open' },
  );
  assert.equal(messages[0].body, '{"op": "subscribe",\n\n "x": 1}');
  assert.equal(messagesOf(second)[0].body, "it's {{X}}");
});

test('never throws on broken input', () => {
  for (const text of ['', '```void', '```void\n---\ntype:', '```void\n  body: |\n', '~~~void\n---\n']) {
    assert.doesNotThrow(() => scanSections(text));
  }
});

test('unquote follows the YAML quoting the app writes', () => {
  assert.equal(unquote('"{{BASE}}/ws"'), '{{BASE}}/ws');
  assert.equal(unquote("'a ''b'''"), "a 'b'");
  assert.equal(unquote('plain # comment'), 'plain');
});
