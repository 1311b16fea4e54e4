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
 * HAND_OVER_BYTES switches the socket to bulk mode: its next reads go into an
 * arena of its own ({@link ARENA_BYTES}), each read right after the one before, handed on
 * as the chunk (views into it may be kept), until a short read switches it
 * back. Since consecutive reads lie end to end, a message that two reads
 * split is still one piece of memory, which the session hands out uncopied;
 * and the bytes allocated for reading are about the bytes read (V8 runs a
 * full garbage collection per some tens of MB of such memory on Node 24).
 * A shared buffer is never handed on, since Node may hold it as the next
 * read buffer of several sockets at once.
 * Chunks go through `Readable#push`, as Node's own reads do: 'data' events,
 * pause(), resume(), unshift() and backpressure behave as without `onread`.
 *
 * A socket given a read sink ({@link setReadSink}) hands each chunk straight
 * to it while it flows with nothing buffered: no trip through the stream's
 * push, 'data' event and read-more tick per read. A sink that keeps what it
 * gets receives chunks of its own (copied or handed on as above); a sink
 * that borrows receives a view of the read buffer itself, valid only during
 * the call, with no allocation and no copy. A sink that keeps what it gets
 * may still say, chunk by chunk, that it copied all of one (by returning
 * true): a buffer of the socket's own handed on in that chunk is then read
 * into again instead of being replaced, so a long transfer the sink gathers
 * elsewhere (a large message) does not allocate a fresh buffer per read.
 * Paused, or with chunks still buffered, chunks go through `push` (copied)
 * and reach the sink's 'data' listener in order once the socket flows again.
 */
import type net from 'node:net';
import { newTurn } from './send-write.js';

/** Bytes per read buffer. */
export const READ_BUFFER_BYTES = 256 * 1024;
/**
 * Bytes per arena: the consecutive reads of a socket in bulk mode fill one
 * arena, each right after the last. From V8 13 (Node 24), allocating read
 * memory drives full garbage collections (one per some tens of MB, however
 * short-lived the buffers): 1 MiB arenas, whose reads allocate about the bytes
 * read and let split messages go uncopied, took 27-32 full collections
 * instead of 31-38 and about 0.8x the CPU receiving 24,576 messages of 64 KiB.
 * Older V8 (Node 20, 22) frees short-lived read buffers in scavenges, and
 * there one buffer per read costs less (1 MiB arenas took 1.16-1.18x the
 * median CPU, in page faults): an arena is then one read buffer.
 */
export const ARENA_BYTES = Number(process.versions.v8.split('.')[0]) >= 13 ? 4 * READ_BUFFER_BYTES : READ_BUFFER_BYTES;
/** Reads of at least this many bytes put a socket in bulk mode; shorter ones are copied out. */
export const HAND_OVER_BYTES = READ_BUFFER_BYTES / 4;

/**
 * Takes the chunks of a socket. Returning true says that nothing of the
 * chunk is kept (what was needed was copied), so its memory may be read into
 * again; any other value leaves the chunk the sink's.
 */
export type ReadSink = (this: net.Socket, chunk: Buffer) => unknown;

/** Where a socket's chunks go when it flows with nothing buffered. */
const readSink = Symbol('rfc6455.readSink');
/** True when the sink borrows: it gets views of the read buffer, valid during the call. */
const sinkBorrows = Symbol('rfc6455.sinkBorrows');
/** Set on a socket by its first read through {@link largeReads}. */
const readsLarge = Symbol('rfc6455.readsLarge');
/** The socket's own read buffer while it receives in bulk (a region of its arena); null or absent: it reads into the shared one. */
const ownBuffer = Symbol('rfc6455.ownBuffer');
/** The arena the socket's own read buffers are cut from, while it receives in bulk. */
const ownArena = Symbol('rfc6455.ownArena');
/** Bytes of the arena already handed on (the next region starts there). */
const arenaFill = Symbol('rfc6455.arenaFill');

interface SinkSocket extends net.Socket {
  [readSink]?: ReadSink;
  [sinkBorrows]?: boolean;
  [readsLarge]?: true;
  [ownBuffer]?: Buffer | null;
  [ownArena]?: Buffer | null;
  [arenaFill]?: number;
}

/** How a read sink takes its chunks. */
export interface ReadSinkOptions {
  /**
   * Borrow each chunk: a view of the read buffer, valid only during the call
   * (the next read of any socket may overwrite it), so the sink must be done
   * with it when it returns. No allocation, no copy per read. Default false:
   * each chunk is the sink's to keep.
   */
  borrow?: boolean;
}

/**
 * Hand the chunks of `socket` (made with {@link largeReads}) to `sink` directly
 * while it flows with nothing buffered. `sink` must also be the socket's
 * 'data' listener: chunks read while paused, or before the sink was set,
 * come through the stream, as buffers of their own. Returns true when the
 * socket has already read through `largeReads` (so its next reads go to the
 * sink); false for a socket that has not, such as a TLS socket or one made
 * elsewhere, on which the sink has no effect: read it as a stream. The sink
 * is called with the socket as `this`, as a 'data' listener is, so one
 * function can serve every socket.
 */
export function setReadSink(socket: net.Socket, sink: ReadSink, options: ReadSinkOptions = {}): boolean {
  const sinkSocket = socket as SinkSocket;
  sinkSocket[readSink] = sink;
  sinkSocket[sinkBorrows] = options.borrow === true;
  return sinkSocket[readsLarge] === true;
}

/** The read buffer of every socket not in bulk mode. */
let shared: Buffer | null = null;
/**
 * The buffer the socket whose read callback just returned reads into next
 * (its own, in bulk mode), for {@link nextReadBuffer}, which Node calls right
 * after the callback; null: the shared one.
 */
let next: Buffer | null = null;

/**
 * `onread.buffer`: Node calls it with no socket, once when the socket
 * connects and then right after each read callback, which leaves the
 * socket's choice in `next`.
 */
function nextReadBuffer(): Buffer {
  const buffer = next ?? (shared ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));
  next = null;
  return buffer;
}

/** `onread.callback`, called with the socket as `this`. */
function onRead(this: net.Socket, bytesRead: number, buffer: Uint8Array): boolean {
  const read = buffer as Buffer;
  const socket = this as SinkSocket;
  newTurn();
  if (socket[readsLarge] !== true) socket[readsLarge] = true;
  const sink = socket[readSink];
  const toSink = sink !== undefined && this.readableFlowing === true && this.readableLength === 0;
  const own = socket[ownBuffer] ?? null;
  if (toSink && socket[sinkBorrows] === true) {
    // Nothing is handed on to a borrowing sink, so the shared buffer serves every read.
    if (own !== null) socket[ownBuffer] = null;
    sink.call(socket, read.subarray(0, bytesRead));
    return true;
  }
  const bulk = bytesRead >= HAND_OVER_BYTES;
  const handedOn = read === own && bulk;
  let chunk: Buffer;
  if (handedOn) {
    chunk = read.subarray(0, bytesRead);
  } else {
    chunk = Buffer.allocUnsafe(bytesRead);
    read.copy(chunk, 0, 0, bytesRead);
  }
  let more = true;
  let copiedWhole = false;
  if (toSink) copiedWhole = sink.call(socket, chunk) === true;
  // False (the stream's buffer is full) stops reading until the stream is read from, as Node's own reads do.
  else more = this.push(chunk);
  /**
   * The socket's own buffer for its next read: none once out of bulk mode; after one is handed on, the same one
   * when the sink copied all of it, else the next part of the arena.
   */
  let nextOwn: Buffer | null = null;
  if (bulk) {
    if (handedOn && copiedWhole) nextOwn = read;
    else if (handedOn || own === null) nextOwn = nextRegion(socket, handedOn ? bytesRead : 0);
    else nextOwn = own;
  } else if (own !== null) {
    socket[ownArena] = null;
  }
  if (nextOwn !== own) socket[ownBuffer] = nextOwn;
  // Last, once the sink or the stream's listeners have run: Node asks for the next buffer right after this returns.
  next = nextOwn;
  return more;
}

/**
 * The socket's next read buffer in bulk mode: the part of its arena after the
 * `used` bytes just handed on, so that a message two reads split lies in one
 * piece of memory; a fresh arena when too little of this one is left.
 */
function nextRegion(socket: SinkSocket, used: number): Buffer {
  let arena = socket[ownArena] ?? null;
  let fill = (socket[arenaFill] ?? 0) + used;
  if (arena === null || arena.length - fill < HAND_OVER_BYTES) {
    arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
    socket[ownArena] = arena;
    fill = 0;
  }
  socket[arenaFill] = fill;
  return arena.subarray(fill, Math.min(fill + READ_BUFFER_BYTES, arena.length));
}

/** The `onread` option for `net.connect`: one record for every socket, whose state lives on the socket. */
const LARGE_READS: net.OnReadOpts = { buffer: nextReadBuffer, callback: onRead };

/** An `onread` option for `net.connect`. */
export function largeReads(): net.OnReadOpts {
  return LARGE_READS;
}
