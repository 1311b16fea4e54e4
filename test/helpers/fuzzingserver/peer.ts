/**
 * One server-side WebSocket connection of the fuzzing server: writes crafted frames with
 * the requested TCP chopping, reads and checks client frames, runs the closing handshake
 * (RFC 6455 §5.5.1, §7) and remembers what a verdict needs (who closed, codes, cleanliness).
 */
import type { Socket } from 'node:net';
import { InflateError, type DeflateCodec } from './deflate-codec.js';
import { ClientViolation, FrameReader, OPCODE, encodeFrame, type IncomingFrame } from './frames.js';

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

export interface PeerOptions {
  maxPayload: number;
  /** how long to wait for the client's close frame, or its TCP close, before dropping the connection. */
  closeTimeoutMs: number;
  /** the negotiated permessage-deflate (RFC 7692): RSV1 allowed on first data frames, messages inflated. */
  deflate?: DeflateCodec;
}

/** RSV1, the "Per-Message Compressed" bit, as the reader reports the RSV bits (RFC 7692 §6). */
const RSV1 = 4;

type QueueItem = { kind: 'data'; data: Buffer; chopsize: number; sync: boolean } | { kind: 'end' };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when `bytes` is well-formed UTF-8 (RFC 3629). */
export function isValidUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
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
  /** the server failed the connection (kill timer or a client violation). */
  failedByMe = false;
  /** the closing handshake completed in both directions. */
  wasClean = false;
  remoteCloseCode: number | null = null;
  localCloseCode: number | null = null;
  /** the first rule the client broke, if any. */
  violation: string | null = null;

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

  constructor(
    private readonly socket: Socket,
    private readonly handlers: PeerHandlers,
    private readonly options: PeerOptions,
  ) {
    this.reader = new FrameReader(options.maxPayload, options.deflate === undefined ? 0 : RSV1);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      // the 'close' event that follows carries the outcome
    });
    socket.once('close', () => this.onSocketClosed());
  }

  /** Feeds bytes that arrived together with the HTTP request head. */
  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.onData(chunk);
  }

  /** Sends one frame exactly as specified, legal or not. */
  sendFrame(spec: FrameSpec): void {
    let payload = toBuffer(spec.payload);
    if (spec.payloadLength !== undefined) {
      payload = payload.length === 0 ? Buffer.alloc(spec.payloadLength) : Buffer.alloc(spec.payloadLength, payload);
    }
    const frame = encodeFrame({ opcode: spec.opcode, fin: spec.fin ?? true, rsv: spec.rsv ?? 0, payload });
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
    this.sendRaw(encodeFrame({ opcode: OPCODE.CLOSE, payload }));
    this.later(this.options.closeTimeoutMs, () => this.drop());
  }

  /** After `ms`, fail the connection if it is still there: close 1001 when open, drop TCP when closing. */
  killAfter(ms: number): void {
    this.later(ms, () => {
      if (this.state === 'OPEN') {
        this.failedByMe = true;
        this.sendClose(1001);
      } else if (this.state === 'CLOSING') this.drop();
    });
  }

  /** After `ms`, start a closing handshake without a code if the connection is still open. */
  closeAfter(ms: number): void {
    this.later(ms, () => this.sendClose());
  }

  /** Runs `step` after `ms` unless the connection is gone by then. */
  continueLater(ms: number, step: () => void): void {
    this.later(ms, () => {
      if (this.state !== 'CLOSED') step();
    });
  }

  /** Closes our side of TCP once everything queued is written; destroys it if the client lingers. */
  drop(): void {
    if (this.ending || this.state === 'CLOSED') return;
    this.ending = true;
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
    if (this.state === 'CLOSED' || this.violation !== null) return;
    let frames: IncomingFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof ClientViolation)) throw error;
      this.fail(error.message, error.code);
      return;
    }
    this.backlog.push(...frames);
    this.handleBacklog();
  }

  /** Handles received frames in order; stops while a compressed message inflates and resumes after it. */
  private handleBacklog(): void {
    while (this.backlog.length > 0 && !this.inflating && this.violation === null) this.onFrame(this.backlog.shift()!);
    if (this.violation !== null) this.backlog = [];
    if (this.socketGone && !this.inflating && this.backlog.length === 0) this.concludeClosed();
  }

  private fail(why: string, code: number): void {
    this.violation ??= why;
    this.failedByMe = true;
    this.sendClose(code);
    this.drop();
  }

  private onFrame(frame: IncomingFrame): void {
    if (this.closeReceived) {
      this.fail(`client sent a frame (opcode ${frame.opcode}) after its close frame`, 1002); // RFC 6455 §5.5.1
      return;
    }
    // RFC 7692 §6.1: RSV1 marks the first frame of a compressed message, nothing else.
    if ((frame.rsv & RSV1) !== 0 && frame.opcode !== OPCODE.TEXT && frame.opcode !== OPCODE.BINARY) {
      const what = frame.opcode === OPCODE.CONTINUATION ? 'a continuation frame' : `a control frame (opcode ${frame.opcode})`;
      this.fail(`client set RSV1 on ${what}; permessage-deflate allows it only on the first frame of a message`, 1002);
      return;
    }
    switch (frame.opcode) {
      case OPCODE.CONTINUATION:
        if (this.fragments === null) {
          this.fail('client sent a continuation frame with no message to continue', 1002); // §5.4
          return;
        }
        this.addFragment(frame.payload);
        if (frame.fin) this.finishMessage();
        return;
      case OPCODE.TEXT:
      case OPCODE.BINARY:
        if (this.fragments !== null) {
          this.fail('client started a new data frame inside a fragmented message', 1002); // §5.4
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
      this.fail(`client message exceeds the limit of ${this.options.maxPayload} bytes`, 1009);
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
        this.fail(`client sent a compressed message of ${compressed.length} bytes that does not inflate: ${(error as Error).message}`, code);
        this.handleBacklog();
      },
    );
  }

  private deliver(data: Buffer, binary: boolean): void {
    if (this.violation !== null) return;
    if (!binary && !isValidUtf8(data)) {
      this.fail('client sent a text message that is not valid UTF-8', 1007); // §8.1
      return;
    }
    this.handlers.onMessage(data, binary);
  }

  private onClose(payload: Buffer): void {
    this.closeReceived = true;
    let code: number | null = null;
    if (payload.length === 1) {
      this.fail('client close frame has a 1-byte payload', 1002); // §5.5.1
      return;
    }
    if (payload.length >= 2) {
      // Whether the code is acceptable is for the case to judge (7.13.x accepts undefined codes).
      code = payload.readUInt16BE(0);
      this.remoteCloseCode = code;
      if (!isValidUtf8(payload.subarray(2))) {
        this.fail('client close reason is not valid UTF-8', 1007); // §5.5.1
        return;
      }
    }
    if (this.state === 'OPEN') {
      // Echo a sendable code back (RFC 6455 §5.5.1), answer 1002 to one that must not be sent (§7.4),
      // then the server closes TCP first (§7.1.1).
      this.sendClose(code === null ? undefined : isSendableCloseCode(code) ? code : 1002);
      this.closedByMe = false;
    }
    this.wasClean = true;
    this.drop();
  }

  private onSocketClosed(): void {
    this.socketGone = true;
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
