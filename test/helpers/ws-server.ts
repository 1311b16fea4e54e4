/**
 * A real `ws` WebSocket server on 127.0.0.1 for integration tests: echo by
 * default, or a custom connection handler; records what it saw.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type ServerOptions, type WebSocket as WsPeer } from 'ws';

export interface WsTestServer {
  port: number;
  url: string;
  server: WebSocketServer;
  /** Upgrade requests seen, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** Echo every message back with the same type. */
export function echo(peer: WsPeer): void {
  peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
}

export async function startWsServer(
  onConnection: (peer: WsPeer, request: IncomingMessage) => void = echo,
  options: Omit<ServerOptions, 'port' | 'host' | 'server' | 'noServer'> = {},
): Promise<WsTestServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  const requests: IncomingMessage[] = [];
  server.on('connection', (peer, request) => {
    requests.push(request);
    peer.on('error', () => {});
    onConnection(peer, request);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  if (typeof address === 'string' || address === null) throw new Error('ws server has no TCP address');
  const port = address.port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
