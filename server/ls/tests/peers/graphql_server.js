// GraphQL over WebSocket server for the void-ls tests, on npm `graphql-ws` (5.x, protocol
// `graphql-transport-ws`), `graphql` and `ws` (found through NODE_PATH).
//
// Usage: node graphql_server.js [legacy]
// With `legacy`, the same schema is served with npm `subscriptions-transport-ws` (subprotocol
// `graphql-ws`; a refused `connection_init` is answered with `connection_error`). Listens on 127.0.0.1 on a free port at /graphql, prints `PORT <n>` on its first stdout line,
// and exits when its stdin closes. `connection_init` must carry `Authorization: Bearer good`
// (anything else is refused: close 4403 Forbidden). Subscriptions:
// - `count(n: Int!)`: results {count: 1} .. {count: n}, then complete;
// - `ticks`: a result {ticks: i} every 20 ms until the client completes it; the server then
//   remembers it was stopped and says so to a later `stopped` query subscription;
// - `stopped`: one result {stopped: <how many ticks subscriptions were stopped>}, once one
//   was (or after 5 s).
'use strict';
const { WebSocketServer } = require('ws');
const { useServer } = require('graphql-ws/lib/use/ws');
const {
  GraphQLSchema, GraphQLObjectType, GraphQLInt, GraphQLNonNull, GraphQLString,
} = require('graphql');

let stoppedTicks = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { hello: { type: GraphQLString, resolve: () => 'hello' } },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: GraphQLInt,
        args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_root, { n }) {
          for (let i = 1; i <= n; i++) {
            await sleep(5);
            yield { count: i };
          }
        },
      },
      ticks: {
        type: GraphQLInt,
        subscribe: async function* () {
          let i = 0;
          try {
            for (;;) {
              await sleep(20);
              i += 1;
              yield { ticks: i };
            }
          } finally {
            stoppedTicks += 1;
          }
        },
      },
      stopped: {
        type: GraphQLInt,
        subscribe: async function* () {
          // A stop takes effect at the stopped subscription's next tick: wait for it (5 s
          // bound failure only).
          for (let waited = 0; stoppedTicks === 0 && waited < 5000; waited += 10) {
            await sleep(10);
          }
          yield { stopped: stoppedTicks };
        },
      },
    },
  }),
});

const allowed = (params) => (params || {}).Authorization === 'Bearer good';

if (process.argv[2] === 'legacy') {
  // The legacy protocol (npm `subscriptions-transport-ws`, subprotocol `graphql-ws`).
  const http = require('http');
  const { execute, subscribe } = require('graphql');
  const { SubscriptionServer } = require('subscriptions-transport-ws');
  const server = http.createServer();
  SubscriptionServer.create(
    { schema, execute, subscribe, onConnect: (params) => allowed(params) },
    { server, path: '/graphql' },
  );
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${server.address().port}\n`);
  });
} else {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  useServer({ schema, onConnect: (ctx) => allowed(ctx.connectionParams) }, wss);
  wss.on('listening', () => {
    process.stdout.write(`PORT ${wss.address().port}\n`);
  });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
