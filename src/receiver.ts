/**
 * The receive half of a WebSocket: the protocol session's hooks, which turn
 * what it delivers into units of the inbox, and the pausing of the session
 * and the socket that keeps the inbox within its bounds. One object per
 * WebSocket, its hooks methods on a prototype: a connection costs this one
 * small object rather than a closure per hook.
 */
import type * as net from 'node:net';
import type { Closing } from './closing.js';
import { OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT } from './frame/opcodes.js';
import { Inbox, type FlowControl, type InboxLimits } from './inbox.js';
import type { Link } from './link.js';
import { wholeUnit, type Received } from './protocol/received.js';
import type { SessionFailure, SessionHandler, WriteKind } from './protocol/session.js';
import { isTraceEnabled, trace, traceFrame } from './trace.js';
import type { Writer } from './writer.js';

/** Feeds one WebSocket's inbox from its session; see the module comment. */
export class Receiver implements SessionHandler, FlowControl {
  /** The unread units and the reads waiting for them. */
  readonly inbox: Inbox;
  /** The socket is paused because the inbox is full. */
  private socketPaused = false;

  constructor(
    private readonly link: Link,
    private readonly writer: Writer,
    private readonly closing: Closing,
    limits: InboxLimits,
  ) {
    this.inbox = new Inbox(limits, this, closing);
  }

  /** A new connection: empty inbox, nothing paused. */
  reset(): void {
    this.inbox.reset();
    this.socketPaused = false;
  }

  /** Bytes read from the socket; true when the session copied all of them and kept no view (see `ClientSession.receive`). */
  receive(chunk: Buffer): boolean {
    const copied = this.link.session?.receive(chunk) ?? false;
    // The inbox filled during this read: read no more until the user reads.
    if (this.inbox.paused) this.pauseSocket();
    return copied;
  }

  /** Start reading a new socket: its first bytes (those that came with the 101) were already received, and may have filled the inbox. */
  startReading(socket: net.Socket): void {
    if (this.inbox.paused) this.socketPaused = true;
    else if (!this.link.socketClosed) socket.resume();
  }

  onText(text: string, size: number, frames?: readonly number[]): void {
    traceFrame('Rcv', OPCODE_TEXT, text);
    if (frames === undefined) {
      this.inbox.deliver(text, size);
      return;
    }
    // A fragmented message keeps its frame lengths, for recvFrame().
    const unit = wholeUnit(OPCODE_TEXT, text);
    unit.frames = frames;
    this.inbox.deliver(unit, size);
  }

  onBinary(data: Buffer, frames?: readonly number[]): void {
    traceFrame('Rcv', OPCODE_BINARY, data);
    const unit = wholeUnit(OPCODE_BINARY, data);
    if (frames !== undefined) unit.frames = frames;
    this.inbox.deliver(unit, data.length);
  }

  onFragment(frame: Received<Buffer>): void {
    traceFrame('Rcv', frame.opcode, frame.data, frame.fin);
    this.inbox.deliver(frame, frame.data.length);
  }

  onFrame(frame: Received<Buffer>): void {
    // The close frame comes to onClose too, with its code and reason.
    if (frame.opcode !== OPCODE_CLOSE) this.onFragment(frame);
  }

  onPing(data: Buffer): void {
    traceFrame('Rcv', OPCODE_PING, data);
    this.inbox.deliver(this.control(OPCODE_PING, data), data.length);
  }

  onPong(data: Buffer): void {
    traceFrame('Rcv', OPCODE_PONG, data);
    this.inbox.deliver(this.control(OPCODE_PONG, data), data.length);
  }

  onClose(code: number | null, reason: string, payload: Buffer): void {
    traceFrame('Rcv', OPCODE_CLOSE, payload);
    const unit = wholeUnit(OPCODE_CLOSE, payload);
    unit.code = code;
    unit.reason = reason;
    this.inbox.deliver(unit, payload.length);
    this.closing.awaitPeerClose();
    this.inbox.serve();
  }

  onWrite(bytes: Buffer, kind: WriteKind): void {
    if (this.link.openSocket === null) return;
    if (isTraceEnabled()) {
      const what = kind === 'close' ? 'close reply held until the messages before it are read' : 'pong (automatic reply)';
      trace(`++Sent ${what}: ${bytes.length} bytes on the wire`);
    }
    if (kind === 'close') this.closing.hold(bytes, false, this.inbox);
    else this.writer.pong(bytes);
  }

  onFailure(error: SessionFailure, closeFrame: Buffer | null): void {
    // The close frame is held before the waiting reads are served: a read told of the failure sends it at once.
    this.closing.fail(error, closeFrame, this.inbox);
    this.inbox.serve();
  }

  /**
   * The inbox is full: the session stops after the current message and keeps
   * the rest of the read as bytes; the socket is paused once the read in
   * progress returns (see {@link receive}), so a pause costs one per read.
   */
  pause(): void {
    this.link.session?.pause();
  }

  /** The inbox has room: parse what was held (which may fill it again), then read the socket unless it did. */
  resume(): void {
    this.link.session?.resume();
    if (!this.inbox.paused && this.socketPaused) {
      this.socketPaused = false;
      this.link.openSocket?.resume();
    }
  }

  private pauseSocket(): void {
    if (this.socketPaused) return;
    this.socketPaused = true;
    this.link.socket?.pause();
  }

  /** A ping or pong; one that came between the frames of a message notes after how many, for recvFrame(). */
  private control(opcode: number, data: Buffer): Received {
    const unit = wholeUnit(opcode, data);
    const afterFrames = this.link.session?.messageFramesReceived ?? 0;
    if (afterFrames !== 0) unit.afterFrames = afterFrames;
    return unit;
  }
}
