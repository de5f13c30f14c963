import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionStatus } from '../src/protocol';
import { age, describeSession, fileName, SessionRegistry, sessionPickItem, statusBarText } from '../src/sessions';

function status(over: Partial<SessionStatus>): SessionStatus {
  return {
    sessionId: 's1',
    uri: 'file:///a.void',
    blockUid: 'b1',
    url: 'ws://127.0.0.1:1/echo',
    state: 'open',
    paused: false,
    sent: 0,
    received: 0,
    logUri: 'void-session:/s1/echo.wslog',
    ...over,
  };
}

test('status bar text shows state and counts, and assertions only once there are some', () => {
  assert.equal(statusBarText(status({ sent: 3, received: 5 })), 'WS open · ↑3 ↓5');
  assert.equal(statusBarText(status({ paused: true })), 'WS open (paused) · ↑0 ↓0');
  assert.equal(
    statusBarText(status({ detail: { assertions: { passed: 0, failed: 0, pending: 0 } } })),
    'WS open · ↑0 ↓0',
    'no ✓0 ✗0 without assertions',
  );
  assert.equal(
    statusBarText(status({ detail: { assertions: { passed: 0, failed: 0, pending: 3 } } })),
    'WS open · ↑0 ↓0 · 3 pending',
  );
  assert.equal(
    statusBarText(status({ state: 'closed', detail: { closeCode: 1000, assertions: { passed: 2, failed: 1, pending: 0 } } })),
    'WS closed 1000 · ↑0 ↓0 · ✓2 ✗1',
  );
});

test('an HTTP run reads as HTTP with its status code, not as a WebSocket session', () => {
  const http = { url: 'https://api.example.test/login' };
  assert.equal(
    statusBarText(status({ ...http, state: 'closed', sent: 1, received: 1, detail: { httpStatus: 200, assertions: { passed: 2, failed: 0, pending: 0 } } })),
    'HTTP closed 200 · ↑1 ↓1 · ✓2 ✗0',
  );
  assert.equal(statusBarText(status({ ...http, state: 'open', received: 12 })), 'HTTP open · ↑0 ↓12', 'an event stream while it runs');
  assert.equal(statusBarText(status({ url: 'wss://h.test/graphql', state: 'open' })), 'WS open · ↑0 ↓0');
});

test('a reconnecting session says which attempt comes and when', () => {
  assert.equal(
    statusBarText(status({ state: 'reconnecting', sent: 2, received: 2, detail: { attempt: 2, retryInMs: 4000 } })),
    'WS reconnecting · attempt 2 in 4 s · ↑2 ↓2',
  );
  const r = new SessionRegistry();
  r.update(status({ state: 'reconnecting' }));
  assert.equal(r.live().length, 1, 'reconnecting is live: Close still applies');
});

test('the active session prefers the active document, then the newest live one', () => {
  const r = new SessionRegistry();
  r.update(status({ sessionId: 'a', uri: 'file:///a.void' }));
  r.update(status({ sessionId: 'b', uri: 'file:///b.void', state: 'closed' }));
  assert.equal(r.active('file:///b.void')?.sessionId, 'b');
  assert.equal(r.active('file:///other.void')?.sessionId, 'a');
  assert.equal(r.active(undefined)?.sessionId, 'a');
  assert.equal(r.active('void-session:/s1/echo.wslog')?.sessionId, 'b');
});

test('updates replace, listeners fire, malformed notifications are ignored', () => {
  const r = new SessionRegistry();
  const seen: string[] = [];
  r.onDidChange((s) => seen.push(`${s.sessionId}:${s.state}`));
  r.update(status({ state: 'connecting' }));
  r.update(status({ state: 'open', sent: 1 }));
  r.update(null as unknown as SessionStatus);
  r.update({ sessionId: 3 } as unknown as SessionStatus);
  r.merge([null as never]);
  assert.deepEqual(seen, ['s1:connecting', 's1:open']);
  assert.equal(r.all().length, 1);
  assert.equal(r.get('s1')?.sent, 1);
  assert.equal(r.live().length, 1);
});

test('describeSession names what a person needs', () => {
  const text = describeSession(
    status({ state: 'closed', detail: { closeCode: 1006, error: 'connection dropped without a close frame', endedBy: 'network' } }),
  );
  assert.match(text, /closed 1006 by the network/);
  assert.match(text, /without a close frame/);
  assert.doesNotMatch(describeSession(status({ detail: { closeCode: 1000, closeReason: '' } })), /""/);
});

test('Show Sessions rows give section, file, start time, state and age', () => {
  const now = Date.parse('2026-01-02T10:05:00.000Z');
  const r = new SessionRegistry();
  r.update(
    status({ label: 'Chat room', uri: 'file:///w/chat%20app.void', startedAt: '2026-01-02T10:02:30.000Z', sent: 1, received: 2 }),
  );
  const item = sessionPickItem(r.all()[0], now);
  assert.equal(item.label, 'Chat room');
  assert.match(item.description, /^chat app\.void · started \d\d:\d\d:\d\d$/);
  assert.equal(item.detail, 'open · ↑1 ↓2 · 2 min ago');
  assert.equal(age('2026-01-02T10:04:55.000Z', now), '5 s');
  assert.equal(age(undefined, now), '');
  assert.equal(fileName('file:///a/b/c.void'), 'c.void');
});

test('waitUntil resolves when a notification makes the condition true, or after its time', async () => {
  const r = new SessionRegistry();
  r.update(status({ state: 'closing' }));
  const waiting = r.waitUntil('s1', (s) => s.state === 'closed', 1000);
  r.update(status({ state: 'closed' }));
  assert.equal((await waiting)?.state, 'closed');
  assert.equal(await r.waitUntil('s1', (s) => s.state === 'open', 20), undefined);
});
