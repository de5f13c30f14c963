/**
 * The Voiden app's environments in VS Code (docs/format.md §5.2): a status bar item that shows
 * the profile and environment in force for the active `.void` file's project, and the command
 * "Void: Select Environment" that picks another through the server's `void/environment`
 * request (docs/lsp-extensions.md). The server owns the environments: this file only asks and
 * presents. The pick is remembered per project in the workspace state and given back to the
 * server whenever it (re)starts.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ClientCommand, type EnvironmentResult, type EnvironmentSelection, Method } from './protocol';

const EnvironmentMethod = Method.environment;
const SelectEnvironmentCommand = ClientCommand.selectEnvironment;

const STATE_KEY = 'void.environmentSelections';

/** The status bar text for an answer of `void/environment`. */
export function environmentLabel(state: EnvironmentResult): string {
  const env = state.environment ?? (state.problem ? 'missing' : 'none');
  const profile = state.profile === 'default' ? '' : `${state.profile} · `;
  return `$(server-environment) ${profile}${env}`;
}

export class EnvironmentPicker implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('void.environment', vscode.StatusBarAlignment.Left, 49);
  private readonly disposables: vscode.Disposable[] = [];
  private refreshing = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient | undefined,
  ) {
    this.item.name = 'Void environment';
    this.item.command = SelectEnvironmentCommand;
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      vscode.commands.registerCommand(SelectEnvironmentCommand, (args?: EnvironmentSelection) => this.pick(args)),
    );
  }

  /** After the server (re)starts: give it back the remembered picks, then show the state. */
  async serverStarted(): Promise<void> {
    const saved = this.context.workspaceState.get<Record<string, EnvironmentSelection & { uri: string }>>(STATE_KEY, {});
    for (const entry of Object.values(saved)) {
      try {
        await this.request(entry.uri, { profile: entry.profile, envName: entry.envName });
      } catch {
        // The project changed since (a profile or environment is gone): the server's default.
      }
    }
    await this.refresh();
  }

  private activeVoidUri(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc?.languageId === 'void' && doc.uri.scheme === 'file' ? doc.uri.toString() : undefined;
  }

  private async request(uri: string, select?: EnvironmentSelection): Promise<EnvironmentResult> {
    const client = this.client();
    if (!client || !client.isRunning()) throw new Error('The void-ls language server is not running.');
    return client.sendRequest<EnvironmentResult>(EnvironmentMethod, select ? { uri, select } : { uri });
  }

  /** Shows the active `.void` file's environment in the status bar (hidden for other files). */
  async refresh(): Promise<void> {
    const uri = this.activeVoidUri();
    const ticket = ++this.refreshing;
    if (!uri) {
      this.item.hide();
      return;
    }
    let state: EnvironmentResult;
    try {
      state = await this.request(uri);
    } catch {
      this.item.hide();
      return;
    }
    if (ticket !== this.refreshing) return;
    this.show(state);
  }

  private show(state: EnvironmentResult): void {
    if (state.environments.length === 0 && state.profiles.length <= 1 && !state.problem) {
      this.item.hide();
      return;
    }
    this.item.text = environmentLabel(state);
    this.item.tooltip = new vscode.MarkdownString(
      [
        `**Void environment** of \`${state.projectRoot}\``,
        `Profile \`${state.profile}\`, environment \`${state.environment ?? '(none)'}\`` +
          (state.chosen ? '' : ' (the first one: none is picked)'),
        state.problem ? `⚠ ${state.problem}` : '',
        'Click to pick another.',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.item.backgroundColor = state.problem ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  /**
   * "Void: Select Environment": a profile (when there are several), then an environment. With
   * `args` (from a keybinding or another extension) the pick is made without asking.
   */
  async pick(args?: EnvironmentSelection): Promise<EnvironmentResult | undefined> {
    const uri = this.activeVoidUri();
    if (!uri) {
      void vscode.window.showWarningMessage('Void: open a .void file of the project first; environments belong to a project.');
      return undefined;
    }
    try {
      if (args) return await this.apply(uri, { profile: args.profile ?? null, envName: args.envName ?? null });
      let state = await this.request(uri);
      let profile = state.profile;
      if (state.profiles.length > 1) {
        const chosen = await vscode.window.showQuickPick(
          state.profiles.map((p) => ({ label: p, description: p === state.profile ? 'current' : undefined })),
          { placeHolder: 'Environment profile' },
        );
        if (!chosen) return undefined;
        profile = chosen.label;
        if (profile !== state.profile) {
          state = await this.request(uri, { profile: profile === 'default' ? null : profile, envName: null });
        }
      }
      const items = state.environments.map((e) => ({
        label: e.name,
        description: [e.displayName ?? '', e.name === state.environment ? 'current' : ''].filter(Boolean).join(' · '),
        name: e.name as string | null,
      }));
      items.push({ label: '$(circle-slash) First environment', description: 'none picked', name: null });
      const env = await vscode.window.showQuickPick(items, { placeHolder: `Environment of profile ${profile}` });
      if (!env) return state;
      return await this.apply(uri, { profile: profile === 'default' ? null : profile, envName: env.name });
    } catch (err) {
      void vscode.window.showErrorMessage(`Void: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** Sends a pick, remembers it for the project, and shows the result. */
  private async apply(uri: string, selection: EnvironmentSelection): Promise<EnvironmentResult> {
    const state = await this.request(uri, selection);
    const saved = this.context.workspaceState.get<Record<string, EnvironmentSelection & { uri: string }>>(STATE_KEY, {});
    saved[state.projectRoot] = { ...selection, uri };
    await this.context.workspaceState.update(STATE_KEY, saved);
    this.show(state);
    return state;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
