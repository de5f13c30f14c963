// The VS Code part of the fresh-machine check (tests/stages/install.sh): after the README's
// `code --install-extension …` put the universal .vsix into code-server, open the examples
// folder with default settings (Workspace Trust on: if VS Code asks, trust the folder as a person
// would; if it opens in Restricted Mode, editing features and these lenses work there too), open
// `echo.void`, and wait for the server's code lenses. Then read the extension's output to prove
// the server it runs is the `void-ls` the README's `cargo install` put on PATH.
//
// Inputs (environment): VOID_CODE_SERVER (launcher), VOID_NODE24_BIN, VOID_CHROMIUM,
// VOID_USER_DATA and VOID_EXTENSIONS (the folders the `code` wrapper used), VOID_FOLDER (opened),
// VOID_EXPECT_SERVER (path of the void-ls expected), VOID_ARTIFACTS. Exit 0 when all was seen.
// It stops code-server (its own process group) before exiting.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// playwright-core is installed for the VS Code end-to-end test; use that copy.
const require = createRequire(path.join(here, '..', 'vscode-e2e', 'package.json'));
const { chromium } = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tests/stages/install.sh)`);
  return value;
};
const codeServer = env('VOID_CODE_SERVER');
const node24Bin = env('VOID_NODE24_BIN');
const chromiumPath = env('VOID_CHROMIUM');
const userData = env('VOID_USER_DATA');
const extensions = env('VOID_EXTENSIONS');
const folder = env('VOID_FOLDER');
const expectServer = env('VOID_EXPECT_SERVER');
const artifacts = env('VOID_ARTIFACTS');
fs.mkdirSync(artifacts, { recursive: true });

const log = (text) => process.stdout.write(`${text}\n`);

async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
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

/** The text of the extension's "Void Language Server" output, from the log files. */
function serverOutput() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/Void Language Server\.log$/.test(entry.name)) found.push(p);
    }
  };
  try {
    walk(path.join(userData, 'logs'));
  } catch {
    return '';
  }
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

let child;
let browser;
async function stop() {
  await browser?.close().catch(() => undefined);
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

async function main() {
  const port = await freePort();
  const config = path.join(userData, 'code-server.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(artifacts, 'code-server.log');
  const out = fs.openSync(logFile, 'w');
  child = spawn(
    codeServer,
    ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions,
      '--disable-telemetry', '--disable-update-check', folder],
    { env: { ...process.env, PATH: `${node24Bin}:${process.env.PATH}` }, stdio: ['ignore', out, out], detached: true },
  );
  fs.writeFileSync(path.join(userData, 'code-server.pgid'), String(child.pid));
  await until('code-server to listen', async () => {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok;
  }, 60000);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });

  // Workspace Trust is on by default: answer its question as a person would.
  const trust = page.getByRole('button', { name: /Yes, I trust the authors/ });
  const asked = await trust.waitFor({ state: 'visible', timeout: 15000 }).then(() => true, () => false);
  if (asked) {
    await trust.click();
    log('ok   trusted the examples folder');
  }

  await page.keyboard.press('Control+p');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('echo.void');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'echo.void' }).first().waitFor();
  await page.keyboard.press('Enter');
  await until('echo.void to open', async () =>
    (await page.$$eval('.tab.active', (tabs) => tabs.map((t) => t.getAttribute('aria-label') ?? ''))).some((l) => l.includes('echo.void')), 20000);
  log('ok   examples/echo.void opened');

  const lenses = await until('code lenses from void-ls in echo.void', async () => {
    const texts = await page.$$eval('.codelens-decoration', (all) => all.map((l) => l.textContent.trim()).filter(Boolean));
    return texts.some((t) => /Connect/.test(t)) && texts;
  }, 60000);
  log(`ok   code lenses from the server: ${JSON.stringify(lenses.slice(0, 4))}`);
  await page.screenshot({ path: path.join(artifacts, 'vscode-echo.png') });

  const output = await until('the extension to report which server it runs', async () => {
    const text = serverOutput();
    return /Using .* \(PATH\): void-ls /.test(text) && text;
  }, 20000);
  const used = output.match(/Using (.*) \(PATH\): (void-ls .*)/);
  if (!used || path.resolve(used[1]) !== path.resolve(expectServer)) {
    throw new Error(`the extension runs ${used?.[1]}, expected ${expectServer}`);
  }
  log(`ok   the extension runs ${used[1]} from PATH: ${used[2]}`);
}

try {
  await main();
  await stop();
  log('vscode: every check passed');
  process.exit(0);
} catch (err) {
  log(`FAIL ${err instanceof Error ? err.message : String(err)}`);
  log(serverOutput().split('\n').slice(-30).join('\n'));
  await stop();
  process.exit(1);
}
