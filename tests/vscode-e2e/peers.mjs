// The peer of the VS Code end-to-end test: a Node `ws` server on loopback, with plain HTTP
// routes on the same port.
//
//   /echo       echoes every message; the text `flood N R` makes it send N numbered JSON messages
//               at R a second instead: {"n": <number across the whole run>, "seq": i, "of": N,
//               "sentAt": <ms since the epoch>}, so the test can tell which message a log line
//               shows and when it left the server.
//   /flaky      echoes a message, then drops the connection without a close frame.
//   /api/login  (HTTP POST) {"user": "ada", "password": "s3cret"} answers 200 with a JSON
//               {"user", "token"} (`token` is `peer.token`, new in every run); else 401.
//
// `url` is the WebSocket URL (ws://127.0.0.1:PORT), `httpUrl` the same port over HTTP.
// `lastN` is the number of the newest flood message sent; `authorizations` the Authorization
// header of each WebSocket handshake ('' without one). Stopping it drops its clients first
// (after a failed step a session may still be connected).

import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { WebSocketServer } from 'ws';

/** Answers the plain HTTP routes. */
function answerHttp(request, response, peer) {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const route = new URL(request.url ?? '/', 'http://x').pathname;
    const reply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (route !== '/api/login' || request.method !== 'POST') return reply(404, { error: `no route ${request.method} ${route}` });
    let login;
    try {
      login = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { error: 'the body is not JSON' });
    }
    if (login?.user !== 'ada' || login?.password !== 's3cret') return reply(401, { error: 'wrong user or password' });
    reply(200, { user: 'ada', token: peer.token });
  });
}

export function startPeer(cleanups) {
  return new Promise((resolve, reject) => {
    const peer = { url: '', httpUrl: '', token: `tok-ada-${randomBytes(6).toString('hex')}`, lastN: -1, connections: 0, authorizations: [] };
    const server = http.createServer((request, response) => answerHttp(request, response, peer));
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket, request) => {
      peer.connections++;
      peer.authorizations.push(request.headers.authorization ?? '');
      const route = new URL(request.url ?? '/', 'ws://x').pathname;
      socket.on('message', (data, isBinary) => {
        if (route === '/flaky') {
          socket.send(data, { binary: isBinary }, () => socket.terminate());
          return;
        }
        const flood = !isBinary && /^flood (\d+) (\d+)$/.exec(data.toString());
        if (flood) {
          floodMessages(socket, Number(flood[1]), Number(flood[2]), peer);
          return;
        }
        socket.send(data, { binary: isBinary });
      });
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(
        () =>
          new Promise((r) => {
            for (const client of wss.clients) client.terminate();
            wss.close();
            server.closeAllConnections();
            server.close(() => r());
          }),
      );
      const { port } = server.address();
      peer.url = `ws://127.0.0.1:${port}`;
      peer.httpUrl = `http://127.0.0.1:${port}`;
      resolve(peer);
    });
  });
}

/** Sends `count` numbered messages at `perSecond`, in 10 ms ticks so the rate holds. */
function floodMessages(socket, count, perSecond, peer) {
  const started = Date.now();
  let seq = 0;
  const tick = () => {
    const due = Math.min(count, Math.floor(((Date.now() - started) * perSecond) / 1000) + 1);
    while (seq < due && socket.readyState === socket.OPEN) {
      peer.lastN++;
      socket.send(JSON.stringify({ n: peer.lastN, seq, of: count, sentAt: Date.now() }));
      seq++;
    }
    if (seq < count && socket.readyState === socket.OPEN) setTimeout(tick, 10);
  };
  tick();
}
