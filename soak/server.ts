/**
 * The soak test's peer, run as a child process so that the client's memory
 * figures are its own: a `ws` echo server on 127.0.0.1 that counts what it
 * echoes and how connections end, and reports over IPC.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 2048, maxPayload: 8 << 20 });
let echoed = 0;
let echoedBytes = 0;
let connections = 0;
const closes = new Map<number, number>();

server.on('connection', (peer) => {
  connections++;
  peer.on('message', (data, isBinary) => {
    echoed++;
    echoedBytes += (data as Buffer).length;
    peer.send(data, { binary: isBinary });
  });
  peer.on('close', (code) => closes.set(code, (closes.get(code) ?? 0) + 1));
  peer.on('error', () => {});
});

server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'string' || address === null) throw new Error('no TCP address');
  process.send!({ type: 'listening', port: address.port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') {
    process.send!({ type: 'report', echoed, echoedBytes, connections, open: server.clients.size, closes: Object.fromEntries(closes) });
  } else if (message.type === 'stop') {
    server.close(() => process.exit(0));
  }
});
