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
      if (!s || typeof s.sessionId !== 'string') continue;
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

  /** Resolves with the session once `pred` holds for it (or at once when it already does);
   * with `undefined` after `timeoutMs`. */
  waitUntil(sessionId: string, pred: (s: TrackedSession) => boolean, timeoutMs: number): Promise<TrackedSession | undefined> {
    const now = this.sessions.get(sessionId);
    if (now && pred(now)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (s: TrackedSession | undefined) => {
        clearTimeout(timer);
        subscription.dispose();
        resolve(s);
      };
      const subscription = this.onDidChange((s) => {
        if (s.sessionId === sessionId && pred(s)) done(s);
      });
      const timer = setTimeout(() => done(undefined), timeoutMs);
    });
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

/**
 * Short status bar text, e.g. `WS open · ↑3 ↓5`, `WS reconnecting · attempt 2 in 4 s`, and for an
 * HTTP run (its URL is http: or https:) `HTTP closed 200 · ↑1 ↓1 · ✓2 ✗0`.
 */
export function statusBarText(s: SessionStatus): string {
  const d = s.detail ?? undefined;
  const kind = isHttpUrl(s.url) ? 'HTTP' : 'WS';
  if (s.state === 'reconnecting') {
    return `${kind} reconnecting${attemptText(d)} · ↑${s.sent} ↓${s.received}`;
  }
  const paused = s.paused && isLive(s.state) ? ' (paused)' : '';
  const ended = s.state === 'closed' || s.state === 'failed';
  const endCode = kind === 'HTTP' ? d?.httpStatus : d?.closeCode;
  const code = ended && endCode ? ` ${endCode}` : '';
  return `${kind} ${s.state}${code}${paused} · ↑${s.sent} ↓${s.received}${assertionText(d)}`;
}

/** Whether a run's URL is an HTTP request's (an HTTP or GraphQL-over-HTTP section, an event stream). */
function isHttpUrl(url: string | undefined): boolean {
  return /^https?:/i.test(url ?? '');
}

/** ` · attempt 2 in 4 s` while reconnecting (from `detail.attempt` and `detail.retryInMs`). */
function attemptText(d: SessionStatus['detail'] | undefined): string {
  if (!d) return '';
  const attempt = typeof d.attempt === 'number' ? ` · attempt ${d.attempt}` : '';
  const retry = typeof d.retryInMs === 'number' ? ` in ${humanMs(d.retryInMs)}` : '';
  return `${attempt}${retry}`;
}

/** ` · ✓2 ✗1` once rows settled, ` · 3 pending` while some wait; nothing without assertions. */
function assertionText(d: SessionStatus['detail'] | undefined): string {
  const a = d?.assertions;
  if (!a) return '';
  let text = '';
  if (a.passed + a.failed > 0) text += ` · ✓${a.passed} ✗${a.failed}`;
  if (a.pending > 0) text += ` · ${a.pending} pending`;
  return text;
}

function humanMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** How long ago `startedAt` was, for people: `12 s`, `3 min`, `2 h`. */
export function age(startedAt: string | undefined, now: number): string {
  const started = startedAt ? Date.parse(startedAt) : Number.NaN;
  if (Number.isNaN(started)) return '';
  const seconds = Math.max(0, Math.round((now - started) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** The local `HH:MM:SS` of `startedAt`, as log tabs show it. */
export function startTime(startedAt: string | undefined): string {
  const started = startedAt ? new Date(startedAt) : undefined;
  if (!started || Number.isNaN(started.getTime())) return '';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(started.getHours())}:${two(started.getMinutes())}:${two(started.getSeconds())}`;
}

/** The file name of a document URI (`chat.void`). */
export function fileName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return path.slice(path.lastIndexOf('/') + 1);
  }
}

/** A row of the Show Sessions list: section, file, start time, state and age. */
export function sessionPickItem(s: TrackedSession, now: number): { label: string; description: string; detail: string } {
  const started = startTime(s.startedAt);
  const ago = age(s.startedAt, now);
  return {
    label: s.label || s.url || s.sessionId,
    description: [fileName(s.uri), started && `started ${started}`].filter(Boolean).join(' · '),
    detail: [statusBarText(s).replace(/^(WS|HTTP) /, ''), ago && `${ago} ago`].filter(Boolean).join(' · '),
  };
}

/** Longer description for tooltips and quick picks. */
export function describeSession(s: SessionStatus): string {
  const parts = [s.label ? `${s.label}: ${s.url || s.uri}` : `${s.url || s.uri}`];
  parts.push(`${s.state}${s.paused ? ', paused' : ''}`);
  parts.push(`${s.sent} sent, ${s.received} received`);
  const d = s.detail;
  if (s.state === 'reconnecting' && typeof d?.attempt === 'number') parts.push(`reconnect attempt ${d.attempt}`);
  if (d?.subprotocol) parts.push(`subprotocol ${d.subprotocol}`);
  if (d?.httpStatus !== undefined && d?.httpStatus !== null) parts.push(`HTTP ${d.httpStatus}`);
  if (d?.handshakeMs !== undefined && d?.handshakeMs !== null) parts.push(`${d.handshakeMs} ms handshake`);
  if (d?.closeCode !== undefined && d?.closeCode !== null) {
    const by = d.endedBy ? ` by the ${d.endedBy === 'network' ? 'network' : d.endedBy}` : '';
    parts.push(`closed ${d.closeCode}${d.closeReason ? ` "${d.closeReason}"` : ''}${by}`);
  }
  const a = d?.assertions;
  if (a && a.passed + a.failed + a.pending > 0) {
    parts.push(`assertions: ${a.passed} passed, ${a.failed} failed, ${a.pending} pending`);
  }
  if (d?.error) parts.push(d.error);
  return parts.join(' · ');
}
