/**
 * Fault servers for WebSocketApp tests: a raw peer that completes the opening
 * handshake and then ignores every frame (it never answers a ping), a `ws`
 * server that can be stopped and started again on the same port, and a free
 * port to start one on later.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export interface DeafServer {
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections: net.Socket[];
  close(): Promise<void>;
}

/** Answers the handshake with 101, then reads and ignores every byte: a peer that died without closing TCP. */
export async function startDeafServer(): Promise<DeafServer> {
  const connections: net.Socket[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => {});
    let head = '';
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      upgraded = true;
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
      );
    });
  });
  const port = await listen(server, 0);
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    connections,
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** A port that was free a moment ago: nothing listens on it until a test starts a server there. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  const port = await listen(probe, 0);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface RestartableWsServer {
  port: number;
  url: string;
  /** Connections accepted over every run. */
  accepted: number;
  /** Listening now? */
  readonly running: boolean;
  start(): Promise<void>;
  /** Kill it: every connection is terminated (no close frame) and the port stops listening. */
  kill(): Promise<void>;
}

/** A `ws` server on a fixed port that can be killed and started again there. */
export function restartableWsServer(
  port: number,
  onConnection: (peer: WsPeer, request: IncomingMessage) => void,
): RestartableWsServer {
  let server: WebSocketServer | null = null;
  const handle: RestartableWsServer = {
    port,
    url: `ws://127.0.0.1:${port}`,
    accepted: 0,
    get running() {
      return server !== null;
    },
    async start() {
      const wss = new WebSocketServer({ host: '127.0.0.1', port });
      wss.on('connection', (peer, request) => {
        handle.accepted += 1;
        peer.on('error', () => {});
        onConnection(peer, request);
      });
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
      server = wss;
    },
    async kill() {
      const wss = server;
      server = null;
      if (wss === null) return;
      for (const peer of wss.clients) peer.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return handle;
}
