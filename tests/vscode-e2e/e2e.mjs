// End-to-end test of the VS Code extension in a real VS Code workbench (code-server), driven by
// Chromium through playwright-core. Every step is done the way a person would do it (clicks and
// keys), checked on what the workbench shows, and photographed into the artifacts folder.
//
// Steps: install the .vsix; open a fixture .void; see highlighting and a diagnostic; type /wss
// and accept the completion; fill in the URL of a local echo server; press Ctrl+Enter; see the
// status bar say open; see the log document; send a message with the code lens and see the → and
// ← lines; close; see the environment in the status bar and pick another.
//
// Inputs (environment): VOID_E2E_CODE_SERVER (launcher), VOID_E2E_NODE24_BIN (Node 24 bin dir
// for code-server), VOID_E2E_VSIX, VOID_E2E_CHROMIUM, VOID_E2E_ARTIFACTS (screenshots),
// VOID_E2E_WORK (scratch folder, emptied first). Exit 0 when every step passed, 1 otherwise.
// It stops code-server, its children and the echo server by their own process ids.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tests/stages/vscode.sh)`);
  return value;
};
const codeServer = env('VOID_E2E_CODE_SERVER');
const node24Bin = env('VOID_E2E_NODE24_BIN');
const vsix = env('VOID_E2E_VSIX');
const chromiumPath = env('VOID_E2E_CHROMIUM');
const artifacts = env('VOID_E2E_ARTIFACTS');
const work = env('VOID_E2E_WORK');

const STEP_TIMEOUT_MS = Number(process.env.VOID_E2E_STEP_TIMEOUT_MS ?? 30000);
const isMac = process.platform === 'darwin';
const mod = isMac ? 'Meta' : 'Control';

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });
for (const f of fs.readdirSync(artifacts)) if (f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));
const workspace = path.join(work, 'workspace');
const userData = path.join(work, 'user-data');
const extensions = path.join(work, 'extensions');
const profile = path.join(work, 'chromium-profile');
for (const d of [workspace, path.join(userData, 'User'), extensions, profile]) fs.mkdirSync(d, { recursive: true });
const fixture = path.join(workspace, 'echo.void');
fs.copyFileSync(path.join(here, 'fixtures', 'echo.void'), fixture);
// The app's environments (docs/format.md §5): the first one leaves ECHO_HOST undefined (the
// diagnostic step relies on it), `prod` defines it; the environment step picks `prod`.
fs.mkdirSync(path.join(workspace, '.voiden'));
fs.writeFileSync(
  path.join(workspace, '.voiden', 'env-public.yaml'),
  'dev:\n  variables:\n    OTHER: x\nprod:\n  displayName: Production\n  variables:\n    ECHO_HOST: 127.0.0.1:9\n',
);

const cleanups = [];
let page;
let stepNo = 0;
const results = [];
/** What the last probe saw, printed when a step fails (set by probes that inspect the UI). */
let lastSeen = '';

function log(text) {
  process.stdout.write(`${text}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function shot(name) {
  if (!page) return;
  const file = path.join(artifacts, `${String(stepNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
}

class StepFailure extends Error {}

/** Runs one step with a time limit; on failure, says which step and why, and photographs it. */
async function step(name, why, fn) {
  stepNo++;
  lastSeen = '';
  const started = Date.now();
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    await shot(name);
    results.push({ n: stepNo, name, ok: true });
    log(`ok   step ${stepNo} ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    clearTimeout(timer);
    await shot(`${name}-FAILED`);
    results.push({ n: stepNo, name, ok: false });
    const message = `step ${stepNo} "${name}" failed: ${why}: ${err instanceof Error ? err.message : String(err)}`;
    log(`FAIL ${message}`);
    if (lastSeen) log(`     last seen: ${lastSeen}`);
    const notes = await page
      ?.$$eval('.notification-list-item-message', (all) => all.map((n) => n.textContent.trim()).filter(Boolean))
      .catch(() => []);
    if (notes?.length) log(`     notifications: ${notes.join(' | ')}`);
    throw new StepFailure(message);
  }
}

/** Polls `probe` until it returns a truthy value; throws with `what` when time runs out. */
async function until(what, probe, timeoutMs = STEP_TIMEOUT_MS - 2000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
}

function startEchoServer() {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo' });
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    wss.once('error', reject);
    wss.once('listening', () => {
      // `close` waits for open connections to end; after a failed step the session may still
      // be connected, so drop the clients first or the run never exits.
      cleanups.push(
        () =>
          new Promise((r) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => r());
          }),
      );
      resolve(wss.address().port);
    });
  });
}

function codeServerEnv() {
  const e = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}` };
  delete e.VOID_LS_PATH; // the test proves the bundled server is found
  delete e.VSCODE_IPC_HOOK_CLI;
  return e;
}

function installExtension() {
  const r = spawnSync(
    codeServer,
    ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix, '--force'],
    { env: codeServerEnv(), encoding: 'utf8', timeout: 120000 },
  );
  if (r.status !== 0) throw new Error(`--install-extension exited ${r.status}: ${r.stderr || r.stdout}`);
  const installed = fs.readdirSync(extensions).filter((d) => d.startsWith('void-ls.'));
  if (installed.length === 0) throw new Error(`nothing named void-ls.* in ${extensions}: ${r.stdout}`);
  const dir = path.join(extensions, installed[0]);
  if (!fs.existsSync(path.join(dir, 'server', 'void-ls'))) throw new Error(`the installed extension has no bundled server in ${dir}`);
  return dir;
}

async function startCodeServer(port) {
  const config = path.join(work, 'code-server.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.colorTheme': 'Default Dark Modern',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'chat.disableAIFeatures': true,
        'editor.minimap.enabled': false,
        'editor.codeLens': true,
        'editor.wordBasedSuggestions': 'off',
        'files.autoSave': 'off',
        'git.enabled': false,
        'security.workspace.trust.enabled': false,
        'void.logLevel': 'debug',
        'void.trace.server': 'messages',
      },
      null,
      2,
    ),
  );
  const logFile = path.join(artifacts, 'code-server.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    codeServer,
    [
      '--config', config,
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      workspace,
    ],
    { env: codeServerEnv(), stdio: ['ignore', out, out], detached: true },
  );
  // detached: code-server, its file watcher and the extension host share one new process
  // group whose id is the child's pid; stopping that group stops exactly what we started.
  // The stage script's trap reads the pid file in case this process is killed first.
  fs.writeFileSync(path.join(work, 'code-server.pgid'), String(child.pid));
  cleanups.push(async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const gone = await until('code-server to stop', async () => {
      try {
        process.kill(-child.pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000).catch(() => false);
    if (!gone) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(path.join(work, 'code-server.pgid'), { force: true });
  });
  await until(`code-server to listen on 127.0.0.1:${port} (see ${logFile})`, async () => {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    return res?.ok;
  }, 60000);
}

/** Text of the editor in the active group of the first editor group (the .void file). */
async function editorTexts() {
  const groups = await page.$$eval('.editor-group-container', (groups) =>
    groups.map((g) => ({
      tab: g.querySelector('.tab.active')?.getAttribute('aria-label') ?? '',
      text: [...g.querySelectorAll('.view-line')].map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n'),
    })),
  );
  lastSeen = JSON.stringify(groups).slice(0, 2000);
  return groups;
}

async function statusBarTexts() {
  const items = await page.$$eval('.statusbar-item', (all) => all.map((i) => i.textContent.trim()).filter(Boolean));
  lastSeen = `status bar: ${JSON.stringify(items)}`;
  return items;
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

async function goToLine(line1) {
  await page.keyboard.press(`${mod}+g`);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line1}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Replaces the text of one line after its indentation, typing it as a person would paste. */
async function replaceLineContent(line1, content) {
  await goToLine(line1);
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.insertText(content);
  await page.keyboard.press('Escape');
}

async function save() {
  await page.keyboard.press(`${mod}+s`);
  await until('the file to be saved (no dirty marker on its tab)', async () => {
    const dirty = await page.$('.tab.active.dirty');
    return !dirty;
  }, 5000);
}

function serverLogTail() {
  // The extension's output channels are written as files under the user data dir.
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/Void Language Server/.test(entry.name)) found.push(p);
    }
  };
  try {
    walk(path.join(userData, 'logs'));
  } catch {
    return '';
  }
  return found
    .map((f) => {
      const text = fs.readFileSync(f, 'utf8');
      fs.copyFileSync(f, path.join(artifacts, path.basename(f).replace(/[^\w.-]+/g, '_')));
      return `--- ${path.basename(f)} (last lines)\n${text.split('\n').slice(-40).join('\n')}`;
    })
    .join('\n');
}

async function main() {
  const echoPort = await startEchoServer();
  const codePort = await freePort();
  const url = `ws://127.0.0.1:${echoPort}/echo`;
  log(`echo server ${url}; code-server port ${codePort}`);

  await step('install-vsix', 'code-server could not install the packaged extension', async () => {
    const dir = installExtension();
    log(`     installed into ${dir}`);
  });

  await startCodeServer(codePort);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
    ],
  });
  cleanups.unshift(() => context.close());
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS - 2000);

  await step('workbench', 'the VS Code workbench did not load', async () => {
    await page.goto(`http://127.0.0.1:${codePort}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'echo.void' }).waitFor({ state: 'visible' });
  });

  await step('open-fixture', 'echo.void did not open as a Void document', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'echo.void' }).click();
    await page.locator('.tab.active', { hasText: 'echo.void' }).waitFor({ state: 'visible' });
    await until('the language status to say Void', async () => {
      const items = await statusBarTexts();
      return items.some((t) => /^Void$/.test(t));
    });
  });

  await step('highlighting', 'the TextMate grammar did not colour block types and {{variables}}', async () => {
    // Tokenization is asynchronous: the first paint is uncoloured, so poll until it settles.
    const colors = await until('socket-request and ECHO_HOST to be drawn in colours other than the prose colour', async () => {
      const r = await page.$$eval('.editor-group-container .view-line span span', (spans) => {
        const textOf = (x) => x.textContent.replace(/\u00a0/g, ' ');
        // Exact token first; semantic tokens from the server may cut the text differently.
        const colorOf = (text) => {
          const s = spans.find((x) => textOf(x) === text) ?? spans.find((x) => textOf(x).includes(text));
          return s ? getComputedStyle(s).color : undefined;
        };
        const prose = spans.find((x) => textOf(x).startsWith('Messages sent'));
        return {
          blockType: colorOf('socket-request'),
          variable: colorOf('ECHO_HOST'),
          prose: prose ? getComputedStyle(prose).color : undefined,
        };
      });
      lastSeen = `colours: ${JSON.stringify(r)}`;
      return r.blockType && r.variable && r.prose && r.blockType !== r.prose && r.variable !== r.prose ? r : undefined;
    });
    log(`     colours: ${JSON.stringify(colors)}`);
  });

  await step('diagnostic', 'the server published no diagnostic for the unresolved variable or the broken JSON body', async () => {
    await page.locator('.squiggly-error, .squiggly-warning').first().waitFor({ state: 'attached' });
    await page.keyboard.press(`${mod}+Shift+m`);
    const row = page.locator('.markers-panel .monaco-list-row').first();
    await row.waitFor({ state: 'visible' });
    log(`     problems: ${(await page.locator('.markers-panel .monaco-list-row').allTextContents()).slice(0, 4).join(' | ')}`);
    await page.keyboard.press(`${mod}+Shift+m`); // hide the panel again
  });

  let newSectionStart = 0;
  await step('complete-wss', 'typing /wss on a new line did not offer and insert the WebSocket skeleton', async () => {
    await page.locator('.editor-group-container .view-lines').first().click();
    await page.keyboard.press(`${mod}+End`);
    newSectionStart = fs.readFileSync(fixture, 'utf8').split('\n').length;
    await page.keyboard.press('Enter');
    await page.keyboard.type('/wss', { delay: 60 });
    const suggest = page.locator('.suggest-widget .monaco-list-row', { hasText: 'wss' }).first();
    try {
      await suggest.waitFor({ state: 'visible', timeout: 4000 });
    } catch {
      // The widget may have opened on an earlier keystroke with other words; ask again now
      // that the server has the whole `/wss` line, as a person would with Ctrl+Space.
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
      await page.keyboard.press('Control+Space');
      await suggest.waitFor({ state: 'visible' });
    }
    log(`     completion: ${(await suggest.textContent())?.trim()}`);
    await suggest.click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await save();
    await until('the saved file to hold a new socket-request block', async () => {
      const tail = fs.readFileSync(fixture, 'utf8').split('\n').slice(newSectionStart - 1).join('\n');
      return /type:\s*socket-request/.test(tail) && !/^\s*\/wss\s*$/m.test(tail);
    }, 5000);
  });

  await step('fill-url', 'could not put the echo server URL into the new section', async () => {
    const lines = fs.readFileSync(fixture, 'utf8').split('\n');
    const urlLine = lines.findIndex((l, i) => i >= newSectionStart - 1 && /^\s*content:\s*["']?wss?:\/\//.test(l));
    if (urlLine < 0) throw new Error('the inserted skeleton has no `content: wss://...` surl line');
    await replaceLineContent(urlLine + 1, `content: ${url}`);
    // The smethod text (and attr) must agree with the ws:// scheme (docs/format.md §3).
    for (let i = newSectionStart - 1; i < lines.length; i++) {
      if (/^\s*content:\s*WSS\s*$/.test(lines[i])) await replaceLineContent(i + 1, 'content: WS');
      if (/^\s*method:\s*WSS\s*$/.test(lines[i])) await replaceLineContent(i + 1, 'method: WS');
    }
    await save();
    const saved = fs.readFileSync(fixture, 'utf8');
    if (!saved.includes(`content: ${url}`)) throw new Error(`the saved file does not contain ${url}`);
    await goToLine(urlLine + 1);
  });

  await step('connect', 'Ctrl+Enter in the new section did not connect (status bar never said open)', async () => {
    // Close any completion list the typing opened (Ctrl+Enter is not ours while it shows).
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    await page.keyboard.press(`${mod}+Enter`);
    await until('a status bar item saying "WS open"', async () => (await statusBarTexts()).some((t) => /WS open/.test(t)));
  });

  await step('log-document', 'the session log did not open beside the editor with the open event', async () => {
    await until('an editor group showing a .wslog document with an open line', async () => {
      const groups = await editorTexts();
      return groups.some((g) => /\.wslog/.test(g.tab) && /open/.test(g.text));
    });
    const active = await page.$eval('.editor-group-container.active .tab.active', (e) => e.getAttribute('aria-label')).catch(() => '');
    if (!/echo\.void/.test(active ?? '')) throw new Error(`focus moved to "${active}"; the log must open without stealing focus`);
  });

  await step('send-code-lens', 'the Send code lens did not send a message that came back (→ and ← lines)', async () => {
    const lens = page.locator('.codelens-decoration a', { hasText: /Send/ }).last();
    await until('a Send code lens in the new section', async () => (await lens.count()) > 0);
    const sentBefore = Number(/WS open.*?↑(\d+)/.exec((await statusBarTexts()).join(' '))?.[1] ?? 0);
    await clickReRendered(lens);
    await until(`the sent count to go past ${sentBefore}`, async () => {
      const m = /WS open.*?↑(\d+)/.exec((await statusBarTexts()).join(' '));
      return m && Number(m[1]) > sentBefore;
    });
    await until('the log to show a sent (→) and a received (←) line', async () => {
      const groups = await editorTexts();
      return groups.some((g) => /\.wslog/.test(g.tab) && /→/.test(g.text) && /←/.test(g.text));
    });
    await until('the status bar counts to show one sent and one received', async () =>
      (await statusBarTexts()).some((t) => /WS open.*↑[1-9].*↓[1-9]/.test(t)),
    );
  });

  await step('close', 'closing the session did not reach the closed state', async () => {
    await page.locator('.editor-group-container .view-lines').first().click();
    await runCommand('Void: Close Session');
    await until('a status bar item saying "WS closed"', async () => (await statusBarTexts()).some((t) => /WS closed/.test(t)));
    await until('the log to show the close', async () => {
      const groups = await editorTexts();
      return groups.some((g) => /\.wslog/.test(g.tab) && /closed/.test(g.text));
    });
  });

  await step('environment', 'the status bar did not show the environment, or picking prod did not resolve ECHO_HOST', async () => {
    await page.locator('.tab', { hasText: 'echo.void' }).first().click();
    await page.locator('.editor-group-container .view-lines').first().click();
    const problems = async () => {
      await page.keyboard.press(`${mod}+Shift+m`);
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.first().waitFor({ state: 'visible' });
      const texts = await rows.allTextContents();
      await page.keyboard.press(`${mod}+Shift+m`);
      lastSeen = `problems: ${texts.join(' | ')}`;
      return texts.join('\n');
    };
    await until('the status bar to show the first environment, dev', async () => (await statusBarTexts()).includes('dev'));
    await until('a warning saying ECHO_HOST is defined in prod', async () => /ECHO_HOST.*defined in .prod/.test(await problems()));
    await page.locator('.statusbar-item', { hasText: /^\s*dev\s*$/ }).first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Production' }).first().waitFor({ state: 'visible' });
    await input.fill('prod');
    await page.keyboard.press('Enter');
    await until('the status bar to show prod', async () => (await statusBarTexts()).includes('prod'));
    await until('the ECHO_HOST warning to go', async () => !/ECHO_HOST/.test(await problems()));
  });
}

/**
 * Scrolls to and clicks an element that the editor may re-render meanwhile: code lenses are
 * replaced whenever the server refreshes them (the session's state changes just before the
 * Send lens is clicked). Playwright then reports the element "not attached to the DOM" before
 * dispatching anything, so the locator is resolved again and the click retried, as a person
 * would click the lens again once it is drawn.
 */
async function clickReRendered(locator, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    try {
      await locator.scrollIntoViewIfNeeded({ timeout: 5000 });
      await locator.click({ timeout: 5000 });
      return;
    } catch (error) {
      if (attempt >= attempts || !/not attached|detached/i.test(String(error))) throw error;
      await page.waitForTimeout(200);
    }
  }
}

let cleaningUp;
async function runCleanups() {
  cleaningUp ??= (async () => {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaningUp;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    log(`interrupted by ${signal}; stopping code-server and the echo server`);
    void runCleanups().finally(() => process.exit(1));
  });
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  if (!(err instanceof StepFailure)) log(`FAIL ${err instanceof Error ? err.stack : String(err)}`);
  const tail = serverLogTail();
  if (tail) log(tail);
} finally {
  serverLogTail();
  // A cleanup that hangs must not hold the whole test run: give them 60 s, then report anyway.
  const gaveUp = new Promise((r) => setTimeout(() => r('timeout'), 60_000).unref());
  if ((await Promise.race([runCleanups(), gaveUp])) === 'timeout') log('cleanup: still running after 60 s; exiting anyway');
}
const passed = results.filter((r) => r.ok).length;
const failedSteps = results.filter((r) => !r.ok).length;
log(`vscode e2e: ${passed} of ${results.length} steps run passed; screenshots in ${artifacts}`);
log(`${passed} passed, ${failedSteps} failed`);
process.exit(failed ? 1 : 0);
