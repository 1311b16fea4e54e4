/**
 * The unread side of a connection: received units waiting to be read, bounded
 * by a count (`maxQueue`) and by bytes (`maxQueueBytes`). When either bound is
 * reached the inbox asks its producer to pause; when reads bring both down to
 * a quarter of their bounds it asks it to resume, so a steady reader costs one
 * pause and resume per few messages, not one per message (python websockets'
 * Assembler, with its maybe_pause/maybe_resume and low-water mark, is the model). The WebSocket pauses the
 * session — which then stops right after the message it is delivering and
 * keeps the rest of the input as bytes — and the socket.
 */
import { OPCODE_CLOSE } from './frame/opcodes.js';
import type { ReceivedFrame } from './protocol/session.js';
import { opcodeOf, ReceiveQueue } from './receive-queue.js';

export { opcodeOf } from './receive-queue.js';

/** One received unit waiting in the inbox. */
export interface Entry {
  opcode: number;
  /** Text messages are decoded strings; everything else bytes. */
  data: string | Buffer;
  /** Set in raw frame mode: the frame as it came. */
  frame?: ReceivedFrame;
}

/** What the inbox holds: a whole text message as its string (no object around it, the common case), anything else as an {@link Entry}. */
export type Queued = Entry | string;

/** What a read asks for: a message, a message or control frame (`'control'`), or a frame. */
export type Want = 'message' | 'data' | 'control' | 'frame';

/** Called when the inbox is full (pause) and when it has room again (resume). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

export function isControl(opcode: number): boolean {
  return opcode >= OPCODE_CLOSE;
}

/** True when a read of kind `want` takes a unit of this opcode (a message read skips control frames). */
export function accepts(want: Want, opcode: number): boolean {
  return want === 'control' || want === 'frame' || !isControl(opcode);
}

/** Bounds of an {@link Inbox}. */
export interface InboxLimits {
  /** Unread data units (messages, or frames in frame mode) at which the producer is paused. */
  maxQueue: number;
  /** Bytes of unread data units at which the producer is paused. */
  maxQueueBytes: number;
}

export class Inbox {
  private readonly queue = new ReceiveQueue<Queued>();
  private readonly maxQueue: number;
  private readonly maxQueueBytes: number;
  private readonly lowQueue: number;
  private readonly lowQueueBytes: number;
  private readonly flow: FlowControl;
  private pausedFlow = false;

  constructor(limits: InboxLimits, flow: FlowControl) {
    this.maxQueue = limits.maxQueue;
    this.maxQueueBytes = limits.maxQueueBytes;
    this.lowQueue = Math.floor(limits.maxQueue / 4);
    this.lowQueueBytes = Math.floor(limits.maxQueueBytes / 4);
    this.flow = flow;
  }

  /** Units queued (control frames included). */
  get length(): number {
    return this.queue.length;
  }

  /** Unread data units (messages or frames). */
  get data(): number {
    return this.queue.data;
  }

  /** Bytes of the unread data units (text counted as its UTF-8 bytes). */
  get bytes(): number {
    return this.queue.bytes;
  }

  /** True while the producer is asked to pause. */
  get paused(): boolean {
    return this.pausedFlow;
  }

  /**
   * Queue a unit of `size` bytes. Pings and pongs were already answered: at
   * most `maxQueue` of them are kept, the oldest dropped, so a ping flood
   * never grows memory; they do not count toward the bounds.
   */
  push(entry: Queued, size: number): void {
    this.queue.push(entry, size);
    if (this.queue.pingsAndPongs > this.maxQueue) this.queue.dropOldestPingOrPong();
  }

  /** The next unit, left in place. */
  peek(): Queued | undefined {
    return this.queue.at(0);
  }

  /**
   * Take the next unit a read of kind `want` accepts, dropping the control
   * frames it skips. Never resumes the producer: call {@link maybeResume}
   * once the unit is handed over.
   */
  take(want: Want): Queued | undefined {
    for (let entry = this.queue.shift(); entry !== undefined; entry = this.queue.shift()) {
      if (accepts(want, opcodeOf(entry))) return entry;
    }
    return undefined;
  }

  /** Ask the producer to pause if either bound is reached: `maxQueue` unread units, or `maxQueueBytes` bytes of them. */
  maybePause(): void {
    if (!this.pausedFlow && (this.queue.data >= this.maxQueue || this.queue.bytes >= this.maxQueueBytes)) {
      this.pausedFlow = true;
      this.flow.pause();
    }
  }

  /** Ask a paused producer to resume once both counts are down to a quarter of their bounds (rounded down). */
  maybeResume(): void {
    if (this.pausedFlow && this.queue.data <= this.lowQueue && this.queue.bytes <= this.lowQueueBytes) this.unpause();
  }

  /** Resume the producer whatever is queued (the closing handshake must read on). */
  unpause(): void {
    if (!this.pausedFlow) return;
    this.pausedFlow = false;
    this.flow.resume();
  }

  /** Drop every unit (the producer's state is left as it is). */
  clear(): void {
    this.queue.clear();
  }

  /** Empty and not paused, for a new producer: the old one is not told. */
  reset(): void {
    this.queue.clear();
    this.pausedFlow = false;
  }
}
