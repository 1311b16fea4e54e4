/**
 * A `ws` echo server in a process of its own (its zlib memory and CPU stay out of the
 * client's measurements): the one the conformance docs measure and CI checks, and the
 * peer of the per-connection memory test. permessage-deflate on (sections 12–13), and the
 * limits that Autobahn's cases exceed lifted (`maxPayload` for 9.1.6/9.2.6's 16 MiB,
 * `maxFragments` for 9.3.1/9.4.1's 65536 fragments).
 *
 *   npx tsx test/helpers/ws-echo-server.ts [PORT] [--no-deflate | --threshold BYTES]
 *
 * Prints the port on stdout when listening; exits when stdin closes or on SIGINT/SIGTERM.
 */
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const thresholdAt = args.indexOf('--threshold');
const threshold = thresholdAt === -1 ? undefined : Number(args[thresholdAt + 1]);
const port = Number(args.find((a, i) => /^\d+$/.test(a) && (thresholdAt === -1 || i !== thresholdAt + 1)) ?? 0);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  perMessageDeflate: args.includes('--no-deflate') ? false : threshold === undefined ? true : { threshold },
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
