/**
 * Frame writer (any field value on purpose so cases can send illegal frames; masked when the
 * tester plays the client) and an incremental frame reader that enforces the rules an endpoint
 * must check on its peer's frames (RFC 6455 §5.1–§5.5).
 */
import { randomFillSync } from 'node:crypto';

export const OPCODE = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

export interface OutgoingFrame {
  opcode: number;
  fin?: boolean;
  /** the three RSV bits as a number 0..7 (RSV1 is the most significant). */
  rsv?: number;
  payload?: Buffer;
  /** mask the payload with a fresh random key (a client MUST mask, a server MUST NOT, RFC 6455 §5.1). */
  masked?: boolean;
}

/** Encodes the frame header only, for a payload of the given length (RFC 6455 §5.2). */
export function encodeHeader(opcode: number, fin: boolean, rsv: number, length: number): Buffer {
  const first = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (length < 126) return Buffer.from([first, length]);
  if (length < 0x10000) {
    const h = Buffer.alloc(4);
    h[0] = first;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = first;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** Random bytes for masking keys, drawn from the OS in blocks: one system call per 1024 keys, not per frame. */
const keyPool = Buffer.alloc(4096);
let keyPoolAt = keyPool.length;

/** A fresh masking key from a strong source of entropy (RFC 6455 §5.3), written into `into` at `at`. */
function writeMaskKey(into: Buffer, at: number): void {
  if (keyPoolAt === keyPool.length) {
    randomFillSync(keyPool);
    keyPoolAt = 0;
  }
  keyPool.copy(into, at, keyPoolAt, keyPoolAt + 4);
  keyPoolAt += 4;
}

/** Encodes a whole frame, masked with a random key when `masked` (RFC 6455 §5.3). */
export function encodeFrame(frame: OutgoingFrame): Buffer {
  const payload = frame.payload ?? Buffer.alloc(0);
  const header = encodeHeader(frame.opcode, frame.fin ?? true, frame.rsv ?? 0, payload.length);
  if (frame.masked !== true) return Buffer.concat([header, payload]);
  header[1]! |= 0x80;
  // One buffer for header, key and masked payload.
  const out = Buffer.allocUnsafe(header.length + 4 + payload.length);
  header.copy(out, 0);
  writeMaskKey(out, header.length);
  const body = header.length + 4;
  const k0 = out[body - 4]!;
  const k1 = out[body - 3]!;
  const k2 = out[body - 2]!;
  const k3 = out[body - 1]!;
  const n = payload.length;
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    out[body + i] = payload[i]! ^ k0;
    out[body + i + 1] = payload[i + 1]! ^ k1;
    out[body + i + 2] = payload[i + 2]! ^ k2;
    out[body + i + 3] = payload[i + 3]! ^ k3;
  }
  const key = [k0, k1, k2, k3];
  for (; i < n; i++) out[body + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

export interface IncomingFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  /** unmasked payload. */
  payload: Buffer;
}

/** Thrown by the reader when the peer broke a framing rule; `code` is the close code to fail with. */
export class ClientViolation extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const KNOWN_OPCODES = new Set<number>([0, 1, 2, 8, 9, 10]);

/** Which end sent the frames a reader decodes: a client's frames are masked, a server's are not (RFC 6455 §5.1). */
export type Sender = 'client' | 'server';

/**
 * Incremental decoder of the peer's frames: push any chunking of the stream, get whole frames.
 * Buffers chunks in a list and copies a frame's bytes once, when the frame is complete.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** `allowedRsv`: RSV bits an extension negotiated (4 = RSV1 for permessage-deflate, RFC 7692 §6). */
  constructor(
    private readonly maxPayload: number,
    private readonly allowedRsv = 0,
    private readonly sender: Sender = 'client',
  ) {}

  /** Adds bytes; returns every frame now complete. Throws ClientViolation on a broken rule. */
  push(chunk: Buffer): IncomingFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: IncomingFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (frame === null) return frames;
      frames.push(frame);
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    const out = this.chunks.length === 1 ? this.chunks[0]!.subarray(0, n) : Buffer.alloc(n);
    if (this.chunks.length > 1) {
      let copied = 0;
      while (copied < n) {
        const head = this.chunks[0]!;
        const want = Math.min(n - copied, head.length);
        head.copy(out, copied, 0, want);
        copied += want;
        if (want === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(want);
      }
    } else {
      this.chunks[0] = this.chunks[0]!.subarray(n);
      if (this.chunks[0].length === 0) this.chunks = [];
    }
    this.buffered -= n;
    return out;
  }

  private next(): IncomingFrame | null {
    if (this.buffered < 2) return null;
    const start = this.peek(2);
    const b0 = start[0]!;
    const b1 = start[1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 7;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    // RFC 6455 §5.2: RSV bits without a negotiated extension fail the connection.
    if ((rsv & ~this.allowedRsv) !== 0) {
      const expected = this.allowedRsv === 0 ? '0 (no extension negotiated)' : `only ${this.allowedRsv} (permessage-deflate's RSV1)`;
      throw new ClientViolation(`${this.sender} frame has RSV bits ${rsv}, expected ${expected}`, 1002);
    }
    if (!KNOWN_OPCODES.has(opcode)) throw new ClientViolation(`${this.sender} frame has reserved opcode ${opcode}`, 1002);
    // RFC 6455 §5.1: a client MUST mask every frame, a server MUST NOT mask any.
    if (masked !== (this.sender === 'client'))
      throw new ClientViolation(`${this.sender} frame (opcode ${opcode}) is ${masked ? 'masked' : 'not masked'}`, 1002);
    if (opcode >= 8 && (!fin || len7 > 125))
      throw new ClientViolation(`${this.sender} control frame (opcode ${opcode}) is fragmented or longer than 125 bytes`, 1002); // §5.5
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const headerLength = 2 + extra + (masked ? 4 : 0);
    if (this.buffered < headerLength) return null;
    const header = this.peek(headerLength);
    let length: number;
    if (len7 === 126) length = header.readUInt16BE(2);
    else if (len7 === 127) {
      const big = header.readBigUInt64BE(2);
      if (big > BigInt(this.maxPayload))
        throw new ClientViolation(`${this.sender} frame payload of ${big} bytes exceeds the limit of ${this.maxPayload}`, 1009);
      length = Number(big);
    } else length = len7;
    if (length > this.maxPayload)
      throw new ClientViolation(`${this.sender} frame payload of ${length} bytes exceeds the limit of ${this.maxPayload}`, 1009);
    if (this.buffered < headerLength + length) return null;
    const mask = masked ? Buffer.from(header.subarray(2 + extra, headerLength)) : null;
    this.take(headerLength);
    // take() returns bytes this reader owns (a view of a received chunk or a fresh copy): unmask in place.
    const payload = length === 0 ? Buffer.alloc(0) : this.take(length);
    if (mask !== null) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
    return { fin, rsv, opcode, payload };
  }
}
