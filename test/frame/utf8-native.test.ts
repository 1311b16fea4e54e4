import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';

/** Every range that Utf8Validator hands to node:buffer's isUtf8, and the answer it got. */
const nativeCalls = vi.hoisted(() => [] as { byteOffset: number; length: number; valid: boolean }[]);

vi.mock('node:buffer', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:buffer')>();
  return {
    ...actual,
    isUtf8: (input: Uint8Array): boolean => {
      const valid = actual.isUtf8(input);
      nativeCalls.push({ byteOffset: input.byteOffset, length: input.length, valid });
      return valid;
    },
  };
});

const { Utf8Validator, isValidUtf8 } = await import('../../src/frame/utf8.js');

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

afterEach(() => {
  nativeCalls.length = 0;
});

describe('Utf8Validator: which bytes go to the native check', () => {
  it('pushes under 64 bytes stay on the automaton; 64 bytes or more go native', () => {
    const validator = new Utf8Validator();
    expect(validator.push(encode('é'.repeat(31)))).toBe(-1); // 62 bytes
    expect(nativeCalls).toEqual([]);
    const bytes = encode('é'.repeat(32)); // 64 bytes
    expect(validator.push(bytes)).toBe(-1);
    expect(nativeCalls).toEqual([{ byteOffset: bytes.byteOffset, length: 64, valid: true }]);
  });

  it('finishes a carried-in sequence first and stops before a cut-off one at the end', () => {
    // '€' is E2 82 AC: push its first byte, then its last two, 96 ASCII bytes and the first byte of another.
    const backing = Uint8Array.from([0xe2, 0x82, 0xac, ...encode('a'.repeat(96)), 0xe2, 0x82, 0xac]);
    const validator = new Utf8Validator();
    expect(validator.push(backing, 0, 1)).toBe(-1);
    expect(validator.push(backing, 1, 100)).toBe(-1);
    expect(nativeCalls).toEqual([{ byteOffset: 3, length: 96, valid: true }]);
    expect(validator.complete).toBe(false);
    expect(validator.push(backing, 100)).toBe(-1);
    expect(validator.complete).toBe(true);
  });

  it('on valid text cut anywhere, the native check never answers invalid and covers all but a few bytes a push', () => {
    const text = fc
      .array(fc.oneof(fc.constant('a'), fc.constant('ß'), fc.constant('€'), fc.constant('😀')), {
        minLength: 100,
        maxLength: 600,
      })
      .map((chars) => encode(chars.join('')));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 5 }), (bytes, rawCuts) => {
        nativeCalls.length = 0;
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const validator = new Utf8Validator();
        let from = 0;
        let longPushes = 0;
        let longBytes = 0;
        for (const to of [...cuts, bytes.length]) {
          expect(validator.push(bytes, from, to)).toBe(-1);
          if (to - from >= 64) {
            longPushes++;
            longBytes += to - from;
          }
          from = to;
        }
        expect(validator.complete).toBe(true);
        expect(nativeCalls.every((call) => call.valid)).toBe(true);
        expect(nativeCalls.length).toBe(longPushes);
        // At most 3 bytes carried in and 3 left cut off at the end of each long push.
        const nativeBytes = nativeCalls.reduce((n, call) => n + call.length, 0);
        expect(nativeBytes).toBeGreaterThanOrEqual(longBytes - 6 * longPushes);
      }),
      { numRuns: 300 },
    );
  });

  it('isValidUtf8 is the native check on the whole buffer', () => {
    const bytes = encode('κόσμε');
    expect(isValidUtf8(bytes)).toBe(true);
    expect(isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe(false);
    expect(nativeCalls).toEqual([
      { byteOffset: 0, length: bytes.length, valid: true },
      { byteOffset: 0, length: 3, valid: false },
    ]);
  });
});
