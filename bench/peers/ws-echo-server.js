// Node `ws` as an echo *server*: the peer `void-ls serve` is compared with in the serve
// benchmark (`cargo xtask bench`). Every message comes back as it came (text as text, binary as
// binary), without compression. Prints {"listening": PORT} once it listens on 127.0.0.1 and
// stops when its stdin closes.
// The `ws` package is loaded from $VOID_BENCH_NODE_MODULES.
'use strict';

const path = require('path');
const WebSocket = require(path.join(process.env.VOID_BENCH_NODE_MODULES || 'node_modules', 'ws'));

const server = new WebSocket.WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
});
server.on('listening', () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
