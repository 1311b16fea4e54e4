/**
 * The frame encoder of the hot path (RFC 6455 §5.2): header and payload in one
 * Buffer, ready for a single socket write. It encodes whatever the header can
 * express, including frames the RFC forbids, so that `ABNF.format()` can be
 * used to test servers with deliberately bad frames.
 */
import { randomFillSync } from 'node:crypto';
import { createError } from '../exceptions.js';
import { maskFramePayload, maskInto } from './mask.js';

/** Header bits and masking of one frame. */
export interface EncodeOptions {
  /** FIN bit: last frame of a message. Default true. */
  fin?: boolean;
  /** RSV1 bit (permessage-deflate). Default false. */
  rsv1?: boolean;
  /** RSV2 bit. Default false. */
  rsv2?: boolean;
  /** RSV3 bit. Default false. */
  rsv3?: boolean;
  /** 4-byte masking key; `null` or absent sends the payload unmasked (unless `randomMask`). */
  maskKey?: Uint8Array | null;
  /**
   * Mask with a fresh key from the CSPRNG (as {@link randomMaskKey}), written
   * straight into the frame: the fast way for a client to send. Ignored when
   * `maskKey` is given.
   */
  randomMask?: boolean;
  /**
   * Where the frame goes: returns a Buffer of exactly `size` bytes, whose
   * contents are all overwritten (as `frameRing`'s frames; see frame-ring.ts).
   * Default `Buffer.allocUnsafe`.
   */
  allocate?: (size: number) => Buffer;
}

/**
 * Random bytes drawn from the CSPRNG in batches, so a frame costs no system
 * call. A draw costs about the same from 1 to 8 KiB (its fixed cost, some
 * 3 µs, dominates), so 8 KiB (2048 masking keys) makes it about 1.5 ns per
 * key instead of 13 at 1 KiB.
 */
const KEY_POOL_SIZE = 8192;
/** Longest key {@link randomMaskKey} gives (longer keys than 4 bytes only serve to test servers). */
const MAX_KEY_LENGTH = 1024;
const keyPool = Buffer.alloc(KEY_POOL_SIZE);
let keyPoolNext = KEY_POOL_SIZE;

/**
 * A fresh masking key of `length` bytes (4 for RFC 6455 §5.3) from the
 * cryptographic random source, as §10.3 requires: unpredictable per frame.
 */
export function randomMaskKey(length = 4): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_KEY_LENGTH) {
    throw new RangeError(`expected a key length 0-${MAX_KEY_LENGTH}, got ${length}`);
  }
  const key = Buffer.allocUnsafe(length);
  takeRandom(key, 0, length);
  return key;
}

/** Write `length` unused random bytes from the pool into `target` at `offset`. */
function takeRandom(target: Uint8Array, offset: number, length: number): void {
  if (keyPoolNext + length > KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolNext = 0;
  }
  for (let i = 0; i < length; i++) target[offset + i] = keyPool[keyPoolNext + i];
  keyPoolNext += length;
}

/** RFC 6455 §5.2: payload lengths up to 125 fit in the 7-bit field. */
const MAX_7BIT_LENGTH = 125;
/** RFC 6455 §5.2: above this the 64-bit extended length is used. */
const MAX_16BIT_LENGTH = 0xffff;
const TWO_TO_32 = 0x1_0000_0000;
/** Below this many payload bytes a fused copy-and-XOR loop beats maskInto's setup. */
const SHORT_MASK_LENGTH = 32;

/**
 * Encode one frame: header (7-, 16- or 64-bit length, RFC 6455 §5.2), then the
 * masking key and the masked payload when `options.maskKey` is given (§5.3),
 * else the payload as is. The caller's `payload` is never modified.
 *
 * A payload longer than 2^63-1 bytes cannot exist in memory (typed arrays stop
 * at 2^53-1), so the only header that cannot be encoded is an opcode outside
 * 0-15.
 *
 * @throws WebSocketProtocolException for an opcode that is not an integer
 *   0-15, or a masking key that is not 4 bytes.
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options?: EncodeOptions): Buffer {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw createError('WS_ERR_INVALID_FRAME_FIELD', `cannot encode opcode ${opcode}: expected an integer 0-15 (RFC 6455 §5.2)`);
  }
  let byte0 = opcode;
  let maskKey: Uint8Array | null | undefined;
  let randomMask = false;
  let allocate: ((size: number) => Buffer) | undefined;
  if (options === undefined) {
    byte0 |= 0x80;
  } else {
    if (options.fin !== false) byte0 |= 0x80;
    if (options.rsv1 === true) byte0 |= 0x40;
    if (options.rsv2 === true) byte0 |= 0x20;
    if (options.rsv3 === true) byte0 |= 0x10;
    allocate = options.allocate;
    maskKey = options.maskKey;
    if (maskKey != null) {
      if (maskKey.length !== 4) {
        throw createError(
          'WS_ERR_INVALID_MASK_KEY',
          `cannot mask with a ${maskKey.length}-byte key: expected 4 bytes (RFC 6455 §5.3)`,
        );
      }
    } else {
      randomMask = options.randomMask === true;
    }
  }

  const length = payload.length;
  const lengthBytes = length <= MAX_7BIT_LENGTH ? 0 : length <= MAX_16BIT_LENGTH ? 2 : 8;
  const masked = maskKey != null || randomMask;
  const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
  const frame = newFrame(headerLength + length, allocate);

  writeHeader(frame, byte0, masked, length, lengthBytes);

  if (!masked) {
    if (length > 0) frame.set(payload, headerLength);
    return frame;
  }
  const keyOffset = headerLength - 4;
  if (maskKey != null) {
    frame[keyOffset] = maskKey[0];
    frame[keyOffset + 1] = maskKey[1];
    frame[keyOffset + 2] = maskKey[2];
    frame[keyOffset + 3] = maskKey[3];
  } else {
    takeRandom(frame, keyOffset, 4);
  }
  if (length >= SHORT_MASK_LENGTH) {
    maskInto(payload, frame.subarray(keyOffset, headerLength), frame, headerLength);
  } else {
    // RFC 6455 §5.3: octet i XOR key octet (i mod 4).
    const k0 = frame[keyOffset];
    const k1 = frame[keyOffset + 1];
    const k2 = frame[keyOffset + 2];
    const k3 = frame[keyOffset + 3];
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      frame[headerLength + i] = payload[i] ^ k0;
      frame[headerLength + i + 1] = payload[i + 1] ^ k1;
      frame[headerLength + i + 2] = payload[i + 2] ^ k2;
      frame[headerLength + i + 3] = payload[i + 3] ^ k3;
    }
    for (; i < length; i++) frame[headerLength + i] = payload[i] ^ frame[keyOffset + (i & 3)];
  }
  return frame;
}

function newFrame(size: number, allocate: ((size: number) => Buffer) | undefined): Buffer {
  if (allocate === undefined) return Buffer.allocUnsafe(size);
  const frame = allocate(size);
  if (frame.length !== size) throw new RangeError(`expected the allocator to return ${size} bytes, got ${frame.length}`);
  return frame;
}

/** Bytes 0-1 and the extended length of a header (RFC 6455 §5.2); `lengthBytes` is 0, 2 or 8. */
function writeHeader(frame: Buffer, byte0: number, masked: boolean, length: number, lengthBytes: number): void {
  frame[0] = byte0;
  const maskBit = masked ? 0x80 : 0;
  if (lengthBytes === 0) {
    frame[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    frame[1] = maskBit | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = maskBit | 127;
    frame.writeUInt32BE(Math.floor(length / TWO_TO_32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
}

/**
 * One final text frame (opcode 1) straight from a string: its UTF-8 bytes are
 * written once, into the frame, and masked there in place (RFC 6455 §5.3),
 * with no Buffer of the payload in between. Masking and `allocate` as in
 * {@link encodeFrame} (`maskKey`, else `randomMask`, else unmasked). Lone surrogates become
 * U+FFFD, as with `Buffer.from(text, 'utf8')`.
 *
 * @throws WebSocketProtocolException for a masking key that is not 4 bytes.
 */
export function encodeTextFrame(text: string, options?: Pick<EncodeOptions, 'maskKey' | 'randomMask' | 'allocate'>): Buffer {
  const maskKey = options?.maskKey;
  if (maskKey != null && maskKey.length !== 4) {
    throw createError('WS_ERR_INVALID_MASK_KEY', `cannot mask with a ${maskKey.length}-byte key: expected 4 bytes (RFC 6455 §5.3)`);
  }
  const masked = maskKey != null || options?.randomMask === true;
  const length = Buffer.byteLength(text, 'utf8');
  const lengthBytes = length <= MAX_7BIT_LENGTH ? 0 : length <= MAX_16BIT_LENGTH ? 2 : 8;
  const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
  const frame = newFrame(headerLength + length, options?.allocate);
  writeHeader(frame, 0x81, masked, length, lengthBytes);
  frame.write(text, headerLength, length, 'utf8');
  if (!masked) return frame;
  const keyOffset = headerLength - 4;
  if (maskKey != null) frame.set(maskKey, keyOffset);
  else takeRandom(frame, keyOffset, 4);
  maskFramePayload(frame, keyOffset, headerLength);
  return frame;
}
