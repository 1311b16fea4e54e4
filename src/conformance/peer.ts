/**
 * One WebSocket connection of the tester, on either end: as the server (testing a client) or
 * as the client (testing a server, its frames masked). Writes crafted frames with the requested
 * TCP chopping, reads and checks the peer's frames, runs the closing handshake (RFC 6455
 * §5.5.1, §7) and remembers what a verdict needs (who closed, who dropped TCP, codes, cleanliness).
 */
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import { InflateError, type DeflateCodec } from './deflate-codec.js';
import { ClientViolation, FrameReader, OPCODE, encodeFrame, type IncomingFrame } from './frames.js';
import { Wirelog } from './wirelog.js';

export interface PeerHandlers {
  onMessage(data: Buffer, binary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** the TCP connection is gone; called once. */
  onConnectionLost(): void;
}

export interface SendOptions {
  /** write the bytes in chops of this many octets, each its own TCP write. */
  chopsize?: number;
  /** write the bytes as a TCP write of their own and wait until it is flushed. */
  sync?: boolean;
}

export interface FrameSpec extends SendOptions {
  opcode: number;
  fin?: boolean;
  rsv?: number;
  payload?: Buffer | string;
  /** repeat `payload` until the payload has exactly this many octets. */
  payloadLength?: number;
}

/** The tester's end of the connection. */
export type Role = 'server' | 'client';

export interface PeerOptions {
  /** 'server' (the default) tests a client; 'client' tests a server and masks every frame it sends. */
  role?: Role;
  /**
   * When the tester fails the connection (a protocol violation of the peer, a kill timer), drop TCP
   * at once instead of starting a closing handshake (Autobahn's `failByDrop`; client role only).
   */
  failByDrop?: boolean;
  maxPayload: number;
  /**
   * How long to wait for the peer's close frame, or its TCP close, before dropping the connection.
   * As the client this is also how long the server has to close TCP after the closing handshake (§7.1.1).
   */
  closeTimeoutMs: number;
  /** the negotiated permessage-deflate (RFC 7692): RSV1 allowed on first data frames, messages inflated. */
  deflate?: DeflateCodec;
}

/** RSV1, the "Per-Message Compressed" bit, as the reader reports the RSV bits (RFC 7692 §6). */
const RSV1 = 4;

type QueueItem = { kind: 'data'; data: Buffer; chopsize: number; sync: boolean } | { kind: 'end' };

/** A TCP reset from the peer: the error code Node gave, and whether a write of ours, not a read, met it. */
export interface PeerReset {
  code: string;
  whileWriting: boolean;
}

/**
 * Why a connection the peer ended without a closing handshake was not clean. A peer that closes
 * TCP with octets of ours unread makes its kernel answer with a reset; when the reset fails one of
 * our writes, Node closes the socket before reading what arrived ahead of it, so an echo the peer
 * sent just before closing can be lost with it.
 */
export function peerClosedReason(reset: PeerReset | undefined): string {
  if (reset === undefined) return 'the peer closed TCP without a closing handshake';
  if (!reset.whileWriting) return `the peer reset TCP without a closing handshake (${reset.code})`;
  return `the peer reset TCP without a closing handshake (${reset.code}) while the tester was still writing; what it sent just before may be lost with the reset`;
}

/** True when `bytes` is well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF. */
export function isValidUtf8(bytes: Buffer): boolean {
  return isUtf8(bytes);
}

/** Close codes a peer may put on the wire (RFC 6455 §7.4.1, §7.4.2; IANA registry up to 1014). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function toBuffer(payload: Buffer | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

export class FuzzPeer {
  state: 'OPEN' | 'CLOSING' | 'CLOSED' = 'OPEN';
  /** the server sent the first close frame. */
  closedByMe = false;
  /** the tester failed the connection (kill timer or a peer violation). */
  failedByMe = false;
  /** the tester dropped TCP (rather than the peer closing it). */
  droppedByMe = false;
  /** the closing handshake completed in both directions (and, as the client, the server closed TCP). */
  wasClean = false;
  /** why the close was not clean, when it was not. */
  wasNotCleanReason: string | null = null;
  /** the peer's TCP reset, if one ended the connection, and whether it failed a write of ours */
  private reset: PeerReset | undefined;
  remoteCloseCode: number | null = null;
  /** close reason the peer sent, when its close frame had one. */
  remoteCloseReason: string | null = null;
  /** frames sent and received, timers set and fired. */
  readonly wirelog = new Wirelog();
  localCloseCode: number | null = null;
  /** the first rule the peer broke, if any. */
  violation: string | null = null;
  readonly role: Role;

  private readonly reader: FrameReader;
  private readonly timers = new Set<NodeJS.Timeout>();
  private queue: QueueItem[] = [];
  private pumping = false;
  private corked = false;
  private closeReceived = false;
  private ending = false;
  private fragments: Buffer[] | null = null;
  private fragmentedBinary = false;
  private fragmentedBytes = 0;
  private fragmentedCompressed = false;
  /** frames received but not yet handled, because a compressed message before them is still inflating. */
  private backlog: IncomingFrame[] = [];
  private inflating = false;
  /** TCP closed while frames were still being handled: the end is reported once they are. */
  private socketGone = false;
  /** a frame header broke a rule: the byte stream cannot be followed any further. */
  private framingBroken = false;
  /** the peer closed its side of TCP. */
  private peerEnded = false;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: PeerHandlers,
    private readonly options: PeerOptions,
  ) {
    this.role = options.role ?? 'server';
    this.reader = new FrameReader(options.maxPayload, options.deflate === undefined ? 0 : RSV1, this.role === 'server' ? 'client' : 'server');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // the 'close' event that follows carries the outcome
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') this.reset = { code: error.code, whileWriting: error.syscall === 'write' };
    });
    socket.once('end', () => (this.peerEnded = true));
    socket.once('close', () => this.onSocketClosed());
  }

  /** Feeds bytes that arrived together with the HTTP request head. */
  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.onData(chunk);
  }

  /**
   * The bytes of one frame exactly as specified (masked when the tester is the client), logged
   * as sent, for a case that writes them itself with sendRaw, e.g. in pieces over time.
   */
  encode(spec: Omit<FrameSpec, keyof SendOptions>): Buffer {
    const payload = toBuffer(spec.payload);
    const masked = this.role === 'client';
    const fin = spec.fin ?? true;
    const rsv = spec.rsv ?? 0;
    this.wirelog.frame('tx', { opcode: spec.opcode, fin, rsv, payload, masked }, 'written in pieces');
    return encodeFrame({ opcode: spec.opcode, fin, rsv, payload, masked });
  }

  /** Sends one frame exactly as specified, legal or not. */
  sendFrame(spec: FrameSpec): void {
    let payload = toBuffer(spec.payload);
    if (spec.payloadLength !== undefined) {
      payload = payload.length === 0 ? Buffer.alloc(spec.payloadLength) : Buffer.alloc(spec.payloadLength, payload);
    }
    const masked = this.role === 'client';
    const fin = spec.fin ?? true;
    const rsv = spec.rsv ?? 0;
    const frame = encodeFrame({ opcode: spec.opcode, fin, rsv, payload, masked });
    const how = spec.chopsize !== undefined ? `chopsize ${spec.chopsize}` : spec.sync === true ? 'sync' : undefined;
    if (this.state !== 'CLOSED' && !this.ending) this.wirelog.frame('tx', { opcode: spec.opcode, fin, rsv, payload, masked }, how);
    this.sendRaw(frame, spec);
  }

  /**
   * Sends one message compressed with the negotiated permessage-deflate (RFC 7692 §7.2.1): RSV1 on
   * the first frame, the compressed payload split into frames of `fragmentSize` octets (0 = one frame).
   * Resolves once its frames are queued.
   */
  async sendCompressed(message: Buffer, binary: boolean, fragmentSize = 0): Promise<void> {
    const codec = this.options.deflate;
    if (codec === undefined) throw new Error('expected permessage-deflate to be negotiated before sending a compressed message');
    const payload = await codec.compress(message);
    const size = fragmentSize > 0 ? fragmentSize : Math.max(1, payload.length);
    const count = Math.max(1, Math.ceil(payload.length / size));
    for (let i = 0; i < count; i++) {
      this.sendFrame({
        opcode: i === 0 ? (binary ? OPCODE.BINARY : OPCODE.TEXT) : OPCODE.CONTINUATION,
        fin: i === count - 1,
        rsv: i === 0 ? RSV1 : 0,
        payload: payload.subarray(i * size, (i + 1) * size),
      });
    }
  }

  /** Sends raw bytes (e.g. part of a frame) with the requested chopping. */
  sendRaw(bytes: Buffer, options: SendOptions = {}): void {
    if (this.state === 'CLOSED' || this.ending) return;
    this.enqueue({ kind: 'data', data: bytes, chopsize: options.chopsize ?? 0, sync: options.sync ?? false });
  }

  /** Starts the closing handshake with an optional code and reason; ignored unless the connection is open. */
  sendClose(code?: number, reason: Buffer | string = ''): void {
    if (code === undefined) {
      this.sendCloseRaw(Buffer.alloc(0), null);
      return;
    }
    const head = Buffer.alloc(2);
    head.writeUInt16BE(code);
    this.sendCloseRaw(Buffer.concat([head, toBuffer(reason)]), code);
  }

  /** Starts the closing handshake with an arbitrary close payload (for invalid close frames). */
  sendCloseRaw(payload: Buffer, code: number | null): void {
    if (this.state !== 'OPEN') return;
    this.state = 'CLOSING';
    this.closedByMe = true;
    this.localCloseCode = code;
    const masked = this.role === 'client';
    this.wirelog.frame('tx', { opcode: OPCODE.CLOSE, fin: true, rsv: 0, payload, masked });
    this.sendRaw(encodeFrame({ opcode: OPCODE.CLOSE, payload, masked }));
    this.later(this.options.closeTimeoutMs, () => {
      if (this.state === 'CLOSED' || this.closeReceived) return;
      this.wasNotCleanReason ??= 'the peer did not answer the close frame in time';
      this.drop();
    });
  }

  /** After `ms`, fail the connection if it is still there: close 1001 when open, drop TCP when closing. */
  killAfter(ms: number): void {
    this.wirelog.timer(`fail the connection after ${ms} ms`);
    this.later(ms, () => {
      if (this.state !== 'CLOSED') this.wirelog.timer('failing the connection');
      if (this.state === 'OPEN' && !this.dropsOnFailure()) {
        this.failedByMe = true;
        this.sendClose(1001);
      } else if (this.state !== 'CLOSED') {
        this.failedByMe = true;
        this.wasNotCleanReason ??= 'the tester failed the connection when the case timer ran out';
        this.drop();
      }
    });
  }

  /** What the peer is, for messages. */
  get peerName(): Role {
    return this.role === 'server' ? 'client' : 'server';
  }

  private dropsOnFailure(): boolean {
    return this.role === 'client' && this.options.failByDrop === true;
  }

  /** After `ms`, start a closing handshake without a code if the connection is still open. */
  closeAfter(ms: number): void {
    this.wirelog.timer(`close after ${ms} ms`);
    this.later(ms, () => {
      if (this.state === 'OPEN') this.wirelog.timer('closing');
      this.sendClose();
    });
  }

  /** Runs `step` after `ms` unless the connection is gone by then. */
  continueLater(ms: number, step: () => void): void {
    this.wirelog.timer(`continue after ${ms} ms`);
    this.later(ms, () => {
      if (this.state !== 'CLOSED') step();
    });
  }

  /**
   * The server closes its side of TCP once everything queued is written, and destroys it if the
   * client lingers (§7.1.1: the server closes TCP first); the client aborts TCP at once.
   */
  drop(): void {
    if (this.ending || this.state === 'CLOSED') return;
    this.ending = true;
    if (!this.peerEnded) this.droppedByMe = true;
    if (this.role === 'client') {
      this.socket.destroy();
      return;
    }
    this.enqueue({ kind: 'end' });
    this.later(this.options.closeTimeoutMs, () => this.socket.destroy());
  }

  /** Tears the connection down at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private enqueue(item: QueueItem): void {
    // Writes queued in the same tick leave as one TCP write unless chopped or sync.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.queue.push(item);
    void this.pump();
  }

  /**
   * One TCP write, then a turn of the event loop (as Autobahn's reactor does
   * between chops), so that a client in the same process reads each chop on
   * its own instead of several merged.
   */
  private async write(bytes: Buffer): Promise<void> {
    await new Promise<void>((resolve) => this.socket.write(bytes, () => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue.shift()!;
        if (this.socket.destroyed) {
          this.queue = [];
          break;
        }
        if (item.kind === 'end') {
          this.socket.end();
        } else if (item.chopsize > 0) {
          for (let at = 0; at < item.data.length && !this.socket.destroyed; at += item.chopsize) {
            await this.write(item.data.subarray(at, at + item.chopsize));
          }
        } else if (item.sync) {
          await this.write(item.data);
        } else {
          this.socket.write(item.data);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'CLOSED' || this.framingBroken) return;
    let frames: IncomingFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof ClientViolation)) throw error;
      // The stream cannot be followed past a broken frame header: nothing more is read.
      this.framingBroken = true;
      this.fail(error.message, error.code);
      return;
    }
    this.backlog.push(...frames);
    this.handleBacklog();
  }

  /** Handles received frames in order; stops while a compressed message inflates and resumes after it. */
  private handleBacklog(): void {
    while (this.backlog.length > 0 && !this.inflating) this.onFrame(this.backlog.shift()!);
    if (this.socketGone && !this.inflating && this.backlog.length === 0) this.concludeClosed();
  }

  private fail(why: string, code: number): void {
    this.violation ??= why;
    this.failedByMe = true;
    this.wasNotCleanReason ??= `the tester failed the connection: ${why}`;
    if (this.dropsOnFailure()) {
      this.drop();
      return;
    }
    this.sendClose(code);
    // The server closes TCP right after its close frame; the client waits for the server to (§7.1.1).
    if (this.role === 'server') this.drop();
  }

  private onFrame(frame: IncomingFrame): void {
    // After the tester failed the connection only the peer's close frame still counts (the closing handshake, §7.1.7).
    if (this.violation !== null && frame.opcode !== OPCODE.CLOSE) return;
    this.wirelog.frame('rx', { ...frame, masked: this.role === 'server' });
    if (this.closeReceived) {
      this.fail(`${this.peerName} sent a frame (opcode ${frame.opcode}) after its close frame`, 1002); // RFC 6455 §5.5.1
      return;
    }
    // RFC 7692 §6.1: RSV1 marks the first frame of a compressed message, nothing else.
    if ((frame.rsv & RSV1) !== 0 && frame.opcode !== OPCODE.TEXT && frame.opcode !== OPCODE.BINARY) {
      const what = frame.opcode === OPCODE.CONTINUATION ? 'a continuation frame' : `a control frame (opcode ${frame.opcode})`;
      this.fail(`${this.peerName} set RSV1 on ${what}; permessage-deflate allows it only on the first frame of a message`, 1002);
      return;
    }
    switch (frame.opcode) {
      case OPCODE.CONTINUATION:
        if (this.fragments === null) {
          this.fail(`${this.peerName} sent a continuation frame with no message to continue`, 1002); // §5.4
          return;
        }
        this.addFragment(frame.payload);
        if (frame.fin) this.finishMessage();
        return;
      case OPCODE.TEXT:
      case OPCODE.BINARY:
        if (this.fragments !== null) {
          this.fail(`${this.peerName} started a new data frame inside a fragmented message`, 1002); // §5.4
          return;
        }
        this.fragments = [];
        this.fragmentedBytes = 0;
        this.fragmentedBinary = frame.opcode === OPCODE.BINARY;
        this.fragmentedCompressed = (frame.rsv & RSV1) !== 0;
        this.addFragment(frame.payload);
        if (frame.fin) this.finishMessage();
        return;
      case OPCODE.PING:
        if (this.state === 'OPEN') this.sendFrame({ opcode: OPCODE.PONG, payload: frame.payload }); // §5.5.2
        this.handlers.onPing(frame.payload);
        return;
      case OPCODE.PONG:
        this.handlers.onPong(frame.payload);
        return;
      default:
        this.onClose(frame.payload);
    }
  }

  private addFragment(payload: Buffer): void {
    this.fragmentedBytes += payload.length;
    if (this.fragmentedBytes > this.options.maxPayload) {
      this.fail(`${this.peerName} message exceeds the limit of ${this.options.maxPayload} bytes`, 1009);
      return;
    }
    this.fragments!.push(payload);
  }

  private finishMessage(): void {
    if (this.violation !== null) return;
    const data = this.fragments!.length === 1 ? this.fragments![0]! : Buffer.concat(this.fragments!);
    const binary = this.fragmentedBinary;
    this.fragments = null;
    if (this.fragmentedCompressed) {
      this.inflate(data, binary);
      return;
    }
    this.deliver(data, binary);
  }

  /** Inflates a compressed message; frames after it wait in the backlog until it is delivered. */
  private inflate(compressed: Buffer, binary: boolean): void {
    this.inflating = true;
    this.options.deflate!.decompress(compressed, this.options.maxPayload).then(
      (data) => {
        this.inflating = false;
        this.deliver(data, binary);
        this.handleBacklog();
      },
      (error: unknown) => {
        this.inflating = false;
        const code = error instanceof InflateError ? error.code : 1002;
        this.fail(`${this.peerName} sent a compressed message of ${compressed.length} bytes that does not inflate: ${(error as Error).message}`, code);
        this.handleBacklog();
      },
    );
  }

  private deliver(data: Buffer, binary: boolean): void {
    if (this.violation !== null) return;
    if (!binary && !isValidUtf8(data)) {
      this.fail(`${this.peerName} sent a text message that is not valid UTF-8`, 1007); // §8.1
      return;
    }
    this.handlers.onMessage(data, binary);
  }

  private onClose(payload: Buffer): void {
    this.closeReceived = true;
    let code: number | null = null;
    if (payload.length === 1) {
      this.fail(`${this.peerName} close frame has a 1-byte payload`, 1002); // §5.5.1
      return;
    }
    if (payload.length >= 2) {
      // Whether the code is acceptable is for the case to judge (7.13.x accepts undefined codes).
      code = payload.readUInt16BE(0);
      this.remoteCloseCode = code;
      this.remoteCloseReason = payload.subarray(2).toString('utf8');
      if (!isValidUtf8(payload.subarray(2))) {
        this.fail(`${this.peerName} close reason is not valid UTF-8`, 1007); // §5.5.1
        return;
      }
    }
    if (this.state === 'OPEN') {
      // Echo a sendable code back (RFC 6455 §5.5.1), answer 1002 to one that must not be sent (§7.4).
      this.sendClose(code === null ? undefined : isSendableCloseCode(code) ? code : 1002);
      this.closedByMe = false;
    }
    this.wasClean = true;
    this.wasNotCleanReason = null;
    // The server closes TCP first (§7.1.1); the client gives it closeTimeoutMs to do so.
    if (this.role === 'server') this.drop();
    else
      this.later(this.options.closeTimeoutMs, () => {
        this.wasClean = false;
        this.wasNotCleanReason = 'the server did not close TCP in time after the closing handshake';
        this.drop();
      });
  }

  private onSocketClosed(): void {
    this.socketGone = true;
    if (!this.wasClean) this.wasNotCleanReason ??= this.droppedByMe ? 'the tester dropped TCP' : peerClosedReason(this.reset);
    this.handleBacklog();
  }

  private concludeClosed(): void {
    if (this.state === 'CLOSED') return;
    this.options.deflate?.close();
    this.state = 'CLOSED';
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
    this.handlers.onConnectionLost();
  }
}
