/**
 * The unread units of a connection and how each kind of read takes from
 * them. What a read returns does not depend on when the bytes arrived: a
 * message queued whole hands out its frames to a frame read (a fragmented
 * one remembers its frame lengths, and a ping or pong that came between them
 * after how many; a compressed one has one frame, its inflated payload), and
 * frames queued in raw frame mode are reassembled for a message read, which
 * waits for the last frame if it has not come yet.
 */
import { OPCODE_CLOSE, OPCODE_CONT, OPCODE_TEXT } from './frame/opcodes.js';
import { wholeUnit, type Received } from './protocol/received.js';
import { ReceiveQueue } from './receive-queue.js';

export { opcodeOf } from './receive-queue.js';

/** What is queued: a whole text message as its string (no object around it, the common case), any other unit as itself. */
export type Queued = Received | string;

/** A queued unit's data: the string of a whole text message, the bytes of anything else. */
export function dataOf(entry: Queued): string | Buffer {
  return typeof entry === 'string' ? entry : entry.data;
}

/** A queued unit as a received unit: a bare string is a whole text message. */
export function unitOf(entry: Queued): Received {
  return typeof entry === 'string' ? wholeUnit(OPCODE_TEXT, entry) : entry;
}

/** What a read asks for: a message, a message or control frame (`'control'`), or a frame. */
export type Want = 'message' | 'data' | 'control' | 'frame';

/** A message queued whole whose frames a frame read is handing out one by one. */
interface Split {
  unit: Received;
  /** Its bytes (text encoded once). */
  bytes: Buffer;
  /** How many of its frames were handed out, and the offset of the next one in `bytes`. */
  next: number;
  offset: number;
}

/** Close, ping and pong (RFC 6455 §5.5). */
export function isControl(opcode: number): boolean {
  return opcode >= OPCODE_CLOSE;
}

/** True when a read of kind `want` takes a unit of this opcode (a message read skips control frames). */
export function accepts(want: Want, opcode: number): boolean {
  return want === 'control' || want === 'frame' || !isControl(opcode);
}

/** The unread units, in the order they came (a {@link ReceiveQueue}, with its counts); see the module comment. */
export class UnitQueue extends ReceiveQueue<Queued> {
  /** A message read waits for the rest of a message queued as raw frames: the bounds yield until it is complete. */
  assembling = false;
  /** The first data unit, while a frame read hands out its frames. */
  private split: Split | null = null;

  /**
   * @param maxPingsAndPongs pings and pongs kept (the oldest dropped beyond).
   * @param fireContFrame message reads take fragments one by one: raw frames are not reassembled.
   */
  constructor(
    private readonly maxPingsAndPongs: number,
    private readonly fireContFrame: boolean,
  ) {
    super();
  }

  /**
   * Queue a unit of `size` bytes. Pings and pongs were already answered: at
   * most `maxPingsAndPongs` of them are kept, the oldest dropped, so a ping
   * flood never grows memory.
   */
  override push(unit: Queued, size = 0): void {
    super.push(unit, size);
    if (typeof unit === 'string') return;
    if (this.pingsAndPongs > this.maxPingsAndPongs) this.dropOldestPingOrPong();
    // The last frame of the message a read waits for: it can be read now, the bounds apply again.
    else if (this.assembling && unit.frame && unit.fin === 1) this.assembling = false;
  }

  /** The next unit, left in place. */
  peek(): Queued | undefined {
    return this.at(0);
  }

  /**
   * Take the next unit a read of kind `want` accepts, dropping the control
   * frames it skips: for a frame read, the next frame (of a message queued
   * whole, too); for the others, the next message (frames queued in raw mode
   * reassembled), or undefined while its last frame has not come.
   */
  take(want: Want): Queued | undefined {
    for (let unit = this.at(0); unit !== undefined; unit = this.at(0)) {
      if (typeof unit === 'string') {
        return this.shift();
      } else if (!accepts(want, unit.opcode)) {
        this.shift();
      } else if (want === 'frame') {
        if (unit.afterFrames !== undefined) return this.frameBefore(unit);
        return unit.frames !== undefined ? this.nextFrame(unit) : this.shift();
      } else if (unit.frame && !isControl(unit.opcode) && !this.fireContFrame) {
        return this.reassemble(want);
      } else if (this.split?.unit === unit) {
        this.shift();
        return this.rest();
      } else {
        return this.shift();
      }
    }
    return undefined;
  }

  /**
   * A frame read meets a ping or pong that came between the frames of the
   * message queued after it: the frames of that message that came before it
   * go first, as they would have in raw frame mode. A message not queued
   * (still being received, or dropped after the user's close) is not waited
   * for: the control frame goes now.
   */
  private frameBefore(control: Received): Queued | undefined {
    let message: Queued | undefined;
    for (let i = 1; (message = this.at(i)) !== undefined; i++) {
      if (typeof message === 'string' || !isControl(message.opcode)) break;
    }
    if (message !== undefined && typeof message !== 'string' && message.frames !== undefined) {
      const handedOut = this.split?.unit === message ? this.split.next : 0;
      if (handedOut < (control.afterFrames as number)) return this.nextFrame(message);
    }
    return this.shift();
  }

  /** The next frame of a message queued whole (its frames kept apart by their lengths); it may sit behind the control frames that came between its frames. */
  private nextFrame(unit: Received): Queued | undefined {
    const frames = unit.frames as readonly number[];
    let split = this.split;
    if (split?.unit !== unit) {
      const bytes = typeof unit.data === 'string' ? Buffer.from(unit.data, 'utf8') : unit.data;
      // Text decoded with skipUtf8Validation does not encode back to its bytes: one frame.
      if (frames.reduce((a, b) => a + b, 0) !== bytes.length) return this.shift();
      split = this.split = { unit, bytes, next: 0, offset: 0 };
    }
    const index = split.next;
    const offset = split.offset;
    const length = frames[index] as number;
    const last = index === frames.length - 1;
    if (last) {
      this.shift();
      this.split = null;
    } else {
      split.next = index + 1;
      split.offset = offset + length;
    }
    const opcode = index === 0 ? unit.opcode : OPCODE_CONT;
    return { opcode, data: split.bytes.subarray(offset, offset + length), fin: last ? 1 : 0, rsv1: 0, rsv2: 0, rsv3: 0, frame: true };
  }

  /** What is left of the message a frame read took its first frames of. */
  private rest(): Queued {
    const split = this.split as Split;
    this.split = null;
    const data = split.bytes.subarray(split.offset);
    return split.unit.opcode === OPCODE_TEXT ? data.toString('utf8') : wholeUnit(split.unit.opcode, data);
  }

  /**
   * A message from the raw frames at the front: control frames before its
   * last frame go first to a read that takes them, and are dropped by one
   * that does not; undefined while the last frame has not come.
   */
  private reassemble(want: Want): Queued | undefined {
    let end = 0;
    for (let unit = this.at(0); ; unit = this.at(++end)) {
      if (unit === undefined) {
        // The rest of the message is needed before anything can be read: let it in whatever the
        // bounds (maxPayload and maxFragments bound it); maybeResume resumes reading.
        this.assembling = true;
        return undefined;
      }
      if (typeof unit === 'string' || (!unit.frame && !isControl(unit.opcode))) {
        // A whole message follows: the frames before it are all there will be.
        end--;
        break;
      }
      if (isControl(unit.opcode)) {
        if (want === 'control') return this.removeAt(end);
        continue;
      }
      if (unit.fin === 1) break;
    }
    this.assembling = false;
    const parts: Buffer[] = [];
    let first: Received | undefined;
    let inflated: Buffer | undefined;
    for (let i = 0; i <= end; i++) {
      const unit = this.shift() as Received;
      if (isControl(unit.opcode)) continue;
      first ??= unit;
      parts.push(unit.data as Buffer);
      inflated = unit.message;
    }
    const opcode = (first as Received).opcode;
    const data = inflated ?? (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
    if (opcode === OPCODE_TEXT) return data.toString('utf8');
    return wholeUnit(opcode, data);
  }

  /** Drop every unit. */
  override clear(): void {
    super.clear();
    this.assembling = false;
    this.split = null;
  }
}
