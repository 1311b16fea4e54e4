/**
 * A `ws` echo server with permessage-deflate in a child process (so that the
 * server's own zlib memory stays out of the client's measurements). Prints
 * its port on stdout, exits when stdin closes.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
server.on('connection', (peer) => {
  peer.on('error', () => {});
  peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.stdout.write(`${address.port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
