/**
 * Test helpers for the protocol session: server frames built with the frame
 * encoder, a handler that records every event as a readable string (client
 * frames written back are unmasked and decoded), and chunked feeding.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { encodeFrame } from '../../src/frame/encoder.js';
import { FrameParser, type FrameHeader } from '../../src/frame/parser.js';
import type { DeflateParams } from '../../src/protocol/deflate.js';
import {
  ClientSession,
  type SessionFailure,
  type SessionHandler,
  type SessionOptions,
  type WriteKind,
} from '../../src/protocol/session.js';
import type { Received } from '../../src/protocol/received.js';

export const CONT = 0x0;
export const TEXT = 0x1;
export const BINARY = 0x2;
export const CLOSE = 0x8;
export const PING = 0x9;
export const PONG = 0xa;

export interface ServerFrameOptions {
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
}

/** An unmasked server frame. */
export function frame(opcode: number, payload: string | Uint8Array = '', options: ServerFrameOptions = {}): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return encodeFrame(opcode, bytes, options);
}

/** A close payload: 2-byte code then the reason bytes. */
export function closePayload(code: number, reason: string | Uint8Array = ''): Buffer {
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason;
  const payload = Buffer.alloc(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  payload.set(reasonBytes, 2);
  return payload;
}

/** Short, exact rendering of bytes: hex up to 32 bytes, else length and SHA-1 prefix. */
export function show(bytes: Uint8Array): string {
  if (bytes.length <= 32) return Buffer.from(bytes).toString('hex');
  return `${bytes.length}#${createHash('sha1').update(bytes).digest('hex').slice(0, 12)}`;
}

/** A client frame decoded from bytes the session wrote. */
export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Decode client frames (masked, RFC 6455 §5.3) from bytes; fails the test if they are not whole frames. */
export function decodeClientFrames(bytes: Uint8Array): ClientFrame[] {
  const frames: ClientFrame[] = [];
  let header: FrameHeader | null = null;
  let pieces: Buffer[] = [];
  const parser = new FrameParser(
    {
      onHeader(h) {
        header = { ...h };
        pieces = [];
      },
      onPayload(piece, frameEnd) {
        pieces.push(Buffer.from(piece));
        if (!frameEnd || header === null) return;
        const h: FrameHeader = header;
        frames.push({
          fin: h.fin,
          rsv: (h.rsv1 ? 4 : 0) | (h.rsv2 ? 2 : 0) | (h.rsv3 ? 1 : 0),
          opcode: h.opcode,
          masked: h.masked,
          payload: Buffer.concat(pieces),
        });
        header = null;
      },
    },
    { acceptMasked: true, maxPayload: Infinity, allowedRsv: 7 },
  );
  parser.push(Buffer.from(bytes));
  if (!parser.idle) throw new Error(`written bytes end inside a frame: ${show(bytes)}`);
  return frames;
}

/** Render a close frame the client wrote: `close=1002`, or `close=empty`. */
function showClose(bytes: Uint8Array): string {
  const frames = decodeClientFrames(bytes);
  if (frames.length !== 1 || frames[0].opcode !== CLOSE || !frames[0].fin || !frames[0].masked) {
    throw new Error(`expected one masked close frame, got ${JSON.stringify(frames)}`);
  }
  const p = frames[0].payload;
  if (p.length === 0) return 'close=empty';
  if (p.length !== 2) throw new Error(`expected a bare status code in the client close, got ${show(p)}`);
  return `close=${p.readUInt16BE(0)}`;
}

/** Expected event strings, built the same way the recorder renders them. */
export const ev = {
  text: (s: string): string => `text:${show(Buffer.from(s, 'utf8'))}`,
  binary: (b: Uint8Array): string => `binary:${show(b)}`,
  fragment: (opcode: number, b: Uint8Array, fin: boolean): string => `fragment:${opcode}:${show(b)}:${fin ? 'fin' : 'more'}`,
  frame: (f: { fin: number; rsv1: number; rsv2: number; rsv3: number; opcode: number; data: Uint8Array }): string =>
    `frame:${f.fin}${f.rsv1}${f.rsv2}${f.rsv3}:${f.opcode}:${show(f.data)}`,
  ping: (b: string | Uint8Array = ''): string => `ping:${show(typeof b === 'string' ? Buffer.from(b) : b)}`,
  pong: (b: string | Uint8Array = ''): string => `pong:${show(typeof b === 'string' ? Buffer.from(b) : b)}`,
  close: (code: number | null, reason = ''): string => `close:${code}:${reason}`,
  writePong: (b: string | Uint8Array = ''): string => `write-pong:${show(typeof b === 'string' ? Buffer.from(b) : b)}`,
  writeClose: (code: number | null): string => `write-close:${code === null ? 'close=empty' : `close=${code}`}`,
  fail: (kind: 'protocol' | 'payload', code: number, sent: number | null = code): string =>
    `fail:${kind}:${code}:${sent === null ? 'none' : `close=${sent}`}`,
};

/** A SessionHandler that records every event as a string. */
export class Recorder implements SessionHandler {
  readonly events: string[] = [];
  readonly failures: SessionFailure[] = [];
  readonly writes: Buffer[] = [];

  onText(text: string): void {
    this.events.push(ev.text(text));
  }
  onBinary(data: Buffer): void {
    this.events.push(ev.binary(data));
  }
  onFragment(f: Received<Buffer>): void {
    this.events.push(ev.fragment(f.opcode, f.data, f.fin === 1));
  }
  onFrame(f: Received<Buffer>): void {
    this.events.push(ev.frame(f));
  }
  onPing(payload: Buffer): void {
    this.events.push(ev.ping(payload));
  }
  onPong(payload: Buffer): void {
    this.events.push(ev.pong(payload));
  }
  onClose(code: number | null, reason: string): void {
    this.events.push(ev.close(code, reason));
  }
  onWrite(bytes: Buffer, kind: WriteKind): void {
    this.writes.push(bytes);
    if (kind === 'close') {
      this.events.push(`write-close:${showClose(bytes)}`);
      return;
    }
    const frames = decodeClientFrames(bytes);
    if (frames.length !== 1 || frames[0].opcode !== PONG || !frames[0].fin || !frames[0].masked) {
      throw new Error(`expected one masked pong frame, got ${JSON.stringify(frames)}`);
    }
    this.events.push(`write-pong:${show(frames[0].payload)}`);
  }
  onFailure(error: SessionFailure, closeFrame: Buffer | null): void {
    this.failures.push(error);
    if (!(error instanceof WebSocketProtocolException) && !(error instanceof WebSocketPayloadException)) {
      throw new Error(`failure with an unexpected class: ${String(error)}`);
    }
    const kind = error instanceof WebSocketProtocolException ? 'protocol' : 'payload';
    this.events.push(`fail:${kind}:${error.closeCode}:${closeFrame === null ? 'none' : showClose(closeFrame)}`);
  }
}

/** Split `bytes` at the given cut points (any order, duplicates and out-of-range ignored). */
export function chunksAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** fast-check cut points for a stream of `length` bytes (the stream is split there). */
export function cutsArb(length: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: Math.min(length, 40) });
}

/** Result of feeding a stream: events, and after how many bytes the first failure was reported. */
export interface FeedResult {
  events: string[];
  session: ClientSession;
  recorder: Recorder;
  /** Bytes fed (a chunk boundary) when onFailure was first observed; null if never. */
  failedAfter: number | null;
  /** Largest bufferedBytes seen after any chunk. */
  maxBuffered: number;
}

/** Feed a copy of `bytes` (the parser unmasks in place) chunk by chunk. */
export function feed(bytes: Uint8Array, cuts: readonly number[], options?: SessionOptions): FeedResult {
  const recorder = new Recorder();
  const session = new ClientSession(recorder, options);
  const copy = Buffer.from(bytes);
  let fed = 0;
  let failedAfter: number | null = null;
  let maxBuffered = 0;
  for (const chunk of chunksAt(copy, cuts)) {
    session.receive(Buffer.from(chunk));
    fed += chunk.length;
    if (failedAfter === null && recorder.failures.length > 0) failedAfter = fed;
    maxBuffered = Math.max(maxBuffered, session.bufferedBytes);
  }
  return { events: recorder.events, session, recorder, failedAfter, maxBuffered };
}

/** Every cut point: the stream fed one byte at a time. */
export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}

/** Negotiated permessage-deflate parameters: RFC 7692's defaults, overridden by `p`. */
export const params = (p: Partial<DeflateParams> = {}): DeflateParams => ({
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  ...p,
});
