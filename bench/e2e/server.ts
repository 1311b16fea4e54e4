/**
 * The benchmark's peer, in its own process: a raw WebSocket server on
 * 127.0.0.1 that does as little as possible per byte, so that the client
 * under test is the bottleneck. The request path picks the role:
 *
 * - `/source?size=N&count=M&text=0|1`: after the client's first message (a
 *   "go" that starts its clock), writes M pre-built unmasked frames of N
 *   bytes back to back, then a close frame (1000). Frames are built once per
 *   shape and written as large blocks with socket backpressure.
 * - `/sink`: reads frame headers only to skip payloads; answers the client's
 *   close frame with a close frame and ends the socket.
 * - `/echo`: unmasks each data frame and writes it back unmasked.
 *
 * Prints `{"port": N}` on stdout once listening. Stops on SIGTERM.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { closeFrame, frameBlock } from './frames.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_REQUEST_BYTES = 16 * 1024;
const CLOSE_1000 = closeFrame(1000, false);

type Role = { kind: 'source'; size: number; count: number; text: boolean } | { kind: 'sink' } | { kind: 'echo' };

function parseRole(path: string): Role {
  const url = new URL(path, 'http://127.0.0.1');
  if (url.pathname === '/sink') return { kind: 'sink' };
  if (url.pathname === '/echo') return { kind: 'echo' };
  if (url.pathname === '/source') {
    const size = Number(url.searchParams.get('size'));
    const count = Number(url.searchParams.get('count'));
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(count) || count < 1) {
      throw new Error(`expected /source?size=<bytes>&count=<frames>, got ${path}`);
    }
    return { kind: 'source', size, count, text: url.searchParams.get('text') === '1' };
  }
  throw new Error(`expected a path /source, /sink or /echo, got ${path}`);
}

/** Pre-built blocks, one per frame shape, kept for the whole run. */
const blocks = new Map<string, { block: Buffer; frames: number; frameBytes: number }>();

function blockFor(size: number, text: boolean): { block: Buffer; frames: number; frameBytes: number } {
  const key = `${size}/${text}`;
  let entry = blocks.get(key);
  if (entry === undefined) {
    entry = frameBlock(size, text);
    blocks.set(key, entry);
  }
  return entry;
}

/** Write `count` frames of the role's shape with backpressure, then a close frame. */
function source(socket: net.Socket, role: { size: number; count: number; text: boolean }): void {
  const { block, frames, frameBytes } = blockFor(role.size, role.text);
  let left = role.count;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, frames);
      left -= n;
      const ok = socket.write(n === frames ? block : block.subarray(0, n * frameBytes));
      if (!ok) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.write(CLOSE_1000);
  };
  pump();
}

/**
 * Client frames (masked), parsed incrementally. Binary payloads in the sink
 * are skipped without being looked at; every other payload is gathered.
 */
class ClientFrames {
  private pending: Buffer | null = null;
  private skip = 0;
  private opcode = 0;
  private key = Buffer.alloc(4);
  private payload: Buffer | null = null;
  private fill = 0;

  constructor(
    private readonly gatherBinary: boolean,
    private readonly onFrame: (opcode: number, payload: Buffer) => void,
  ) {}

  push(input: Buffer): void {
    let chunk = input;
    if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, input]);
      this.pending = null;
    }
    let pos = 0;
    while (pos < chunk.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, chunk.length - pos);
        if (this.payload !== null) {
          chunk.copy(this.payload, this.fill, pos, pos + take);
          this.fill += take;
        }
        pos += take;
        this.skip -= take;
        if (this.skip === 0) this.finish();
        continue;
      }
      if (chunk.length - pos < 2) {
        this.pending = chunk.subarray(pos);
        return;
      }
      const byte1 = chunk[pos + 1];
      const len7 = byte1 & 0x7f;
      const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (byte1 & 0x80 ? 4 : 0);
      if (chunk.length - pos < headerLength) {
        this.pending = chunk.subarray(pos);
        return;
      }
      this.opcode = chunk[pos] & 0x0f;
      let length = len7;
      if (len7 === 126) length = chunk.readUInt16BE(pos + 2);
      else if (len7 === 127) length = chunk.readUInt32BE(pos + 2) * 0x1_0000_0000 + chunk.readUInt32BE(pos + 6);
      if (byte1 & 0x80) chunk.copy(this.key, 0, pos + headerLength - 4, pos + headerLength);
      else this.key.fill(0);
      pos += headerLength;
      this.payload = this.opcode === 2 && !this.gatherBinary ? null : Buffer.allocUnsafe(length);
      this.fill = 0;
      this.skip = length;
      if (length === 0) this.finish();
    }
  }

  private finish(): void {
    const payload = this.payload ?? Buffer.alloc(0);
    for (let i = 0; i < payload.length; i++) payload[i] ^= this.key[i & 3];
    this.payload = null;
    this.onFrame(this.opcode, payload);
  }
}

function serve(socket: net.Socket, role: Role, head: Buffer): void {
  let started = false;
  const frames = new ClientFrames(role.kind === 'echo', (opcode, payload) => {
    if (opcode === 8) {
      // RFC 6455 §5.5.1: answer the client's close, then close TCP (§7.1.1).
      socket.end(CLOSE_1000);
      return;
    }
    if (role.kind === 'echo' && (opcode === 1 || opcode === 2)) {
      const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
      socket.write(Buffer.concat([header, payload]));
    } else if (role.kind === 'source' && !started && opcode === 1) {
      started = true;
      source(socket, role);
    }
  });
  socket.on('data', (chunk: Buffer) => frames.push(chunk));
  if (head.length > 0) frames.push(head);
}

function handshake(socket: net.Socket): void {
  socket.setNoDelay(true);
  let request = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    request = Buffer.concat([request, chunk]);
    const end = request.indexOf('\r\n\r\n');
    if (end === -1) {
      if (request.length > MAX_REQUEST_BYTES) socket.destroy();
      return;
    }
    socket.off('data', onData);
    const lines = request.subarray(0, end).toString('latin1').split('\r\n');
    const path = lines[0].split(' ')[1] ?? '/';
    const keyLine = lines.find((line) => line.toLowerCase().startsWith('sec-websocket-key:'));
    let role: Role;
    try {
      if (keyLine === undefined) throw new Error('expected a Sec-WebSocket-Key header');
      role = parseRole(path);
      const accept = createHash('sha1').update(keyLine.slice(keyLine.indexOf(':') + 1).trim() + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    } catch (error) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n`);
      process.stderr.write(`bench server: ${(error as Error).message}\n`);
      return;
    }
    serve(socket, role, request.subarray(end + 4));
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

const server = net.createServer(handshake);
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
