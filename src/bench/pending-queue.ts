/**
 * The messages a connection has sent and waits to see echoed, oldest first
 * (an echo server answers in order), with what each echo must look like.
 */
/** One message awaiting its echo. */
export interface Pending {
  /** When it was (open loop: was meant to be) sent, performance.now() ms. */
  intended: number;
  length: number;
  checksum: number;
  seq: number;
  /** Sent after the warm-up: its round trip counts. */
  measured: boolean;
}

/** A FIFO that drops consumed entries in batches instead of shifting an array per message. */
export class PendingQueue {
  private items: Pending[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: Pending): void {
    this.items.push(item);
  }

  /** The entry `offset` places behind the oldest, or undefined outside 0 to size - 1. */
  at(offset: number): Pending | undefined {
    return offset >= 0 && offset < this.size ? this.items[this.head + offset] : undefined;
  }

  shift(): Pending | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
