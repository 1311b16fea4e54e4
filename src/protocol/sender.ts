/**
 * Client frames ready for the socket: every frame masked with a fresh key
 * (RFC 6455 §5.3), messages optionally split into fragments (§5.4), control
 * payloads held to 125 bytes (§5.5).
 */
import { createError } from '../exceptions.js';
import { encodeFrame, type EncodeOptions } from '../frame/encoder.js';
import { MAX_CONTROL_PAYLOAD, OPCODE_CONT, OPCODE_NAMES } from '../frame/opcodes.js';

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
