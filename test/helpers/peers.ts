/**
 * The peers of one test file: raw servers it starts and connections it opens,
 * all closed after each test, so a failing test leaves nothing running.
 */
import { afterEach } from 'vitest';
import { createConnection, type WebSocket } from '../../src/index.js';
import { startRawServer, type RawPeer, type RawServer } from './raw-server.js';

export interface Peers {
  /** Anything else to close after the test (other servers). */
  servers: Array<{ close(): Promise<void> }>;
  /** Connections to abort after the test. */
  sockets: WebSocket[];
  /** A raw server playing `onPeer` for each connection (default: accept the handshake). */
  raw(onPeer?: (peer: RawPeer) => unknown): Promise<RawServer & { errors: unknown[] }>;
  /** createConnection with `timeout` (default 3000 ms) unless the options say otherwise. */
  open(url: string, options?: Parameters<typeof createConnection>[1]): Promise<WebSocket>;
}

/** Registers the afterEach that closes them; call once at the top of a test file. */
export function usePeers(defaultTimeout = 3000): Peers {
  const servers: Peers['servers'] = [];
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.abort();
    for (const server of servers.splice(0)) await server.close();
  });
  return {
    servers,
    sockets,
    async raw(onPeer = (peer) => peer.accept()) {
      const server = await startRawServer(onPeer);
      servers.push(server);
      return server;
    },
    async open(url, options = {}) {
      const ws = await createConnection(url, { timeout: defaultTimeout, ...options });
      sockets.push(ws);
      return ws;
    },
  };
}
