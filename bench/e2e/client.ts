/**
 * One benchmark client in its own process: `node client.js '<job json>'`.
 * Runs a warm-up pass of the job at a tenth of its size on a connection of
 * its own (unless `warmup` is false), then the measured pass, and prints one JSON line: wall seconds,
 * CPU milliseconds (process.cpuUsage) of the measured pass, and the process's
 * peak RSS. Clients use each library's public API as an application would.
 *
 * - `rfc6455`: this library, compiled (`await ws.recv()` / `for await`,
 *   `await ws.send()`).
 * - `ws`: the ws package; run with `WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1`
 *   for its JavaScript fallbacks. Text messages are decoded to strings
 *   (`data.toString()`), as rfc6455 hands them out.
 * - `web`: this library's WHATWG interface (`rfc6455/web`): `onmessage`,
 *   `send()`, binary messages as Buffers (`binaryType = 'nodebuffer'`).
 * - `global`: Node's global WebSocket (undici; on Node 20 behind
 *   `--experimental-websocket`), the same code as `web` with binary messages as
 *   ArrayBuffers (it has no 'nodebuffer').
 * - `net`: a plain socket moving the same bytes (pre-built frames out,
 *   bytes counted in): the limit of the two processes and the loopback.
 * - `idle`: not a scenario of the table; opens many connections and reports
 *   the JavaScript heap each one holds (run with --expose-gc).
 *
 * Each child loads only the library it measures (a dynamic import in main),
 * so its RSS does not include the other one's modules.
 */
import * as net from 'node:net';
import type { WebSocket as WsClient } from 'ws';
import type { createConnection as CreateConnection, WebSocket } from '../../src/index.js';
import type { WebSocket as WebWebSocket } from '../../src/web/index.js';
import { closeFrame, FIXED_KEY, frame, frameBlock, payloadOf } from './frames.js';

export type ClientKind = 'rfc6455' | 'ws' | 'web' | 'global' | 'net';
export type ScenarioKind = 'echo' | 'send' | 'recv';

/** What a child is asked to do. */
export interface Job {
  client: ClientKind;
  scenario: ScenarioKind | 'idle';
  port: number;
  /** Payload bytes per message (16 for echo). */
  size: number;
  /** Messages (round trips for echo; connections for idle). */
  count: number;
  text: boolean;
  /** Run the warm-up pass first (off in quick smoke runs). */
  warmup: boolean;
}

/** What a child reports. */
export interface Measurement {
  seconds: number;
  cpuMs: number;
  maxRssKiB: number;
  /** Idle only: JavaScript heap bytes per open connection. */
  heapPerConnection?: number;
  /** ws only: whether its native helpers were loaded. */
  nativeHelpers?: boolean;
}

/** Send loops wait for a flush once this much is buffered (for both libraries). */
const HIGH_WATER = 1024 * 1024;

function sourcePath(job: Job, count: number): string {
  return `/source?size=${job.size}&count=${count}&text=${job.text ? 1 : 0}`;
}

function check(got: number, expected: number, what: string): void {
  if (got !== expected) throw new Error(`expected ${expected} ${what}, got ${got}`);
}

// ---- rfc6455 ----------------------------------------------------------------

/** Loaded in main for rfc6455 jobs only. */
let createConnection: typeof CreateConnection;

async function rfcRecv(job: Job, count: number): Promise<number> {
  const ws = await createConnection(`ws://127.0.0.1:${job.port}${sourcePath(job, count)}`);
  const start = performance.now();
  await ws.send('go');
  let n = 0;
  let chars = 0;
  let end = start;
  for await (const message of ws) {
    chars += message.length;
    if (++n === count) end = performance.now();
  }
  check(n, count, 'messages');
  if (chars === 0 && job.size > 0) throw new Error('received empty messages');
  await ws.close();
  return (end - start) / 1000;
}

async function rfcSend(job: Job, count: number): Promise<number> {
  const ws = await createConnection(`ws://127.0.0.1:${job.port}/sink`);
  const payload = payloadOf(job.size, job.text);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const sent = ws.send(payload);
    if (ws.bufferedAmount > HIGH_WATER) await sent;
  }
  await ws.close();
  return (performance.now() - start) / 1000;
}

async function rfcEcho(job: Job, count: number): Promise<number> {
  const ws = await createConnection(`ws://127.0.0.1:${job.port}/echo`);
  const text = payloadOf(job.size, true).toString('utf8');
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await ws.send(text);
    const reply = await ws.recv();
    if (reply.length !== text.length) throw new Error(`expected an echo of ${text.length} characters, got ${reply.length}`);
  }
  const seconds = (performance.now() - start) / 1000;
  await ws.close();
  return seconds;
}

// ---- ws ----------------------------------------------------------------------

/** Loaded in main for ws jobs only. */
let WsClientClass: typeof WsClient;

function wsOpen(url: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WsClientClass(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function wsClosed(ws: WsClient): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WsClientClass.CLOSED) resolve();
    else ws.once('close', () => resolve());
  });
}

async function wsRecv(job: Job, count: number): Promise<number> {
  const ws = await wsOpen(`ws://127.0.0.1:${job.port}${sourcePath(job, count)}`);
  let n = 0;
  let chars = 0;
  let end = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    chars += isBinary ? data.length : data.toString().length;
    if (++n === count) end = performance.now();
  });
  const closed = wsClosed(ws);
  const start = performance.now();
  ws.send('go');
  await closed;
  check(n, count, 'messages');
  if (chars === 0 && job.size > 0) throw new Error('received empty messages');
  return (end - start) / 1000;
}

async function wsSend(job: Job, count: number): Promise<number> {
  const ws = await wsOpen(`ws://127.0.0.1:${job.port}/sink`);
  const payload = payloadOf(job.size, job.text);
  const closed = wsClosed(ws);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (ws.bufferedAmount > HIGH_WATER) {
      await new Promise<void>((resolve, reject) => ws.send(payload, (error) => (error ? reject(error) : resolve())));
    } else {
      ws.send(payload);
    }
  }
  ws.close(1000);
  await closed;
  return (performance.now() - start) / 1000;
}

async function wsEcho(job: Job, count: number): Promise<number> {
  const ws = await wsOpen(`ws://127.0.0.1:${job.port}/echo`);
  const text = payloadOf(job.size, true).toString('utf8');
  let n = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const reply = data.toString();
      if (reply.length !== text.length) reject(new Error(`expected an echo of ${text.length} characters, got ${reply.length}`));
      if (++n === count) resolve();
      else ws.send(text);
    });
    ws.send(text);
  });
  const seconds = (performance.now() - start) / 1000;
  ws.close(1000);
  await wsClosed(ws);
  return seconds;
}

// ---- the WHATWG interface: rfc6455/web and Node's global WebSocket -------------------

/** Loaded in main for web and global jobs only. */
let WebSocketClass: typeof WebWebSocket;

function webOpen(url: string): Promise<WebWebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocketClass(url);
    ws.binaryType = (WebSocketClass as unknown) === globalThis.WebSocket ? 'arraybuffer' : 'nodebuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = (event) => reject(new Error(`connection failed: ${event.message ?? event.type}`));
  });
}

function webClosed(ws: WebWebSocket): Promise<void> {
  // Node 20's flagged global WebSocket does not keep the process alive while it
  // waits for data: a timer does, until the close event.
  const keepAlive = setInterval(() => undefined, 1000);
  return new Promise<void>((resolve) => {
    if (ws.readyState === WebSocketClass.CLOSED) resolve();
    else ws.onclose = () => resolve();
  }).finally(() => clearInterval(keepAlive));
}

/** The WHATWG interface has no drain event: poll bufferedAmount. */
async function webDrain(ws: WebWebSocket): Promise<void> {
  while (ws.bufferedAmount > HIGH_WATER) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function webRecv(job: Job, count: number): Promise<number> {
  const ws = await webOpen(`ws://127.0.0.1:${job.port}${sourcePath(job, count)}`);
  let n = 0;
  let chars = 0;
  let end = 0;
  ws.onmessage = (event) => {
    const data = event.data as string | Buffer | ArrayBuffer;
    chars += typeof data === 'string' ? data.length : data.byteLength;
    if (++n === count) end = performance.now();
  };
  const closed = webClosed(ws);
  const start = performance.now();
  ws.send('go');
  await closed;
  check(n, count, 'messages');
  if (chars === 0 && job.size > 0) throw new Error('received empty messages');
  return (end - start) / 1000;
}

async function webSend(job: Job, count: number): Promise<number> {
  const ws = await webOpen(`ws://127.0.0.1:${job.port}/sink`);
  const payload = job.text ? payloadOf(job.size, true).toString('utf8') : payloadOf(job.size, false);
  const closed = webClosed(ws);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    ws.send(payload);
    if (ws.bufferedAmount > HIGH_WATER) await webDrain(ws);
  }
  ws.close(1000);
  await closed;
  return (performance.now() - start) / 1000;
}

async function webEcho(job: Job, count: number): Promise<number> {
  const ws = await webOpen(`ws://127.0.0.1:${job.port}/echo`);
  const text = payloadOf(job.size, true).toString('utf8');
  const closed = webClosed(ws);
  let n = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (event) => {
      const reply = event.data as string;
      if (reply.length !== text.length) reject(new Error(`expected an echo of ${text.length} characters, got ${reply.length}`));
      if (++n === count) resolve();
      else ws.send(text);
    };
    ws.send(text);
  });
  const seconds = (performance.now() - start) / 1000;
  ws.close(1000);
  await closed;
  return seconds;
}

// ---- plain socket --------------------------------------------------------------

/** A TCP connection past the same Upgrade handshake, with the bytes after the response. */
function netOpen(port: number, path: string): Promise<{ socket: net.Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let response = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      response = Buffer.concat([response, chunk]);
      const end = response.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      if (!response.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        reject(new Error(`expected 101 Switching Protocols, got ${response.subarray(0, end).toString('latin1')}`));
        return;
      }
      resolve({ socket, head: response.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

function netEnded(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

async function netRecv(job: Job, count: number): Promise<number> {
  const { socket, head } = await netOpen(job.port, sourcePath(job, count));
  const { frameBytes } = frameBlock(job.size, job.text);
  const expected = count * frameBytes;
  let received = head.length;
  let end = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (end === 0 && received >= expected) {
        end = performance.now();
        resolve();
      }
    });
  });
  const start = performance.now();
  socket.write(frame(1, Buffer.from('go'), FIXED_KEY));
  socket.resume();
  await done;
  socket.end(closeFrame(1000, true));
  await netEnded(socket);
  return (end - start) / 1000;
}

async function netSend(job: Job, count: number): Promise<number> {
  const { socket } = await netOpen(job.port, '/sink');
  socket.resume();
  const { block, frames, frameBytes } = frameBlock(job.size, job.text, FIXED_KEY);
  const ended = netEnded(socket);
  const start = performance.now();
  let left = count;
  while (left > 0) {
    const n = Math.min(left, frames);
    left -= n;
    if (!socket.write(n === frames ? block : block.subarray(0, n * frameBytes))) {
      await new Promise((resolve) => socket.once('drain', resolve));
    }
  }
  socket.write(closeFrame(1000, true));
  await ended;
  return (performance.now() - start) / 1000;
}

async function netEcho(job: Job, count: number): Promise<number> {
  const { socket } = await netOpen(job.port, '/echo');
  const request = frame(1, payloadOf(job.size, true), FIXED_KEY);
  const replyBytes = 2 + job.size;
  let n = 0;
  let got = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      while (got >= replyBytes) {
        got -= replyBytes;
        if (++n === count) resolve();
        else socket.write(request);
      }
    });
    socket.resume();
    socket.write(request);
  });
  const seconds = (performance.now() - start) / 1000;
  socket.end(closeFrame(1000, true));
  await netEnded(socket);
  return seconds;
}

// ---- idle connections ------------------------------------------------------------

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('expected the idle job to run with node --expose-gc');
  gc();
  gc();
}

async function idleHeap(job: Job): Promise<number> {
  const url = `ws://127.0.0.1:${job.port}/echo`;
  // Warm up: code and caches, so that only per-connection state is counted.
  const warm = job.client === 'rfc6455' ? await createConnection(url) : await wsOpen(url);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const open: Array<WebSocket | WsClient> = [];
  for (let i = 0; i < job.count; i++) open.push(job.client === 'rfc6455' ? await createConnection(url) : await wsOpen(url));
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  for (const ws of [warm, ...open]) {
    if (job.client === 'ws') {
      const client = ws as WsClient;
      client.close(1000);
      await wsClosed(client);
    } else {
      await (ws as WebSocket).close();
    }
  }
  return (after - before) / job.count;
}

// ---- the job -------------------------------------------------------------------------

const RUNNERS: Record<ClientKind, Record<ScenarioKind, (job: Job, count: number) => Promise<number>>> = {
  rfc6455: { echo: rfcEcho, send: rfcSend, recv: rfcRecv },
  ws: { echo: wsEcho, send: wsSend, recv: wsRecv },
  web: { echo: webEcho, send: webSend, recv: webRecv },
  global: { echo: webEcho, send: webSend, recv: webRecv },
  net: { echo: netEcho, send: netSend, recv: netRecv },
};

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as Job;
  const result: Measurement = { seconds: 0, cpuMs: 0, maxRssKiB: 0 };
  if (job.client === 'rfc6455') ({ createConnection } = await import('../../src/index.js'));
  if (job.client === 'ws') WsClientClass = (await import('ws')).WebSocket;
  if (job.client === 'web') WebSocketClass = (await import('../../src/web/index.js')).WebSocket;
  if (job.client === 'global') {
    if (typeof globalThis.WebSocket !== 'function') throw new Error(`Node ${process.version} has no global WebSocket: run with --experimental-websocket`);
    WebSocketClass = globalThis.WebSocket as unknown as typeof WebWebSocket;
  }
  if (job.client === 'ws') result.nativeHelpers = !process.env.WS_NO_BUFFER_UTIL && !process.env.WS_NO_UTF_8_VALIDATE;
  if (job.scenario === 'idle') {
    result.heapPerConnection = await idleHeap(job);
  } else {
    const run = RUNNERS[job.client][job.scenario];
    if (job.warmup) await run(job, Math.max(1, Math.ceil(job.count / 10)));
    const cpu = process.cpuUsage();
    result.seconds = await run(job, job.count);
    const used = process.cpuUsage(cpu);
    result.cpuMs = (used.user + used.system) / 1000;
  }
  result.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
