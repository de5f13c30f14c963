// The WebSocket peer of the VS Code end-to-end test: a Node `ws` server on loopback.
//
//   /echo    echoes every message; the text `flood N R` makes it send N numbered JSON messages
//            at R a second instead: {"n": <number across the whole run>, "seq": i, "of": N,
//            "sentAt": <ms since the epoch>}, so the test can tell which message a log line shows
//            and when it left the server.
//   /flaky   echoes a message, then drops the connection without a close frame.
//
// `lastN` is the number of the newest flood message sent. Stopping it drops its clients first
// (after a failed step a session may still be connected).

import { WebSocketServer } from 'ws';

export function startPeer(cleanups) {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const peer = { url: '', lastN: -1, connections: 0 };
    wss.on('connection', (socket, request) => {
      peer.connections++;
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
    wss.once('error', reject);
    wss.once('listening', () => {
      cleanups.push(
        () =>
          new Promise((r) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => r());
          }),
      );
      peer.url = `ws://127.0.0.1:${wss.address().port}`;
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
