import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionStatus } from '../src/protocol';
import { describeSession, SessionRegistry, statusBarText } from '../src/sessions';

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

test('status bar text shows state and counts', () => {
  assert.equal(statusBarText(status({ sent: 3, received: 5 })), 'WS open · ↑3 ↓5');
  assert.equal(statusBarText(status({ paused: true })), 'WS open (paused) · ↑0 ↓0');
  assert.equal(
    statusBarText(status({ state: 'closed', detail: { assertions: { passed: 2, failed: 1, pending: 0 } } })),
    'WS closed · ↑0 ↓0 · ✓2 ✗1',
  );
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
  assert.deepEqual(seen, ['s1:connecting', 's1:open']);
  assert.equal(r.all().length, 1);
  assert.equal(r.get('s1')?.sent, 1);
  assert.equal(r.live().length, 1);
});

test('describeSession names what a person needs', () => {
  const text = describeSession(
    status({ state: 'closed', detail: { closeCode: 1006, error: 'connection dropped without a close frame' } }),
  );
  assert.match(text, /closed 1006/);
  assert.match(text, /without a close frame/);
});
