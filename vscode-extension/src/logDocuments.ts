/**
 * The live log documents (`void-session:` URIs, language `wslog`): opening them beside the
 * editor without taking focus, following new lines in `append` mode, and the fallback content
 * provider over `void/sessionLogText` for servers that do not offer
 * `workspace/textDocumentContent`. Text always comes from the server; this module must not
 * build or reorder log lines itself.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LogScheme, SessionLogTextMethod, type SessionLogTextResult } from './protocol';

/** Opens a log beside the active editor, keeping focus where it is. */
export async function openLogBeside(logUri: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.parse(logUri, true);
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.Beside,
    preserveFocus: true,
    preview: false,
  });
  revealEnd(editor);
  return editor;
}

function revealEnd(editor: vscode.TextEditor): void {
  const last = Math.max(0, editor.document.lineCount - 1);
  editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
}

function isLogDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === LogScheme;
}

/**
 * Keeps log editors scrolled to the newest line while lines are appended at the end (the
 * `append` log mode), unless the person scrolled up to read: then it stays put until they
 * scroll back to the bottom. Changes at the top (`prepend`) or in place (`snapshot`) never
 * scroll.
 */
export class LogFollower implements vscode.Disposable {
  private readonly lineCounts = new Map<string, number>();
  private readonly following = new WeakMap<vscode.TextEditor, boolean>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isLogDocument(doc)) this.lineCounts.set(doc.uri.toString(), doc.lineCount);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.lineCounts.delete(doc.uri.toString())),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        if (!isLogDocument(e.textEditor.document)) return;
        this.following.set(e.textEditor, this.atBottom(e.textEditor));
      }),
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
    );
  }

  private atBottom(editor: vscode.TextEditor): boolean {
    const ranges = editor.visibleRanges;
    if (ranges.length === 0) return true;
    return ranges[ranges.length - 1].end.line >= editor.document.lineCount - 2;
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const doc = e.document;
    if (!isLogDocument(doc) || e.contentChanges.length === 0) return;
    const key = doc.uri.toString();
    const before = this.lineCounts.get(key) ?? doc.lineCount;
    this.lineCounts.set(key, doc.lineCount);
    const appended = e.contentChanges.some(
      (c) => c.text.length > 0 && c.range.start.line >= Math.max(1, before - 1),
    );
    if (!appended) return;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document !== doc) continue;
      if (this.following.get(editor) ?? true) revealEnd(editor);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
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
      const result = await client.sendRequest<SessionLogTextResult>(
        SessionLogTextMethod,
        { uri: uri.toString() },
        token,
      );
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
