import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerLogLine, ServerLogReader } from '../src/serverLog';

test('server log lines keep their level and lose the server time', () => {
  assert.deepEqual(parseServerLogLine('2026-12-05T20:00:00.123456Z  INFO initialized for Some("Visual Studio Code")'), {
    level: 'info',
    text: 'initialized for Some("Visual Studio Code")',
  });
  assert.equal(parseServerLogLine('2026-12-05T20:00:00.1Z  WARN settings: bad key').level, 'warn');
  assert.equal(parseServerLogLine('2026-12-05T20:00:00.1Z DEBUG x').level, 'debug');
  assert.equal(parseServerLogLine("thread 'main' panicked at src/x.rs:1:1:").level, 'error');
});

test('lines without a level follow the line before them', () => {
  const seen: string[] = [];
  const sink = {
    trace: (m: string) => seen.push(`trace ${m}`),
    debug: (m: string) => seen.push(`debug ${m}`),
    info: (m: string) => seen.push(`info ${m}`),
    warn: (m: string) => seen.push(`warn ${m}`),
    error: (m: string) => seen.push(`error ${m}`),
  };
  const reader = new ServerLogReader(sink);
  reader.line('2026-12-05T20:00:00.1Z  WARN first');
  reader.line('  continued');
  reader.line('2026-12-05T20:00:00.2Z  INFO second');
  assert.deepEqual(seen, ['warn first', 'warn   continued', 'info second']);
});
