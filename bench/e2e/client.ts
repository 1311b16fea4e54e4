/**
 * One benchmark client in its own process: `node client.js '<job json>'`.
 * Runs two warm-up passes of the job, each at a tenth of its size on
 * connections of its own (unless `warmup` is false), then the measured pass, and prints one JSON line: wall seconds,
 * CPU milliseconds (process.cpuUsage) of the measured pass, the process's
 * peak RSS, and for round trips the p50/p99 latency. Clients use each
 * library's public API as an application would.
 *
 * - `rfc6455`: this library, compiled (`await ws.recv()` / `for await`,
 *   `await ws.send()`).
 * - `ws`: the ws package; run with `WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1`
 *   for its JavaScript fallbacks. Text messages are decoded to strings
 *   (`data.toString()`), as rfc6455 hands them out.
 * - `rfc6455-web`: this library's WHATWG interface (`rfc6455/web`) through
 *   `onmessage`, binary messages as Buffers (`binaryType = 'nodebuffer'`).
 * - `node-websocket`: Node's global `WebSocket` (undici; Node 22 and later),
 *   driven through the WHATWG interface (`onmessage`, `send`, `bufferedAmount`).
 *   Any other WHATWG implementation is one more entry in LIBRARIES below
 *   around `whatwgLibrary(TheConstructor)`.
 * - `net`: a plain socket moving the same bytes (pre-built frames out,
 *   bytes counted in): the limit of the two processes and the loopback.
 *
 * Scenarios: `echo` (sequential round trips, latency of each), `send`,
 * `recv`, `many` (`connections` connections, one round trip in flight on
 * each, `count` round trips in all) and `idle` (not a scenario of the table:
 * opens `count` connections and reports the JavaScript heap each one holds;
 * run with --expose-gc).
 *
 * Each child loads only the library it measures (a dynamic import in its
 * loader), so its RSS does not include the other ones' modules.
 */
import * as net from 'node:net';
import type { WebSocket as WsClient } from 'ws';
import type { createConnection as CreateConnection, WebSocket } from '../../src/index.js';
import { closeFrame, FIXED_KEY, frame, frameBlock, payloadOf } from './frames.js';

export type ClientKind = 'rfc6455' | 'rfc6455-web' | 'ws' | 'node-websocket' | 'net';
export type ScenarioKind = 'echo' | 'send' | 'recv' | 'many';

/** What a child is asked to do. */
export interface Job {
  client: ClientKind;
  scenario: ScenarioKind | 'idle';
  port: number;
  /** Payload bytes per message. */
  size: number;
  /** Messages (round trips for echo and many; connections for idle). */
  count: number;
  /** Connections of the `many` scenario. */
  connections: number;
  text: boolean;
  /** Run the warm-up passes first (off in quick smoke runs). */
  warmup: boolean;
}

/** What a child reports. */
export interface Measurement {
  seconds: number;
  cpuMs: number;
  maxRssKiB: number;
  /** Echo only: round-trip latency percentiles of the measured pass, microseconds. */
  p50Us?: number;
  p99Us?: number;
  /** Idle only: JavaScript heap bytes per open connection. */
  heapPerConnection?: number;
  /** Bytes of external memory (Buffers) per idle connection. */
  externalPerConnection?: number;
  /** ws only: whether its native helpers were loaded. */
  nativeHelpers?: boolean;
}

/** Send loops wait for a flush once this much is buffered (for every library). */
const HIGH_WATER = 1024 * 1024;

function sourcePath(job: Job, count: number): string {
  return `/source?size=${job.size}&count=${count}&text=${job.text ? 1 : 0}`;
}

function check(got: number, expected: number, what: string): void {
  if (got !== expected) throw new Error(`expected ${expected} ${what}, got ${got}`);
}

function checkEcho(got: number, expected: number): void {
  if (got !== expected) throw new Error(`expected an echo of ${expected} characters, got ${got}`);
}

/** Round-trip times of one echo pass, milliseconds, in order. */
class Latencies {
  readonly ms: Float64Array;
  private n = 0;
  constructor(count: number) {
    this.ms = new Float64Array(count);
  }
  add(ms: number): void {
    this.ms[this.n++] = ms;
  }
  /** The p-th percentile (nearest rank) in microseconds. */
  percentileUs(p: number): number {
    const sorted = this.ms.slice(0, this.n).sort();
    return sorted[Math.min(this.n - 1, Math.ceil((p / 100) * this.n) - 1)] * 1000;
  }
}

/** Splits `count` round trips over `connections` as evenly as possible. */
function share(count: number, connections: number, i: number): number {
  return Math.floor(count / connections) + (i < count % connections ? 1 : 0);
}

/** Runs `count` sequential round trips on each of `connections` connections at once; seconds. */
async function manyConnections<T>(job: Job, count: number, open: () => Promise<T>, roundTrips: (conn: T, n: number) => Promise<void>, close: (conn: T) => Promise<void>): Promise<number> {
  const conns: T[] = [];
  for (let i = 0; i < job.connections; i++) conns.push(await open());
  const start = performance.now();
  await Promise.all(conns.map((conn, i) => roundTrips(conn, share(count, job.connections, i))));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(conns.map(close));
  return seconds;
}

/** What a library can be asked to do; `echo` fills `latencies`. */
interface Library {
  echo(job: Job, count: number, latencies: Latencies): Promise<number>;
  send(job: Job, count: number): Promise<number>;
  recv(job: Job, count: number): Promise<number>;
  many(job: Job, count: number): Promise<number>;
  /** Opens one connection and returns a function that closes it (for the idle check). */
  hold(url: string): Promise<() => Promise<void>>;
}

/**
 * The echo, many-connections and hold scenarios of a client, the same for
 * every library but for how it opens and closes a connection and runs `n`
 * round trips of `text` on one.
 */
function roundTripScenarios<S>(
  open: (url: string) => Promise<S>,
  close: (ws: S) => Promise<void>,
  roundTrips: (ws: S, text: string, n: number, latencies: Latencies | null) => Promise<void>,
): Pick<Library, 'echo' | 'many' | 'hold'> {
  return {
    async echo(job, count, latencies) {
      const ws = await open(`ws://127.0.0.1:${job.port}/echo`);
      const text = payloadOf(job.size, true).toString('utf8');
      const start = performance.now();
      await roundTrips(ws, text, count, latencies);
      const seconds = (performance.now() - start) / 1000;
      await close(ws);
      return seconds;
    },
    many(job, count) {
      const text = payloadOf(job.size, true).toString('utf8');
      return manyConnections(job, count, () => open(`ws://127.0.0.1:${job.port}/`), (ws, n) => roundTrips(ws, text, n, null), close);
    },
    async hold(url) {
      const ws = await open(url);
      return () => close(ws);
    },
  };
}

// ---- rfc6455 ----------------------------------------------------------------

function rfcLibrary(createConnection: typeof CreateConnection): Library {
  const roundTrips = async (ws: WebSocket, text: string, n: number, latencies: Latencies | null): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const sentAt = performance.now();
      await ws.send(text);
      const reply = await ws.recv();
      latencies?.add(performance.now() - sentAt);
      checkEcho(reply.length, text.length);
    }
  };
  return {
    async recv(job, count) {
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
    },
    async send(job, count) {
      const ws = await createConnection(`ws://127.0.0.1:${job.port}/sink`);
      const payload = payloadOf(job.size, job.text);
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const sent = ws.send(payload);
        if (ws.bufferedAmount > HIGH_WATER) await sent;
      }
      await ws.close();
      return (performance.now() - start) / 1000;
    },
    ...roundTripScenarios((url) => createConnection(url), async (ws) => void (await ws.close()), roundTrips),
  };
}

// ---- ws ----------------------------------------------------------------------

function wsLibrary(WsClientClass: typeof WsClient): Library {
  const open = (url: string): Promise<WsClient> =>
    new Promise((resolve, reject) => {
      const ws = new WsClientClass(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const closed = (ws: WsClient): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState === WsClientClass.CLOSED) resolve();
      else ws.once('close', () => resolve());
    });
  const close = (ws: WsClient): Promise<void> => {
    ws.close(1000);
    return closed(ws);
  };
  const roundTrips = (ws: WsClient, text: string, n: number, latencies: Latencies | null): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (n === 0) return resolve();
      let done = 0;
      let sentAt = performance.now();
      ws.on('message', (data: Buffer) => {
        latencies?.add(performance.now() - sentAt);
        const reply = data.toString();
        if (reply.length !== text.length) reject(new Error(`expected an echo of ${text.length} characters, got ${reply.length}`));
        if (++done === n) resolve();
        else {
          sentAt = performance.now();
          ws.send(text);
        }
      });
      ws.send(text);
    });
  return {
    async recv(job, count) {
      const ws = await open(`ws://127.0.0.1:${job.port}${sourcePath(job, count)}`);
      let n = 0;
      let chars = 0;
      let end = 0;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        chars += isBinary ? data.length : data.toString().length;
        if (++n === count) end = performance.now();
      });
      const ended = closed(ws);
      const start = performance.now();
      ws.send('go');
      await ended;
      check(n, count, 'messages');
      if (chars === 0 && job.size > 0) throw new Error('received empty messages');
      return (end - start) / 1000;
    },
    async send(job, count) {
      const ws = await open(`ws://127.0.0.1:${job.port}/sink`);
      const payload = payloadOf(job.size, job.text);
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        if (ws.bufferedAmount > HIGH_WATER) {
          await new Promise<void>((resolve, reject) => ws.send(payload, (error) => (error ? reject(error) : resolve())));
        } else {
          ws.send(payload);
        }
      }
      await close(ws);
      return (performance.now() - start) / 1000;
    },
    ...roundTripScenarios(open, close, roundTrips),
  };
}

// ---- WHATWG WebSocket (Node's global one, or any other) ---------------------------

/** The part of the WHATWG WebSocket interface the benchmark uses. */
interface WhatwgSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string | ArrayBufferView): void;
  close(code?: number): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: (event: unknown) => void, options?: { once?: boolean }): void;
}

type WhatwgConstructor = new (url: string) => WhatwgSocket;

const WHATWG_CLOSED = 3;

/** `binaryType`: 'arraybuffer' for the standard's interface, 'nodebuffer' where the implementation offers it (rfc6455/web, as ws does). */
function whatwgLibrary(Socket: WhatwgConstructor, binaryType = 'arraybuffer'): Library {
  const open = (url: string): Promise<WhatwgSocket> =>
    new Promise((resolve, reject) => {
      const ws = new Socket(url);
      ws.binaryType = binaryType;
      ws.addEventListener('open', () => resolve(ws), { once: true });
      ws.addEventListener('error', () => reject(new Error(`expected ${url} to open, got an error event`)), { once: true });
    });
  const closed = (ws: WhatwgSocket): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState === WHATWG_CLOSED) resolve();
      else ws.addEventListener('close', () => resolve(), { once: true });
    });
  const close = (ws: WhatwgSocket): Promise<void> => {
    ws.close(1000);
    return closed(ws);
  };
  const lengthOf = (data: unknown): number => (typeof data === 'string' ? data.length : (data as ArrayBuffer).byteLength);
  const roundTrips = (ws: WhatwgSocket, text: string, n: number, latencies: Latencies | null): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (n === 0) return resolve();
      let done = 0;
      let sentAt = performance.now();
      ws.onmessage = (event) => {
        latencies?.add(performance.now() - sentAt);
        const length = lengthOf(event.data);
        if (length !== text.length) reject(new Error(`expected an echo of ${text.length} characters, got ${length}`));
        if (++done === n) resolve();
        else {
          sentAt = performance.now();
          ws.send(text);
        }
      };
      ws.send(text);
    });
  return {
    async recv(job, count) {
      const ws = await open(`ws://127.0.0.1:${job.port}${sourcePath(job, count)}`);
      let n = 0;
      let chars = 0;
      let end = 0;
      ws.onmessage = (event) => {
        chars += lengthOf(event.data);
        if (++n === count) end = performance.now();
      };
      const ended = closed(ws);
      const start = performance.now();
      ws.send('go');
      await ended;
      check(n, count, 'messages');
      if (chars === 0 && job.size > 0) throw new Error('received empty messages');
      return (end - start) / 1000;
    },
    async send(job, count) {
      const ws = await open(`ws://127.0.0.1:${job.port}/sink`);
      const payload = payloadOf(job.size, job.text);
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        ws.send(payload);
        // The interface has no flush callback: poll bufferedAmount, as a page would.
        while (ws.bufferedAmount > HIGH_WATER) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await close(ws);
      return (performance.now() - start) / 1000;
    },
    ...roundTripScenarios(open, close, roundTrips),
  };
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

function netClose(socket: net.Socket): Promise<void> {
  socket.end(closeFrame(1000, true));
  return netEnded(socket);
}

/** `n` sequential round trips of pre-built masked frames; the server's unmasked replies are counted, not parsed. */
function netRoundTrips(socket: net.Socket, size: number, n: number, latencies: Latencies | null): Promise<void> {
  const request = frame(1, payloadOf(size, true), FIXED_KEY);
  const replyBytes = 2 + size;
  return new Promise<void>((resolve) => {
    if (n === 0) return resolve();
    let done = 0;
    let got = 0;
    let sentAt = performance.now();
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      while (got >= replyBytes) {
        got -= replyBytes;
        latencies?.add(performance.now() - sentAt);
        if (++done === n) resolve();
        else {
          sentAt = performance.now();
          socket.write(request);
        }
      }
    });
    socket.resume();
    socket.write(request);
  });
}

const netLibrary: Library = {
  async recv(job, count) {
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
    await netClose(socket);
    return (end - start) / 1000;
  },
  async send(job, count) {
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
  },
  async echo(job, count, latencies) {
    const { socket } = await netOpen(job.port, '/echo');
    const start = performance.now();
    await netRoundTrips(socket, job.size, count, latencies);
    const seconds = (performance.now() - start) / 1000;
    await netClose(socket);
    return seconds;
  },
  many(job, count) {
    return manyConnections(job, count, async () => (await netOpen(job.port, '/')).socket, (socket, n) => netRoundTrips(socket, job.size, n, null), netClose);
  },
  async hold(url) {
    const { socket } = await netOpen(Number(new URL(url).port), new URL(url).pathname);
    return () => netClose(socket);
  },
};

// ---- the libraries -------------------------------------------------------------------

/** How each client kind is loaded: only the library a child measures is imported. */
const LIBRARIES: Record<ClientKind, () => Promise<Library>> = {
  rfc6455: async () => rfcLibrary((await import('../../src/index.js')).createConnection),
  'rfc6455-web': async () => whatwgLibrary((await import('../../src/web/index.js')).WebSocket as unknown as WhatwgConstructor, 'nodebuffer'),
  ws: async () => wsLibrary((await import('ws')).WebSocket),
  'node-websocket': async () => {
    const Socket = (globalThis as { WebSocket?: WhatwgConstructor }).WebSocket;
    if (Socket === undefined) throw new Error(`expected a global WebSocket (Node 22 or later), got none in Node ${process.version}`);
    return whatwgLibrary(Socket);
  },
  net: async () => netLibrary,
};

// ---- idle connections ------------------------------------------------------------

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('expected the idle job to run with node --expose-gc');
  gc();
  gc();
}

async function idleHeap(library: Library, job: Job): Promise<{ heap: number; external: number }> {
  const url = `ws://127.0.0.1:${job.port}/echo`;
  // Warm up: code and caches, so that only per-connection state is counted.
  const closers = [await library.hold(url)];
  collectGarbage();
  const before = process.memoryUsage();
  for (let i = 0; i < job.count; i++) closers.push(await library.hold(url));
  collectGarbage();
  const after = process.memoryUsage();
  // IDLE_HEAP_SNAPSHOT=file: a heap snapshot with the connections open (read by bench/idle-heap-by-constructor.mjs).
  const snapshotFile = process.env.IDLE_HEAP_SNAPSHOT;
  if (snapshotFile !== undefined && snapshotFile !== '') (await import('node:v8')).writeHeapSnapshot(snapshotFile);
  for (const close of closers) await close();
  // External memory counts too: a read buffer held by each socket is memory the connection costs.
  return { heap: (after.heapUsed - before.heapUsed) / job.count, external: (after.external - before.external) / job.count };
}

// ---- the job -------------------------------------------------------------------------

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as Job;
  const result: Measurement = { seconds: 0, cpuMs: 0, maxRssKiB: 0 };
  const library = await LIBRARIES[job.client]();
  if (job.client === 'ws') result.nativeHelpers = !process.env.WS_NO_BUFFER_UTIL && !process.env.WS_NO_UTF_8_VALIDATE;
  if (job.scenario === 'idle') {
    const idle = await idleHeap(library, job);
    result.heapPerConnection = idle.heap;
    result.externalPerConnection = idle.external;
  } else {
    const scenario = job.scenario;
    const run = (count: number, latencies: Latencies): Promise<number> => (scenario === 'echo' ? library.echo(job, count, latencies) : library[scenario](job, count));
    if (job.warmup) {
      // Two passes: V8 recompiles much of the hot path after the first connection closes
      // (fields it had taken as constant change), and that belongs before the measured pass.
      const warm = Math.max(1, Math.ceil(job.count / 10));
      for (let pass = 0; pass < 2; pass++) await run(warm, new Latencies(warm));
    }
    const latencies = new Latencies(scenario === 'echo' ? job.count : 0);
    const cpu = process.cpuUsage();
    result.seconds = await run(job.count, latencies);
    const used = process.cpuUsage(cpu);
    result.cpuMs = (used.user + used.system) / 1000;
    if (scenario === 'echo') {
      result.p50Us = latencies.percentileUs(50);
      result.p99Us = latencies.percentileUs(99);
    }
  }
  result.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
