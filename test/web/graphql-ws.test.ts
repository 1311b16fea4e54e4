/**
 * A real consumer of the WHATWG interface: graphql-ws's client, given
 * rfc6455/web as its `webSocketImpl`, against graphql-ws's own `ws`-based
 * server on 127.0.0.1 (query, subscription, server-side error, close).
 */
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type * as net from 'node:net';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WebSocket } from '../../src/web/index.js';

// graphql-ws loads graphql through Node's resolution (CommonJS); the schema must come from
// that same instance, not from the ES module build vitest would pick.
const { buildSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const schema = buildSchema(`
  type Query { hello(name: String!): String! }
  type Subscription { countdown(from: Int!): Int! }
`);

const roots = {
  query: { hello: ({ name }: { name: string }) => `hello ${name}` },
  subscription: {
    countdown: async function* ({ from }: { from: number }) {
      for (let i = from; i >= 0; i--) yield { countdown: i };
    },
  },
};

describe('graphql-ws client over rfc6455/web', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let url: string;
  const seenProtocols: string[] = [];

  beforeAll(async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server, path: '/graphql' });
    wss.on('connection', (socket) => seenProtocols.push(socket.protocol));
    useServer({ schema, roots }, wss);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function collect(client: Client, query: string): Promise<FormattedExecutionResult<Record<string, unknown>, unknown>[]> {
    return new Promise((resolve, reject) => {
      const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
      client.subscribe({ query }, { next: (result) => results.push(result), error: reject, complete: () => resolve(results) });
    });
  }

  it('runs a query and a subscription, over the graphql-transport-ws subprotocol', async () => {
    let onClosed: (event: { code: number; reason: string; wasClean: boolean }) => void = () => undefined;
    const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => (onClosed = resolve));
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      on: {
        closed: (event) => {
          const { code, reason, wasClean } = event as CloseEvent;
          onClosed({ code, reason, wasClean });
        },
      },
    });
    try {
      expect(await collect(client, '{ hello(name: "rfc6455") }')).toEqual([{ data: { hello: 'hello rfc6455' } }]);
      const countdown = await collect(client, 'subscription { countdown(from: 3) }');
      expect(countdown.map((result) => result.data)).toEqual([{ countdown: 3 }, { countdown: 2 }, { countdown: 1 }, { countdown: 0 }]);
      // A validation error comes back through the same socket as a graphql-ws error message.
      await expect(collect(client, '{ nope }')).rejects.toEqual([expect.objectContaining({ message: expect.stringContaining('nope') })]);
      expect(seenProtocols).toEqual(['graphql-transport-ws']);
    } finally {
      await client.dispose();
    }
    // dispose() closes with 1000 'Normal Closure'; the server echoes it and the close event carries it.
    expect(await closed).toEqual({ code: 1000, reason: 'Normal Closure', wasClean: true });
  }, 20_000);
});
