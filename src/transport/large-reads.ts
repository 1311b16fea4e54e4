/**
 * Socket reads into 256 KiB buffers instead of Node's 64 KiB (`net`'s
 * `onread` option). A 64 KiB message with its frame header is larger than
 * 64 KiB, so with the default every such message spans two reads and is
 * copied whole into a buffer of its own; with reads four times larger most
 * messages lie inside one read and go out as views of it, and each read
 * costs one callback instead of four.
 *
 * An idle or lightly used socket holds no read buffer of its own: its reads
 * land in one buffer shared by every socket, and what lands there is copied
 * out at once into a buffer of its size (a chunk of a few bytes never pins
 * 256 KiB, and an idle connection costs no read memory). A read of at least
 * HAND_OVER_BYTES switches the socket to bulk mode: its next reads go into a
 * buffer of its own, handed on whole as the chunk (views into it may be
 * kept), a fresh one for each read, until a short read switches it back. A
 * shared buffer is never handed on, since Node may hold it as the next read
 * buffer of several sockets at once.
 * Chunks go through `Readable#push`, as Node's own reads do: 'data' events,
 * pause(), resume(), unshift() and backpressure behave as without `onread`,
 * unless the socket's reads were handed to a function by {@link readDirectly}.
 */
import type net from 'node:net';

/** Bytes per read buffer. */
export const READ_BUFFER_BYTES = 256 * 1024;
/** Reads of at least this many bytes put a socket in bulk mode; shorter ones are copied out. */
export const HAND_OVER_BYTES = READ_BUFFER_BYTES / 4;

/** The read buffer of every socket not in bulk mode. */
let shared: Buffer | null = null;

/** For each socket that has read through {@link largeReads}: sets the function its reads go to, see {@link readDirectly}. */
const directHooks = new WeakMap<net.Socket, (receive: (bytes: Buffer) => void) => void>();

/**
 * From now on, hand each read of `socket` to `receive` instead of pushing a
 * copy through the stream: no allocation, no copy, no 'data' event per read.
 * `bytes` is a view of the read buffer, valid only during the call (the next
 * read of any socket may overwrite it), so `receive` must be done with it
 * when it returns, and must not throw. The end of the stream, errors and
 * 'close' still come as events; what the stream had already buffered is
 * still read from it.
 * Returns false, changing nothing, for a socket that has not read through
 * {@link largeReads} (a TLS socket, one made elsewhere): read it as a stream.
 */
export function readDirectly(socket: net.Socket, receive: (bytes: Buffer) => void): boolean {
  const hook = directHooks.get(socket);
  if (hook === undefined) return false;
  hook(receive);
  return true;
}

/** An `onread` option for `net.connect`: one per socket. */
export function largeReads(): net.OnReadOpts {
  /** This socket's own read buffer while it receives in bulk. */
  let own: Buffer | null = null;
  let bulk = false;
  let direct: ((bytes: Buffer) => void) | undefined;
  let seen = false;
  return {
    buffer: () => (bulk ? (own ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)) : (shared ??= Buffer.allocUnsafe(READ_BUFFER_BYTES))),
    callback(this: net.Socket, bytesRead: number, buffer: Uint8Array): boolean {
      const read = buffer as Buffer;
      if (!seen) {
        seen = true;
        directHooks.set(this, (receive) => {
          direct = receive;
        });
      }
      if (direct !== undefined) {
        // Nothing is handed on in this mode, so the shared buffer serves every read.
        bulk = false;
        own = null;
        direct(read.subarray(0, bytesRead));
        return true;
      }
      let chunk: Buffer;
      if (read === own && bytesRead >= HAND_OVER_BYTES) {
        chunk = read.subarray(0, bytesRead);
        own = null;
      } else {
        chunk = Buffer.allocUnsafe(bytesRead);
        read.copy(chunk, 0, 0, bytesRead);
      }
      bulk = bytesRead >= HAND_OVER_BYTES;
      if (!bulk) own = null;
      // False (the stream's buffer is full) stops reading until the stream is read from, as Node's own reads do.
      return this.push(chunk);
    },
  };
}
