// The machinery of the VS Code end-to-end test: code-server with the packaged extension, a
// Chromium page driving it through playwright-core, steps with time limits and screenshots, and
// the small workbench helpers every scenario uses (commands, lines, tabs, notifications, the
// status bar). The scenarios themselves are in e2e.mjs; this file holds no assertion about the
// extension.
//
// code-server runs with the user's defaults: only telemetry and update checks are turned off
// (they reach the network); Workspace Trust is on and word-based suggestions keep their default.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tests/stages/vscode.sh)`);
  return value;
};

export const STEP_TIMEOUT_MS = Number(process.env.VOID_E2E_STEP_TIMEOUT_MS ?? 30000);
export const mod = process.platform === 'darwin' ? 'Meta' : 'Control';

export class StepFailure extends Error {}

/** One run of the test: code-server, the browser page, the steps and what to clean up. */
export class Workbench {
  constructor({ codeServer, node24Bin, vsix, chromiumPath, artifacts, work }) {
    Object.assign(this, { codeServer, node24Bin, vsix, chromiumPath, artifacts, work });
    this.userData = path.join(work, 'user-data');
    this.extensions = path.join(work, 'extensions');
    this.profile = path.join(work, 'chromium-profile');
    this.cleanups = [];
    this.results = [];
    this.stepNo = 0;
    this.lastSeen = '';
    this.page = undefined;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });
    for (const f of fs.readdirSync(artifacts)) if (f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));
    for (const d of [path.join(this.userData, 'User'), this.extensions, this.profile]) fs.mkdirSync(d, { recursive: true });
  }

  log(text) {
    process.stdout.write(`${text}\n`);
  }

  async shot(name) {
    if (!this.page) return;
    const file = path.join(this.artifacts, `${String(this.stepNo).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file }).catch(() => undefined);
  }

  /** Runs one step with a time limit; on failure, says which step and why, and photographs it. */
  async step(name, why, fn, timeoutMs = STEP_TIMEOUT_MS) {
    this.stepNo++;
    this.lastSeen = '';
    const started = Date.now();
    let timer;
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      await this.shot(name);
      this.results.push({ n: this.stepNo, name, ok: true });
      this.log(`ok   step ${this.stepNo} ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      clearTimeout(timer);
      await this.shot(`${name}-FAILED`);
      const message = `step ${this.stepNo} "${name}" failed: ${why}: ${err instanceof Error ? err.message : String(err)}`;
      this.results.push({ n: this.stepNo, name, ok: false, message });
      this.log(`FAIL ${message}`);
      if (this.lastSeen) this.log(`     last seen: ${this.lastSeen}`);
      const notes = await this.notifications().catch(() => []);
      if (notes.length) this.log(`     notifications: ${notes.join(' | ')}`);
      throw new StepFailure(message);
    }
  }

  /** Polls `probe` until it returns a truthy value; throws with `what` when time runs out. */
  async until(what, probe, timeoutMs = STEP_TIMEOUT_MS - 2000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        last = await probe();
        if (last) return last;
      } catch (err) {
        last = err;
      }
      await sleep(150);
    }
    throw new Error(`${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
  }

  codeServerEnv() {
    const e = { ...process.env, PATH: `${this.node24Bin}:${process.env.PATH}` };
    delete e.VOID_LS_PATH; // the test proves the bundled server is found
    delete e.VSCODE_IPC_HOOK_CLI;
    return e;
  }

  installExtension() {
    const r = spawnSync(
      this.codeServer,
      ['--user-data-dir', this.userData, '--extensions-dir', this.extensions, '--install-extension', this.vsix, '--force'],
      { env: this.codeServerEnv(), encoding: 'utf8', timeout: 120000 },
    );
    if (r.status !== 0) throw new Error(`--install-extension exited ${r.status}: ${r.stderr || r.stdout}`);
    const installed = fs.readdirSync(this.extensions).filter((d) => d.startsWith('void-ls.'));
    if (installed.length === 0) throw new Error(`nothing named void-ls.* in ${this.extensions}: ${r.stdout}`);
    const dir = path.join(this.extensions, installed[0]);
    if (!fs.existsSync(path.join(dir, 'server', 'void-ls'))) throw new Error(`the installed extension has no bundled server in ${dir}`);
    return dir;
  }

  /** Starts code-server on a free loopback port with the user's default settings. */
  async startCodeServer() {
    const port = await freePort();
    const config = path.join(this.work, 'code-server.yaml');
    fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    // Only what reaches the network is turned off; everything a person sees keeps its default.
    fs.writeFileSync(
      path.join(this.userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'telemetry.telemetryLevel': 'off',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'update.mode': 'none',
          'workbench.enableExperiments': false,
        },
        null,
        2,
      ),
    );
    const logFile = path.join(this.artifacts, 'code-server.log');
    const out = fs.openSync(logFile, 'w');
    const child = spawn(
      this.codeServer,
      [
        '--config', config,
        '--user-data-dir', this.userData,
        '--extensions-dir', this.extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
      ],
      { env: this.codeServerEnv(), stdio: ['ignore', out, out], detached: true },
    );
    // detached: code-server, its file watcher and the extension host share one new process
    // group whose id is the child's pid; stopping that group stops exactly what we started.
    // The stage script's trap reads the pid file in case this process is killed first.
    fs.writeFileSync(path.join(this.work, 'code-server.pgid'), String(child.pid));
    this.cleanups.push(async () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const gone = await this.until(
        'code-server to stop',
        async () => {
          try {
            process.kill(-child.pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        5000,
      ).catch(() => false);
      if (!gone) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      fs.rmSync(path.join(this.work, 'code-server.pgid'), { force: true });
    });
    await this.until(
      `code-server to listen on 127.0.0.1:${port} (see ${logFile})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.ok;
      },
      60000,
    );
    this.port = port;
  }

  async openBrowser() {
    const context = await chromium.launchPersistentContext(this.profile, {
      executablePath: this.chromiumPath,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
      ],
    });
    this.cleanups.unshift(() => context.close());
    this.page = context.pages()[0] ?? (await context.newPage());
    this.page.setDefaultTimeout(STEP_TIMEOUT_MS - 2000);
  }

  /**
   * Opens `folder` in the workbench. Workspace Trust is on: a new folder opens in Restricted
   * Mode (code-server shows a banner, not a modal prompt); with `trust`, the folder is trusted
   * the way a person does it, from the banner's Manage link and the Trust button.
   */
  async openFolder(folder, name, trust) {
    const page = this.page;
    await page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
    await this.until('the Restricted Mode indicator of a folder not trusted yet', async () =>
      (await this.statusBarTexts()).includes('Restricted Mode'),
    );
    if (!trust) return;
    await page.locator('.banner a', { hasText: 'Manage' }).click();
    await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
    await this.until('the workspace to be trusted (no Restricted Mode indicator)', async () =>
      !(await this.statusBarTexts()).includes('Restricted Mode'),
    );
    // Close the Workspace Trust editor.
    await this.runCommand('View: Close Editor');
  }

  /** Opens a file from the explorer and waits for its tab and the Void language status. */
  async openFile(name) {
    const page = this.page;
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
    await page.locator('.tab.active', { hasText: name }).first().waitFor({ state: 'visible' });
    await this.until('the language status to say Void', async () => (await this.statusBarTexts()).some((t) => /^Void$/.test(t)));
    // Focus the text, not the explorer.
    await page.locator('.editor-group-container.active .view-lines').first().click();
  }

  async notifications() {
    return this.page.$$eval('.notification-list-item-message', (all) => all.map((n) => n.textContent.trim()).filter(Boolean));
  }

  async clearNotifications() {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
  }

  /** Every editor group: its active tab, every tab label, and the text of its rendered lines. */
  async editorGroups() {
    const groups = await this.page.$$eval('.editor-group-container', (groups) =>
      groups.map((g) => ({
        tab: g.querySelector('.tab.active')?.getAttribute('aria-label') ?? '',
        tabs: [...g.querySelectorAll('.tab')].map((t) => t.getAttribute('aria-label') ?? ''),
        active: g.classList.contains('active'),
        text: [...g.querySelectorAll('.view-line')]
          .map((l) => ({ top: parseFloat(l.style.top) || 0, text: l.textContent.replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text)
          .join('\n'),
      })),
    );
    this.lastSeen = JSON.stringify(groups).slice(0, 2000);
    return groups;
  }

  /** The group showing a session log, if any. */
  async logGroup(tabPattern = /\.wslog/) {
    return (await this.editorGroups()).find((g) => tabPattern.test(g.tab));
  }

  async statusBarTexts() {
    const items = await this.page.$$eval('.statusbar-item', (all) => all.map((i) => i.textContent.trim()).filter(Boolean));
    this.lastSeen = `status bar: ${JSON.stringify(items)}`;
    return items;
  }

  async runCommand(title) {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    // Pick the row whose label is exactly the title (the first row may be another match).
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const index = await this.until(`"${title}" in the command palette`, async () => {
      const labels = await rows.evaluateAll((all) =>
        all.map((r) => (r.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim()),
      );
      this.lastSeen = `palette: ${JSON.stringify(labels)}`;
      const i = labels.indexOf(title);
      return i >= 0 ? i + 1 : undefined;
    }, 10000);
    for (let i = 1; i < index; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    // The palette closes, or gives its place to the command's own quick pick.
    await this.until('the command palette to give way', async () =>
      !(await input.isVisible()) || !(await input.inputValue()).startsWith('>'),
    );
  }

  /** The rows of the open quick pick. */
  async quickPickRows() {
    const page = this.page;
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible' });
    return page.$$eval('.quick-input-list .monaco-list-row', (rows) =>
      rows.map((r) => r.textContent.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim()),
    );
  }

  /** Puts the cursor on a line (1-based), at a column (1-based) when given. */
  async goToLine(line1, column1) {
    const page = this.page;
    await page.keyboard.press(`${mod}+g`);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(column1 ? `:${line1}:${column1}` : `:${line1}`);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** Replaces the text of one line after its indentation, as a person would paste it. */
  async replaceLineContent(line1, content) {
    await this.goToLine(line1);
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Shift+Home');
    await this.page.keyboard.insertText(content);
    await this.page.keyboard.press('Escape');
  }

  async save() {
    await this.page.keyboard.press(`${mod}+s`);
    await this.until('the file to be saved (no dirty marker on its tab)', async () => !(await this.page.$('.editor-group-container.active .tab.active.dirty')), 5000);
  }

  async isDirty() {
    return Boolean(await this.page.$('.editor-group-container.active .tab.active.dirty'));
  }

  /**
   * Scrolls to and clicks an element that the editor may re-render meanwhile: code lenses are
   * replaced whenever the server refreshes them. The locator is resolved again and the click
   * retried, as a person would click the lens again once it is drawn.
   */
  async clickReRendered(locator, attempts = 5) {
    for (let attempt = 1; ; attempt++) {
      try {
        await locator.scrollIntoViewIfNeeded({ timeout: 5000 });
        await locator.click({ timeout: 5000 });
        return;
      } catch (error) {
        if (attempt >= attempts || !/not attached|detached/i.test(String(error))) throw error;
        await this.page.waitForTimeout(200);
      }
    }
  }

  /** The extension's output channels, copied into the artifacts; returns name -> text. */
  outputChannels() {
    const found = {};
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (/Void Language Server/.test(entry.name)) found[entry.name] = p;
      }
    };
    try {
      walk(path.join(this.userData, 'logs'));
    } catch {
      return {};
    }
    const texts = {};
    for (const [name, file] of Object.entries(found)) {
      texts[name] = fs.readFileSync(file, 'utf8');
      fs.copyFileSync(file, path.join(this.artifacts, name.replace(/[^\w.-]+/g, '_')));
    }
    return texts;
  }

  async runCleanups() {
    this.cleaningUp ??= (async () => {
      for (const cleanup of this.cleanups) {
        try {
          await cleanup();
        } catch (err) {
          this.log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.cleaningUp;
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The 0-based index of the first line of `text` matching `pattern` at or after `from`. */
export function lineIndex(text, pattern, from = 0) {
  const lines = text.split('\n');
  for (let i = from; i < lines.length; i++) if (pattern.test(lines[i])) return i;
  return -1;
}

/** Percentile (0-100) of numbers, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
