/**
 * A WebSocket server on 127.0.0.1 that accepts the handshake and then never
 * answers: it ignores every frame, and when the client half-closes TCP (FIN)
 * it keeps its own half open (`allowHalfOpen`), so a client waiting for the
 * server to close waits forever unless it destroys its socket.
 */
import net from 'node:net';
import { acceptKeyFor } from './raw-server.js';

export interface HalfOpenServer {
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startHalfOpenServer(): Promise<HalfOpenServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    let head = '';
    socket.on('error', () => {});
    // The client's FIN ('end') is ignored: our half stays open, nothing is ever answered.
    socket.on('data', (chunk: Buffer) => {
      if (head.endsWith('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      head = head.slice(0, end + 4);
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    get accepted() {
      return sockets.length;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
