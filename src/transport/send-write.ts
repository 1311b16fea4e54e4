/**
 * How a send's frame reaches the socket, and when its promise resolves.
 *
 * - A send on a socket with nothing queued or corked is written at once: one
 *   system call, no callback to wait for. When the kernel took every byte
 *   (the usual case for a small frame), the promise is already resolved: the
 *   frame is flushed, so the caller's `await` costs one microtask, not the
 *   two ticks of Node's write callback.
 * - Sends made later in the same turn of the event loop are corked behind it
 *   and go out together on the next tick, one `writev` for a loop of sends
 *   instead of a system call per frame. A turn ends when that tick runs or
 *   when a socket reads ({@link newTurn}): a send answering a read costs no
 *   tick of its own.
 * - A frame the kernel did not take whole waits for the write callback (of
 *   an empty write queued behind it), bounded by the timeout.
 *
 * A frame lent by the frame ring goes back to it as soon as the socket is done
 * with its bytes (written, or dropped with the socket), whatever became of the
 * promise.
 */
import type * as net from 'node:net';
import { createError } from '../exceptions.js';
import { frameRing } from '../frame/frame-ring.js';

/** Counts turns of the event loop, as far as sends need to tell them apart. */
let turn = 0;
/** The turn in which a socket last wrote a send at once. */
const directTurn = Symbol('rfc6455.directTurn');

interface TurnSocket extends net.Socket {
  [directTurn]?: number;
}

/** A socket read, so this is a new turn of the event loop: the next send on any socket may be written at once. */
export function newTurn(): void {
  turn++;
}

const EMPTY = Buffer.alloc(0);

/**
 * Write one send's frame to `socket`; the promise resolves with the frame's
 * length once the socket has written it, and rejects with
 * WebSocketTimeoutException when that takes longer than `timeout` ms (null:
 * no bound) or WebSocketConnectionClosedException when the socket fails.
 */
export function writeSend(socket: net.Socket, frame: Buffer, timeout: number | null): Promise<number> {
  const s = socket as TurnSocket;
  if (s[directTurn] === turn || socket.writableCorked || socket.writableLength > 0 || socket.destroyed) {
    corkForThisTurn(socket);
    return writeAndWait(socket, frame, frame, timeout);
  }
  s[directTurn] = turn;
  socket.write(frame);
  // Written whole by the kernel already (Node counts a failed write as done: the error says otherwise).
  if (socket.writableLength === 0 && socket.errored === null && !socket.destroyed) {
    if (frameRing !== null && frameRing.owns(frame)) frameRing.giveBack(frame);
    return resolvedWith(frame.length);
  }
  // The rest waits in the socket's queue: an empty write behind it calls back once it is written.
  return writeAndWait(socket, EMPTY, frame, timeout);
}

/** The last settled promise handed out: a run of sends of one size shares it (it can only ever hold that length). */
let lastResolved: { length: number; promise: Promise<number> } = { length: -1, promise: Promise.resolve(-1) };

/** A promise already resolved with `length`. */
function resolvedWith(length: number): Promise<number> {
  if (lastResolved.length !== length) lastResolved = { length, promise: Promise.resolve(length) };
  return lastResolved.promise;
}

/** Later sends of this turn queue behind the socket's cork; the next tick writes them in one go. */
function corkForThisTurn(socket: net.Socket): void {
  if (socket.writableCorked) return;
  socket.cork();
  process.nextTick(uncork, socket);
}

function uncork(socket: net.Socket): void {
  turn++;
  socket.uncork();
}

/**
 * Write `bytes` (the frame itself, or an empty write queued behind it) and
 * resolve the send of `frame` in their write callback.
 */
function writeAndWait(socket: net.Socket, bytes: Buffer, frame: Buffer, timeout: number | null): Promise<number> {
  const lent = frameRing !== null && frameRing.owns(frame) ? frame : null;
  // The callback keeps the length, not the frame: it never holds a frame the socket is done with.
  const waiting = new Completion(socket, frame.length, timeout);
  socket.write(bytes, (error) => {
    if (lent !== null) frameRing?.giveBack(lent);
    waiting.settle(error);
  });
  return waiting.promise;
}

/** The promise of a send whose frame is still in the socket's queue. */
class Completion {
  readonly promise: Promise<number>;
  private resolve!: (length: number) => void;
  private reject!: (error: Error) => void;
  private timer: NodeJS.Timeout | null = null;
  private settled = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly length: number,
    timeout: number | null,
  ) {
    this.promise = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (timeout !== null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        // The frame stays queued whole: a late flush never corrupts the stream.
        this.fail(createError('WS_ERR_SEND_TIMEOUT', `send timed out after ${timeout} ms with ${this.socket.writableLength} bytes still buffered`));
      }, timeout);
    }
  }

  /** The socket's write callback: written, or failed with `error`. */
  settle(error: Error | null | undefined): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (error) this.fail(createError('WS_ERR_CONNECTION_LOST', `send failed: ${error.message}`, { cause: error }));
    else if (!this.settled) {
      this.settled = true;
      this.resolve(this.length);
    }
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    // Marked handled only when it fails: a send nobody awaits never crashes the process.
    this.promise.catch(ignore);
    this.reject(error);
  }
}

function ignore(): void {}
