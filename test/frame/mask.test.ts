import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maskFramePayload, maskInPlace, maskInto } from '../../src/frame/mask.js';

/** The reference: RFC 6455 §5.3, one byte at a time. */
function naiveMask(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[(phase + i) % 4]!;
  return out;
}

/** A view of `bytes` placed `offset` bytes into a larger buffer with `slack` bytes after it. */
function viewAt(bytes: Uint8Array, offset: number, slack = 7): Uint8Array {
  const backing = new Uint8Array(offset + bytes.length + slack).fill(0xa5);
  const view = backing.subarray(offset, offset + bytes.length);
  view.set(bytes);
  return view;
}

const keyArb = fc.uint8Array({ minLength: 4, maxLength: 4 });
const phaseArb = fc.integer({ min: 0, max: 3 });
const offsetArb = fc.integer({ min: 0, max: 11 });
const payloadArb = fc.uint8Array({ minLength: 0, maxLength: 4096 });

describe('maskInPlace', () => {
  it('masks the RFC 6455 §5.7 "Hello" example', () => {
    const data = new TextEncoder().encode('Hello');
    const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
    expect(maskInPlace(data, key)).toBe(1);
    expect([...data]).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('equals a naive byte loop for every length, offset into the buffer and phase', () => {
    fc.assert(
      fc.property(payloadArb, keyArb, offsetArb, phaseArb, (payload, key, offset, phase) => {
        const view = viewAt(payload, offset);
        const before = view.buffer.slice(0);
        const next = maskInPlace(view, key, phase);
        expect(next).toBe((phase + payload.length) & 3);
        expect(view).toEqual(naiveMask(payload, key, phase));
        // Bytes outside the view are untouched.
        const all = new Uint8Array(view.buffer);
        const orig = new Uint8Array(before);
        expect(all.subarray(0, offset)).toEqual(orig.subarray(0, offset));
        expect(all.subarray(offset + payload.length)).toEqual(orig.subarray(offset + payload.length));
      }),
      { numRuns: 300 },
    );
  });

  it('is its own inverse', () => {
    fc.assert(
      fc.property(payloadArb, keyArb, offsetArb, phaseArb, (payload, key, offset, phase) => {
        const view = viewAt(payload, offset);
        maskInPlace(view, key, phase);
        maskInPlace(view, key, phase);
        expect(view).toEqual(payload);
      }),
      { numRuns: 100 },
    );
  });

  it('continued across arbitrary split points equals masking the whole', () => {
    fc.assert(
      fc.property(
        payloadArb,
        keyArb,
        offsetArb,
        phaseArb,
        fc.array(fc.nat(), { maxLength: 8 }),
        (payload, key, offset, phase, rawCuts) => {
          const cuts = [...new Set(rawCuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
          const view = viewAt(payload, offset);
          let p = phase;
          let from = 0;
          for (const to of [...cuts, payload.length]) {
            p = maskInPlace(view.subarray(from, to), key, p);
            from = to;
          }
          expect(p).toBe((phase + payload.length) & 3);
          expect(view).toEqual(naiveMask(payload, key, phase));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handles large buffers at every alignment', () => {
    const payload = new Uint8Array(70_001).map((_, i) => (i * 31 + 7) & 0xff);
    const key = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    for (let offset = 0; offset < 4; offset++) {
      for (let phase = 0; phase < 4; phase++) {
        const view = viewAt(payload, offset);
        expect(maskInPlace(view, key, phase)).toBe((phase + payload.length) & 3);
        // Buffer.equals: a deep toEqual over 70 000 elements takes seconds.
        expect(Buffer.from(view).equals(naiveMask(payload, key, phase))).toBe(true);
      }
    }
  });

  it('masks an empty payload without changing the phase', () => {
    expect(maskInPlace(new Uint8Array(0), new Uint8Array([1, 2, 3, 4]), 2)).toBe(2);
  });

  it('works on a Node Buffer from the shared pool', () => {
    const buf = Buffer.from('a pooled buffer sits at some odd offset in an 8 KiB slab');
    const copy = Uint8Array.from(buf);
    const key = new Uint8Array([9, 8, 7, 6]);
    maskInPlace(buf, key, 3);
    expect(Uint8Array.from(buf)).toEqual(naiveMask(copy, key, 3));
  });

  it('rejects a key that is not 4 bytes', () => {
    expect(() => maskInPlace(new Uint8Array(8), new Uint8Array(3))).toThrow(
      new RangeError('expected a 4-byte masking key, got 3 bytes'),
    );
  });

  it('rejects a phase outside 0-3', () => {
    const key = new Uint8Array(4);
    expect(() => maskInPlace(new Uint8Array(8), key, 4)).toThrow('expected a mask phase 0, 1, 2 or 3, got 4');
    expect(() => maskInPlace(new Uint8Array(8), key, -1)).toThrow(RangeError);
    expect(() => maskInPlace(new Uint8Array(8), key, 1.5)).toThrow(RangeError);
  });
});

describe('maskInto', () => {
  it('writes source XOR key into exactly [targetOffset, targetOffset + length) and leaves source alone', () => {
    fc.assert(
      fc.property(
        payloadArb,
        keyArb,
        offsetArb,
        offsetArb,
        fc.integer({ min: 0, max: 9 }),
        phaseArb,
        (payload, key, sourceOffset, targetViewOffset, targetOffset, phase) => {
          const source = viewAt(payload, sourceOffset);
          const sourceBefore = new Uint8Array(source.buffer.slice(0));
          const targetBacking = new Uint8Array(targetViewOffset + targetOffset + payload.length + 5).fill(0x3c);
          const target = targetBacking.subarray(targetViewOffset);

          const next = maskInto(source, key, target, targetOffset, phase);

          expect(next).toBe((phase + payload.length) & 3);
          expect(new Uint8Array(source.buffer)).toEqual(sourceBefore);
          expect(target.subarray(targetOffset, targetOffset + payload.length)).toEqual(
            naiveMask(payload, key, phase),
          );
          const untouched = [
            ...targetBacking.subarray(0, targetViewOffset + targetOffset),
            ...targetBacking.subarray(targetViewOffset + targetOffset + payload.length),
          ];
          expect(untouched.every((b) => b === 0x3c)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('continued across split points into one target equals masking the whole', () => {
    fc.assert(
      fc.property(payloadArb, keyArb, phaseArb, fc.nat(), (payload, key, phase, rawCut) => {
        const cut = rawCut % (payload.length + 1);
        const target = new Uint8Array(payload.length);
        const p = maskInto(payload.subarray(0, cut), key, target, 0, phase);
        maskInto(payload.subarray(cut), key, target, cut, p);
        expect(target).toEqual(naiveMask(payload, key, phase));
      }),
      { numRuns: 100 },
    );
  });

  it('is correct when source and target overlap in one buffer', () => {
    const backing = new Uint8Array(200).map((_, i) => i);
    const payload = backing.slice(3, 103);
    const key = new Uint8Array([1, 2, 4, 8]);
    maskInto(backing.subarray(3, 103), key, backing, 10, 1);
    expect(backing.subarray(10, 110)).toEqual(naiveMask(payload, key, 1));
  });

  it('rejects a target too small for the source', () => {
    expect(() => maskInto(new Uint8Array(10), new Uint8Array(4), new Uint8Array(12), 3)).toThrow(
      new RangeError('expected 10 bytes to fit in a 12-byte target at offset 3'),
    );
    expect(() => maskInto(new Uint8Array(1), new Uint8Array(4), new Uint8Array(12), -1)).toThrow(RangeError);
  });

  it('rejects a bad key or phase', () => {
    expect(() => maskInto(new Uint8Array(1), new Uint8Array(5), new Uint8Array(1))).toThrow(
      'expected a 4-byte masking key, got 5 bytes',
    );
    expect(() => maskInto(new Uint8Array(1), new Uint8Array(4), new Uint8Array(1), 0, 7)).toThrow(
      'expected a mask phase 0, 1, 2 or 3, got 7',
    );
  });
});

describe('maskFramePayload', () => {
  it('masks the payload with the key the frame carries, as maskInPlace does on the payload alone (short and long payloads)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 10 }), (payload, key, header) => {
        // A frame: `header` bytes, the key, the payload.
        const frame = new Uint8Array(header + 4 + payload.length);
        frame.fill(0xa5, 0, header);
        frame.set(key, header);
        frame.set(payload, header + 4);
        maskFramePayload(frame, header, header + 4);
        const expected = Uint8Array.from(payload);
        maskInPlace(expected, key, 0);
        expect(Buffer.from(frame.subarray(header + 4)).equals(Buffer.from(expected))).toBe(true);
        expect(Buffer.from(frame.subarray(0, header + 4)).equals(Buffer.concat([Buffer.alloc(header, 0xa5), Buffer.from(key)]))).toBe(true);
      }),
    );
  });
});
