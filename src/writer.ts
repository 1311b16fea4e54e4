/**
 * The write half of a WebSocket: sends resolved once written (bounded by the
 * timeout; how they reach the socket is transport/send-write.ts's job), and the
 * automatic pongs, of which only the latest waits while the socket is
 * congested. Close frames are written here too, behind any waiting pong.
 */
import type * as net from 'node:net';
import type { Link } from './link.js';
import { writeSend } from './transport/send-write.js';

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
  /** Write callback of a pong (one function per socket, not one per pong), made by the first pong: an idle connection holds none. */
  private pongWritten: (() => void) | null = null;
  /** The socket's 'drain' listener, added by the first pong held back: an idle connection holds none. */
  private drainListener: (() => void) | null = null;

  constructor(private readonly link: Link) {}

  /** Bytes handed to the writer not yet written to the socket. */
  get bufferedAmount(): number {
    return (this.link.socket?.writableLength ?? 0) + (this.pendingPong?.length ?? 0);
  }

  /** Start writing to a new socket: nothing of the old one is kept. */
  attach(): void {
    this.pendingPong = null;
    this.pongsInFlight = 0;
    this.pongWritten = null;
    this.drainListener = null;
  }

  private pongWrittenFor(socket: net.Socket): () => void {
    return () => {
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
   * waiting, resolving with its length once flushed (bounded by `timeout`):
   * written at once on an idle socket, later sends of the same turn corked
   * into one `writev` (see writeSend).
   */
  send(bytes: Buffer, timeout: number | null): Promise<number> {
    this.flushPendingPong();
    return writeSend(this.link.socket as net.Socket, bytes, timeout);
  }

  /** An automatic pong: written now unless the socket is congested by earlier pongs, then held as the latest (RFC 6455 §5.5.3). */
  pong(bytes: Buffer): void {
    const socket = this.link.openSocket;
    if (socket === null) return;
    this.pendingPong = bytes;
    if (socket.writableLength >= PONG_BACKLOG && (this.pongsInFlight > 0 || socket.writableNeedDrain)) {
      // A pong write completing, or 'drain', sends the held one.
      if (this.drainListener === null) socket.on('drain', (this.drainListener = () => this.flushPendingPong()));
      return;
    }
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
    const socket = this.link.socket;
    socket.write(pong, (this.pongWritten ??= this.pongWrittenFor(socket)));
  }
}

