/**
 * The unread side of a connection, as python websockets' Assembler: one
 * object owns the received units waiting to be read (see unit-queue.ts), the
 * reads waiting for them, and the flow control of the producer.
 *
 * Bounds: a count (`maxQueue`) and bytes (`maxQueueBytes`) of unread data
 * units. When either is reached the inbox asks its producer to pause; when
 * reads bring both down to a quarter of their bounds it asks it to resume, so
 * a steady reader costs one pause and resume per few messages, not one per
 * message (the Assembler's maybe_pause/maybe_resume and low-water mark). The
 * WebSocket pauses the session — which then stops right after the message it
 * is delivering and keeps the rest of the input as bytes — and the socket.
 *
 * Waiting reads are served in call order, each unit to the first read that
 * asks for its kind; once nothing more can arrive, the reads left are told
 * how the connection ended.
 */
import { createError } from './exceptions.js';
import { accepts, dataOf, isControl, opcodeOf, UnitQueue, type Queued, type Want } from './unit-queue.js';

export { accepts, dataOf, isControl, opcodeOf, unitOf, type Queued, type Want } from './unit-queue.js';

/** Called when the inbox is full (pause) and when it has room again (resume). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** Where the units come from, as far as reads need to know: whether more can come, and how it ended. */
export interface ConnectionEnd {
  /** True when no more units can arrive. */
  readonly ended: boolean;
  /** The error reads get once it ended and everything that arrived was read. */
  endError(): unknown;
  /** A read took units: `inbox.data` may have reached 0. */
  afterRead(inbox: Inbox): void;
}

/** Bounds of an {@link Inbox}. */
export interface InboxLimits {
  /** Unread data units (messages, or frames in frame mode) at which the producer is paused. */
  maxQueue: number;
  /** Bytes of unread data units at which the producer is paused. */
  maxQueueBytes: number;
  /** Message reads take fragments one by one (the `fireContFrame` option): raw frames are not reassembled. */
  fireContFrame?: boolean;
}

/** A read waiting for a unit. */
interface Waiter {
  want: Want;
  /** A recv(): resolved with the unit's data itself, not the unit (no `.then` step per message). */
  dataOnly: boolean;
  resolve(value: Queued | Buffer): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | null;
}

/** The unread units (a {@link UnitQueue}), their bounds and the reads waiting for them; see the module comment. */
export class Inbox extends UnitQueue {
  private readonly waiters: Waiter[] = [];
  private readonly maxQueue: number;
  private readonly maxQueueBytes: number;
  private readonly lowQueue: number;
  private readonly lowQueueBytes: number;
  private pausedFlow = false;

  constructor(
    limits: InboxLimits,
    private readonly flow: FlowControl,
    private readonly end: ConnectionEnd,
  ) {
    super(limits.maxQueue, limits.fireContFrame === true);
    this.maxQueue = limits.maxQueue;
    this.maxQueueBytes = limits.maxQueueBytes;
    this.lowQueue = Math.floor(limits.maxQueue / 4);
    this.lowQueueBytes = Math.floor(limits.maxQueueBytes / 4);
  }

  /** True while the producer is asked to pause. */
  get paused(): boolean {
    return this.pausedFlow;
  }

  /**
   * A unit of `size` bytes arrived: to the first waiting read that takes it,
   * else queued. Backpressure: once the unread messages reach a bound, the
   * producer is asked to pause. Pings and pongs do not count toward the bounds.
   */
  deliver(entry: Queued, size: number): void {
    if (typeof entry === 'string' && this.waiters.length > 0 && this.length === 0) {
      // A whole text message, nothing queued before it, a read waiting: every kind of read takes it (see UnitQueue.take).
      hand(this.waiters.shift() as Waiter, entry);
      this.end.afterRead(this);
      return;
    }
    this.push(entry, size);
    if (this.waiters.length > 0) this.serve();
    if (!isControl(opcodeOf(entry))) this.maybePause();
  }

  /**
   * The next unit if it is a whole text message and no earlier read waits,
   * else undefined: a message read's common case in one step (what
   * {@link takeNow} would return for it).
   */
  takeText(): string | undefined {
    if (this.waiters.length > 0) return undefined;
    const text = this.shiftString();
    if (text === undefined) return undefined;
    this.maybeResume();
    this.end.afterRead(this);
    return text;
  }

  /** A unit for a read of kind `want` if one is queued and no earlier read waits, else undefined; may resume the producer. */
  takeNow(want: Want): Queued | undefined {
    if (this.waiters.length > 0) return undefined;
    let entry = this.take(want);
    this.maybeResume();
    // Resuming parses the bytes held while paused, which may queue what this read wants: look once more then.
    if (entry === undefined && this.length > 0) entry = this.take(want);
    this.end.afterRead(this);
    return entry;
  }

  /**
   * The next unit for a read of kind `want`, once it comes; rejects with the
   * end's error once the connection ended and nothing is left for it, or after
   * `timeout` ms (null: no limit) with WebSocketTimeoutException (the
   * connection stays usable: a later read gets the next unit).
   */
  read(want: Want, timeout: number | null): Promise<Queued> {
    const entry = this.takeNow(want);
    return entry !== undefined ? Promise.resolve(entry) : (this.wait(want, timeout, false) as Promise<Queued>);
  }

  /**
   * A read of kind `want` after {@link takeNow} found nothing: as {@link read},
   * resolving with the unit's data instead of the unit when `dataOnly`.
   */
  wait(want: Want, timeout: number | null, dataOnly: boolean): Promise<Queued | Buffer> {
    if (this.end.ended) return Promise.reject(this.end.endError());
    return new Promise<Queued | Buffer>((resolve, reject) => {
      const waiter: Waiter = { want, dataOnly, resolve, reject, timer: null };
      if (timeout !== null) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at !== -1) this.waiters.splice(at, 1);
          reject(createError('WS_ERR_RECV_TIMEOUT', `recv timed out after ${timeout} ms waiting for a message`));
        }, timeout);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * Hand queued units to waiting reads: each unit to the first read, in call
   * order, that asks for its kind — a control frame only to a read that asked
   * for control frames, dropped if none did — and once nothing more can come,
   * reject the rest. The producer resumes only after the loop, so the units
   * parsed then are served by a call of their own.
   */
  serve(): void {
    const waiters = this.waiters;
    while (waiters.length > 0) {
      const next = this.peek();
      const index = next === undefined ? -1 : firstAccepting(waiters, opcodeOf(next));
      if (next !== undefined && index === -1) {
        this.take('frame');
        continue;
      }
      const waiter = waiters[index];
      const entry = waiter === undefined ? undefined : this.take(waiter.want);
      if (waiter === undefined || entry === undefined) {
        // Nothing queued, or the rest of a message queued as raw frames has not come yet.
        if (this.end.ended) this.rejectAll(this.end.endError());
        break;
      }
      if (index === 0) waiters.shift();
      else waiters.splice(index, 1);
      hand(waiter, entry);
    }
    this.maybeResume();
    this.end.afterRead(this);
  }

  private rejectAll(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** Ask the producer to pause if either bound is reached: `maxQueue` unread units, or `maxQueueBytes` bytes of them. */
  maybePause(): void {
    if (!this.pausedFlow && !this.assembling && (this.data >= this.maxQueue || this.bytes >= this.maxQueueBytes)) {
      this.pausedFlow = true;
      this.flow.pause();
    }
  }

  /** Ask a paused producer to resume once both counts are down to a quarter of their bounds (rounded down). */
  maybeResume(): void {
    if (this.pausedFlow && (this.assembling || (this.data <= this.lowQueue && this.bytes <= this.lowQueueBytes))) this.unpause();
  }

  /** Resume the producer whatever is queued (the closing handshake must read on). */
  unpause(): void {
    if (!this.pausedFlow) return;
    this.pausedFlow = false;
    this.flow.resume();
  }

  /** Empty and not paused, for a new producer: the old one is not told. */
  reset(): void {
    this.clear();
    this.pausedFlow = false;
  }
}

/** Resolve a waiting read with `entry` (its data for a recv()). */
function hand(waiter: Waiter, entry: Queued): void {
  if (waiter.timer !== null) clearTimeout(waiter.timer);
  waiter.resolve(waiter.dataOnly ? dataOf(entry) : entry);
}

/** Index of the first waiter that takes a unit of this opcode, or -1. */
function firstAccepting(waiters: readonly Waiter[], opcode: number): number {
  for (let i = 0; i < waiters.length; i++) {
    if (accepts((waiters[i] as Waiter).want, opcode)) return i;
  }
  return -1;
}
