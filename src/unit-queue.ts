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
import type { ReceivedFrame } from './protocol/session.js';
import { ReceiveQueue } from './receive-queue.js';

export { opcodeOf } from './receive-queue.js';

/** One received unit waiting to be read. */
export interface Entry {
  opcode: number;
  /** Text messages are decoded strings; everything else bytes. */
  data: string | Buffer;
  /** Set for a frame (raw frame mode, or a fragment with fireContFrame): the frame as it came. */
  frame?: ReceivedFrame;
  /** A frame queued in raw frame mode, which a message read reassembles. */
  raw?: boolean;
  /** A fragmented message: the payload length of each of its frames, for a frame read. */
  frames?: readonly number[];
  /** Its bytes (text encoded once) while a frame read hands its frames out. */
  bytes?: Buffer;
  /** How many of its frames were handed out, and the offset of the next one in `bytes`. */
  nextFrame?: number;
  nextOffset?: number;
  /** A ping or pong that came after this many frames of the fragmented message queued after it. */
  afterFrame?: number;
}

/** What is queued: a whole text message as its string (no object around it, the common case), anything else as an {@link Entry}. */
export type Queued = Entry | string;

/** What a read asks for: a message, a message or control frame (`'control'`), or a frame. */
export type Want = 'message' | 'data' | 'control' | 'frame';

/** Close, ping and pong (RFC 6455 §5.5). */
export function isControl(opcode: number): boolean {
  return opcode >= OPCODE_CLOSE;
}

/** True when a read of kind `want` takes a unit of this opcode (a message read skips control frames). */
export function accepts(want: Want, opcode: number): boolean {
  return want === 'control' || want === 'frame' || !isControl(opcode);
}

/** The unread units, in the order they came; see the module comment. */
export class UnitQueue {
  private readonly queue = new ReceiveQueue<Queued>();
  /** A message read waits for the rest of a message queued as raw frames: the bounds yield until it is complete. */
  assembling = false;

  /**
   * @param maxPingsAndPongs pings and pongs kept (the oldest dropped beyond).
   * @param fireContFrame message reads take fragments one by one: raw frames are not reassembled.
   */
  constructor(
    private readonly maxPingsAndPongs: number,
    private readonly fireContFrame: boolean,
  ) {}

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

  /**
   * Queue a unit of `size` bytes. Pings and pongs were already answered: at
   * most `maxPingsAndPongs` of them are kept, the oldest dropped, so a ping
   * flood never grows memory.
   */
  push(entry: Queued, size: number): void {
    this.queue.push(entry, size);
    if (typeof entry === 'string') return;
    if (this.queue.pingsAndPongs > this.maxPingsAndPongs) this.queue.dropOldestPingOrPong();
    // The last frame of the message a read waits for: it can be read now, the bounds apply again.
    else if (this.assembling && entry.raw === true && entry.frame?.fin === 1) this.assembling = false;
  }

  /** The next unit, left in place. */
  peek(): Queued | undefined {
    return this.queue.at(0);
  }

  /**
   * Take the next unit a read of kind `want` accepts, dropping the control
   * frames it skips: for a frame read, the next frame (of a message queued
   * whole, too); for the others, the next message (frames queued in raw mode
   * reassembled), or undefined while its last frame has not come.
   */
  take(want: Want): Queued | undefined {
    for (let entry = this.queue.at(0); entry !== undefined; entry = this.queue.at(0)) {
      if (typeof entry === 'string') {
        return this.queue.shift();
      } else if (!accepts(want, entry.opcode)) {
        this.queue.shift();
      } else if (want === 'frame') {
        if (entry.afterFrame !== undefined) return this.frameBefore(entry);
        return entry.frames !== undefined ? this.nextFrame(entry) : this.queue.shift();
      } else if (entry.raw === true && !isControl(entry.opcode) && !this.fireContFrame) {
        return this.reassemble(want);
      } else if (entry.nextFrame !== undefined) {
        this.queue.shift();
        return rest(entry);
      } else {
        return this.queue.shift();
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
  private frameBefore(control: Entry): Queued | undefined {
    let message: Queued | undefined;
    for (let i = 1; (message = this.queue.at(i)) !== undefined; i++) {
      if (typeof message === 'string' || !isControl(message.opcode)) break;
    }
    if (message !== undefined && typeof message !== 'string' && message.frames !== undefined && (message.nextFrame ?? 0) < (control.afterFrame as number)) {
      return this.nextFrame(message);
    }
    return this.queue.shift();
  }

  /** The next frame of a message queued whole (its frames kept apart by their lengths); it may sit behind the control frames that came between its frames. */
  private nextFrame(entry: Entry): Queued | undefined {
    const frames = entry.frames as readonly number[];
    const bytes = (entry.bytes ??= typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data);
    const index = entry.nextFrame ?? 0;
    const offset = entry.nextOffset ?? 0;
    const length = frames[index] as number;
    const last = index === frames.length - 1;
    if (index === 0 && frames.reduce((a, b) => a + b, 0) !== bytes.length) {
      // Text decoded with skipUtf8Validation does not encode back to its bytes: one frame.
      return this.queue.shift();
    }
    if (last) this.queue.shift();
    else {
      entry.nextFrame = index + 1;
      entry.nextOffset = offset + length;
    }
    const opcode = index === 0 ? entry.opcode : OPCODE_CONT;
    const data = bytes.subarray(offset, offset + length);
    return { opcode, data, frame: { fin: last ? 1 : 0, rsv1: 0, rsv2: 0, rsv3: 0, opcode, data } };
  }

  /**
   * A message from the raw frames at the front: control frames before its
   * last frame go first to a read that takes them, and are dropped by one
   * that does not; undefined while the last frame has not come.
   */
  private reassemble(want: Want): Queued | undefined {
    const queue = this.queue;
    let end = 0;
    for (let entry = queue.at(0); ; entry = queue.at(++end)) {
      if (entry === undefined) {
        // The rest of the message is needed before anything can be read: let it in whatever the
        // bounds (maxPayload and maxFragments bound it); maybeResume resumes reading.
        this.assembling = true;
        return undefined;
      }
      if (typeof entry === 'string') {
        // A message follows: the frames before it are all there will be.
        end--;
        break;
      }
      if (isControl(entry.opcode)) {
        if (want === 'control') return queue.removeAt(end);
        continue;
      }
      if (entry.frame?.fin === 1) break;
    }
    this.assembling = false;
    const parts: Buffer[] = [];
    let first: Entry | undefined;
    let inflated: Buffer | undefined;
    for (let i = 0; i <= end; i++) {
      const entry = queue.shift() as Entry;
      if (isControl(entry.opcode)) continue;
      first ??= entry;
      parts.push(entry.data as Buffer);
      inflated = entry.frame?.message;
    }
    const opcode = (first as Entry).opcode;
    const data = inflated ?? (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
    if (opcode === OPCODE_TEXT) return data.toString('utf8');
    return { opcode, data };
  }

  /** Drop every unit. */
  clear(): void {
    this.queue.clear();
    this.assembling = false;
  }
}

/** What is left of a message after a frame read took its first frames. */
function rest(entry: Entry): Queued {
  const data = (entry.bytes as Buffer).subarray(entry.nextOffset);
  return entry.opcode === OPCODE_TEXT ? data.toString('utf8') : { opcode: entry.opcode, data };
}
