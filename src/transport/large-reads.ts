/**
 * Socket reads into 256 KiB buffers instead of Node's 64 KiB (`net`'s
 * `onread` option). A 64 KiB message with its frame header is larger than
 * 64 KiB, so with the default every such message spans two reads and is
 * copied whole into a buffer of its own; with reads four times larger most
 * messages lie inside one read and go out as views of it, and each read
 * costs one callback instead of four.
 *
 * Each read gets a buffer of its own, so a chunk handed on stays valid
 * (views into it may be kept). A short read is copied out into a buffer of
 * its size and the read buffer is used again: a chunk holding a few bytes
 * never pins 256 KiB, and what a chunk pins is at most four times its bytes.
 * Chunks go through `Readable#push`, as Node's own reads do: 'data' events,
 * pause(), resume(), unshift() and backpressure behave as without `onread`.
 */
import type net from 'node:net';

/** Bytes per read buffer. */
export const READ_BUFFER_BYTES = 256 * 1024;
/** Reads of at least this many bytes keep their buffer; shorter ones are copied out. */
export const HAND_OVER_BYTES = READ_BUFFER_BYTES / 4;

/** An `onread` option for `net.connect`: one per socket. */
export function largeReads(): net.OnReadOpts {
  let spare: Buffer | null = null;
  return {
    buffer: () => (spare ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)),
    callback(this: net.Socket, bytesRead: number, buffer: Uint8Array): boolean {
      const read = buffer as Buffer;
      let chunk: Buffer;
      if (bytesRead >= HAND_OVER_BYTES) {
        chunk = read.subarray(0, bytesRead);
        spare = null;
      } else {
        chunk = Buffer.allocUnsafe(bytesRead);
        read.copy(chunk, 0, 0, bytesRead);
      }
      // False (the stream's buffer is full) stops reading until the stream is read from, as Node's own reads do.
      return this.push(chunk);
    },
  };
}
