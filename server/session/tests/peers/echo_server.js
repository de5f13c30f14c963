// Echo server for the void-session tests, on Node `ws` (found through NODE_PATH).
//
// Usage: node echo_server.js [--cert CERT --key KEY] [--subprotocol NAME ...]
// Listens on 127.0.0.1 on a free port, prints `PORT <n>` on its first stdout line, echoes every
// text and binary message, and exits when its stdin closes.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const supported = args.flatMap((a, i) => (a === '--subprotocol' ? [args[i + 1]] : []));
const cert = option('--cert');
const server = cert
  ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(option('--key')) })
  : http.createServer();
const wss = new WebSocketServer({
  server,
  handleProtocols: (offered) => supported.find((p) => offered.has(p)) ?? false,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
