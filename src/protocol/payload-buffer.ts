/**
 * The bytes of one message (or one frame) still being received, copied at
 * most once: a message that arrives in one piece never comes here, and one
 * that spans pieces is copied into a single growing buffer sized from what
 * the frame headers already announced.
 */
/** Smaller taken buffers are not worth keeping for reuse. */
const REUSE_MIN_BYTES = 64 * 1024;

export class PayloadBuffer {
  private buffer: Buffer | null = null;
  private used = 0;
  /** A taken buffer given back by {@link reuse}, for the next message to fill instead of a new one. */
  private spare: Buffer | null = null;

  /** @param limit the most bytes this buffer may ever allocate (the session's maxPayload). */
  constructor(private readonly limit: number) {}

  /** Bytes collected so far. */
  get length(): number {
    return this.used;
  }

  /** Bytes allocated right now (what the session holds in memory for the payload). */
  get held(): number {
    return (this.buffer === null ? 0 : this.buffer.length) + (this.spare === null ? 0 : this.spare.length);
  }

  /**
   * Copy bytes [start, end) of `source` in. `announced` is how many more bytes
   * are known to follow (the rest of the current frame), so the buffer grows
   * once to fit them.
   */
  append(source: Buffer, start: number, end: number, announced: number): void {
    const needed = this.used + (end - start) + announced;
    let buffer = this.buffer;
    const spare = this.spare;
    if (buffer === null && spare !== null) {
      // At most twice what is needed, as growth by doubling gives: a small message never pins a large
      // buffer. Either way the spare goes, so the session never holds it next to another buffer.
      if (needed <= spare.length && spare.length <= needed * 2) this.buffer = buffer = spare;
      this.spare = null;
    }
    if (buffer === null || needed > buffer.length) {
      const doubled = Math.min(buffer === null ? 0 : buffer.length * 2, this.limit);
      const grown = Buffer.allocUnsafe(Math.max(needed, doubled));
      if (buffer !== null) buffer.copy(grown, 0, 0, this.used);
      this.buffer = buffer = grown;
    }
    this.used += source.copy(buffer, this.used, start, end);
  }

  /** Everything collected, as one Buffer that now belongs to the caller; the buffer starts over empty. */
  take(): Buffer {
    const whole = this.buffer === null ? Buffer.alloc(0) : this.buffer.subarray(0, this.used);
    this.clear();
    return whole;
  }

  /**
   * Give back what {@link take} returned once nothing refers to it any more
   * (a text message decoded to a string): the next message that needs about
   * as much fills it instead of a new buffer, until {@link dropSpare}.
   */
  reuse(taken: Buffer): void {
    // Only a buffer of its own (allocUnsafe gives one from 4 KiB up; smaller ones share Node's pool), whole.
    if (taken.byteOffset === 0 && taken.buffer.byteLength >= REUSE_MIN_BYTES) this.spare = Buffer.from(taken.buffer);
  }

  /** Forget the buffer given back by {@link reuse}, so it is held no longer than the caller wants. */
  dropSpare(): void {
    this.spare = null;
  }

  /** Drop what was collected. */
  clear(): void {
    this.buffer = null;
    this.used = 0;
  }
}
