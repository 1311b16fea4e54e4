/**
 * Frames the benchmark's server and its plain-socket client write, built
 * here by hand (not with the library under test) once per shape.
 */

/** Blocks of frames are about this large, so a source writes few, big chunks. */
const BLOCK_BYTES = 1024 * 1024;
/** A line of mostly ASCII text with a few 2- and 3-byte characters (64 bytes of UTF-8). */
const MIXED_LINE = Buffer.from('{"name":"Zoë Ångström","city":"Kraków","note":"ok ✓"}         \n', 'utf8');
const ASCII_LINE = Buffer.from('{"id":12345,"op":"tick","v":0.5}', 'utf8');

/** The payload of every benchmark message of `size` bytes: ASCII for short text, mixed UTF-8 for long, bytes for binary. */
export function payloadOf(size: number, text: boolean): Buffer {
  const payload = Buffer.allocUnsafe(size);
  if (!text) {
    for (let i = 0; i < size; i++) payload[i] = (i * 131 + 7) & 0xff;
    return payload;
  }
  const line = size <= 4096 ? ASCII_LINE : MIXED_LINE;
  for (let i = 0; i < size; i += line.length) line.copy(payload, i, 0, Math.min(line.length, size - i));
  // Never end inside a multi-byte character: pad the tail with spaces.
  let end = size;
  while (end > 0 && payload[end - 1] >= 0x80) payload[--end] = 0x20;
  return payload;
}

/** RFC 6455 §5.2 header of a final frame, masked with `key` when given. */
export function frameHeader(opcode: number, length: number, key: Buffer | null): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (key === null ? 0 : 4));
  header[0] = 0x80 | opcode;
  const maskBit = key === null ? 0 : 0x80;
  if (lengthBytes === 0) header[1] = maskBit | length;
  else if (lengthBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  if (key !== null) key.copy(header, 2 + lengthBytes);
  return header;
}

/** One whole frame; masked (as a client sends) when `key` is given. */
export function frame(opcode: number, payload: Buffer, key: Buffer | null): Buffer {
  const header = frameHeader(opcode, payload.length, key);
  const body = Buffer.from(payload);
  if (key !== null) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([header, body]);
}

/** A close frame with `code`, masked with a fixed key when `masked`. */
export function closeFrame(code: number, masked: boolean): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code, 0);
  return frame(8, payload, masked ? FIXED_KEY : null);
}

/** The key of the plain-socket client's frames: its cost is not what it measures. */
export const FIXED_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/**
 * As many identical frames of `size` payload bytes as fit in about 1 MiB (at
 * least one), back to back: `frames` of `frameBytes` bytes each.
 */
export function frameBlock(size: number, text: boolean, key: Buffer | null = null): { block: Buffer; frames: number; frameBytes: number } {
  const one = frame(text ? 1 : 2, payloadOf(size, text), key);
  const frames = Math.max(1, Math.floor(BLOCK_BYTES / one.length));
  const block = Buffer.allocUnsafe(frames * one.length);
  for (let i = 0; i < frames; i++) one.copy(block, i * one.length);
  return { block, frames, frameBytes: one.length };
}
