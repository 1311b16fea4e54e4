// The `ws` echo server of the side-by-side comparison. Prints its port, then
// answers each line "stats" on stdin (see stats.mjs):
// messages echoed so far and the process's user + system CPU time.
import { WebSocketServer } from 'ws';
import { serveStats } from './stats.mjs';

let messages = 0;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    messages++;
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => ws.terminate());
});
server.on('listening', () => serveStats(server.address().port, () => messages));
