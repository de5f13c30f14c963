/**
 * The server's contract with this client (docs/lsp-extensions.md), declared once: command names,
 * argument and result shapes, custom requests and notifications. No behaviour lives here and
 * nothing here may import `vscode`, so unit tests can load it under plain Node.
 */

/** `workspace/executeCommand` names the server lists in `executeCommandProvider`. */
export const ServerCommand = {
  connect: 'void.connect',
  send: 'void.send',
  testConnection: 'void.testConnection',
  pause: 'void.pause',
  resume: 'void.resume',
  close: 'void.close',
  sessions: 'void.sessions',
  exportTranscript: 'void.exportTranscript',
  copyAsWebsocat: 'void.copyAsWebsocat',
} as const;

/** Command ids this extension registers in VS Code. They differ from the server's `void.*`
 * names because vscode-languageclient registers those itself (to forward them to the server). */
export const ClientCommand = {
  connect: 'voidLs.connect',
  send: 'voidLs.send',
  pause: 'voidLs.pause',
  resume: 'voidLs.resume',
  close: 'voidLs.close',
  showSessions: 'voidLs.showSessions',
  openLog: 'voidLs.openLog',
  exportTranscript: 'voidLs.exportTranscript',
  copyAsWebsocat: 'voidLs.copyAsWebsocat',
  restartServer: 'voidLs.restartServer',
  showOutput: 'voidLs.showOutput',
} as const;

export type SessionState = 'connecting' | 'open' | 'closing' | 'closed' | 'failed';

export interface SessionDetail {
  httpStatus?: number;
  subprotocol?: string;
  handshakeMs?: number;
  closeCode?: number;
  closeReason?: string;
  error?: string;
  assertions?: { passed: number; failed: number; pending: number };
}

/** `void/sessionStatus` notification parameters. */
export interface SessionStatus {
  sessionId: string;
  uri: string;
  blockUid: string;
  url: string;
  state: SessionState;
  paused: boolean;
  sent: number;
  received: number;
  logUri: string;
  detail?: SessionDetail | null;
}

/** One entry of the `void.sessions` result. */
export interface SessionSummary {
  sessionId: string;
  uri: string;
  blockUid: string;
  state: SessionState;
  logUri: string;
}

export interface ConnectResult {
  sessionId: string;
  logUri: string;
}

export interface ExportTranscriptResult {
  path: string;
  events: number;
}

/** `void/sessionLogText` request: the fallback for clients without `workspace/textDocumentContent`. */
export const SessionLogTextMethod = 'void/sessionLogText';
export interface SessionLogTextResult {
  text: string;
  version: number;
}

export const SessionStatusMethod = 'void/sessionStatus';

/** URI scheme of the live log documents. */
export const LogScheme = 'void-session';

/** Message formats of `ws-message` (docs/format.md §4.1). */
export const MessageFormats = ['text', 'json', 'xml', 'binary'] as const;
export type MessageFormat = (typeof MessageFormats)[number];

/** True for states in which the session can still send, pause or close. */
export function isLive(state: SessionState): boolean {
  return state === 'connecting' || state === 'open' || state === 'closing';
}
