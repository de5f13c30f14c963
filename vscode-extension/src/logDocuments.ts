/**
 * The live log documents (`void-session:` URIs, language `wslog`): opening them beside the
 * editor without taking focus, following new lines while the person is at the end (as the
 * Output panel does), the whole message behind a line (hover, and "Open Message" pretty-printed),
 * and the fallback content provider over `void/sessionLogText` for servers that do not offer
 * `workspace/textDocumentContent`. Text always comes from the server; this module must not build
 * or reorder log lines itself.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ClientCommand,
  type LogMessageParams,
  type LogMessageResult,
  LogScheme,
  Method,
  type SessionLogTextResult,
} from './protocol';

/**
 * Opens a log (or an HTTP response) beside the active editor, keeping focus where it is,
 * scrolled to its end (a response: at its top).
 */
export async function openLogBeside(logUri: string, options = { atEnd: true }): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.parse(logUri, true);
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.Beside,
    preserveFocus: true,
    preview: false,
  });
  if (options.atEnd) revealEnd(editor);
  return editor;
}

function revealEnd(editor: vscode.TextEditor): void {
  const last = Math.max(0, editor.document.lineCount - 1);
  editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
}

/** A live log (an HTTP response document, `….response`, is not one: it is not followed). */
export function isLogDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === LogScheme && !doc.uri.path.endsWith('.response');
}

/**
 * Keeps a log editor on its newest line while the person is at its end, and where they left it
 * once they scroll up to read (following again when they scroll back down), like the Output
 * panel. A log's text is replaced when the server refreshes it, and the editor then moves the
 * view by itself (its anchor line was replaced): the first move after a change is that, and
 * the view is put back where it should be (the end, or the line the person left at the top);
 * every other move is the person's.
 */
export class LogFollower implements vscode.Disposable {
  private readonly views = new WeakMap<vscode.TextEditor, LogView>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.onScroll(e.textEditor)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
    );
  }

  private view(editor: vscode.TextEditor): LogView {
    let view = this.views.get(editor);
    if (!view) {
      view = { following: true, top: editor.visibleRanges[0]?.start.line ?? 0, relayoutUntil: 0 };
      this.views.set(editor, view);
    }
    return view;
  }

  private onScroll(editor: vscode.TextEditor): void {
    if (!isLogDocument(editor.document)) return;
    const view = this.view(editor);
    if (Date.now() < view.relayoutUntil) {
      // The editor laying out replaced text: put the view back, once.
      view.relayoutUntil = 0;
      restore(editor, view);
      return;
    }
    const ranges = editor.visibleRanges;
    const last = ranges.length ? ranges[ranges.length - 1].end.line : editor.document.lineCount - 1;
    view.following = last >= editor.document.lineCount - 2;
    view.top = ranges[0]?.start.line ?? 0;
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const doc = e.document;
    if (!isLogDocument(doc) || e.contentChanges.length === 0) return;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document !== doc) continue;
      const view = this.view(editor);
      view.relayoutUntil = Date.now() + RELAYOUT_MS;
      restore(editor, view);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Where a log editor should be: following its end, or showing `top` first. */
interface LogView {
  following: boolean;
  top: number;
  /** Until when the next move of the view is the editor's own, after a change of the text. */
  relayoutUntil: number;
}

/**
 * How long after a change of a log's text the editor's own move of the view arrives. It comes
 * with the change (within a few milliseconds); a person's scrolling is not that quick to follow
 * a change, so it is never taken for it.
 */
const RELAYOUT_MS = 50;

function restore(editor: vscode.TextEditor, view: LogView): void {
  if (view.following) revealEnd(editor);
  else pin(editor, view.top);
}

/** Puts `line` back at the top of the editor's view. */
function pin(editor: vscode.TextEditor, line: number): void {
  const target = Math.min(line, Math.max(0, editor.document.lineCount - 1));
  if (editor.visibleRanges[0]?.start.line === target) return;
  editor.revealRange(new vscode.Range(target, 0, target, 0), vscode.TextEditorRevealType.AtTop);
}

/** Longest part of a message a hover shows; the rest is one click away. */
const HOVER_CHARS = 4000;

/**
 * The whole message behind a log line: a hover on the line, and `Void: Open Message` (a
 * pretty-printed document beside the log). Both ask the server (`void/logMessage`), which reads
 * the message from the session's transcript when the view only keeps a preview.
 */
export class LogMessages implements vscode.HoverProvider, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.disposables.push(vscode.languages.registerHoverProvider({ scheme: LogScheme }, this));
  }

  private async message(params: LogMessageParams, token?: vscode.CancellationToken): Promise<LogMessageResult | null> {
    const client = this.client();
    if (!client) throw new Error('The void-ls language server is not running.');
    // An `undefined` token passed on would be sent as a second, positional parameter.
    return token
      ? client.sendRequest<LogMessageResult | null>(Method.logMessage, params, token)
      : client.sendRequest<LogMessageResult | null>(Method.logMessage, params);
  }

  private static params(doc: vscode.TextDocument, line: number): LogMessageParams {
    return { uri: doc.uri.toString(), line, text: doc.lineAt(line).text };
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken) {
    if (position.line === 0 || !isLogDocument(doc)) return undefined;
    const params = LogMessages.params(doc, position.line);
    let found: LogMessageResult | null;
    try {
      found = await this.message(params, token);
    } catch {
      return undefined;
    }
    if (!found) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [ClientCommand.openMessage] };
    md.appendMarkdown(`**${found.direction === 'in' ? '← received' : '→ sent'}** · ${found.format} · ${found.size} B\n\n`);
    if (found.text === null) {
      md.appendMarkdown(found.note ?? 'The whole message is not kept.');
      return new vscode.Hover(md, doc.lineAt(position.line).range);
    }
    const shown = found.text.length > HOVER_CHARS ? `${found.text.slice(0, HOVER_CHARS)}\n…` : found.text;
    md.appendCodeblock(shown, found.format === 'json' ? 'json' : found.format === 'xml' ? 'xml' : 'text');
    const args = encodeURIComponent(JSON.stringify([params]));
    md.appendMarkdown(`\n[Open the whole message](command:${ClientCommand.openMessage}?${args})`);
    if (found.note) md.appendMarkdown(` (${found.note})`);
    return new vscode.Hover(md, doc.lineAt(position.line).range);
  }

  /**
   * `Void: Open Message`: the message on the given line (the hover's link passes one), else on
   * the cursor's line of the active log. Menus pass the document's URI instead: ignored.
   */
  async open(given?: unknown): Promise<void> {
    let params = isLogMessageParams(given) ? given : undefined;
    if (!params) {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !isLogDocument(editor.document)) {
        throw new Error('Put the cursor on a → or ← line of a session log first.');
      }
      params = LogMessages.params(editor.document, editor.selection.active.line);
    }
    const found = await this.message(params);
    if (!found) throw new Error('That line holds no message (it is the header or a connection event).');
    if (found.text === null) throw new Error(found.note ?? 'The whole message is not kept.');
    const doc = await vscode.workspace.openTextDocument({
      language: found.format === 'json' ? 'json' : found.format === 'xml' ? 'xml' : 'plaintext',
      content: found.text,
    });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: true });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function isLogMessageParams(value: unknown): value is LogMessageParams {
  const v = value as Partial<LogMessageParams> | undefined;
  return typeof v?.uri === 'string' && typeof v.line === 'number';
}

/**
 * Serves `void-session:` documents through `void/sessionLogText` when the server does not
 * declare `workspace/textDocumentContent`. Refreshes are driven by `void/sessionStatus`
 * (at most five a second per document, like the server's own refresh).
 */
export class SessionLogTextProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastFired = new Map<string, number>();

  constructor(private readonly client: () => LanguageClient | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const client = this.client();
    if (!client) return '# the void-ls server is not running\n';
    try {
      const result = await client.sendRequest<SessionLogTextResult>(Method.sessionLogText, { uri: uri.toString() }, token);
      return result?.text ?? '';
    } catch (err) {
      return `# could not read this session log: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  /** Schedules a refresh of one log document, coalescing bursts to at most 5 per second. */
  refresh(logUri: string): void {
    if (this.pending.has(logUri)) return;
    const wait = Math.max(0, 200 - (Date.now() - (this.lastFired.get(logUri) ?? 0)));
    this.pending.set(
      logUri,
      setTimeout(() => {
        this.pending.delete(logUri);
        this.lastFired.set(logUri, Date.now());
        this.emitter.fire(vscode.Uri.parse(logUri, true));
      }, wait),
    );
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.emitter.dispose();
  }
}
