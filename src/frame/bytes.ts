/** Payload arguments as Buffers, for the layers that accept `string | Uint8Array`. */

/** A string UTF-8 encoded; bytes as a Buffer view of the same memory (no copy). */
export function toBuffer(data: string | Uint8Array): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
