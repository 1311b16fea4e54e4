import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateFrame, FrameRing, frameRing } from '../../src/frame/frame-ring.js';
import { maskInPlace, maskInto } from '../../src/frame/mask.js';
import { encodeFrame, encodeTextFrame } from '../../src/frame/encoder.js';

/** RFC 6455 §5.3 by the letter. */
function reference(source: Uint8Array, key: Uint8Array, phase: number): Buffer {
  return Buffer.from(source.map((byte, i) => byte ^ key[(phase + i) & 3]));
}

/** A step of a ring's life: lend `size` bytes, or give back the `pick`-th frame held (mod count). */
type Step = { lend: number } | { giveBack: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ lend: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ giveBack: fc.nat() }),
);

describe('FrameRing', () => {
  it('never lends overlapping bytes, keeps every held frame intact, and reuses the space once given back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 256, max: 1024 }), fc.array(stepArb, { maxLength: 200 }), (offset, capacity, steps) => {
        const memory = new ArrayBuffer(offset + capacity + 16);
        const ring = new FrameRing(memory, offset, capacity);
        const held: Array<{ frame: Buffer; fill: number }> = [];
        let fill = 0;
        for (const step of steps) {
          if ('lend' in step) {
            const frame = ring.lend(step.lend);
            if (frame === null) {
              // Only lent frames stand in the way (an empty ring has room for up to `capacity`).
              expect(held.length > 0 || step.lend > capacity).toBe(true);
              continue;
            }
            expect(frame.length).toBe(step.lend);
            expect(ring.owns(frame)).toBe(true);
            expect(frame.byteOffset).toBeGreaterThanOrEqual(offset);
            expect(frame.byteOffset + frame.length).toBeLessThanOrEqual(offset + capacity);
            fill = (fill + 1) & 0xff;
            frame.fill(fill);
            held.push({ frame, fill });
          } else if (held.length > 0) {
            const [{ frame }] = held.splice(step.giveBack % held.length, 1);
            ring.giveBack(frame);
          }
          expect(ring.lent).toBe(held.length);
          // Every frame still held has its own bytes: nothing lent later overlapped it.
          for (const h of held) expect(h.frame.every((b) => b === h.fill)).toBe(true);
        }
        for (const h of held) ring.giveBack(h.frame);
        expect(ring.lent).toBe(0);
        expect(ring.lend(capacity)?.byteOffset).toBe(offset);
      }),
    );
  });

  it('lends frames in order and wraps to the start once the oldest are back', () => {
    const ring = new FrameRing(new ArrayBuffer(1000), 0, 1000);
    const a = ring.lend(400)!;
    const b = ring.lend(400)!;
    expect([a.byteOffset, b.byteOffset]).toEqual([0, 400]);
    expect(ring.lend(300)).toBeNull(); // 200 left after b, nothing before a
    ring.giveBack(a);
    const c = ring.lend(300)!;
    expect(c.byteOffset).toBe(0); // wrapped into a's space
    expect(ring.lend(150)).toBeNull(); // [300, 400) is free but too small; b is still held
    const d = ring.lend(100)!;
    expect(d.byteOffset).toBe(300);
    ring.giveBack(b);
    ring.giveBack(c);
    ring.giveBack(d);
    expect(ring.lent).toBe(0);
    expect(ring.lend(1000)!.byteOffset).toBe(0);
  });

  it('a frame given back out of order frees nothing until the older ones are back', () => {
    const ring = new FrameRing(new ArrayBuffer(300), 0, 300);
    const a = ring.lend(100)!;
    const b = ring.lend(100)!;
    ring.lend(100);
    ring.giveBack(b);
    expect(ring.lent).toBe(2);
    expect(ring.lend(100)).toBeNull();
    ring.giveBack(a);
    expect(ring.lend(200)!.byteOffset).toBe(0);
  });

  it('ignores frames it did not lend, and a frame given back twice', () => {
    const memory = new ArrayBuffer(200);
    const ring = new FrameRing(memory, 100, 100);
    const a = ring.lend(50)!;
    ring.giveBack(Buffer.alloc(50));
    ring.giveBack(Buffer.from(memory, 0, 50));
    expect(ring.lent).toBe(1);
    ring.giveBack(a);
    const b = ring.lend(50)!;
    expect(b.byteOffset).toBe(a.byteOffset);
    ring.giveBack(a); // a second give-back of a's place must not free b
    expect(ring.lent).toBe(1);
  });

  it('rejects bad regions and sizes', () => {
    expect(() => new FrameRing(new ArrayBuffer(10), 5, 6)).toThrow(/expected a region inside 10 bytes, got 6 bytes at 5/);
    expect(() => new FrameRing(new ArrayBuffer(10), 0, 0)).toThrow(RangeError);
    const ring = new FrameRing(new ArrayBuffer(10), 0, 10);
    expect(() => ring.lend(0)).toThrow(/expected a frame size of at least 1 byte, got 0/);
    expect(() => ring.lend(1.5)).toThrow(RangeError);
    expect(ring.lend(11)).toBeNull();
  });
});

describe('the process-wide ring over the SIMD kernel memory', () => {
  it('exists on Node 20, and allocateFrame lends 4 KiB to 1 MiB frames from it, others not', () => {
    expect(frameRing).not.toBeNull();
    const ring = frameRing!;
    const small = allocateFrame(4095);
    const lent = allocateFrame(4096);
    const big = allocateFrame(1024 * 1024 + 1);
    expect(ring.owns(small)).toBe(false);
    expect(ring.owns(lent)).toBe(true);
    expect(ring.owns(big)).toBe(false);
    expect([small.length, lent.length, big.length]).toEqual([4095, 4096, 1024 * 1024 + 1]);
    ring.giveBack(lent);
    expect(ring.lent).toBe(0);
  });

  it('allocateFrame falls back to a Buffer of its own when the ring is full', () => {
    const ring = frameRing!;
    const frames = Array.from({ length: 5 }, () => allocateFrame(1024 * 1024));
    expect(frames.slice(0, 4).every((f) => ring.owns(f))).toBe(true);
    expect(ring.owns(frames[4])).toBe(false);
    for (const f of frames) ring.giveBack(f);
    expect(ring.lent).toBe(0);
  });

  it('masks frames in the ring in place and into the ring per RFC 6455 §5.3, at any length and phase', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4096, max: 70_000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat({ max: 3 }), fc.nat({ max: 13 }), (length, key, phase, at) => {
        const source = Buffer.from(Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff));
        const frame = allocateFrame(length + at);
        try {
          expect(frameRing!.owns(frame)).toBe(true);
          expect(maskInto(source, key, frame, at, phase)).toBe((phase + length) & 3);
          expect(frame.subarray(at).equals(reference(source, key, phase))).toBe(true);
          expect(maskInPlace(frame.subarray(at), key, phase)).toBe((phase + length) & 3);
          expect(frame.subarray(at).equals(source)).toBe(true);
        } finally {
          frameRing!.giveBack(frame);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('encodeFrame and encodeTextFrame build the same bytes in the ring as in a Buffer of their own', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4000, max: 70_000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (length, maskKey) => {
        const payload = Buffer.from(Uint8Array.from({ length }, (_, i) => (i * 13) & 0xff));
        const text = 'aé€'.repeat(Math.ceil(length / 6)).slice(0, length);
        const binary = encodeFrame(2, payload, { maskKey, allocate: allocateFrame });
        const textFrame = encodeTextFrame(text, { maskKey, allocate: allocateFrame });
        try {
          expect(binary.equals(encodeFrame(2, payload, { maskKey }))).toBe(true);
          expect(textFrame.equals(encodeTextFrame(text, { maskKey }))).toBe(true);
          expect(payload.every((b, i) => b === ((i * 13) & 0xff))).toBe(true); // the caller's bytes untouched
        } finally {
          frameRing!.giveBack(binary);
          frameRing!.giveBack(textFrame);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('encodeFrame refuses an allocator that returns the wrong size', () => {
    expect(() => encodeFrame(2, Buffer.alloc(10), { allocate: (size) => Buffer.alloc(size + 1) })).toThrow(
      /expected the allocator to return 12 bytes, got 13/,
    );
  });
});
