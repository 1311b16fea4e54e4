/**
 * A raw WebSocket peer on 127.0.0.1 for crafted-byte tests: it reads the
 * client's HTTP Upgrade request, can answer a valid 101 (computing
 * Sec-WebSocket-Accept) or anything else, writes scripted byte chunks with
 * optional delays, and records what the client sent after the request,
 * decoding the client's (masked) frames.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { encodeFrame } from '../../src/frame/encoder.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Upgrade request as the server saw it. */
export interface RawRequest {
  /** The whole head, request line to the blank line. */
  head: string;
  method: string;
  path: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** A frame the client sent, unmasked. */
export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** For close frames: the code (null if none) and the reason. */
  closeCode?: number | null;
  closeReason?: string;
}

/** One step of a script: bytes to write, a pause in ms, or how to hang up. */
export type Step = Uint8Array | string | { delay: number } | 'end' | 'destroy';

/** One accepted connection. */
export interface RawPeer {
  readonly socket: net.Socket;
  /** Resolves with the request head once it has fully arrived. */
  request(): Promise<RawRequest>;
  /** The 101 head for the request (valid unless `headers` override or add lines). */
  upgradeResponse(extra?: string[], override?: { accept?: string | null; upgrade?: string | null; connection?: string | null }): Promise<string>;
  /** Reads the request, then writes a valid 101 (plus `extra` header lines). */
  accept(extra?: string[]): Promise<void>;
  /** Runs steps in order (each write is flushed before the next step). */
  play(steps: Step[]): Promise<void>;
  /** Bytes the client sent after its request head. */
  readonly received: Buffer;
  /** The client's frames decoded from `received` so far. */
  frames(): ClientFrame[];
  /** Resolves once `predicate(frames())` holds (rejects after `ms`). */
  waitFor(predicate: (frames: ClientFrame[]) => boolean, ms?: number): Promise<ClientFrame[]>;
  /** Resolves when the client's socket closed (FIN received or reset). */
  readonly ended: Promise<void>;
}

export interface RawServer {
  port: number;
  url: string;
  peers: RawPeer[];
  /** The n-th accepted connection (0-based), now or when it comes. */
  peer(n?: number): Promise<RawPeer>;
  close(): Promise<void>;
}

/** A server frame (unmasked) with the given bits. */
export function serverFrame(
  opcode: number,
  payload: Uint8Array | string = '',
  bits: { fin?: boolean; rsv1?: boolean; rsv2?: boolean; rsv3?: boolean } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return encodeFrame(opcode, data, { fin: bits.fin ?? true, rsv1: bits.rsv1, rsv2: bits.rsv2, rsv3: bits.rsv3, maskKey: null });
}

/** A close frame payload: 2-byte code plus reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(2 + reasonBytes.length);
  out.writeUInt16BE(code, 0);
  reasonBytes.copy(out, 2);
  return out;
}

export function acceptKeyFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** The total length of the frame starting at `head` (at least 2 bytes), or -1 if its header is incomplete. */
function frameLength(head: Buffer): number {
  const b1 = head[1] as number;
  let length = b1 & 0x7f;
  let size = 2;
  if (length === 126) {
    if (head.length < 4) return -1;
    length = head.readUInt16BE(2);
    size = 4;
  } else if (length === 127) {
    if (head.length < 10) return -1;
    length = Number(head.readBigUInt64BE(2));
    size = 10;
  }
  return size + ((b1 & 0x80) !== 0 ? 4 : 0) + length;
}

/** Decodes one whole frame (client frames, masked or not). */
function decodeFrame(bytes: Buffer): ClientFrame {
  const b0 = bytes[0] as number;
  const b1 = bytes[1] as number;
  const code = b1 & 0x7f;
  let pos = code === 126 ? 4 : code === 127 ? 10 : 2;
  const masked = (b1 & 0x80) !== 0;
  const key = masked ? bytes.subarray(pos, pos + 4) : null;
  if (masked) pos += 4;
  const payload = Buffer.from(bytes.subarray(pos));
  if (key !== null) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
  const frame: ClientFrame = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload };
  if (frame.opcode === 0x8) {
    frame.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    frame.closeReason = payload.subarray(2).toString('utf8');
  }
  return frame;
}

/**
 * Incremental decoder of the client's frames: chunks are kept as they came
 * and joined once per frame, so a 32 MiB frame costs one copy, not one per chunk.
 */
class FrameCollector {
  readonly frames: ClientFrame[] = [];
  readonly chunks: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.pendingBytes < 2) return;
      const total = frameLength(this.peek(Math.min(this.pendingBytes, 14)));
      if (total === -1 || this.pendingBytes < total) return;
      this.frames.push(decodeFrame(this.take(total)));
    }
  }

  private peek(n: number): Buffer {
    const first = this.pending[0] as Buffer;
    return first.length >= n ? first.subarray(0, n) : Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, n);
  }
}

/** Decodes complete frames from `bytes`; a trailing partial frame is left out. */
export function decodeFrames(bytes: Buffer): ClientFrame[] {
  const collector = new FrameCollector();
  collector.push(bytes);
  return collector.frames;
}

function parseRequest(head: string): RawRequest {
  const lines = head.split('\r\n');
  const [method = '', path = ''] = (lines[0] ?? '').split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { head, method, path, headers };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function makePeer(socket: net.Socket): RawPeer {
  let buffered = Buffer.alloc(0);
  let requestHead: RawRequest | null = null;
  const collector = new FrameCollector();
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  let ended = false;
  const endedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      ended = true;
      wake();
      resolve();
    }),
  );
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    if (requestHead === null) {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      requestHead = parseRequest(buffered.subarray(0, end).toString('latin1'));
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) collector.push(Buffer.from(rest));
    } else {
      collector.push(chunk);
    }
    wake();
  });
  const until = <T>(check: () => T | undefined, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const test = () => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (ended) {
          done();
          reject(new Error(`raw server: the client closed before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`raw server: timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        wakers.delete(test);
      };
      wakers.add(test);
      test();
    });
  const write = (bytes: Uint8Array | string) =>
    new Promise<void>((resolve) => {
      if (socket.destroyed || socket.writableEnded) return resolve();
      socket.write(bytes, () => resolve());
    });
  const peer: RawPeer = {
    socket,
    request: () => until(() => requestHead ?? undefined, 5000, 'the request head'),
    async upgradeResponse(extra = [], override = {}) {
      const request = await peer.request();
      const lines = ['HTTP/1.1 101 Switching Protocols'];
      const upgrade = override.upgrade === undefined ? 'websocket' : override.upgrade;
      const connection = override.connection === undefined ? 'Upgrade' : override.connection;
      const accept = override.accept === undefined ? acceptKeyFor(request.headers['sec-websocket-key'] ?? '') : override.accept;
      if (upgrade !== null) lines.push(`Upgrade: ${upgrade}`);
      if (connection !== null) lines.push(`Connection: ${connection}`);
      if (accept !== null) lines.push(`Sec-WebSocket-Accept: ${accept}`);
      lines.push(...extra);
      return `${lines.join('\r\n')}\r\n\r\n`;
    },
    async accept(extra = []) {
      await write(await peer.upgradeResponse(extra));
    },
    async play(steps) {
      for (const step of steps) {
        if (step === 'end') socket.end();
        else if (step === 'destroy') socket.destroy();
        else if (typeof step === 'object' && 'delay' in step) await sleep(step.delay);
        else await write(step);
      }
    },
    get received() {
      return Buffer.concat(collector.chunks);
    },
    frames: () => [...collector.frames],
    waitFor: (predicate, ms = 3000) =>
      until(
        () => {
          const frames = [...collector.frames];
          return predicate(frames) ? frames : undefined;
        },
        ms,
        'the expected client frames',
      ),
    ended: endedPromise,
  };
  return peer;
}

/** Starts a raw peer; `onPeer` runs for each accepted connection (its rejection is kept in `errors`). */
export async function startRawServer(onPeer: (peer: RawPeer) => unknown = () => {}): Promise<RawServer & { errors: unknown[] }> {
  const peers: RawPeer[] = [];
  const errors: unknown[] = [];
  const waiting = new Map<number, Array<(p: RawPeer) => void>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const peer = makePeer(socket);
    peers.push(peer);
    for (const wake of waiting.get(peers.length - 1) ?? []) wake(peer);
    waiting.delete(peers.length - 1);
    Promise.resolve()
      .then(() => onPeer(peer))
      .catch((error: unknown) => errors.push(error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    peers,
    errors,
    peer: (n = 0) => {
      const ready = peers[n];
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.set(n, [...(waiting.get(n) ?? []), resolve]));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
