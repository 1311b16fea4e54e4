/**
 * The FIFO of received entries a WebSocket holds until they are read: O(1)
 * push and shift (a head index into an array, not `Array#shift`, which moves
 * every later element), with counts of data entries, of their bytes and of
 * pings/pongs kept on the way so backpressure and the ping-flood bound cost
 * O(1) per message.
 * A string is queued as itself and counts as a text message, so the common
 * received unit needs no object around it.
 */
import { OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT } from './frame/opcodes.js';

/** Storage is compacted once this many taken slots lead it and they are at least half of it. */
const COMPACT_AT = 1024;

/** What the queue needs of an entry: its opcode. */
export interface QueuedEntry {
  opcode: number;
}

/** The opcode of a queued entry: a string is a text message. */
export function opcodeOf(entry: QueuedEntry | string): number {
  return typeof entry === 'string' ? OPCODE_TEXT : entry.opcode;
}

function isPingOrPong(opcode: number): boolean {
  return opcode === OPCODE_PING || opcode === OPCODE_PONG;
}

/** First-in first-out queue of received entries (messages, frames, pings, pongs, the close). */
export class ReceiveQueue<T extends QueuedEntry | string> {
  private items: Array<T | undefined> = [];
  /** The size each entry was pushed with, in step with `items` (numbers: no object per entry). */
  private sizes: number[] = [];
  private head = 0;
  private dataCount = 0;
  private dataBytes = 0;
  private pingPongCount = 0;

  /** Entries queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Data entries queued (opcodes below 8: messages and their frames). */
  get data(): number {
    return this.dataCount;
  }

  /** Sum of the sizes of the data entries queued. */
  get bytes(): number {
    return this.dataBytes;
  }

  /** Pings and pongs queued. */
  get pingsAndPongs(): number {
    return this.pingPongCount;
  }

  /** Append at the end; `size` (bytes) counts toward {@link bytes} for a data entry. */
  push(entry: T, size = 0): void {
    this.items.push(entry);
    this.sizes.push(size);
    this.count(opcodeOf(entry), 1, size);
  }

  /** The entry `index` places from the front (0 is the next one), or undefined. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.items.length - this.head ? this.items[this.head + index] : undefined;
  }

  /** Remove and return the first entry, or undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const entry = this.items[this.head] as T;
    const size = this.release();
    this.count(opcodeOf(entry), -1, -size);
    return entry;
  }

  /** Remove and return the first entry if it is a string (a whole text message), else undefined: the common read in one step. */
  shiftString(): (T & string) | undefined {
    const entry = this.items[this.head];
    if (typeof entry !== 'string') return undefined;
    this.dataCount--;
    this.dataBytes -= this.release();
    return entry;
  }

  /** Free the first slot (compacting the storage when due) and return the size it was pushed with. */
  private release(): number {
    const items = this.items;
    const size = this.sizes[this.head] as number;
    items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= items.length) {
      items.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    return size;
  }

  /** Remove and return the entry `index` places from the front (0 is the next one). */
  removeAt(index: number): T | undefined {
    if (index === 0) return this.shift();
    const at = this.head + index;
    if (index < 0 || at >= this.items.length) return undefined;
    const entry = this.items[at] as T;
    const size = this.sizes[at] as number;
    this.items.splice(at, 1);
    this.sizes.splice(at, 1);
    this.count(opcodeOf(entry), -1, -size);
    return entry;
  }

  /** Remove the oldest ping or pong, if any. */
  dropOldestPingOrPong(): void {
    const items = this.items;
    for (let i = this.head; i < items.length; i++) {
      const entry = items[i] as T;
      const opcode = opcodeOf(entry);
      if (isPingOrPong(opcode)) {
        items.splice(i, 1);
        this.sizes.splice(i, 1);
        this.count(opcode, -1, 0);
        return;
      }
    }
  }

  /** Drop everything. */
  clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.dataCount = 0;
    this.dataBytes = 0;
    this.pingPongCount = 0;
  }

  private count(opcode: number, delta: number, bytes: number): void {
    if (opcode < OPCODE_CLOSE) {
      this.dataCount += delta;
      this.dataBytes += bytes;
    } else if (isPingOrPong(opcode)) this.pingPongCount += delta;
  }
}
