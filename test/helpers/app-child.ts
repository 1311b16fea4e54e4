/**
 * Run in a child process by test/app/no-leaks.test.ts: one WebSocketApp
 * scenario, its outcome and the resources still active printed as one JSON line. The process must then exit
 * on its own: nothing may be left (timers, sockets, listeners).
 *
 * Usage: node --import tsx app-child.ts <scenario> <url>
 */
import { WebSocketApp } from '../../src/index.js';
import type { RunForeverOptions } from '../../src/index.js';

const [scenario, url] = process.argv.slice(2);
if (scenario === undefined || url === undefined) throw new Error('usage: app-child.ts <scenario> <url>');

const events: unknown[] = [];
const app = new WebSocketApp(url, {
  onOpen: (a) => {
    events.push('open');
    if (scenario === 'close') void a.send('hi');
  },
  onMessage: (a, m) => {
    events.push(`message ${String(m)}`);
    void a.close();
  },
  onError: (_a, e) => events.push(`error ${(e as Error).message}`),
  onClose: (_a, code, reason) => events.push(`close ${code} ${reason}`),
});

const options: Record<string, RunForeverOptions> = {
  // every kind of timer armed: keepalive and reconnection
  close: { pingInterval: 100, pingTimeout: 50, reconnect: 100 },
  'server-close': { pingInterval: 100, pingTimeout: 50, reconnect: 100 },
  'ping-timeout': { pingInterval: 100, pingTimeout: 50 },
  'give-up': { reconnect: 20, maxReconnects: 2, timeout: 1000 },
};
const failed = await app.runForever(options[scenario]);
// What would keep the process alive, two loop turns after runForever resolved
// (a socket destroyed in the last turn is released in that turn's close
// phase): nothing of the app may be left (a timer, a socket, a DNS lookup).
// Not the app's: the standard streams, this check's own immediate, and file
// requests (the library does no file I/O; tsx's loader writes its cache).
const notTheApps = ['TTYWrap', 'PipeWrap', 'Immediate', 'FSReqCallback', 'FSReqPromise'];
setImmediate(() =>
  setImmediate(() => {
    const left = process.getActiveResourcesInfo().filter((kind) => !notTheApps.includes(kind));
    console.log(JSON.stringify({ failed, events, left }));
  }),
);
