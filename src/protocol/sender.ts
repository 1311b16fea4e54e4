/**
 * Client frames ready for the socket: every frame masked with a fresh key
 * (RFC 6455 §5.3), messages optionally compressed (RFC 7692) and split into
 * fragments (§5.4), control payloads held to 125 bytes (§5.5), and frames
 * built exactly as described for testing servers.
 */
import { createError } from '../exceptions.js';
import { encodeFrame, type EncodeOptions } from '../frame/encoder.js';
import { MAX_CONTROL_PAYLOAD, OPCODE_CONT, OPCODE_NAMES } from '../frame/opcodes.js';
import type { MessageCompression } from './session-options.js';

const EMPTY = Buffer.alloc(0);

/**
 * Returns `n` fresh bytes to mask a frame with (the session always asks for 4).
 * `null` stands for the default: keys from the CSPRNG pool written straight
 * into each frame by the encoder (RFC 6455 §10.3), with no key object.
 */
export type MaskKeySource = ((n: number) => Uint8Array) | null;

/** Where a message's frame is built (see `EncodeOptions.allocate`); `undefined` for a new Buffer. */
export type FrameAllocator = ((size: number) => Buffer) | undefined;

/** The masking part of the encoder options for one frame, and where it is built. */
export function masking(maskKey: MaskKeySource, allocate?: FrameAllocator): EncodeOptions {
  return maskKey === null ? { randomMask: true, allocate } : { maskKey: maskKey(4), allocate };
}

/**
 * One data message as wire bytes: a single frame (built by `allocate` when
 * given), or, when `fragmentSize` is a positive number smaller than the
 * payload, frames of at most `fragmentSize` payload bytes (the first with
 * `opcode`, the rest CONT, only the last with FIN; RFC 6455 §5.4), all in one
 * new Buffer.
 */
export function encodeMessage(
  opcode: number,
  payload: Uint8Array,
  maskKey: MaskKeySource,
  fragmentSize: number,
  allocate?: FrameAllocator,
): Buffer {
  if (!(fragmentSize > 0) || payload.length <= fragmentSize) {
    return encodeFrame(opcode, payload, masking(maskKey, allocate));
  }
  const frames: Buffer[] = [];
  let total = 0;
  for (let start = 0; start < payload.length; start += fragmentSize) {
    const end = Math.min(start + fragmentSize, payload.length);
    const frame = encodeFrame(start === 0 ? opcode : OPCODE_CONT, payload.subarray(start, end), {
      fin: end === payload.length,
      ...masking(maskKey),
    });
    frames.push(frame);
    total += frame.length;
  }
  return Buffer.concat(frames, total);
}

/**
 * One control frame (close, ping, pong) as wire bytes.
 *
 * @throws WebSocketProtocolException when the payload exceeds 125 bytes (RFC 6455 §5.5).
 */
export function encodeControl(opcode: number, payload: Uint8Array, maskKey: MaskKeySource): Buffer {
  if (payload.length > MAX_CONTROL_PAYLOAD) {
    throw createError(
      'WS_ERR_CONTROL_PAYLOAD_TOO_LONG',
      `${OPCODE_NAMES[opcode]} payload of ${payload.length} bytes: expected at most 125 (RFC 6455 §5.5)`,
    );
  }
  return encodeFrame(opcode, payload, masking(maskKey));
}

/** rsv1, the "Per-Message Compressed" bit (RFC 7692 §6), in the first header byte. */
const RSV1_BIT = 0x40;

/**
 * One data message as wire bytes (see {@link encodeMessage}), its payload
 * compressed first when `compression` is given and takes it.
 */
export function encodeDataMessage(
  opcode: number,
  payload: Uint8Array,
  compression: MessageCompression | null,
  maskKey: MaskKeySource,
  fragmentSize: number,
  allocate?: FrameAllocator,
): Buffer {
  const compressed = compression?.compress(payload) ?? null;
  if (compressed === null) return encodeMessage(opcode, payload, maskKey, fragmentSize, allocate);
  const frames = encodeMessage(opcode, compressed, maskKey, fragmentSize, allocate);
  // RFC 7692 §6: rsv1 on the first frame only; it starts the buffer.
  frames[0] |= RSV1_BIT;
  return frames;
}

/** A frame to send exactly as described, rule-breaking or not (for testing servers). */
export interface OutgoingFrame {
  /** Default 1. */
  fin?: 0 | 1;
  rsv1?: 0 | 1;
  rsv2?: 0 | 1;
  rsv3?: 0 | 1;
  opcode: number;
  /** 1 (default) masks with a fresh key, 0 sends the payload unmasked. */
  mask?: 0 | 1;
  /** A string is UTF-8 encoded. Default empty. */
  data?: string | Uint8Array;
}

/**
 * An {@link OutgoingFrame} as wire bytes, not checked against the RFC.
 * @throws WebSocketProtocolException for an opcode outside 0-15.
 */
export function encodeOutgoingFrame(frame: OutgoingFrame, maskKey: MaskKeySource): Buffer {
  const data = frame.data === undefined ? EMPTY : typeof frame.data === 'string' ? Buffer.from(frame.data, 'utf8') : frame.data;
  return encodeFrame(frame.opcode, data, {
    fin: frame.fin !== 0,
    rsv1: frame.rsv1 === 1,
    rsv2: frame.rsv2 === 1,
    rsv3: frame.rsv3 === 1,
    maskKey: frame.mask === 0 || maskKey === null ? null : maskKey(4),
    randomMask: frame.mask !== 0 && maskKey === null,
  });
}
