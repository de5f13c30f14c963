/**
 * Entry point of the VS Code extension: finds and starts the `void-ls` server, mirrors its
 * session notifications into a status bar item, and registers the WebSocket commands
 * (connect, send, pause, resume, close, sessions, log, message, transcript, websocat, restart).
 *
 * Every language feature (diagnostics, completion, code lenses, formatting...) and every
 * session operation is the server's: this file only asks for them through the protocol in
 * `protocol.ts` and presents the answers. It never parses `.void` text: what it needs to know
 * about a section (its request, messages and session) comes from `void/sectionAt`.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { EnvironmentPicker } from './environment';
import { LogFollower, LogMessages, openLogBeside, SessionLogTextProvider } from './logDocuments';
import {
  ClientCommand,
  type CloseArgs,
  type ConnectResult,
  type ExportArgs,
  type ExportTranscriptResult,
  isLive,
  LogScheme,
  type MessageFormat,
  MessageFormats,
  Method,
  type SectionAtParams,
  type SectionInfo,
  type SectionTarget,
  type SendArgs,
  ServerCommand,
  type SessionArgs,
  type SessionStatus,
  type SessionSummary,
} from './protocol';
import { discoverServer, errorText, ServerNotFoundError } from './serverDiscovery';
import { ServerLogReader } from './serverLog';
import { describeSession, SessionRegistry, sessionPickItem, statusBarText, type TrackedSession } from './sessions';

const UNTRUSTED_EXPLANATION =
  'Void: this workspace is in Restricted Mode, so connecting is off: a .void file can point a ' +
  'WebSocket connection at any host and send credentials from its variables. Trust the ' +
  'workspace to connect.';
const MANAGE_TRUST = 'Manage Workspace Trust';
/** How long a reconnect waits for the old session to finish closing. */
const RECONNECT_CLOSE_WAIT_MS = 6000;

class VoidExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel('Void Language Server', { log: true });
  private readonly trace = vscode.window.createOutputChannel('Void Language Server Trace', { log: true });
  private readonly registry = new SessionRegistry();
  private readonly statusBar = vscode.window.createStatusBarItem('void.session', vscode.StatusBarAlignment.Left, 50);
  private readonly logFallback = new SessionLogTextProvider(() => this.client);
  private readonly logMessages = new LogMessages(() => this.client);
  private logFallbackRegistration: vscode.Disposable | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly environments: EnvironmentPicker;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.environments = new EnvironmentPicker(context, () => this.client);
    this.disposables.push(this.environments);
    this.statusBar.name = 'Void WebSocket session';
    this.disposables.push(
      this.output,
      this.trace,
      this.statusBar,
      this.logFallback,
      this.logMessages,
      new LogFollower(),
      this.registry.onDidChange((s) => {
        this.updateStatusBar();
        if (this.logFallbackRegistration) this.logFallback.refresh(s.logUri);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatusBar()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart()),
    );
    this.registerCommands();
  }

  // ---- server lifecycle -------------------------------------------------------------------

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration('void');
    const settingPath = vscode.workspace.isTrusted
      ? config.get<string>('server.path')
      : config.inspect<string>('server.path')?.globalValue;
    ensureBundledExecutable(this.context.extensionPath);
    let found;
    try {
      found = await discoverServer({
        env: process.env,
        settingPath,
        extensionPath: this.context.extensionPath,
        platform: process.platform,
        probe: {
          isFile: (file) => {
            try {
              return fs.statSync(file).isFile();
            } catch {
              return false;
            }
          },
          version: (file) => runVersion(file),
        },
      });
    } catch (err) {
      const message = err instanceof ServerNotFoundError ? err.message : errorText(err);
      this.output.error(message);
      void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'void.server.path');
      });
      return;
    }
    for (const skipped of found.skipped) {
      const text = `${skipped.candidate.source} points to ${skipped.candidate.path}, which was skipped: ${skipped.problem}.`;
      this.output.warn(text);
      void vscode.window.showWarningMessage(`Void: ${text} Using ${found.candidate.path} instead.`);
    }
    this.output.info(`Using ${found.candidate.path} (${found.candidate.source}): ${found.version}`);

    const logLevel = config.get<string>('logLevel', 'info');
    const serverOptions: ServerOptions = {
      command: found.candidate.path,
      args: ['lsp'],
      // The server's stderr log filter (a tracing filter); it goes to the output channel.
      options: { env: { ...process.env, VOID_LS_LOG: logLevel } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'void' }],
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      // The server's stderr log, each line at its own level (not every line as an error).
      stdioOptions: {
        stdout: (input, channel) => {
          readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (l) => channel.info(l));
        },
        stderr: (input, channel) => {
          const reader = new ServerLogReader(channel);
          readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (l) => reader.line(l));
        },
      },
      initializationOptions: this.serverSettings(),
      synchronize: { configurationSection: 'void' },
      middleware: {
        window: {
          // Logs always open beside the editor without taking focus, whoever asks for them.
          showDocument: async (params, token, next) => {
            if (!params.external && params.uri.startsWith(`${LogScheme}:`)) {
              try {
                await openLogBeside(params.uri);
                return { success: true };
              } catch (err) {
                this.output.warn(`Opening ${params.uri}: ${errorText(err)}`);
                return { success: false };
              }
            }
            return next(params, token);
          },
        },
        executeCommand: async (command, args, next) => {
          const listensOrConnects = [ServerCommand.connect, ServerCommand.testConnection, ServerCommand.serve] as string[];
          if (listensOrConnects.includes(command) && !vscode.workspace.isTrusted) {
            explainRestrictedMode();
            return undefined;
          }
          if (command === ServerCommand.connect) {
            // A ▶ Connect lens: the same checks as Ctrl+Enter (already connected? reconnect?).
            const target = (args as SectionTarget[] | undefined)?.[0];
            if (target) return this.connectTarget(target);
          }
          return next(command, args);
        },
      },
    };
    const client = new LanguageClient('void', 'Void Language Server', serverOptions, clientOptions);
    this.client = client;
    client.onNotification(Method.sessionStatus, (status: SessionStatus) => this.registry.update(status));
    try {
      await client.start();
    } catch (err) {
      const text = `Void: the language server ${found.candidate.path} failed to start: ${errorText(err)}`;
      this.output.error(text);
      void vscode.window.showErrorMessage(text);
      return;
    }
    this.ensureLogContent(client);
    void this.environments.serverStarted();
  }

  /** Settings the server reads at start-up (also pushed on change via didChangeConfiguration). */
  private serverSettings(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration('void');
    return {
      envProfile: config.get<string>('env.profile', ''),
      envName: config.get<string>('env.name', ''),
      variables: config.get<Record<string, string>>('variables', {}),
      logLevel: config.get<string>('logLevel', 'info'),
      workspaceTrusted: vscode.workspace.isTrusted,
    };
  }

  /**
   * vscode-languageclient 10.1 serves `workspace/textDocumentContent` for the schemes the server
   * declares in `capabilities.workspace.textDocumentContent`. When the server declares none for
   * `void-session`, serve those documents through `void/sessionLogText` instead.
   */
  private ensureLogContent(client: LanguageClient): void {
    const declared = client.initializeResult?.capabilities.workspace?.textDocumentContent as
      | { schemes?: string[] }
      | undefined;
    const served = declared?.schemes?.includes(LogScheme) ?? false;
    this.logFallbackRegistration?.dispose();
    this.logFallbackRegistration = undefined;
    if (!served) {
      this.output.info('The server does not declare workspace/textDocumentContent for void-session:; using void/sessionLogText.');
      this.logFallbackRegistration = vscode.workspace.registerTextDocumentContentProvider(LogScheme, this.logFallback);
    }
  }

  async restart(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    this.registry.clear();
    this.updateStatusBar();
    if (old) {
      try {
        await old.stop(5000);
      } catch (err) {
        this.output.warn(`Stopping the server: ${errorText(err)}`);
      }
    }
    await this.start();
  }

  // ---- requests ---------------------------------------------------------------------------

  private running(): LanguageClient {
    const client = this.client;
    if (!client || client.state !== State.Running) {
      throw new Error('The void-ls language server is not running. Run "Void: Restart Server", and see the "Void Language Server" output for why.');
    }
    return client;
  }

  private async execute<T>(command: string, args: object): Promise<T> {
    return this.running().sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }) as Promise<T>;
  }

  /** `void/sectionAt`: the section under a position (or the one of a request uid). */
  private async sectionAt(params: SectionAtParams): Promise<SectionInfo | null> {
    return this.running().sendRequest<SectionInfo | null>(Method.sectionAt, params);
  }

  /** The section under the cursor of the active `.void` editor, as the server reads it. */
  private async sectionUnderCursor(): Promise<{ editor: vscode.TextEditor; section: SectionInfo | null }> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'void') {
      throw new Error('Put the cursor in a WebSocket section of a .void file first.');
    }
    const client = this.running();
    const position = client.code2ProtocolConverter.asPosition(editor.selection.active);
    const section = await this.sectionAt({ textDocument: { uri: editor.document.uri.toString() }, position });
    return { editor, section };
  }

  // ---- commands ---------------------------------------------------------------------------

  private registerCommands(): void {
    const register = (id: string, handler: (...args: never[]) => Promise<unknown>) =>
      this.disposables.push(
        vscode.commands.registerCommand(id, async (...args: never[]) => {
          try {
            return await handler(...args);
          } catch (err) {
            void vscode.window.showErrorMessage(`Void: ${errorText(err)}`);
            return undefined;
          }
        }),
      );
    register(ClientCommand.connect, () => this.connect());
    register(ClientCommand.send, (args?: Partial<SendArgs>) => this.send(args));
    register(ClientCommand.pause, (args?: Partial<SessionArgs>) => this.simple(ServerCommand.pause, args));
    register(ClientCommand.resume, (args?: Partial<SessionArgs>) => this.simple(ServerCommand.resume, args));
    register(ClientCommand.close, (args?: Partial<CloseArgs>) => this.simple(ServerCommand.close, args));
    register(ClientCommand.showSessions, () => this.showSessions());
    register(ClientCommand.openLog, (args?: { sessionId?: string; logUri?: string }) => this.openLog(args));
    register(ClientCommand.openMessage, (args?: unknown) => this.logMessages.open(args));
    register(ClientCommand.exportTranscript, (args?: Partial<SessionArgs>) => this.exportTranscript(args));
    register(ClientCommand.copyAsWebsocat, () => this.copyAsWebsocat());
    register(ClientCommand.restartServer, () => this.restart());
    register(ClientCommand.showOutput, async () => this.output.show(true));
  }

  /**
   * Ctrl+Enter (Cmd+Enter) and `Void: Connect`: connects the section under the cursor. It never
   * edits the file: the suggestion widget is closed first, and in Restricted Mode it says why it
   * cannot connect and how to trust the workspace.
   */
  private async connect(): Promise<void> {
    await vscode.commands.executeCommand('hideSuggestWidget');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    if (!vscode.workspace.isTrusted) {
      explainRestrictedMode();
      return;
    }
    const { editor, section } = await this.sectionUnderCursor();
    if (!section || (section.kind !== 'websocket' && section.kind !== 'http')) {
      throw new Error(
        section
          ? `The section "${section.label}" is a ${section.kind} request; only WebSocket and HTTP sections run here.`
          : 'There is no request in this section. Type /wss on an empty line to add a WebSocket request.',
      );
    }
    const client = this.running();
    const target: SectionTarget = section.blockUid
      ? { uri: editor.document.uri.toString(), blockUid: section.blockUid }
      : { uri: editor.document.uri.toString(), position: client.code2ProtocolConverter.asPosition(editor.selection.active) };
    await this.connectTarget(target, section);
  }

  /**
   * Connects a section, or, when it is already connected, offers to show its log or to
   * reconnect (closing the running session first) instead of doing nothing.
   */
  private async connectTarget(target: SectionTarget, known?: SectionInfo | null): Promise<ConnectResult | undefined> {
    const section =
      known ??
      (await this.sectionAt({
        textDocument: { uri: target.uri },
        ...(target.blockUid ? { blockUid: target.blockUid } : { position: target.position }),
      }));
    const running = section?.session && isLive(section.session.state) ? section.session : undefined;
    if (section?.kind === 'http') {
      // An HTTP section runs once; its response document opens beside (the server answers a
      // run still waiting for its response instead of sending again).
      const result = await this.execute<ConnectResult>(ServerCommand.connect, target);
      if (result && typeof result.logUri === 'string') await openLogBeside(result.logUri, { atEnd: false });
      return result;
    }
    if (running) {
      const choice = await vscode.window.showInformationMessage(
        `Void: "${section?.label}" is already connected (${running.state}).`,
        'Show Log',
        'Reconnect',
      );
      if (choice === 'Show Log') {
        await openLogBeside(running.logUri);
        return { sessionId: running.sessionId, logUri: running.logUri };
      }
      if (choice !== 'Reconnect') return undefined;
      await this.execute(ServerCommand.close, { sessionId: running.sessionId } satisfies CloseArgs);
      await this.registry.waitUntil(running.sessionId, (s) => !isLive(s.state), RECONNECT_CLOSE_WAIT_MS);
    }
    const result = await this.execute<ConnectResult>(ServerCommand.connect, target);
    if (result && typeof result.logUri === 'string') await openLogBeside(result.logUri);
    return result;
  }

  /**
   * The session a command acts on: given by id; else the one whose log is active; else the
   * newest live one of the section under the cursor; else the only live one; else a pick.
   */
  private async targetSession(sessionId: string | undefined, wantLive: boolean): Promise<TrackedSession> {
    if (sessionId) {
      const known = this.registry.get(sessionId);
      if (known) return known;
      return { sessionId, uri: '', blockUid: '', url: '', state: 'open', paused: false, sent: 0, received: 0, logUri: '', touched: 0 };
    }
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.uri.scheme === LogScheme) {
      const own = this.registry.byLogUri(editor.document.uri.toString());
      if (own) return own;
    }
    if (editor?.document.languageId === 'void') {
      const { section } = await this.sectionUnderCursor();
      const session = section?.session;
      if (session && (!wantLive || isLive(session.state))) {
        return (
          this.registry.get(session.sessionId) ?? {
            sessionId: session.sessionId,
            uri: editor.document.uri.toString(),
            blockUid: section.blockUid,
            url: section.url,
            state: session.state,
            paused: false,
            sent: 0,
            received: 0,
            logUri: session.logUri,
            label: section.label,
            touched: 0,
          }
        );
      }
    }
    const pool = wantLive ? this.registry.live() : this.registry.all();
    if (pool.length === 1) return pool[0];
    if (pool.length === 0) {
      throw new Error(
        wantLive
          ? 'There is no open WebSocket session. Put the cursor in a WebSocket section and press Ctrl+Enter (Cmd+Enter) to connect.'
          : 'There is no WebSocket session yet. Connect from a .void file first.',
      );
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      pool.map((s) => ({ ...sessionPickItem(s, now), session: s })),
      { placeHolder: 'Which session?' },
    );
    if (!picked) throw new Error('No session chosen.');
    return picked.session;
  }

  private async simple(command: string, args?: { sessionId?: string; code?: number; reason?: string }): Promise<void> {
    const session = await this.targetSession(args?.sessionId, true);
    await this.execute(command, { ...args, sessionId: session.sessionId });
  }

  private async send(args?: Partial<SendArgs>): Promise<void> {
    const session = await this.targetSession(args?.sessionId, true);
    if (args?.messageUid) {
      await this.execute(ServerCommand.send, { sessionId: session.sessionId, messageUid: args.messageUid } satisfies SendArgs);
      return;
    }
    const section = session.uri
      ? await this.sectionAt({ textDocument: { uri: session.uri }, blockUid: session.blockUid }).catch(() => null)
      : null;
    type Item = vscode.QuickPickItem & { uid?: string | null; free?: boolean };
    const items: Item[] = (section?.messages ?? []).map((m) => ({
      label: m.name || '(unnamed message)',
      description: `${m.format}${m.send !== 'manual' ? ` · ${m.send}` : ''}`,
      detail: m.preview,
      uid: m.uid,
    }));
    items.push({ label: '$(edit) Type a message…', description: 'free text, then pick its format', free: true });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Send which message?' });
    if (!picked) return;
    if (!picked.free) {
      if (!picked.uid) throw new Error(`The message "${picked.label}" has no uid; add one (the quick fix does) and try again.`);
      await this.execute(ServerCommand.send, { sessionId: session.sessionId, messageUid: picked.uid } satisfies SendArgs);
      return;
    }
    const body = await vscode.window.showInputBox({ prompt: 'Message to send', placeHolder: '{"op": "ping"}' });
    if (body === undefined) return;
    const guess: MessageFormat = looksLikeJson(body) ? 'json' : body.trimStart().startsWith('<') ? 'xml' : 'text';
    const formats = [guess, ...MessageFormats.filter((f) => f !== guess)];
    const format = await vscode.window.showQuickPick(
      formats.map((f) => ({ label: f, description: f === 'binary' ? 'base64 body' : undefined })),
      { placeHolder: 'Format of the message' },
    );
    if (!format) return;
    await this.execute(ServerCommand.send, {
      sessionId: session.sessionId,
      format: format.label as MessageFormat,
      body,
    } satisfies SendArgs);
  }

  /** `Void: Show Sessions`: every session with its section, file, start time, state and age. */
  private async showSessions(): Promise<void> {
    const list = await this.execute<SessionSummary[]>(ServerCommand.sessions, {});
    if (Array.isArray(list)) this.registry.merge(list);
    const all = this.registry.all();
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Void: no WebSocket sessions yet.');
      return;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      all.map((s) => ({ ...sessionPickItem(s, now), session: s })),
      { placeHolder: 'WebSocket sessions (newest first)', matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return;
    const s = picked.session;
    const actions = [{ label: 'Open log', run: () => this.openLog({ sessionId: s.sessionId }) }];
    if (isLive(s.state)) {
      actions.push({ label: 'Send…', run: () => this.send({ sessionId: s.sessionId }) });
      actions.push(
        s.paused
          ? { label: 'Resume', run: () => this.simple(ServerCommand.resume, { sessionId: s.sessionId }) }
          : { label: 'Pause', run: () => this.simple(ServerCommand.pause, { sessionId: s.sessionId }) },
      );
      actions.push({ label: 'Close', run: () => this.simple(ServerCommand.close, { sessionId: s.sessionId }) });
    }
    actions.push({ label: 'Export transcript…', run: () => this.exportTranscript({ sessionId: s.sessionId }) });
    const action = await vscode.window.showQuickPick(actions, { placeHolder: describeSession(s) });
    if (action) await action.run();
  }

  private async openLog(args?: { sessionId?: string; logUri?: string }): Promise<void> {
    if (args?.logUri) {
      await openLogBeside(args.logUri);
      return;
    }
    const session = await this.targetSession(args?.sessionId, false);
    if (!session.logUri) throw new Error('This session has no log document.');
    await openLogBeside(session.logUri);
  }

  private async exportTranscript(args?: Partial<SessionArgs>): Promise<void> {
    const session = await this.targetSession(args?.sessionId, false);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${session.sessionId}.jsonl`) : undefined,
      filters: { 'JSON Lines': ['jsonl'] },
      title: 'Export the session transcript',
    });
    if (!target) return;
    const result = await this.execute<ExportTranscriptResult>(ServerCommand.exportTranscript, {
      sessionId: session.sessionId,
      path: target.fsPath,
    } satisfies ExportArgs);
    void vscode.window.showInformationMessage(`Void: exported ${result?.events ?? 0} events to ${result?.path ?? target.fsPath}.`);
  }

  private async copyAsWebsocat(): Promise<void> {
    const { editor, section } = await this.sectionUnderCursor();
    if (!section || section.kind !== 'websocket') throw new Error('The cursor is not in a WebSocket section.');
    const target: SectionTarget = section.blockUid
      ? { uri: editor.document.uri.toString(), blockUid: section.blockUid }
      : { uri: editor.document.uri.toString(), position: this.running().code2ProtocolConverter.asPosition(editor.selection.active) };
    const line = await this.execute<string>(ServerCommand.copyAsWebsocat, target);
    if (typeof line !== 'string') throw new Error('The server gave no websocat command line.');
    await vscode.env.clipboard.writeText(line);
    // Notifications are plain text: no Markdown backticks around the command.
    void vscode.window.showInformationMessage(`Void: copied the websocat command to the clipboard: ${line}`);
  }

  // ---- status bar -------------------------------------------------------------------------

  private updateStatusBar(): void {
    const active = this.registry.active(vscode.window.activeTextEditor?.document.uri.toString());
    if (!active) {
      this.statusBar.hide();
      return;
    }
    this.statusBar.text = `$(radio-tower) ${statusBarText(active)}`;
    this.statusBar.tooltip = `${describeSession(active)}\nClick to open the live log.`;
    this.statusBar.command = { title: 'Open log', command: ClientCommand.openLog, arguments: [{ sessionId: active.sessionId }] };
    this.statusBar.backgroundColor =
      active.state === 'failed' || (active.detail?.assertions?.failed ?? 0) > 0
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : active.state === 'reconnecting'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.statusBar.show();
  }

  async dispose(): Promise<void> {
    this.logFallbackRegistration?.dispose();
    for (const d of this.disposables) d.dispose();
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop(5000).catch(() => undefined);
  }
}

/** Says why connecting is off in Restricted Mode and offers to manage workspace trust. */
function explainRestrictedMode(): void {
  void vscode.window.showWarningMessage(UNTRUSTED_EXPLANATION, MANAGE_TRUST).then((choice) => {
    if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  });
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return /^\s*[[{]/.test(text);
  } catch {
    return false;
  }
}

/** Zip extraction can drop the executable bit of the bundled server; put it back. */
function ensureBundledExecutable(extensionPath: string): void {
  if (process.platform === 'win32') return;
  const bundled = `${extensionPath}/server/void-ls`;
  try {
    const mode = fs.statSync(bundled).mode;
    if ((mode & 0o111) === 0) fs.chmodSync(bundled, mode | 0o755);
  } catch {
    // No bundled server (a platform-neutral build): discovery moves on to PATH.
  }
}

function runVersion(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, ['--version'], { timeout: 5000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${err.message}${stderr ? ` (${stderr.trim()})` : ''}`));
        return;
      }
      const line = stdout.trim().split(/\r?\n/)[0];
      if (!/void-ls/i.test(line)) {
        reject(new Error(`unexpected output ${JSON.stringify(line)}; is this the void-ls binary?`));
        return;
      }
      resolve(line);
    });
  });
}

let extension: VoidExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new VoidExtension(context);
  context.subscriptions.push({ dispose: () => void extension?.dispose() });
  await extension.start();
}

export async function deactivate(): Promise<void> {
  await extension?.dispose();
  extension = undefined;
}
