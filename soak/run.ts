/**
 * `npm run soak`: one process holds N concurrent connections (default 1,000)
 * to a local `ws` echo server (a child process) for a fixed time (default
 * 60 s), each connection sending messages of mixed sizes and kinds and
 * checking every echo. At the end: every message accounted for (sent =
 * echoed by the server = received back intact), heap and RSS at start and
 * end, then every connection closed with a clean closing handshake.
 *
 *   npm run soak                                   1,000 connections, 60 s
 *   npm run soak -- --connections 200 --seconds 10
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { WebSocket } from '../src/websocket.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Args {
  connections: number;
  seconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { connections: 1000, seconds: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${argv[i]}: expected a positive integer, got ${argv[i + 1]}`);
    if (argv[i] === '--connections') args.connections = value;
    else if (argv[i] === '--seconds') args.seconds = value;
    else throw new Error(`unknown argument ${argv[i]}: expected --connections N or --seconds N`);
  }
  return args;
}

/** Message sizes: mostly small, some medium, a few large (up to 256 KiB). */
function pickSize(): number {
  const r = Math.random();
  if (r < 0.7) return 1 + Math.floor(Math.random() * 256);
  if (r < 0.95) return 1024 + Math.floor(Math.random() * 15 * 1024);
  return 64 * 1024 + Math.floor(Math.random() * 192 * 1024);
}

/** A payload that says which connection and sequence number it is, filled to `size`. */
function makePayload(id: number, seq: number, size: number, text: boolean): string | Buffer {
  const tag = `${id}:${seq}:`;
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let body = tag;
  while (body.length < size) body += filler.slice(0, Math.min(filler.length, size - body.length));
  return text ? body : Buffer.from(body, 'latin1');
}

interface Totals {
  sent: number;
  received: number;
  bytes: number;
  mismatches: number;
  errors: string[];
}

function memory(): { heapMb: number; rssMb: number } {
  gc();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 };
}

function fmt(m: { heapMb: number; rssMb: number }): string {
  return `heap ${m.heapMb.toFixed(1)} MB, RSS ${m.rssMb.toFixed(1)} MB`;
}

async function exchange(ws: WebSocket, id: number, until: number, totals: Totals): Promise<void> {
  for (let seq = 0; Date.now() < until; seq++) {
    const text = seq % 3 !== 0;
    const payload = makePayload(id, seq, pickSize(), text);
    await ws.send(payload);
    totals.sent++;
    const echo = await ws.recv();
    totals.received++;
    totals.bytes += typeof echo === 'string' ? echo.length : echo.length;
    const same = typeof payload === 'string' ? echo === payload : Buffer.isBuffer(echo) && payload.equals(echo);
    if (!same) totals.mismatches++;
    // A little think time, different per connection, so the traffic is not in lock-step.
    await new Promise((r) => setTimeout(r, Math.random() * 20));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(type: string, answer: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type === answer) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
      if (type !== '') child.send({ type });
    });
  const { port } = await ask<{ port: number }>('', 'listening');
  const url = `ws://127.0.0.1:${port}/soak`;
  console.log(`soak: ${args.connections} connections to ${url} for ${args.seconds} s (Node ${process.version})`);
  const baseline = memory();
  console.log(`before connecting: ${fmt(baseline)}`);

  const sockets: WebSocket[] = [];
  const connectStarted = Date.now();
  for (let i = 0; i < args.connections; i += 100) {
    const batch = Array.from({ length: Math.min(100, args.connections - i) }, () => new WebSocket());
    await Promise.all(batch.map((ws) => ws.connect(url, { timeout: 10_000 })));
    sockets.push(...batch);
  }
  console.log(`${sockets.length} connected in ${Date.now() - connectStarted} ms`);
  const start = memory();
  console.log(`start (all connected): ${fmt(start)}`);

  const totals: Totals = { sent: 0, received: 0, bytes: 0, mismatches: 0, errors: [] };
  const started = Date.now();
  const until = started + args.seconds * 1000;
  const progress = setInterval(() => {
    const m = process.memoryUsage();
    console.log(`  t=${((Date.now() - started) / 1000).toFixed(0)} s: ${totals.received.toLocaleString('en-US')} messages back, heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MB, RSS ${(m.rss / 2 ** 20).toFixed(1)} MB`);
  }, 10_000);
  await Promise.all(
    sockets.map((ws, id) =>
      exchange(ws, id, until, totals).catch((error: unknown) => {
        totals.errors.push(`connection ${id}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }),
    ),
  );
  clearInterval(progress);
  const duration = (Date.now() - started) / 1000;
  const end = memory();
  const server = await ask<{ echoed: number; echoedBytes: number; connections: number }>('report', 'report');

  const closeStarted = Date.now();
  const closeErrors: string[] = [];
  await Promise.all(sockets.map((ws) => ws.close({ timeout: 10_000 }).catch((e: unknown) => closeErrors.push(String(e)))));
  const stillOpen = sockets.filter((ws) => ws.connected).length;
  const closeMs = Date.now() - closeStarted;
  // The server has seen every closing handshake once its side closed too.
  let after = await ask<{ open: number; closes: Record<string, number> }>('report', 'report');
  for (let i = 0; i < 100 && after.open > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    after = await ask<{ open: number; closes: Record<string, number> }>('report', 'report');
  }
  child.send({ type: 'stop' });

  console.log(`\nduration ${duration.toFixed(1)} s, ${args.connections} connections`);
  console.log(`messages: sent ${totals.sent.toLocaleString('en-US')}, echoed by the server ${server.echoed.toLocaleString('en-US')}, received back ${totals.received.toLocaleString('en-US')} (${(totals.bytes / 2 ** 20).toFixed(1)} MB), mismatched ${totals.mismatches}, ${Math.round(totals.received / duration).toLocaleString('en-US')} round trips/s`);
  console.log(`memory: start ${fmt(start)}; end ${fmt(end)}; change heap ${(end.heapMb - start.heapMb).toFixed(1)} MB, RSS ${(end.rssMb - start.rssMb).toFixed(1)} MB`);
  console.log(`close: ${sockets.length - stillOpen} of ${sockets.length} closed in ${closeMs} ms; server saw close codes ${JSON.stringify(after.closes)}, ${after.open} still open`);

  const problems: string[] = [];
  if (totals.errors.length > 0) problems.push(`${totals.errors.length} connections failed, first: ${totals.errors[0]}`);
  if (totals.sent !== totals.received || totals.sent !== server.echoed) problems.push('messages not accounted for: sent, echoed and received differ');
  if (totals.mismatches > 0) problems.push(`${totals.mismatches} echoes differ from what was sent`);
  if (closeErrors.length > 0 || stillOpen > 0) problems.push(`${closeErrors.length} close() errors, ${stillOpen} connections still open`);
  if ((after.closes['1000'] ?? 0) !== args.connections || after.open > 0) problems.push(`expected ${args.connections} clean 1000 closes at the server, got ${JSON.stringify(after.closes)}`);
  console.log(problems.length === 0 ? 'OK: every message accounted for, every connection closed cleanly' : `FAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
