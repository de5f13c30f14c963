// Socket.IO 4 server for the void-session tests, on npm `socket.io` (found through NODE_PATH).
//
// Usage: node socketio_server.js
// Listens on 127.0.0.1 on a free port, prints `PORT <n>` on its first stdout line, and exits
// when its stdin closes. Namespace `/chat` wants `auth` `{"token": "letmein"}`; once connected:
// - it emits `welcome` {"sid": ...};
// - `hello` with an acknowledgement: acknowledged with {"ok": true, "echo": <argument>};
// - `ask`: it emits `question` {"q": "name?"} asking for an acknowledgement, then emits
//   `answered` with what the acknowledgement carried;
// - `upload` with a binary argument: it emits `uploaded` {"size": n, "data": <the bytes>};
// - after three pongs from the client it emits `alive` {"pongs": 3};
// - `freeze`: it stops pinging (the client must notice);
// - `bye`: it disconnects the client from the namespace;
// - `drop`: it closes the whole connection;
// - `ignore` (with an acknowledgement asked for): never acknowledged.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const server = http.createServer();
const io = new Server(server, { pingInterval: 300, pingTimeout: 2000, transports: ['websocket'] });
const chat = io.of('/chat');
chat.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === 'letmein') next();
  else next(new Error('not authorized'));
});
chat.on('connection', (socket) => {
  socket.emit('welcome', { sid: socket.id });
  let pongs = 0;
  socket.conn.on('heartbeat', () => {
    pongs += 1;
    if (pongs === 3) socket.emit('alive', { pongs });
  });
  socket.on('hello', (arg, ack) => {
    if (typeof ack === 'function') ack({ ok: true, echo: arg });
  });
  socket.on('ask', () => {
    socket.emit('question', { q: 'name?' }, (answer) => socket.emit('answered', answer));
  });
  socket.on('upload', (data) => {
    const bytes = Buffer.from(data);
    socket.emit('uploaded', { size: bytes.length, data: bytes });
  });
  socket.on('freeze', () => {
    // Engine.IO's own timers, stopped for good (a test peer may reach into them).
    const conn = socket.conn;
    clearTimeout(conn.pingIntervalTimer);
    clearTimeout(conn.pingTimeoutTimer);
    conn.pingIntervalTimer = { refresh() {} };
    conn.pingTimeoutTimer = null;
    conn.schedulePing = () => {};
    conn.resetPingTimeout = () => {};
  });
  socket.on('bye', () => socket.disconnect());
  // `drop`: the whole Engine.IO connection is closed (the client may reconnect).
  socket.on('drop', () => socket.disconnect(true));
  // `ignore`: asks for an acknowledgement that never comes.
  socket.on('ignore', () => {});
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
