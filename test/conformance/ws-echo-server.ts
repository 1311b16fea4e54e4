/**
 * The `ws` echo server the conformance docs measure and CI checks, in a process of its own:
 * permessage-deflate on (sections 12–13), and the limits that Autobahn's cases exceed lifted
 * (`maxPayload` for 9.1.6/9.2.6's 16 MiB, `maxFragments` for 9.3.1/9.4.1's 65536 fragments).
 *
 *   npx tsx test/conformance/ws-echo-server.ts [PORT] [--no-deflate]
 *
 * Prints the port on stdout when listening; exits when stdin closes or on SIGINT/SIGTERM.
 */
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const port = Number(args.find((a) => /^\d+$/.test(a)) ?? 0);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  perMessageDeflate: !args.includes('--no-deflate'),
  maxPayload: 0,
  maxFragments: 0,
});
server.on('connection', (peer) => {
  peer.on('error', () => {});
  peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.stdout.write(`${address.port}\n`);
});
const stop = (): void => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
};
process.stdin.resume();
process.stdin.on('end', stop);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
