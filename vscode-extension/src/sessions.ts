/**
 * What the client knows about WebSocket sessions: the latest `void/sessionStatus` of each,
 * which one is "active" for the status bar, and how a status reads in words. The server owns
 * sessions; this registry only mirrors its notifications and must never invent state. No
 * `vscode` import, so it is unit tested under plain Node.
 */

import { isLive, type SessionStatus, type SessionSummary } from './protocol';

export interface TrackedSession extends SessionStatus {
  /** Monotonic counter of the last update, to find the most recent session. */
  touched: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly listeners: Array<(s: TrackedSession) => void> = [];
  private clock = 0;

  onDidChange(listener: (s: TrackedSession) => void): { dispose(): void } {
    this.listeners.push(listener);
    return {
      dispose: () => {
        const i = this.listeners.indexOf(listener);
        if (i >= 0) this.listeners.splice(i, 1);
      },
    };
  }

  /** Applies one `void/sessionStatus` notification. Ignores malformed ones. */
  update(status: SessionStatus): void {
    if (!status || typeof status.sessionId !== 'string' || typeof status.state !== 'string') return;
    const tracked: TrackedSession = {
      ...status,
      sent: Number(status.sent) || 0,
      received: Number(status.received) || 0,
      paused: Boolean(status.paused),
      touched: ++this.clock,
    };
    this.sessions.set(status.sessionId, tracked);
    for (const l of [...this.listeners]) l(tracked);
  }

  /** Merges a `void.sessions` answer (for sessions we have not heard about yet). */
  merge(list: SessionSummary[]): void {
    for (const s of list) {
      const known = this.sessions.get(s.sessionId);
      this.sessions.set(s.sessionId, {
        url: '',
        paused: false,
        sent: 0,
        received: 0,
        detail: null,
        ...known,
        ...s,
        touched: known?.touched ?? ++this.clock,
      });
    }
  }

  get(sessionId: string): TrackedSession | undefined {
    return this.sessions.get(sessionId);
  }

  all(): TrackedSession[] {
    return [...this.sessions.values()].sort((a, b) => b.touched - a.touched);
  }

  live(): TrackedSession[] {
    return this.all().filter((s) => isLive(s.state));
  }

  /** Live sessions of one request block (`uri` + `blockUid`), newest first. */
  forBlock(uri: string, blockUid: string): TrackedSession[] {
    return this.all().filter((s) => s.uri === uri && s.blockUid === blockUid);
  }

  byLogUri(logUri: string): TrackedSession | undefined {
    return this.all().find((s) => s.logUri === logUri);
  }

  /**
   * The session the status bar shows: the newest one of the document in the active editor
   * (or whose log is in the active editor), else the newest live one, else the newest.
   */
  active(activeUri: string | undefined): TrackedSession | undefined {
    const all = this.all();
    if (activeUri) {
      const own = all.find((s) => s.uri === activeUri || s.logUri === activeUri);
      if (own) return own;
    }
    return all.find((s) => isLive(s.state)) ?? all[0];
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** Short status bar text, e.g. `WS open · ↑3 ↓5` or `WS open (paused) · ↑3 ↓5`. */
export function statusBarText(s: SessionStatus): string {
  const paused = s.paused && isLive(s.state) ? ' (paused)' : '';
  const asserts = s.detail?.assertions;
  const checks = asserts ? ` · ✓${asserts.passed} ✗${asserts.failed}` : '';
  return `WS ${s.state}${paused} · ↑${s.sent} ↓${s.received}${checks}`;
}

/** Longer description for tooltips and quick picks. */
export function describeSession(s: SessionStatus): string {
  const parts = [`${s.url || s.uri}`, `${s.state}${s.paused ? ', paused' : ''}`];
  parts.push(`${s.sent} sent, ${s.received} received`);
  const d = s.detail;
  if (d?.subprotocol) parts.push(`subprotocol ${d.subprotocol}`);
  if (d?.httpStatus !== undefined && d?.httpStatus !== null) parts.push(`HTTP ${d.httpStatus}`);
  if (d?.handshakeMs !== undefined && d?.handshakeMs !== null) parts.push(`${d.handshakeMs} ms handshake`);
  if (d?.closeCode !== undefined && d?.closeCode !== null) {
    parts.push(`closed ${d.closeCode}${d.closeReason ? ` "${d.closeReason}"` : ''}`);
  }
  if (d?.assertions) {
    const a = d.assertions;
    parts.push(`assertions ${a.passed} passed, ${a.failed} failed, ${a.pending} pending`);
  }
  if (d?.error) parts.push(d.error);
  return parts.join(' · ');
}
