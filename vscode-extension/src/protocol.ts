/**
 * The server's contract with this client, mirrored once from the server's own declarations
 * (`server/ls/src/lsp/ext.rs` for the names, `server/ls/src/lsp/sessions/protocol.rs` for the
 * shapes; docs/lsp-extensions.md documents both): custom requests and notifications, command
 * names, argument and result types. The client never parses `.void` text itself: what it needs
 * to know about a section comes from `void/sectionAt`.
 *
 * No behaviour lives here and nothing here may import `vscode`, so unit tests can load it under
 * plain Node.
 */

/** Custom requests and notifications (`ext.rs`). */
export const Method = {
  /** Server -> client notification: a session changed state. */
  sessionStatus: 'void/sessionStatus',
  /** Client -> server: the text of a log document (when `workspace/textDocumentContent` is not served). */
  sessionLogText: 'void/sessionLogText',
  /** Client -> server: the section under a position, or the one whose request has a uid. */
  sectionAt: 'void/sectionAt',
  /** Client -> server: the whole message behind a line of a log document. */
  logMessage: 'void/logMessage',
  /** Client -> server: the project's environments, and picking one. */
  environment: 'void/environment',
} as const;

/** `workspace/executeCommand` names the server lists in `executeCommandProvider` (`ext::commands::ALL`). */
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
  openLog: 'void.openLog',
  serve: 'void.serve',
  stopServe: 'void.stopServe',
} as const;

/** URI scheme of the live log documents. */
export const LogScheme = 'void-session';

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
  openMessage: 'voidLs.openMessage',
  exportTranscript: 'voidLs.exportTranscript',
  copyAsWebsocat: 'voidLs.copyAsWebsocat',
  restartServer: 'voidLs.restartServer',
  showOutput: 'voidLs.showOutput',
  selectEnvironment: 'voidLs.selectEnvironment',
} as const;

export type SessionState = 'connecting' | 'open' | 'closing' | 'closed' | 'failed' | 'reconnecting';

/** A position in the negotiated encoding (LSP `Position`). */
export interface Position {
  line: number;
  character: number;
}

// ---- command arguments and results -------------------------------------------------------

/** `void.connect`, `void.testConnection`, `void.copyAsWebsocat`: a section by request uid or position. */
export interface SectionTarget {
  uri: string;
  blockUid?: string;
  position?: Position;
}

export interface ConnectResult {
  sessionId: string;
  logUri: string;
}

/** `void.serve` (a `SectionTarget`): the served section's id (for `void.stopServe`, which takes
 * `SessionArgs`), its log document and where clients connect (`ws://127.0.0.1:<port>`). */
export interface ServeResult {
  sessionId: string;
  logUri: string;
  url: string;
}

/** `void.send`: a `ws-message` by uid, or an ad-hoc body. */
export interface SendArgs {
  sessionId: string;
  messageUid?: string;
  format?: MessageFormat;
  body?: string;
}

/** `void.pause`, `void.resume`. */
export interface SessionArgs {
  sessionId: string;
}

/** `void.close` (code 1000 when absent). */
export interface CloseArgs {
  sessionId: string;
  code?: number;
  reason?: string;
}

/** `void.openLog`. */
export interface OpenLogArgs {
  sessionId?: string;
  logUri?: string;
}

export interface OpenLogResult {
  logUri: string;
}

/** `void.exportTranscript`. */
export interface ExportArgs {
  sessionId: string;
  path: string;
}

export interface ExportTranscriptResult {
  path: string;
  events: number;
}

export interface OkResult {
  ok: boolean;
}

export interface TestConnectionAnswer {
  ok: boolean;
  httpStatus: number | null;
  subprotocol: string | null;
  handshakeMs: number | null;
  error?: string;
}

/** One entry of the `void.sessions` result. */
export interface SessionSummary {
  sessionId: string;
  uri: string;
  blockUid: string;
  state: SessionState;
  logUri: string;
  /** The section's name for people. */
  label: string;
  /** When the session started (RFC 3339, milliseconds). */
  startedAt: string;
}

// ---- notifications -------------------------------------------------------------------------

/** Who ended a connection: a close the client started is never reported as the server's. */
export type EndedBy = 'client' | 'server' | 'network';

export interface SessionDetail {
  httpStatus?: number;
  subprotocol?: string;
  handshakeMs?: number;
  closeCode?: number;
  closeReason?: string;
  error?: string;
  endedBy?: EndedBy;
  /** While `reconnecting`: which attempt comes next and when. */
  attempt?: number;
  retryInMs?: number;
  warnings?: string[];
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
  label?: string;
  startedAt?: string;
  detail?: SessionDetail | null;
}

// ---- requests --------------------------------------------------------------------------------

/** `void/sectionAt` parameters: a position (the document must be open), or a request uid. */
export interface SectionAtParams {
  textDocument: { uri: string };
  position?: Position;
  blockUid?: string;
}

/** One `ws-message` of a section. */
export interface MessageInfo {
  /** `null` for a message without a uid (it cannot be sent by reference). */
  uid: string | null;
  name: string | null;
  format: string;
  send: string;
  /** The body on one line, cut. */
  preview: string;
}

/** A session as `void/sectionAt` names it. */
export interface SessionRef {
  sessionId: string;
  state: SessionState;
  logUri: string;
}

/** `void/sectionAt` result (`null` when the section holds no request). */
export interface SectionInfo {
  sectionKey: string;
  label: string;
  blockUid: string;
  kind: 'websocket' | 'grpc' | 'http';
  /** Variables resolved when they can be, secrets masked. */
  url: string;
  messages: MessageInfo[];
  session: SessionRef | null;
}

/** `void/logMessage` parameters: a 0-based line of a log document and its text. */
export interface LogMessageParams {
  uri: string;
  line: number;
  text?: string;
}

/** `void/logMessage` result (`null` when the line is not a message). */
export interface LogMessageResult {
  direction: 'in' | 'out';
  format: MessageFormat;
  size: number;
  at: string;
  /** The whole message, secrets masked, JSON pretty-printed; `null` when it is not kept. */
  text: string | null;
  note?: string;
}

/** An environment pick: `void/environment` `select`, remembered per project. */
export interface EnvironmentSelection {
  profile: string | null;
  envName: string | null;
}

/** `void/environment` result: the project's profiles and environments, and the one in force. */
export interface EnvironmentResult {
  projectRoot: string;
  profile: string;
  profiles: string[];
  environment: string | null;
  chosen: boolean;
  environments: { name: string; displayName: string | null }[];
  problem: string | null;
}

/** `void/sessionLogText` result. */
export interface SessionLogTextResult {
  text: string;
  version: number;
}

/** Message formats of `ws-message`. */
export const MessageFormats = ['text', 'json', 'xml', 'binary'] as const;
export type MessageFormat = (typeof MessageFormats)[number];

/** True for states in which the session can still send, pause or close (or will try again). */
export function isLive(state: SessionState): boolean {
  return state === 'connecting' || state === 'open' || state === 'closing' || state === 'reconnecting';
}
