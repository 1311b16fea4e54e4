/**
 * `npm run demo`: starts a local echo peer (the `ws` server, a development
 * dependency) on 127.0.0.1 and runs the basic example against it.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { main } from './basic-error-handling.js';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (peer) => peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })));
await new Promise<void>((resolve) => server.once('listening', resolve));
const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
console.log(`Echo peer listening at ${url}`);
try {
  const { lines } = await main(url);
  for (const line of lines) console.log(line);
} finally {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
