// A GraphQL over WebSocket client for the void-ls tests, on npm `graphql-ws` (5.x, protocol
// `graphql-transport-ws`) and `ws` (found through NODE_PATH): it proves the embedded server's
// `/graphql` speaks the protocol to a client other than void-ls's own.
//
// Usage: node graphql_client.js ws://127.0.0.1:<port>/graphql
// Runs a query with variables and an alias, a mutation, a subscription to its end, a
// subscription it stops itself after two results, an invalid operation, and a connection that
// offers no subprotocol; keeps the connection alive with pings meanwhile. Prints one JSON
// object saying what each got, then exits.
'use strict';
const WebSocket = require('ws');
const { createClient } = require('graphql-ws');

const url = process.argv[2];
let pongs = 0;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  keepAlive: 20,
  on: { pong: (received) => { if (received) pongs += 1; } },
});

const words = (e) => {
  if (Array.isArray(e)) return e.map((x) => x.message).join('; ');
  if (e && typeof e.code === 'number') return `close ${e.code} ${e.reason}`;
  return String(e && e.message ? e.message : e);
};

// Runs one operation; `stopAfter`: unsubscribe once that many results came.
const run = (payload, stopAfter) => new Promise((resolve) => {
  const results = [];
  let unsubscribe = () => {};
  unsubscribe = client.subscribe(payload, {
    next: (r) => {
      results.push(r);
      if (stopAfter && results.length === stopAfter) {
        unsubscribe();
        resolve({ results, stopped: true });
      }
    },
    error: (e) => resolve({ results, error: words(e) }),
    complete: () => resolve({ results, complete: true }),
  });
});

// A raw connection offering no subprotocol: the server must close it with 4406.
const unoffered = () => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  ws.on('error', (e) => resolve({ error: String(e) }));
});

(async () => {
  const out = {};
  out.query = await run({
    query: 'query Q($id: Int!) { chosen: item(id: $id) { id name __typename } items { id } }',
    variables: { id: 5 },
    operationName: 'Q',
  });
  out.mutation = await run({ query: 'mutation { addItem(name: "ink") { id name } }' });
  out.ticks = await run({ query: 'subscription { ticks(count: 3, everyMs: 30) { n } }' });
  out.stopped = await run({ query: 'subscription { ticks(count: 1000, everyMs: 30) { n } }' }, 2);
  out.invalid = await run({ query: 'subscription { ticks { colour } }' });
  out.pongs = pongs;
  await client.dispose();
  out.unoffered = await unoffered();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
})().catch((e) => {
  process.stdout.write(JSON.stringify({ failed: words(e) }) + '\n');
  process.exit(1);
});
