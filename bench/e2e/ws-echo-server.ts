/**
 * The peer of the many-connections scenario, in its own process: a `ws`
 * WebSocketServer on 127.0.0.1 that echoes every message, as a typical
 * Node.js server would (unlike server.ts, it does the full work of a
 * WebSocket server per message). The runner pins it to one core and the
 * client to the other. Prints `{"port": N}` on stdout once listening. Stops
 * on SIGTERM.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
server.on('listening', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`expected a TCP address, got ${String(address)}`);
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
