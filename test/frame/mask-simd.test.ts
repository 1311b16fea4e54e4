import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskIntoSimd, simdAvailable } from '../../src/frame/mask-simd.js';
import { maskInto } from '../../src/frame/mask.js';

/** RFC 6455 §5.3 by the letter: octet i XOR key octet ((phase + i) mod 4). */
function reference(source: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return source.map((byte, i) => byte ^ key[(phase + i) & 3]);
}

describe('WebAssembly SIMD masking', () => {
  it('is available on Node 20 (the kernel validates and instantiates)', () => {
    expect(simdAvailable).toBe(true);
  });

  it('maskIntoSimd matches the byte-by-byte rule at any length, across the 256 KiB window and its 64-byte steps', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 262_100, max: 262_300 }), fc.integer({ min: 524_200, max: 524_400 })),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 255 }),
        (length, key, offset, seed) => {
          const source = Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
          const target = new Uint8Array(length + offset + 3).fill(0xaa);
          maskIntoSimd(source, key[0], key[1], key[2], key[3], target, offset);
          expect(Buffer.from(target.subarray(offset, offset + length)).equals(reference(source, key, 0))).toBe(true);
          expect(target.subarray(0, offset).every((b) => b === 0xaa)).toBe(true);
          expect(target.subarray(offset + length).every((b) => b === 0xaa)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('maskInto takes the SIMD path from 256 bytes with the same result and phase as the rule, source untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 5000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat({ max: 3 }), (length, key, phase) => {
        const source = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
        const copy = Uint8Array.from(source);
        const target = new Uint8Array(length + 10);
        expect(maskInto(source, key, target, 10, phase)).toBe((phase + length) & 3);
        expect(Buffer.from(target.subarray(10)).equals(reference(source, key, phase))).toBe(true);
        expect(source).toEqual(copy);
      }),
      { numRuns: 100 },
    );
  });

  it('maskInto with source and target in one buffer (overlapping) still masks correctly (word loop)', () => {
    const buffer = Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff);
    const source = buffer.subarray(0, 4000);
    const key = Uint8Array.from([1, 2, 3, 4]);
    const expected = reference(Uint8Array.from(source), key, 0);
    maskInto(source, key, buffer, 50);
    expect(Buffer.from(buffer.subarray(50, 4050)).equals(expected)).toBe(true);
  });
});
