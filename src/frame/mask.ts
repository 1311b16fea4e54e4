/**
 * RFC 6455 §5.3 client-to-server masking: payload byte i is XORed with
 * masking-key byte (i mod 4). The same operation unmasks.
 *
 * In place, the work is done 32 bits at a time over the 4-byte-aligned middle
 * of the view, with the key pre-rotated to the phase at which the aligned part
 * starts; the unaligned head and tail go byte by byte. From 256 bytes, a copy
 * between separate memory and a frame of the ring (frame-ring.ts) go through
 * the WebAssembly SIMD kernel instead (mask-simd.ts).
 */

import { kernelMemory, maskInKernelMemory, maskIntoSimd, RING_OFFSET, simdAvailable } from './mask-simd.js';

/** Below this many bytes the word loop's setup costs more than it saves. */
const WORD_LOOP_MIN_BYTES = 16;

/**
 * From this many bytes, maskInto goes through the WebAssembly SIMD kernel
 * (mask-simd.ts) when source and target are separate memory: the size from
 * which the kernel, copies included, beats the word loop in a measurement of
 * maskInto over payload sizes (re-measure when either loop changes).
 */
const SIMD_MIN_BYTES = 256;

/** Byte order of this machine, which decides how 4 key bytes pack into a Uint32 lane. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function checkKey(key: Uint8Array): void {
  if (key.length !== 4) {
    throw new RangeError(`expected a 4-byte masking key, got ${key.length} bytes`);
  }
}

function checkPhase(phase: number): void {
  if (!Number.isInteger(phase) || phase < 0 || phase > 3) {
    throw new RangeError(`expected a mask phase 0, 1, 2 or 3, got ${phase}`);
  }
}

/** The key as one 32-bit word whose first byte in memory is key[phase]. */
function rotatedKeyWord(key: Uint8Array, phase: number): number {
  const b0 = key[phase & 3];
  const b1 = key[(phase + 1) & 3];
  const b2 = key[(phase + 2) & 3];
  const b3 = key[(phase + 3) & 3];
  return LITTLE_ENDIAN
    ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0
    : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

function maskBytes(data: Uint8Array, key: Uint8Array, from: number, to: number, phase: number): void {
  for (let i = from; i < to; i++) {
    data[i] ^= key[phase & 3];
    phase++;
  }
}

/**
 * XOR `data` in place with the 4-byte `key`, starting at key byte `phase` (0-3).
 * Returns the phase after the last byte: `(phase + data.length) & 3`, so a
 * payload split across chunks is masked by passing each call's result to the next.
 *
 * @throws RangeError when `key` is not 4 bytes or `phase` is not 0-3.
 */
export function maskInPlace(data: Uint8Array, key: Uint8Array, phase = 0): number {
  checkKey(key);
  checkPhase(phase);
  const length = data.length;
  if (length >= SIMD_MIN_BYTES && data.buffer === kernelMemory && data.byteOffset >= RING_OFFSET) {
    // A frame of the ring (frame-ring.ts): the SIMD kernel masks it where it is.
    const k = phase & 3;
    maskInKernelMemory(data, key[k], key[(k + 1) & 3], key[(k + 2) & 3], key[(k + 3) & 3]);
    return (phase + length) & 3;
  }
  if (length < WORD_LOOP_MIN_BYTES) {
    maskBytes(data, key, 0, length, phase);
    return (phase + length) & 3;
  }

  // Head: bytes up to the first 4-byte-aligned address of the underlying buffer.
  const head = (4 - (data.byteOffset & 3)) & 3;
  maskBytes(data, key, 0, head, phase);

  const words = (length - head) >>> 2;
  const lanes = new Uint32Array(data.buffer, data.byteOffset + head, words);
  const keyWord = rotatedKeyWord(key, phase + head);
  let w = 0;
  for (const unrolledEnd = words & ~3; w < unrolledEnd; w += 4) {
    lanes[w] ^= keyWord;
    lanes[w + 1] ^= keyWord;
    lanes[w + 2] ^= keyWord;
    lanes[w + 3] ^= keyWord;
  }
  for (; w < words; w++) lanes[w] ^= keyWord;

  // Tail: the 0-3 bytes after the last whole word.
  const tailStart = head + words * 4;
  maskBytes(data, key, tailStart, length, phase + tailStart);
  return (phase + length) & 3;
}

/** Payloads up to this many bytes are masked in a byte loop: cheaper than the views and the word array the word loop makes. */
const BYTE_LOOP_MAX_BYTES = 128;

/**
 * Mask a frame's payload in place with the key the frame carries (RFC 6455
 * §5.3): bytes `[payloadOffset, frame.length)` XOR the 4 bytes at
 * `keyOffset`. A short payload is masked without making any view of the frame.
 */
export function maskFramePayload(frame: Uint8Array, keyOffset: number, payloadOffset: number): void {
  const length = frame.length - payloadOffset;
  if (length <= BYTE_LOOP_MAX_BYTES) {
    for (let i = 0; i < length; i++) frame[payloadOffset + i] ^= frame[keyOffset + (i & 3)];
    return;
  }
  maskInPlace(frame.subarray(payloadOffset), frame.subarray(keyOffset, keyOffset + 4), 0);
}

/**
 * Write `source` XOR `key` into `target` at `targetOffset`, starting at key
 * byte `phase` (0-3). `source` is left untouched and only
 * `target[targetOffset, targetOffset + source.length)` is written; the two
 * may share (and even overlap in) one ArrayBuffer. Returns the phase after
 * the last byte.
 *
 * @throws RangeError when `key` is not 4 bytes, `phase` is not 0-3, or the
 *   source does not fit in `target` at `targetOffset`.
 */
export function maskInto(
  source: Uint8Array,
  key: Uint8Array,
  target: Uint8Array,
  targetOffset = 0,
  phase = 0,
): number {
  checkKey(key);
  checkPhase(phase);
  if (!Number.isInteger(targetOffset) || targetOffset < 0 || targetOffset + source.length > target.length) {
    throw new RangeError(
      `expected ${source.length} bytes to fit in a ${target.length}-byte target at offset ${targetOffset}`,
    );
  }
  if (simdAvailable && source.length >= SIMD_MIN_BYTES && source.buffer !== target.buffer && target.buffer !== kernelMemory) {
    const k = phase & 3;
    maskIntoSimd(source, key[k], key[(k + 1) & 3], key[(k + 2) & 3], key[(k + 3) & 3], target, targetOffset);
    return (phase + source.length) & 3;
  }
  // A memcpy then masking in place (the word loop, or the SIMD kernel for a
  // target in the frame ring): faster than a fused byte loop, and it handles
  // any relative alignment of source and target (and overlap) alike.
  target.set(source, targetOffset);
  return maskInPlace(target.subarray(targetOffset, targetOffset + source.length), key, phase);
}
