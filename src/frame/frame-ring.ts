/**
 * Frames to send, lent out of one fixed region of memory in order and given
 * back when the socket is done with them, instead of a fresh Buffer per frame.
 * The region is the SIMD kernel's own memory (mask-simd.ts), so a frame built
 * there is masked in place with no copy (RFC 6455 §5.3), and sending big
 * messages makes no garbage. Frames are taken from the region like a ring; a
 * frame still lent out holds back the reuse of the space after it, and when
 * there is no room the caller allocates as usual.
 */
import { kernelMemory, RING_BYTES, RING_OFFSET } from './mask-simd.js';

/** One frame lent out: the Buffer itself, its place in the region, and whether it was given back. */
interface Lease {
  frame: Buffer;
  start: number;
  end: number;
  returned: boolean;
}

/**
 * A ring of frames over `capacity` bytes of `memory` from `offset`. Leases
 * are kept oldest first; space is reused once every lease before it is back.
 */
export class FrameRing {
  /** Leases oldest first: the first one not returned holds the space from its start. */
  private readonly leases: Lease[] = [];

  constructor(
    private readonly memory: ArrayBuffer,
    private readonly offset: number,
    private readonly capacity: number,
  ) {
    if (!Number.isInteger(offset) || !Number.isInteger(capacity) || offset < 0 || capacity < 1 || offset + capacity > memory.byteLength) {
      throw new RangeError(`expected a region inside ${memory.byteLength} bytes, got ${capacity} bytes at ${offset}`);
    }
  }

  /** Frames lent out and not yet given back. */
  get lent(): number {
    let held = 0;
    for (const lease of this.leases) if (!lease.returned) held++;
    return held;
  }

  /**
   * A Buffer of exactly `size` bytes of the region (contents undefined), or
   * `null` when there is no room between the newest lease and the oldest one
   * not yet given back.
   */
  lend(size: number): Buffer | null {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`expected a frame size of at least 1 byte, got ${size}`);
    let start = 0;
    if (this.leases.length > 0) {
      const head = this.leases[0].start;
      const newest = this.leases[this.leases.length - 1];
      const tail = newest.end;
      if (newest.start >= head) {
        // [head, tail) in use: room after tail, else from the start up to head.
        if (tail + size <= this.capacity) start = tail;
        else if (size <= head) start = 0;
        else return null;
      } else if (tail + size <= head) {
        // Wrapped: [tail, head) is free.
        start = tail;
      } else {
        return null;
      }
    } else if (size > this.capacity) {
      return null;
    }
    const frame = Buffer.from(this.memory, this.offset + start, size);
    this.leases.push({ frame, start, end: start + size, returned: false });
    return frame;
  }

  /** True when `frame` is a Buffer this ring lent out. */
  owns(frame: Uint8Array): boolean {
    return frame.buffer === this.memory && frame.byteOffset >= this.offset && frame.byteOffset < this.offset + this.capacity;
  }

  /**
   * Give back `frame`, a Buffer {@link lend} returned: its bytes may be reused
   * for later frames. Anything else is ignored, including a frame already
   * given back (even when its place was lent again since).
   */
  giveBack(frame: Uint8Array): void {
    if (!this.owns(frame)) return;
    // Usually the oldest: sockets call back in write order.
    const lease = this.leases.find((l) => l.frame === frame);
    if (lease === undefined || lease.returned) return;
    lease.returned = true;
    while (this.leases.length > 0 && this.leases[0].returned) this.leases.shift();
  }
}

/** Frames this small come from Node's shared 8 KiB pool anyway, which costs less than a lease. */
const RING_MIN_FRAME = 4096;
/** Bigger frames would take too much of the ring at once: they get a Buffer of their own. */
const RING_MAX_FRAME = RING_BYTES / 4;

/** The process-wide ring over the SIMD kernel's memory; `null` where WebAssembly SIMD is missing. */
export const frameRing: FrameRing | null = kernelMemory === null ? null : new FrameRing(kernelMemory, RING_OFFSET, RING_BYTES);

/**
 * Room for one frame of `size` bytes: lent by {@link frameRing} for frames of
 * 4 KiB to 1 MiB while it has room (give it back with `frameRing.giveBack`
 * once written), else `Buffer.allocUnsafe(size)`.
 */
export function allocateFrame(size: number): Buffer {
  if (frameRing !== null && size >= RING_MIN_FRAME && size <= RING_MAX_FRAME) {
    const lent = frameRing.lend(size);
    if (lent !== null) return lent;
  }
  return Buffer.allocUnsafe(size);
}
