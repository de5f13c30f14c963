// Node `ws` as a benchmark contender. Started by `void-bench node`, which passes the exact
// workload counts; this script only measures and prints ONE JSON line with the raw outcome
// (samples or counts and elapsed time); the Rust side turns it into metrics, so every
// contender is summarised by the same code.
//
// Usage: node ws-client.js rtt URL WARMUP ITERATIONS
//        node ws-client.js flood URL MESSAGES
//        node ws-client.js big URL MESSAGES SIZE
//        node ws-client.js idle URL CONNECTIONS
// The `ws` package is loaded from $VOID_BENCH_NODE_MODULES.
'use strict';

const path = require('path');
const WebSocket = require(path.join(process.env.VOID_BENCH_NODE_MODULES || 'node_modules', 'ws'));

const [workload, url, ...counts] = process.argv.slice(2);
const numbers = counts.map((c) => Number(c));

function open(target) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

// Resolves once the line is handed to the OS: stdout is asynchronous on a pipe, and exiting
// before the write completes would cut a long line (the round-trip samples) short.
function print(result) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(result) + '\n', resolve));
}

async function roundTrip(ws, warmup, iterations) {
  const payload = '0123456789abcdef';
  const samples = [];
  let started = 0n;
  let done = 0;
  await new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', () => {
      const took = process.hrtime.bigint() - started;
      if (done >= warmup) samples.push(Number(took));
      done += 1;
      if (done === warmup + iterations) return resolve();
      started = process.hrtime.bigint();
      ws.send(payload);
    });
    started = process.hrtime.bigint();
    ws.send(payload);
  });
  return { kind: 'rtt', samples_ns: samples };
}

// Sends `count` copies of `payload` while counting echoes; yields to the event loop whenever
// more than 4 MiB is buffered, so memory stays bounded and reading goes on.
async function pipelined(ws, payload, count, binary) {
  const started = process.hrtime.bigint();
  let received = 0;
  const finished = new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', () => reject(new Error(`closed after ${received} of ${count} echoes`)));
    ws.on('message', () => {
      received += 1;
      if (received === count) resolve();
    });
  });
  let sent = 0;
  while (sent < count) {
    while (sent < count && ws.bufferedAmount < 4 * 1024 * 1024) {
      ws.send(payload, { binary });
      sent += 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await finished;
  return { messages: received, elapsed_ns: Number(process.hrtime.bigint() - started) };
}

async function idle(target, connections) {
  const sockets = [await open(target)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < connections; i += 1) sockets.push(await open(target));
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (global.gc) global.gc();
  const after = process.memoryUsage().rss;
  for (const ws of sockets) ws.terminate();
  return { kind: 'idle', connections, rss_before: before, rss_after: after };
}

async function main() {
  if (workload === 'idle') {
    await print(await idle(url, numbers[0]));
    return;
  }
  const ws = await open(url);
  let result;
  if (workload === 'rtt') {
    result = await roundTrip(ws, numbers[0], numbers[1]);
  } else if (workload === 'flood') {
    result = { kind: 'flood', ...(await pipelined(ws, '0123456789abcdef', numbers[0], false)) };
  } else if (workload === 'big') {
    const payload = Buffer.alloc(numbers[1], 0x5a);
    result = { kind: 'big', ...(await pipelined(ws, payload, numbers[0], true)), size: numbers[1] };
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  ws.removeAllListeners('close');
  ws.close();
  await print(result);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`ws-client: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
