/**
 * Writes of a plain TCP socket made straight on its libuv handle
 * (`socket._handle.writeBuffer`), as `net.Socket` itself does under its
 * Writable stream, without the stream's per-write state, callbacks and
 * request bookkeeping. Most small writes complete at once (libuv tries the
 * write before queueing it); what the kernel does not take stays queued in
 * libuv, in order, and completes later.
 *
 * The request object Node passes to `writeBuffer` is an internal class; it
 * is learnt from the first write a socket makes through the stream (Node 20
 * and 22 pass a request object; Node 24 passes none and returns one when the
 * write is queued). Until then, and whenever the stream still holds bytes of
 * its own, writes go through `socket.write`, so bytes always leave in the
 * order they were written.
 */
import type net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** What a queued write tells when it completes. */
interface WriteRequest {
  oncomplete: ((status: number) => void) | null;
  /** Keeps the written bytes alive until libuv is done with them. */
  buffer?: Buffer;
}

interface StreamHandle {
  writeBuffer(request: WriteRequest | null, bytes: Buffer): number | WriteRequest;
  readonly writeQueueSize: number;
}

/** How `writeBuffer` wants its request on this Node: unknown yet, an instance of Node's class, or none. */
type RequestStyle = { kind: 'unknown' } | { kind: 'object'; make: () => WriteRequest } | { kind: 'none' };

let style: RequestStyle = { kind: 'unknown' };

/** Bytes queued in libuv above which {@link DirectWriter.writable} turns false (the stream's default high-water mark). */
const QUEUE_HIGH_BYTES = 16 * 1024;

/** Writes for one plain socket: on its handle when it can, else through the stream. */
export class DirectWriter {
  /** Writes made on the handle (the others went through `socket.write`). */
  handleWrites = 0;
  private drainListeners: Array<() => void> = [];
  private readonly onComplete = (status: number): void => {
    if (status < 0) {
      this.fail(status);
      return;
    }
    if (this.queued() === 0) this.drained();
  };

  constructor(private readonly socket: net.Socket) {}

  /** Write `bytes` (kept until written: the caller must not reuse them). */
  write(bytes: Buffer): void {
    const handle = (this.socket as unknown as { _handle: StreamHandle | null })._handle;
    if (handle === null || this.socket.destroyed || this.socket.writableLength > 0 || this.socket.writableCorked > 0) {
      this.socket.write(bytes);
      return;
    }
    if (style.kind === 'unknown') {
      learnRequestStyle(this.socket, handle, bytes);
      return;
    }
    this.handleWrites++;
    let result: number | WriteRequest;
    if (style.kind === 'object') {
      const request = style.make();
      request.oncomplete = this.onComplete;
      request.buffer = bytes;
      result = handle.writeBuffer(request, bytes);
    } else {
      result = handle.writeBuffer(null, bytes);
      if (typeof result === 'object') {
        result.oncomplete = this.onComplete;
        result.buffer = bytes;
      }
    }
    if (typeof result === 'number' && result < 0) this.fail(result);
  }

  /** True while libuv holds fewer than 16 KiB not yet taken by the kernel and the stream needs no drain. */
  get writable(): boolean {
    return !this.socket.writableNeedDrain && this.queued() < QUEUE_HIGH_BYTES;
  }

  /** Call `listener` once both the stream and the handle's queue have drained. */
  onceDrained(listener: () => void): void {
    if (this.socket.writableNeedDrain) {
      this.socket.once('drain', () => this.onceDrained(listener));
      return;
    }
    if (this.queued() === 0) {
      queueMicrotask(listener);
      return;
    }
    this.drainListeners.push(listener);
  }

  private queued(): number {
    const handle = (this.socket as unknown as { _handle: StreamHandle | null })._handle;
    return handle === null ? 0 : handle.writeQueueSize;
  }

  private drained(): void {
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }

  /** A failed write ends the socket with the system error, as a failed stream write does. */
  private fail(status: number): void {
    if (this.socket.destroyed) return;
    const name = getSystemErrorName(status);
    const error = Object.assign(new Error(`write ${name}`), { code: name, errno: status, syscall: 'write' });
    this.socket.destroy(error);
  }
}

/** Make this write through the stream, noting what request object Node hands to `writeBuffer`. */
function learnRequestStyle(socket: net.Socket, handle: StreamHandle, bytes: Buffer): void {
  const own = Object.getOwnPropertyDescriptor(handle, 'writeBuffer');
  const original = handle.writeBuffer;
  (handle as { writeBuffer: StreamHandle['writeBuffer'] }).writeBuffer = function (request, data) {
    restore();
    if (request === null) style = { kind: 'none' };
    else {
      const RequestClass = (request as object).constructor as new () => WriteRequest;
      style = { kind: 'object', make: () => new RequestClass() };
    }
    return original.call(this, request, data);
  };
  function restore(): void {
    if (own === undefined) delete (handle as { writeBuffer?: unknown }).writeBuffer;
    else Object.defineProperty(handle, 'writeBuffer', own);
  }
  try {
    socket.write(bytes);
  } finally {
    if (Object.prototype.hasOwnProperty.call(handle, 'writeBuffer') && own === undefined) restore();
  }
}
