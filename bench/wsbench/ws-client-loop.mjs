// The reference load generator: the `ws` client, N connections, one message
// of SIZE bytes in flight on each, for SECONDS or until MESSAGES round trips
// in total, no checking, no measuring.
// Usage: node ws-client-loop.mjs URL N SIZE SECONDS [MESSAGES]
import WebSocket from 'ws';

const [url, n = '100', size = '20', seconds = '5', messages = 'Infinity'] = process.argv.slice(2);
let budget = Number(messages) - Number(n);
const payload = Buffer.alloc(Number(size), 97);
let running = true;
const sockets = await Promise.all(
  Array.from({ length: Number(n) }, () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
    }),
  ),
);
for (const ws of sockets) {
  ws.on('message', () => {
    if (running && budget-- > 0) ws.send(payload);
    else if (budget <= -Number(n)) stop();
  });
  ws.send(payload);
}
const timer = setTimeout(stop, Number(seconds) * 1000);
function stop() {
  running = false;
  clearTimeout(timer);
  for (const ws of sockets) ws.terminate();
}
