// Peak memory of a client receiving 6 × 16 MiB text messages from the bench's raw
// source peer (start it first: `npx tsx bench/e2e/server.ts` prints its port), read
// through `await ws.recv()` ("recv"), through `await ws.recv()` with the variable
// cleared after use ("recv-drop"), through `for await` ("forawait"), or by ws's
// 'message' handler ("ws"), or by ws with the same `let m = await next()` reader over a
// promise per message ("ws-pull": the pull pattern without rfc6455; "ws-pull-drop" clears
// the variable once the message is used, as "recv-drop"), or by rfc6455/web's `onmessage`
// handler ("web": the event model, as ws's handler). Needs `npm run build`.
// process.memoryUsage() is sampled every 2 ms; the peak sample, the process's maxRSS and
// the garbage collections seen by a PerformanceObserver (scavenges / mark-compacts) are
// printed. `node --trace-gc` shows when each collection ran and what survived it.
//
//   node bench/large-text-memory.mjs <port> recv|recv-drop|forawait|web|ws|ws-pull|ws-pull-drop [warm-up]
//
// warm-up: first receive one message on a connection of its own with the same reader, as
// `npm run bench` does before each measured run (the peak then includes that connection's).
import { createRequire } from 'node:module';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const [port, mode, warmUp] = process.argv.slice(2);
const SIZE = 16 * 1024 * 1024;
const sourceUrl = (count) => `ws://127.0.0.1:${port}/source?size=${SIZE}&count=${count}&text=1`;
let peak = { rss: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) peak = m;
}, 2);

const collections = { minor: 0, major: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor++;
    else if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major++;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

/** Receive `count` messages on a new connection with the reader `mode`; returns how many were not empty. */
async function receive(count) {
  let n = 0;
  if (mode === 'ws') {
    const WebSocket = createRequire(import.meta.url)('ws');
    await new Promise((resolve, reject) => {
      const ws = new WebSocket(sourceUrl(count), { perMessageDeflate: false });
      ws.on('open', () => ws.send('go'));
      ws.on('message', (data) => void (data.toString().length > 0 && n++));
      ws.on('close', resolve);
      ws.on('error', reject);
    });
  } else if (mode === 'ws-pull' || mode === 'ws-pull-drop') {
    const WebSocket = createRequire(import.meta.url)('ws');
    const ws = new WebSocket(sourceUrl(count), { perMessageDeflate: false });
    const queued = [];
    let waiting = null;
    ws.on('open', () => ws.send('go'));
    ws.on('message', (data) => {
      const text = data.toString();
      if (waiting === null) queued.push(text);
      else {
        const resolve = waiting;
        waiting = null;
        resolve(text);
      }
    });
    ws.on('error', (error) => {
      throw error;
    });
    const next = () => (queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise((resolve) => (waiting = resolve)));
    while (n < count) {
      let message = await next();
      if (message.length > 0) n++;
      if (mode === 'ws-pull-drop') message = null;
    }
    ws.close();
  } else if (mode === 'web') {
    const { WebSocket } = await import('../dist/web/index.js');
    await new Promise((resolve, reject) => {
      const ws = new WebSocket(sourceUrl(count));
      ws.onopen = () => ws.send('go');
      ws.onmessage = (event) => void (event.data.length > 0 && n++);
      ws.onclose = resolve;
      ws.onerror = (event) => reject(event.error);
    });
  } else {
    const { createConnection } = await import('../dist/index.js');
    const ws = await createConnection(sourceUrl(count));
    await ws.send('go');
    if (mode === 'forawait') {
      for await (const message of ws) if (message.length > 0) n++;
    } else {
      while (n < count) {
        let message = await ws.recv();
        if (message.length > 0) n++;
        if (mode === 'recv-drop') message = null;
      }
      await ws.close();
    }
  }
  return n;
}

const COUNT = 6;
if (warmUp === 'warm-up') await receive(1);
else if (warmUp !== undefined) throw new Error(`expected "warm-up" or nothing after the reader, got ${warmUp}`);
const start = performance.now();
const n = await receive(COUNT);
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
// Entries are delivered asynchronously: let the last ones arrive.
await new Promise((resolve) => setTimeout(resolve, 20));
gcObserver.disconnect();
const mb = (bytes) => (bytes / 1048576).toFixed(0);
console.log(
  `${process.version} ${mode}: ${n} messages, ${((COUNT * SIZE) / 1048576 / seconds).toFixed(0)} MiB/s; peak sample rss ${mb(peak.rss)} MB, ` +
    `heapUsed ${mb(peak.heapUsed)}, external ${mb(peak.external)}; maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; ` +
    `gc ${collections.minor} scavenges / ${collections.major} mark-compacts`,
);
process.exit(0);
