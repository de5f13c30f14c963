/**
 * Entry point of the VS Code extension: finds and starts the `void-ls` server, mirrors its
 * session notifications into a status bar item, and registers the WebSocket commands
 * (connect, send, pause, resume, close, sessions, log, transcript, websocat, restart).
 *
 * Every language feature (diagnostics, completion, code lenses, formatting...) and every
 * session operation is the server's: this file only asks for them through the protocol in
 * `protocol.ts` and presents the answers. It must not parse `.void` files beyond the light
 * scan in `voidDocument.ts`.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { EnvironmentPicker } from './environment';
import { LogFollower, openLogBeside, SessionLogTextProvider } from './logDocuments';
import {
  ClientCommand,
  type ConnectResult,
  type ExportTranscriptResult,
  isLive,
  LogScheme,
  type MessageFormat,
  MessageFormats,
  ServerCommand,
  type SessionStatus,
  SessionStatusMethod,
  type SessionSummary,
} from './protocol';
import { discoverServer, errorText, ServerNotFoundError } from './serverDiscovery';
import { describeSession, SessionRegistry, statusBarText, type TrackedSession } from './sessions';
import { messagesOf, scanSections, sectionAt, type Section, socketRequestOf } from './voidDocument';

const UNTRUSTED_EXPLANATION =
  'Connecting is disabled in an untrusted workspace: a .void file can point a WebSocket ' +
  'connection at any host and send credentials from its variables. Trust this workspace ' +
  '(Workspaces: Manage Workspace Trust) to connect.';

class VoidExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel('Void Language Server', { log: true });
  private readonly trace = vscode.window.createOutputChannel('Void Language Server Trace', { log: true });
  private readonly registry = new SessionRegistry();
  private readonly statusBar = vscode.window.createStatusBarItem('void.session', vscode.StatusBarAlignment.Left, 50);
  private readonly logFallback = new SessionLogTextProvider(() => this.client);
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
      this.output.appendLine(message);
      void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'void.server.path');
      });
      return;
    }
    for (const skipped of found.skipped) {
      const text = `${skipped.candidate.source} points to ${skipped.candidate.path}, which was skipped: ${skipped.problem}.`;
      this.output.appendLine(text);
      void vscode.window.showWarningMessage(`Void: ${text} Using ${found.candidate.path} instead.`);
    }
    this.output.appendLine(`Using ${found.candidate.path} (${found.candidate.source}): ${found.version}`);

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
                this.output.appendLine(`Opening ${params.uri}: ${errorText(err)}`);
                return { success: false };
              }
            }
            return next(params, token);
          },
        },
        executeCommand: async (command, args, next) => {
          if ((command === ServerCommand.connect || command === ServerCommand.testConnection) && !vscode.workspace.isTrusted) {
            void vscode.window.showWarningMessage(UNTRUSTED_EXPLANATION);
            return undefined;
          }
          const result: unknown = await next(command, args);
          if (command === ServerCommand.connect) await this.afterConnect(result);
          return result;
        },
      },
    };
    const client = new LanguageClient('void', 'Void Language Server', serverOptions, clientOptions);
    this.client = client;
    client.onNotification(SessionStatusMethod, (status: SessionStatus) => this.registry.update(status));
    try {
      await client.start();
    } catch (err) {
      const text = `Void: the language server ${found.candidate.path} failed to start: ${errorText(err)}`;
      this.output.appendLine(text);
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
      this.output.appendLine('The server does not declare workspace/textDocumentContent for void-session:; using void/sessionLogText.');
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
        this.output.appendLine(`Stopping the server: ${errorText(err)}`);
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

  private async afterConnect(result: unknown): Promise<void> {
    const connected = result as ConnectResult | undefined;
    if (!connected || typeof connected.logUri !== 'string') return;
    await openLogBeside(connected.logUri);
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
    register(ClientCommand.send, (args?: { sessionId?: string; messageUid?: string }) => this.send(args));
    register(ClientCommand.pause, (args?: { sessionId?: string }) => this.simple(ServerCommand.pause, args));
    register(ClientCommand.resume, (args?: { sessionId?: string }) => this.simple(ServerCommand.resume, args));
    register(ClientCommand.close, (args?: { sessionId?: string }) => this.simple(ServerCommand.close, args));
    register(ClientCommand.showSessions, () => this.showSessions());
    register(ClientCommand.openLog, (args?: { sessionId?: string; logUri?: string }) => this.openLog(args));
    register(ClientCommand.exportTranscript, (args?: { sessionId?: string }) => this.exportTranscript(args));
    register(ClientCommand.copyAsWebsocat, () => this.copyAsWebsocat());
    register(ClientCommand.restartServer, () => this.restart());
    register(ClientCommand.showOutput, async () => this.output.show(true));
  }

  /** The section under the cursor of the active `.void` editor, with its request uid. */
  private sectionUnderCursor(): { editor: vscode.TextEditor; section: Section; blockUid?: string } {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'void') {
      throw new Error('Put the cursor in a WebSocket section of a .void file first.');
    }
    const sections = scanSections(editor.document.getText());
    const section = sectionAt(sections, editor.selection.active.line) ?? sections[0];
    return { editor, section, blockUid: socketRequestOf(section)?.uid };
  }

  private async connect(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED_EXPLANATION);
      return;
    }
    const { editor } = this.sectionUnderCursor();
    const client = this.running();
    const position = client.code2ProtocolConverter.asPosition(editor.selection.active);
    const result = await this.execute<ConnectResult>(ServerCommand.connect, {
      uri: editor.document.uri.toString(),
      position,
    });
    await this.afterConnect(result);
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
      const sections = scanSections(editor.document.getText());
      const section = sectionAt(sections, editor.selection.active.line);
      const uid = section ? socketRequestOf(section)?.uid : undefined;
      if (uid) {
        const mine = this.registry.forBlock(editor.document.uri.toString(), uid).filter((s) => !wantLive || isLive(s.state));
        if (mine.length > 0) return mine[0];
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
    const picked = await vscode.window.showQuickPick(
      pool.map((s) => ({ label: statusBarText(s), detail: describeSession(s), session: s })),
      { placeHolder: 'Which session?' },
    );
    if (!picked) throw new Error('No session chosen.');
    return picked.session;
  }

  private async simple(command: string, args?: { sessionId?: string }): Promise<void> {
    const session = await this.targetSession(args?.sessionId, true);
    await this.execute(command, { sessionId: session.sessionId });
  }

  private async send(args?: { sessionId?: string; messageUid?: string }): Promise<void> {
    const session = await this.targetSession(args?.sessionId, true);
    if (args?.messageUid) {
      await this.execute(ServerCommand.send, { sessionId: session.sessionId, messageUid: args.messageUid });
      return;
    }
    const messages = await this.messagesOfSession(session);
    type Item = vscode.QuickPickItem & { uid?: string; free?: boolean };
    const items: Item[] = messages.map((m) => ({
      label: m.name || '(unnamed message)',
      description: `${m.format ?? 'text'}${m.send && m.send !== 'manual' ? ` · ${m.send}` : ''}`,
      detail: (m.body ?? '').replace(/\s+/g, ' ').slice(0, 120),
      uid: m.uid,
    }));
    items.push({ label: '$(edit) Type a message…', description: 'free text, then pick its format', free: true });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Send which message?' });
    if (!picked) return;
    if (!picked.free) {
      if (!picked.uid) throw new Error(`The message "${picked.label}" has no uid; add one (the quick fix does) and try again.`);
      await this.execute(ServerCommand.send, { sessionId: session.sessionId, messageUid: picked.uid });
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
    await this.execute(ServerCommand.send, { sessionId: session.sessionId, format: format.label, body });
  }

  private async messagesOfSession(session: TrackedSession) {
    if (!session.uri) return [];
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(session.uri, true));
    } catch {
      return [];
    }
    const section = scanSections(doc.getText()).find((s) => socketRequestOf(s)?.uid === session.blockUid);
    return section ? messagesOf(section) : [];
  }

  private async showSessions(): Promise<void> {
    const list = await this.execute<SessionSummary[]>(ServerCommand.sessions, {});
    if (Array.isArray(list)) this.registry.merge(list);
    const all = this.registry.all();
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Void: no WebSocket sessions yet.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      all.map((s) => ({ label: statusBarText(s), detail: describeSession(s), session: s })),
      { placeHolder: 'WebSocket sessions (newest first)' },
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

  private async exportTranscript(args?: { sessionId?: string }): Promise<void> {
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
    });
    void vscode.window.showInformationMessage(`Void: exported ${result?.events ?? 0} events to ${result?.path ?? target.fsPath}.`);
  }

  private async copyAsWebsocat(): Promise<void> {
    const { editor, blockUid } = this.sectionUnderCursor();
    if (!blockUid) throw new Error('The section under the cursor has no socket-request block with a uid.');
    const line = await this.execute<string>(ServerCommand.copyAsWebsocat, { uri: editor.document.uri.toString(), blockUid });
    if (typeof line !== 'string') throw new Error('The server gave no websocat command line.');
    await vscode.env.clipboard.writeText(line);
    void vscode.window.showInformationMessage(`Void: copied \`${line}\``);
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
