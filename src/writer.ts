/**
 * The write half of a WebSocket: sends resolved once written (bounded by the
 * timeout), sends of one event-loop turn corked into one `writev`, and the
 * automatic pongs, of which only the latest waits while the socket is
 * congested. Close frames are written here too, behind any waiting pong.
 */
import type * as net from 'node:net';
import { createError } from './exceptions.js';
import { frameRing } from './frame/frame-ring.js';
import { handled } from './handled.js';
import type { Link } from './link.js';

/**
 * Bytes of pongs that may wait in the socket's write buffer: past it only the
 * latest pong is kept (RFC 6455 §5.5.3). Our own figure, not the socket's
 * highWaterMark, which differs between Node versions (16 KiB, 64 KiB).
 */
const PONG_BACKLOG = 16 * 1024;

/** Writes the frames of one {@link Link}'s socket. */
export class Writer {
  /** A pong not yet written because the socket is congested: only the latest ping needs one (RFC 6455 §5.5.3). */
  private pendingPong: Buffer | null = null;
  /** Pongs handed to the socket whose write has not completed. */
  private pongsInFlight = 0;
  /** Write callback of a pong (one function per socket, not one per pong). */
  private pongWritten: () => void = () => undefined;

  constructor(private readonly link: Link) {}

  /** Bytes handed to the writer not yet written to the socket. */
  get bufferedAmount(): number {
    return (this.link.socket?.writableLength ?? 0) + (this.pendingPong?.length ?? 0);
  }

  /** Start writing to a new socket: nothing of the old one is kept. */
  attach(socket: net.Socket): void {
    this.pendingPong = null;
    this.pongsInFlight = 0;
    socket.on('drain', () => this.flushPendingPong());
    this.pongWritten = () => {
      if (socket !== this.link.socket) return;
      this.pongsInFlight--;
      // The latest held pong goes once the backlog is below the bound, or when no other pong write would wake us.
      if (socket.writableLength < PONG_BACKLOG || this.pongsInFlight === 0) this.flushPendingPong();
    };
  }

  /** The socket closed: a pong still waiting will never be written. */
  socketClosed(): void {
    this.pendingPong = null;
  }

  /**
   * Write a data frame (or a frame the user built) behind any pong still
   * waiting, resolving with its length once flushed (bounded by `timeout`).
   * Sends made in one turn of the event loop go out together: the socket is
   * corked at the first and uncorked on the next tick, so a loop of sends
   * becomes one `writev` instead of a system call per frame.
   */
  send(bytes: Buffer, timeout: number | null): Promise<number> {
    const socket = this.link.socket as net.Socket;
    this.flushPendingPong();
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    return writeFrame(socket, bytes, timeout);
  }

  /** An automatic pong: written now unless the socket is congested by earlier pongs, then held as the latest (RFC 6455 §5.5.3). */
  pong(bytes: Buffer): void {
    const socket = this.link.openSocket;
    if (socket === null) return;
    this.pendingPong = bytes;
    // A pong write completing (or 'drain') sends a held one.
    if (socket.writableLength >= PONG_BACKLOG && (this.pongsInFlight > 0 || socket.writableNeedDrain)) return;
    this.flushPendingPong();
  }

  /** Write a frame now (a close frame), after any pong still waiting. */
  writeNow(bytes: Buffer): void {
    const socket = this.link.socket;
    if (socket === null) return;
    this.flushPendingPong();
    socket.write(bytes);
  }

  private flushPendingPong(): void {
    if (this.pendingPong === null || this.link.socket === null) return;
    const pong = this.pendingPong;
    this.pendingPong = null;
    this.pongsInFlight++;
    this.link.socket.write(pong, this.pongWritten);
  }
}

function uncork(socket: net.Socket): void {
  socket.uncork();
}

/**
 * Write one send's frame; the promise resolves with its length once the
 * socket has written it. The write callback (which waits for a later tick even
 * when the write is done at once) keeps the length, not the frame, so that it
 * never holds a frame the socket is done with. A frame lent by the frame ring
 * goes back to it in the callback, when the socket is done with its bytes
 * (written, or dropped with the socket), whatever became of the promise.
 */
function writeFrame(socket: net.Socket, frame: Buffer, timeout: number | null): Promise<number> {
  const length = frame.length;
  const lent = frameRing !== null && frameRing.owns(frame) ? frame : null;
  let resolve!: (length: number) => void;
  let rejectPromise!: (error: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    rejectPromise = rej;
  });
  // Marked handled only when it fails: a send nobody awaits never crashes the
  // process, and the common, successful send costs no extra promise.
  const reject = (error: Error) => {
    handled(promise);
    rejectPromise(error);
  };
  let timer: NodeJS.Timeout | null = null;
  if (timeout !== null) {
    timer = setTimeout(() => {
      timer = null;
      // The frame stays queued whole: a late flush never corrupts the stream.
      reject(createError('WS_ERR_SEND_TIMEOUT', `send timed out after ${timeout} ms with ${socket.writableLength} bytes still buffered`));
    }, timeout);
  }
  socket.write(frame, (error) => {
    if (lent !== null) frameRing?.giveBack(lent);
    if (timer !== null) clearTimeout(timer);
    else if (timeout !== null) return;
    if (error) reject(createError('WS_ERR_CONNECTION_LOST', `send failed: ${error.message}`, { cause: error }));
    else resolve(length);
  });
  return promise;
}
