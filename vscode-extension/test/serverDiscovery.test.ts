import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidates, discoverServer, type DiscoveryInput, ServerNotFoundError } from '../src/serverDiscovery';

function input(files: Record<string, string | Error>, over: Partial<DiscoveryInput> = {}): DiscoveryInput {
  return {
    env: { PATH: '/usr/bin:/opt/bin' },
    settingPath: undefined,
    extensionPath: '/ext',
    platform: 'linux',
    probe: {
      isFile: (f) => f in files,
      version: async (f) => {
        const v = files[f];
        if (v instanceof Error) throw v;
        return v;
      },
    },
    ...over,
  };
}

test('order is VOID_LS_PATH, setting, bundled, PATH', () => {
  const c = candidates(
    input({ '/opt/bin/void-ls': 'void-ls 0.1.0' }, { env: { PATH: '/usr/bin:/opt/bin', VOID_LS_PATH: '/env/void-ls' }, settingPath: '/set/void-ls' }),
  );
  assert.deepEqual(
    c.map((x) => [x.source, x.path]),
    [
      ['VOID_LS_PATH', '/env/void-ls'],
      ['void.server.path', '/set/void-ls'],
      ['bundled', '/ext/server/void-ls'],
      ['PATH', '/opt/bin/void-ls'],
    ],
  );
});

test('the environment variable wins when it runs', async () => {
  const found = await discoverServer(
    input({ '/env/void-ls': 'void-ls 9', '/ext/server/void-ls': 'void-ls 1' }, { env: { VOID_LS_PATH: '/env/void-ls' } }),
  );
  assert.equal(found.candidate.source, 'VOID_LS_PATH');
  assert.equal(found.version, 'void-ls 9');
  assert.deepEqual(found.skipped, []);
});

test('a configured binary that fails --version is skipped and reported', async () => {
  const found = await discoverServer(
    input({ '/set/void-ls': new Error('exit 127'), '/ext/server/void-ls': 'void-ls 1' }, { settingPath: '/set/void-ls' }),
  );
  assert.equal(found.candidate.source, 'bundled');
  assert.equal(found.skipped.length, 1);
  assert.equal(found.skipped[0].candidate.source, 'void.server.path');
  assert.match(found.skipped[0].problem, /exit 127/);
});

test('falls back to PATH', async () => {
  const found = await discoverServer(input({ '/opt/bin/void-ls': 'void-ls 2' }));
  assert.equal(found.candidate.source, 'PATH');
  assert.equal(found.candidate.path, '/opt/bin/void-ls');
});

test('nothing found: an error that says how to fix it', async () => {
  await assert.rejects(discoverServer(input({})), (err: unknown) => {
    assert.ok(err instanceof ServerNotFoundError);
    assert.match(err.message, /void\.server\.path/);
    assert.match(err.message, /VOID_LS_PATH/);
    assert.match(err.message, /not found on PATH/);
    assert.match(err.message, /bundled \(\/ext\/server\/void-ls\): no such file/);
    return true;
  });
});

test('home directory in the setting is expanded', () => {
  const c = candidates(input({}, { env: { HOME: '/home/u' }, settingPath: '~/bin/void-ls' }));
  assert.equal(c[0].path, '/home/u/bin/void-ls');
});
