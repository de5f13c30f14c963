// npm `socket.io-client` 4.8 as a benchmark contender for the Socket.IO workloads. Started by
// `void-bench node --name node-socketio`, which passes the exact workload counts; this script
// only measures and prints ONE JSON line with the raw outcome, in the same shape as
// ws-client.js, so every contender is summarised by the same Rust code.
//
// Usage: node socketio-client.js rtt URL WARMUP ITERATIONS
//        node socketio-client.js flood URL MESSAGES
// URL is the server's address (ws://host:port); the client speaks Engine.IO v4 over the
// WebSocket transport only, as void-ls does. Every message is the event `e` with the 16-byte
// payload as its argument; the server sends each event back. The package is loaded from
// $VOID_BENCH_NODE_MODULES.
'use strict';

const path = require('path');
const { io } = require(path.join(process.env.VOID_BENCH_NODE_MODULES || 'node_modules', 'socket.io-client'));

const [workload, url, ...counts] = process.argv.slice(2);
const numbers = counts.map((c) => Number(c));
const payload = '0123456789abcdef';

// Connected once the server's `welcome` has come (the namespace is open).
function open(target) {
  return new Promise((resolve, reject) => {
    const socket = io(target.replace(/^ws/, 'http'), { transports: ['websocket'], reconnection: false });
    socket.once('welcome', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function print(result) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(result) + '\n', resolve));
}

async function roundTrip(socket, warmup, iterations) {
  const samples = [];
  let started = 0n;
  let done = 0;
  await new Promise((resolve) => {
    socket.on('e', () => {
      const took = process.hrtime.bigint() - started;
      if (done >= warmup) samples.push(Number(took));
      done += 1;
      if (done === warmup + iterations) return resolve();
      started = process.hrtime.bigint();
      socket.emit('e', payload);
    });
    started = process.hrtime.bigint();
    socket.emit('e', payload);
  });
  return { kind: 'rtt', samples_ns: samples };
}

// Emits `count` events while counting the echoes; yields to the event loop whenever the
// WebSocket holds more than 4 MiB unsent, so memory stays bounded and reading goes on.
async function flood(socket, count) {
  const started = process.hrtime.bigint();
  let received = 0;
  const finished = new Promise((resolve, reject) => {
    socket.on('disconnect', (why) => reject(new Error(`disconnected (${why}) after ${received} of ${count}`)));
    socket.on('e', () => {
      received += 1;
      if (received === count) resolve();
    });
  });
  const ws = () => socket.io.engine.transport.ws;
  let sent = 0;
  while (sent < count) {
    let burst = 0;
    while (sent < count && burst < 1024 && ws().bufferedAmount < 4 * 1024 * 1024) {
      socket.emit('e', payload);
      sent += 1;
      burst += 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await finished;
  return { kind: 'flood', messages: received, elapsed_ns: Number(process.hrtime.bigint() - started) };
}

async function main() {
  const socket = await open(url);
  let result;
  if (workload === 'rtt') {
    result = await roundTrip(socket, numbers[0], numbers[1]);
  } else if (workload === 'flood') {
    result = await flood(socket, numbers[0]);
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  socket.removeAllListeners('disconnect');
  socket.close();
  await print(result);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`socketio-client: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
