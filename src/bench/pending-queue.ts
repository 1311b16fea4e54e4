/**
 * The messages a connection has sent and waits to see echoed, oldest first
 * (an echo server answers in order), with what each echo must look like.
 *
 * A ring of entries in one typed array, the fields of an entry side by side:
 * pushing and shifting allocate nothing (a round trip of the closed loop
 * does one of each), an echo's check reads one place in memory rather than
 * one per field, and the ring doubles when full.
 */

/** Fields of an entry, in this order. */
const INTENDED = 0;
const LENGTH = 1;
const CHECKSUM = 2;
const SEQ = 3;
const MEASURED = 4;
const FIELDS = 5;

export class PendingQueue {
  private capacity = 16;
  private head = 0;
  private count = 0;
  /**
   * Per entry: when the message was (open loop: was meant to be) sent, in
   * performance.now() ms; its length; its checksum; the sequence number
   * stamped in it, or -1; 1 if it was sent after the warm-up (its round trip
   * counts), else 0.
   */
  private entries = new Float64Array(this.capacity * FIELDS);

  get size(): number {
    return this.count;
  }

  push(intended: number, length: number, checksum: number, seq: number, measured: boolean): void {
    if (this.count === this.capacity) this.grow();
    const at = ((this.head + this.count) & (this.capacity - 1)) * FIELDS;
    const entries = this.entries;
    entries[at + INTENDED] = intended;
    entries[at + LENGTH] = length;
    entries[at + CHECKSUM] = checksum;
    entries[at + SEQ] = seq;
    entries[at + MEASURED] = measured ? 1 : 0;
    this.count++;
  }

  /** Drop the oldest entry; false when there is none. */
  shift(): boolean {
    if (this.count === 0) return false;
    this.head = (this.head + 1) & (this.capacity - 1);
    this.count--;
    return true;
  }

  /** Drop every entry. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  // The fields of the entry `offset` places behind the oldest (0 <= offset < size).
  intended(offset: number): number {
    return this.entries[this.slot(offset) + INTENDED]!;
  }

  length(offset: number): number {
    return this.entries[this.slot(offset) + LENGTH]!;
  }

  checksum(offset: number): number {
    return this.entries[this.slot(offset) + CHECKSUM]!;
  }

  seq(offset: number): number {
    return this.entries[this.slot(offset) + SEQ]!;
  }

  measured(offset: number): boolean {
    return this.entries[this.slot(offset) + MEASURED] === 1;
  }

  /** Where the fields of the entry `offset` places behind the oldest start. */
  private slot(offset: number): number {
    if (!(offset >= 0 && offset < this.count)) throw new RangeError(`expected an offset from 0 to ${this.count - 1}, got ${offset}`);
    return ((this.head + offset) & (this.capacity - 1)) * FIELDS;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const entries = new Float64Array(capacity * FIELDS);
    for (let k = 0; k < this.count; k++) {
      const from = ((this.head + k) & (this.capacity - 1)) * FIELDS;
      entries.set(this.entries.subarray(from, from + FIELDS), k * FIELDS);
    }
    this.entries = entries;
    this.capacity = capacity;
    this.head = 0;
  }
}
