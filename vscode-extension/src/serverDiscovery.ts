/**
 * Finds the `void-ls` binary in a fixed order and proves each candidate runs (`--version`):
 *
 * 1. the `VOID_LS_PATH` environment variable,
 * 2. the `void.server.path` setting (the caller passes only the user-level value in untrusted
 *    workspaces: a workspace must not choose which program runs),
 * 3. the binary bundled inside the extension (`server/void-ls`),
 * 4. `void-ls` on `PATH`,
 *
 * else an error that says how to fix it. Pure logic over injected probes: it must not import
 * `vscode`, so it is unit tested under plain Node.
 */

import * as path from 'node:path';

export type CandidateSource = 'VOID_LS_PATH' | 'void.server.path' | 'bundled' | 'PATH';

export interface Candidate {
  source: CandidateSource;
  path: string;
}

export interface Probe {
  /** Runs `<file> --version`; resolves with its first output line, rejects with a reason. */
  version(file: string): Promise<string>;
  /** True when `file` exists and is a regular file. */
  isFile(file: string): boolean;
}

export interface DiscoveryInput {
  env: Record<string, string | undefined>;
  settingPath: string | undefined;
  extensionPath: string;
  platform: NodeJS.Platform;
  probe: Probe;
}

export interface Attempt {
  candidate: Candidate;
  problem: string;
}

export interface Found {
  candidate: Candidate;
  version: string;
  /** Explicitly configured candidates that were skipped because they did not work. */
  skipped: Attempt[];
}

export class ServerNotFoundError extends Error {
  constructor(readonly attempts: Attempt[]) {
    super(describeFailure(attempts));
    this.name = 'ServerNotFoundError';
  }
}

function exeName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'void-ls.exe' : 'void-ls';
}

/** The candidates in discovery order, before any is checked. */
export function candidates(input: DiscoveryInput): Candidate[] {
  const result: Candidate[] = [];
  const fromEnv = input.env.VOID_LS_PATH?.trim();
  if (fromEnv) result.push({ source: 'VOID_LS_PATH', path: fromEnv });
  const fromSetting = input.settingPath?.trim();
  if (fromSetting) {
    result.push({ source: 'void.server.path', path: expandHome(fromSetting, input.env) });
  }
  result.push({
    source: 'bundled',
    path: path.join(input.extensionPath, 'server', exeName(input.platform)),
  });
  const onPath = searchPath(input);
  if (onPath) result.push({ source: 'PATH', path: onPath });
  return result;
}

function expandHome(p: string, env: Record<string, string | undefined>): string {
  const home = env.HOME ?? env.USERPROFILE;
  if (home && (p === '~' || p.startsWith('~/'))) return path.join(home, p.slice(1));
  return p;
}

function searchPath(input: DiscoveryInput): string | undefined {
  const pathVar = input.env.PATH ?? input.env.Path ?? '';
  const sep = input.platform === 'win32' ? ';' : ':';
  for (const dir of pathVar.split(sep)) {
    if (!dir) continue;
    const file = path.join(dir, exeName(input.platform));
    if (input.probe.isFile(file)) return file;
  }
  return undefined;
}

/** Returns the first candidate whose `--version` succeeds, or throws ServerNotFoundError. */
export async function discoverServer(input: DiscoveryInput): Promise<Found> {
  const failed: Attempt[] = [];
  for (const candidate of candidates(input)) {
    if (!input.probe.isFile(candidate.path)) {
      failed.push({ candidate, problem: 'no such file' });
      continue;
    }
    try {
      const version = await input.probe.version(candidate.path);
      const skipped = failed.filter(
        (a) => a.candidate.source === 'VOID_LS_PATH' || a.candidate.source === 'void.server.path',
      );
      return { candidate, version, skipped };
    } catch (err) {
      failed.push({ candidate, problem: `\`--version\` failed: ${errorText(err)}` });
    }
  }
  if (!candidates(input).some((c) => c.source === 'PATH')) {
    failed.push({ candidate: { source: 'PATH', path: exeName(input.platform) }, problem: 'not found on PATH' });
  }
  throw new ServerNotFoundError(failed);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** One sentence per attempt, then how to fix it. */
export function describeFailure(attempts: Attempt[]): string {
  const tried = attempts
    .map((a) => `${a.candidate.source} (${a.candidate.path}): ${a.problem}`)
    .join('; ');
  return (
    `The void-ls language server was not found or does not run. Tried: ${tried}. ` +
    'Fix: install it with `cargo install --locked --path server/ls` (in a void-ls checkout) so ' +
    'that `void-ls` is on PATH, or set the `void.server.path` setting or the VOID_LS_PATH ' +
    'environment variable to the binary, or install the .vsix for your platform, which bundles ' +
    'it; then run "Void: Restart Server".'
  );
}
