/**
 * The messages a connection has sent and waits to see echoed, oldest first
 * (an echo server answers in order), with what each echo must look like.
 *
 * A ring of parallel typed arrays: pushing and shifting allocate nothing (a
 * round trip of the closed loop does one of each), and the ring doubles when
 * full.
 */
export class PendingQueue {
  private capacity = 16;
  private head = 0;
  private count = 0;
  /** When each message was (open loop: was meant to be) sent, performance.now() ms. */
  private intendedTimes = new Float64Array(this.capacity);
  private lengths = new Float64Array(this.capacity);
  private checksums = new Int32Array(this.capacity);
  /** The sequence number stamped in each message, or -1. */
  private seqs = new Float64Array(this.capacity);
  /** 1: sent after the warm-up, its round trip counts. */
  private measuredFlags = new Uint8Array(this.capacity);

  get size(): number {
    return this.count;
  }

  push(intended: number, length: number, checksum: number, seq: number, measured: boolean): void {
    if (this.count === this.capacity) this.grow();
    const i = (this.head + this.count) & (this.capacity - 1);
    this.intendedTimes[i] = intended;
    this.lengths[i] = length;
    this.checksums[i] = checksum;
    this.seqs[i] = seq;
    this.measuredFlags[i] = measured ? 1 : 0;
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
    return this.intendedTimes[this.slot(offset)]!;
  }

  length(offset: number): number {
    return this.lengths[this.slot(offset)]!;
  }

  checksum(offset: number): number {
    return this.checksums[this.slot(offset)]!;
  }

  seq(offset: number): number {
    return this.seqs[this.slot(offset)]!;
  }

  measured(offset: number): boolean {
    return this.measuredFlags[this.slot(offset)] === 1;
  }

  private slot(offset: number): number {
    if (!(offset >= 0 && offset < this.count)) throw new RangeError(`expected an offset from 0 to ${this.count - 1}, got ${offset}`);
    return (this.head + offset) & (this.capacity - 1);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const order = <T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T => {
      for (let k = 0; k < this.count; k++) to[k] = from[(this.head + k) & (this.capacity - 1)]!;
      return to;
    };
    this.intendedTimes = order(this.intendedTimes, new Float64Array(capacity));
    this.lengths = order(this.lengths, new Float64Array(capacity));
    this.checksums = order(this.checksums, new Int32Array(capacity));
    this.seqs = order(this.seqs, new Float64Array(capacity));
    this.measuredFlags = order(this.measuredFlags, new Uint8Array(capacity));
    this.capacity = capacity;
    this.head = 0;
  }
}
