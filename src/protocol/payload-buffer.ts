/**
 * The bytes of one message (or one frame) still being received, copied at
 * most once: a message that arrives in one piece never comes here, and one
 * that spans pieces is copied into a single growing buffer sized from what
 * the frame headers already announced.
 */
export class PayloadBuffer {
  private buffer: Buffer | null = null;
  private used = 0;

  /** @param limit the most bytes this buffer may ever allocate (the session's maxPayload). */
  constructor(private readonly limit: number) {}

  /** Bytes collected so far. */
  get length(): number {
    return this.used;
  }

  /** Bytes allocated right now (what the session holds in memory for the payload). */
  get held(): number {
    return this.buffer === null ? 0 : this.buffer.length;
  }

  /**
   * Copy bytes [start, end) of `source` in. `announced` is how many more bytes
   * are known to follow (the rest of the current frame), so the buffer grows
   * once to fit them.
   */
  append(source: Buffer, start: number, end: number, announced: number): void {
    const needed = this.used + (end - start) + announced;
    let buffer = this.buffer;
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

  /** Drop what was collected. */
  clear(): void {
    this.buffer = null;
    this.used = 0;
  }
}
