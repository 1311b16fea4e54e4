// JS heap and external memory per idle connection with permessage-deflate
// negotiated: 1,000 clients (rfc6455, or ws with "ws") and a ws server with
// perMessageDeflate: true, all in this process, so each figure counts one client
// and its server-side peer; the server's share is the same for both clients and
// the difference is the clients'. Needs `npm run build`. Two forced GCs before
// and after.
//
//   node --expose-gc bench/deflate-idle-memory.mjs rfc6455|ws
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocketServer, WebSocket: WsClient } = require('ws');
const kind = process.argv[2];
const COUNT = 1000;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
await new Promise((resolve) => server.once('listening', resolve));
const url = `ws://127.0.0.1:${server.address().port}/`;
let open;
if (kind === 'ws') {
  open = () =>
    new Promise((resolve, reject) => {
      const ws = new WsClient(url, { perMessageDeflate: true });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
} else {
  const { createConnection } = await import('../dist/index.js');
  open = () => createConnection(url, { perMessageDeflate: true });
}
const collect = () => {
  globalThis.gc();
  globalThis.gc();
};
const held = [await open()];
collect();
const before = process.memoryUsage();
for (let i = 0; i < COUNT; i++) held.push(await open());
collect();
const after = process.memoryUsage();
const perConnection = (key) => ((after[key] - before[key]) / COUNT / 1024).toFixed(2);
console.log(`${kind}: ${perConnection('heapUsed')} KiB heap, ${perConnection('external')} KiB external per client + server-side peer, ${COUNT} open`);
process.exit(0);
