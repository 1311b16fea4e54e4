import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Utf8Validator, isValidUtf8 } from '../../src/frame/utf8.js';

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

function decodesFatally(bytes: Uint8Array): boolean {
  try {
    fatalDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brute-force reference for "is a valid prefix of some valid UTF-8 text":
 * the bytes split into complete valid text followed by a proper prefix (0-3
 * bytes) of the encoding of some Unicode scalar value. The set of such
 * prefixes comes from encoding every scalar value with TextEncoder.
 */
const scalarPrefixes = ((): Set<number> => {
  const prefixes = new Set<number>();
  const encoder = new TextEncoder();
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const bytes = encoder.encode(String.fromCodePoint(cp));
    for (let len = 1; len < bytes.length; len++) prefixes.add(packTail(bytes.subarray(0, len)));
  }
  return prefixes;
})();

function packTail(tail: Uint8Array): number {
  let key = tail.length;
  for (const b of tail) key = key * 256 + b;
  return key;
}

function isValidPrefix(bytes: Uint8Array): boolean {
  for (let k = 0; k <= Math.min(3, bytes.length); k++) {
    const tail = bytes.subarray(bytes.length - k);
    if ((k === 0 || scalarPrefixes.has(packTail(tail))) && decodesFatally(bytes.subarray(0, bytes.length - k))) {
      return true;
    }
  }
  return false;
}

/** Feed `bytes` cut at `cuts`; return the absolute index of the failing byte (or -1) and `complete`. */
function feed(bytes: Uint8Array, cuts: number[]): { failAt: number; complete: boolean } {
  const validator = new Utf8Validator();
  let from = 0;
  let failAt = -1;
  for (const to of [...cuts, bytes.length]) {
    const r = validator.push(bytes.subarray(from, to));
    if (r !== -1 && failAt === -1) failAt = from + r;
    from = to;
  }
  return { failAt, complete: validator.complete };
}

function sortedCuts(rawCuts: number[], length: number): number[] {
  return [...new Set(rawCuts.map((c) => c % (length + 1)))].sort((a, b) => a - b);
}

/** [name, bytes, index of the first invalid byte or -1, complete] */
type Case = [string, number[], number, boolean];
const valid = (name: string, bytes: number[]): Case => [name, bytes, -1, true];
const cutOff = (name: string, bytes: number[]): Case => [name, bytes, -1, false];
const failsAt = (name: string, bytes: number[], at: number): Case => [name, bytes, at, false];

// Markus Kuhn's UTF-8 decoder capability and stress test, by section.
const kuhnCases: Case[] = [
  // 1 Some correct UTF-8 text
  valid('1 κόσμε', [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5]),
  // 2.1 First possible sequence of a certain length
  valid('2.1.1 U+0000', [0x00]),
  valid('2.1.2 U+0080', [0xc2, 0x80]),
  valid('2.1.3 U+0800', [0xe0, 0xa0, 0x80]),
  valid('2.1.4 U+10000', [0xf0, 0x90, 0x80, 0x80]),
  failsAt('2.1.5 5-byte U+200000', [0xf8, 0x88, 0x80, 0x80, 0x80], 0),
  failsAt('2.1.6 6-byte U+4000000', [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80], 0),
  // 2.2 Last possible sequence of a certain length
  valid('2.2.1 U+007F', [0x7f]),
  valid('2.2.2 U+07FF', [0xdf, 0xbf]),
  valid('2.2.3 U+FFFF', [0xef, 0xbf, 0xbf]),
  failsAt('2.2.4 U+1FFFFF', [0xf7, 0xbf, 0xbf, 0xbf], 0),
  failsAt('2.2.5 U+3FFFFFF', [0xfb, 0xbf, 0xbf, 0xbf, 0xbf], 0),
  failsAt('2.2.6 U+7FFFFFFF', [0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf], 0),
  // 2.3 Other boundary conditions
  valid('2.3.1 U+D7FF', [0xed, 0x9f, 0xbf]),
  valid('2.3.2 U+E000', [0xee, 0x80, 0x80]),
  valid('2.3.3 U+FFFD', [0xef, 0xbf, 0xbd]),
  valid('2.3.4 U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]),
  failsAt('2.3.5 U+110000', [0xf4, 0x90, 0x80, 0x80], 1),
  // 3.1 Unexpected continuation bytes (each of the 64 alone is covered below)
  failsAt('3.1.1 first continuation byte 0x80', [0x80], 0),
  failsAt('3.1.2 last continuation byte 0xbf', [0xbf], 0),
  failsAt('3.1.3 2 continuation bytes', [0x80, 0xbf], 0),
  failsAt('3.1.6 5 continuation bytes', [0x80, 0xbf, 0x80, 0xbf, 0x80], 0),
  failsAt('3.1 continuation byte after ASCII', [0x61, 0x62, 0x80], 2),
  failsAt('3.1 continuation byte after a complete 2-byte character', [0xc2, 0xa9, 0xa9], 2),
  // 3.3 Sequences with the last continuation byte missing
  failsAt('3.3.1 2-byte U+0000', [0xc0], 0),
  failsAt('3.3.2 3-byte U+0000', [0xe0, 0x80], 1),
  failsAt('3.3.3 4-byte U+0000', [0xf0, 0x80, 0x80], 1),
  failsAt('3.3.4 5-byte U+0000', [0xf8, 0x80, 0x80, 0x80], 0),
  failsAt('3.3.5 6-byte U+0000', [0xfc, 0x80, 0x80, 0x80, 0x80], 0),
  cutOff('3.3.6 2-byte U+07FF', [0xdf]),
  cutOff('3.3.7 3-byte U+FFFF', [0xef, 0xbf]),
  failsAt('3.3.8 4-byte U+1FFFFF', [0xf7, 0xbf, 0xbf], 0),
  failsAt('3.3.9 5-byte U+3FFFFFF', [0xfb, 0xbf, 0xbf, 0xbf], 0),
  failsAt('3.3.10 6-byte U+7FFFFFFF', [0xfd, 0xbf, 0xbf, 0xbf, 0xbf], 0),
  cutOff('3.3 3-byte U+1000 cut after 2', [0xe1, 0x80]),
  cutOff('3.3 4-byte U+40000 cut after 3', [0xf1, 0x80, 0x80]),
  cutOff('3.3 4-byte U+10FFFF cut after 3', [0xf4, 0x8f, 0xbf]),
  cutOff('3.3 4-byte U+10000 cut after 1', [0xf0]),
  failsAt('3.3 cut-off sequence followed by ASCII', [0xe1, 0x80, 0x41], 2),
  // 3.4 Concatenation of incomplete sequences
  failsAt('3.4 all of 3.3 concatenated', [0xc0, 0xe0, 0x80, 0xf0, 0x80, 0x80, 0xdf, 0xef, 0xbf], 0),
  failsAt('3.4 incomplete 2-byte then incomplete 3-byte', [0xdf, 0xef, 0xbf], 1),
  // 3.5 Impossible bytes
  failsAt('3.5.1 fe', [0xfe], 0),
  failsAt('3.5.2 ff', [0xff], 0),
  failsAt('3.5.3 fe fe ff ff', [0xfe, 0xfe, 0xff, 0xff], 0),
  // 4.1 Overlong ASCII character "/"
  failsAt('4.1.1 2-byte', [0xc0, 0xaf], 0),
  failsAt('4.1.2 3-byte', [0xe0, 0x80, 0xaf], 1),
  failsAt('4.1.3 4-byte', [0xf0, 0x80, 0x80, 0xaf], 1),
  failsAt('4.1.4 5-byte', [0xf8, 0x80, 0x80, 0x80, 0xaf], 0),
  failsAt('4.1.5 6-byte', [0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf], 0),
  // 4.2 Maximum overlong sequences
  failsAt('4.2.1 U+007F as 2 bytes', [0xc1, 0xbf], 0),
  failsAt('4.2.2 U+07FF as 3 bytes', [0xe0, 0x9f, 0xbf], 1),
  failsAt('4.2.3 U+FFFF as 4 bytes', [0xf0, 0x8f, 0xbf, 0xbf], 1),
  failsAt('4.2.4 U+1FFFFF as 5 bytes', [0xf8, 0x87, 0xbf, 0xbf, 0xbf], 0),
  failsAt('4.2.5 U+3FFFFFF as 6 bytes', [0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf], 0),
  // 4.3 Overlong NUL
  failsAt('4.3.1 2-byte', [0xc0, 0x80], 0),
  failsAt('4.3.2 3-byte', [0xe0, 0x80, 0x80], 1),
  failsAt('4.3.3 4-byte', [0xf0, 0x80, 0x80, 0x80], 1),
  failsAt('4.3.4 5-byte', [0xf8, 0x80, 0x80, 0x80, 0x80], 0),
  failsAt('4.3.5 6-byte', [0xfc, 0x80, 0x80, 0x80, 0x80, 0x80], 0),
  // 5.1 Single UTF-16 surrogates
  failsAt('5.1.1 U+D800', [0xed, 0xa0, 0x80], 1),
  failsAt('5.1.2 U+DB7F', [0xed, 0xad, 0xbf], 1),
  failsAt('5.1.3 U+DB80', [0xed, 0xae, 0x80], 1),
  failsAt('5.1.4 U+DBFF', [0xed, 0xaf, 0xbf], 1),
  failsAt('5.1.5 U+DC00', [0xed, 0xb0, 0x80], 1),
  failsAt('5.1.6 U+DF80', [0xed, 0xbe, 0x80], 1),
  failsAt('5.1.7 U+DFFF', [0xed, 0xbf, 0xbf], 1),
  // 5.2 Paired UTF-16 surrogates
  failsAt('5.2.1 U+D800 U+DC00', [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], 1),
  failsAt('5.2.8 U+DBFF U+DFFF', [0xed, 0xaf, 0xbf, 0xed, 0xbf, 0xbf], 1),
  failsAt('5.2 surrogate after valid text', [0x68, 0x69, 0xed, 0xa0, 0x80], 3),
  // 5.3 Noncharacters are valid UTF-8
  valid('5.3.1 U+FFFE', [0xef, 0xbf, 0xbe]),
  valid('5.3.2 U+FFFF', [0xef, 0xbf, 0xbf]),
  valid('5.3.3 U+FDD0', [0xef, 0xb7, 0x90]),
  valid('5.3.4 U+10FFFE', [0xf4, 0x8f, 0xbf, 0xbe]),
  // Empty text
  valid('empty', []),
];

describe('Utf8Validator: Markus Kuhn stress-test cases', () => {
  it.each(kuhnCases)('%s', (_name, list, expectedFailAt, expectedComplete) => {
    const bytes = Uint8Array.from(list);
    const validator = new Utf8Validator();
    expect(validator.push(bytes)).toBe(expectedFailAt);
    expect(validator.complete).toBe(expectedComplete);
    expect(isValidUtf8(bytes)).toBe(expectedFailAt === -1 && expectedComplete);
    // The same verdict one byte at a time, and agreement with TextDecoder.
    expect(feed(bytes, bytes.map((_, i) => i).slice(1) as unknown as number[])).toEqual({
      failAt: expectedFailAt,
      complete: expectedComplete,
    });
    expect(decodesFatally(bytes)).toBe(expectedFailAt === -1 && expectedComplete);
  });

  it('3.1.9 each of the 64 continuation bytes alone fails at itself', () => {
    for (let b = 0x80; b <= 0xbf; b++) expect(new Utf8Validator().push(Uint8Array.of(b))).toBe(0);
  });

  it('3.2 lonely start characters followed by a space fail at the space (C0, C1, F5..FF at themselves)', () => {
    for (let b = 0xc0; b <= 0xff; b++) {
      const expected = b <= 0xc1 || b >= 0xf5 ? 0 : 1;
      expect(new Utf8Validator().push(Uint8Array.of(b, 0x20)), `0x${b.toString(16)}`).toBe(expected);
    }
  });
});

describe('Utf8Validator: incremental use', () => {
  it('fails fast inside a later chunk at the first impossible byte (Autobahn 6.4.x)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(new TextEncoder().encode('κόσμε'))).toBe(-1);
    expect(validator.push(Uint8Array.of(0xf4))).toBe(-1);
    expect(validator.complete).toBe(false);
    expect(validator.push(Uint8Array.of(0x90, 0x80, 0x80))).toBe(0);
    expect(validator.complete).toBe(false);
  });

  it('resumes a sequence split across chunks', () => {
    const euro = [0xe2, 0x82, 0xac];
    const validator = new Utf8Validator();
    expect(validator.push(Uint8Array.of(0x41, euro[0]!))).toBe(-1);
    expect(validator.complete).toBe(false);
    expect(validator.push(Uint8Array.of(euro[1]!))).toBe(-1);
    expect(validator.push(Uint8Array.of(euro[2]!, 0x42))).toBe(-1);
    expect(validator.complete).toBe(true);
  });

  it('validates only [start, end) and reports indices in the chunk', () => {
    const chunk = Uint8Array.of(0xff, 0x61, 0xc3, 0xa9, 0x62, 0xff);
    const validator = new Utf8Validator();
    expect(validator.push(chunk, 1, 5)).toBe(-1);
    expect(validator.complete).toBe(true);
    expect(validator.push(chunk, 3, 6)).toBe(3);
  });

  it('after a failure returns `start` for every later push, until reset', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Uint8Array.of(0x61, 0xc0))).toBe(1);
    expect(validator.push(Uint8Array.of(0x61, 0x62))).toBe(0);
    expect(validator.push(Uint8Array.of(0x61, 0x62, 0x63), 2)).toBe(2);
    expect(validator.push(new Uint8Array(0))).toBe(0);
    expect(validator.complete).toBe(false);
    validator.reset();
    expect(validator.complete).toBe(true);
    expect(validator.push(Uint8Array.of(0x61, 0x62))).toBe(-1);
  });

  it('reset discards a cut-off sequence', () => {
    const validator = new Utf8Validator();
    validator.push(Uint8Array.of(0xe2, 0x82));
    validator.reset();
    expect(validator.push(Uint8Array.of(0x41))).toBe(-1);
    expect(validator.complete).toBe(true);
  });

  it('finds an invalid byte at every position of long ASCII text, at every view alignment', () => {
    const text = new TextEncoder().encode('x'.repeat(300));
    for (let offset = 0; offset < 4; offset++) {
      const backing = new Uint8Array(offset + text.length + 3).fill(0xff);
      const view = backing.subarray(offset, offset + text.length);
      view.set(text);
      expect(new Utf8Validator().push(view)).toBe(-1);
      for (let at = 0; at < text.length; at++) {
        view[at] = 0x80;
        expect(new Utf8Validator().push(view), `offset ${offset}, at ${at}`).toBe(at);
        expect(new Utf8Validator().push(view, Math.min(at, 5))).toBe(at);
        view[at] = 0x78;
      }
    }
  });

  it('does not rescan bytes already passed when ASCII ends a long chunk at an unaligned index', () => {
    // 4-byte characters keep the automaton off the word path until one ASCII byte at the very end.
    const bytes = Uint8Array.from([0x00, ...Array.from({ length: 16 }, () => [0xf0, 0x90, 0x80, 0x80]).flat(), 0x00]);
    for (let offset = 0; offset < 4; offset++) {
      const view = new Uint8Array(offset + bytes.length).subarray(offset);
      view.set(bytes);
      const validator = new Utf8Validator();
      expect(validator.push(view), `offset ${offset}`).toBe(-1);
      expect(validator.complete).toBe(true);
    }
  });

  it('rejects a range outside the chunk', () => {
    const validator = new Utf8Validator();
    expect(() => validator.push(new Uint8Array(4), 2, 5)).toThrow(
      new RangeError('expected 0 <= start <= end <= 4, got start 2 and end 5'),
    );
    expect(() => validator.push(new Uint8Array(4), 3, 2)).toThrow(RangeError);
    expect(() => validator.push(new Uint8Array(4), -1)).toThrow(RangeError);
  });
});

/** Text that is often valid: encoded strings (ASCII runs, any code points) glued with random bytes, then mutated. */
const textLikeBytes = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => new TextEncoder().encode(s)) },
        { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 150 }).map((s) => new TextEncoder().encode(s)) },
        { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }) },
      ),
      { maxLength: 8 },
    ),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as [number, number][]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 }) },
    ),
    fc.integer({ min: 0, max: 7 }),
  )
  .map(([parts, mutations, offset]) => {
    const length = parts.reduce((n, p) => n + p.length, 0);
    // Place the bytes at an arbitrary offset into a larger buffer to vary the word alignment.
    const bytes = new Uint8Array(offset + length + 5).subarray(offset, offset + length);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    if (length > 0) for (const [pos, value] of mutations) bytes[pos % length] = value;
    return bytes;
  });

describe('Utf8Validator: properties', () => {
  it('agrees with TextDecoder({fatal: true}) for any bytes split at any points', () => {
    fc.assert(
      fc.property(textLikeBytes, fc.array(fc.nat(), { maxLength: 6 }), (bytes, rawCuts) => {
        const expected = decodesFatally(bytes);
        const { failAt, complete } = feed(bytes, sortedCuts(rawCuts, bytes.length));
        expect(failAt === -1 && complete).toBe(expected);
        expect(isValidUtf8(bytes)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('fails at the earliest possible byte, and a cut-off end is a valid prefix', () => {
    fc.assert(
      fc.property(textLikeBytes, fc.array(fc.nat(), { maxLength: 6 }), (bytes, rawCuts) => {
        const { failAt, complete } = feed(bytes, sortedCuts(rawCuts, bytes.length));
        if (failAt === -1) {
          expect(isValidPrefix(bytes)).toBe(true);
          expect(complete).toBe(decodesFatally(bytes));
        } else {
          expect(isValidPrefix(bytes.subarray(0, failAt))).toBe(true);
          expect(isValidPrefix(bytes.subarray(0, failAt + 1))).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the brute-force prefix reference itself matches the known cases', () => {
    expect(isValidPrefix(Uint8Array.of(0xf4, 0x8f))).toBe(true);
    expect(isValidPrefix(Uint8Array.of(0xf4, 0x90))).toBe(false);
    expect(isValidPrefix(Uint8Array.of(0xed, 0xa0))).toBe(false);
    expect(isValidPrefix(Uint8Array.of(0xe0, 0x80))).toBe(false);
    expect(isValidPrefix(Uint8Array.of(0x61, 0xe0, 0xa0))).toBe(true);
    expect(isValidPrefix(Uint8Array.of(0xc0))).toBe(false);
  });
});

/**
 * Long text of all four encoded lengths, so pushes of 64 bytes or more take
 * the native bulk path and most cuts fall inside a character.
 */
const longMultiByteText = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.integer({ min: 0x00, max: 0x7f }),
        fc.integer({ min: 0x80, max: 0x7ff }),
        fc.integer({ min: 0x800, max: 0xd7ff }),
        fc.integer({ min: 0xe000, max: 0xffff }),
        fc.integer({ min: 0x10000, max: 0x10ffff }),
      ),
      { minLength: 30, maxLength: 400 },
    ),
    fc.integer({ min: 0, max: 7 }),
  )
  .map(([codePoints, offset]) => {
    const encoded = new TextEncoder().encode(String.fromCodePoint(...codePoints));
    // A view at an arbitrary offset, with bytes that are never valid UTF-8 on both sides.
    const backing = new Uint8Array(offset + encoded.length + 4).fill(0xff);
    backing.set(encoded, offset);
    return { backing, offset, length: encoded.length };
  });

/** Bytes that make text invalid in every way: stray continuations, overlong, surrogate and too-high leads, never-bytes. */
const breakingByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff),
);

/** Feed `bytes` as ranges of its own buffer (push(chunk, start, end)), cut at `cuts`. */
function feedRanges(
  backing: Uint8Array,
  offset: number,
  length: number,
  cuts: number[],
): { failAt: number; complete: boolean } {
  const validator = new Utf8Validator();
  let from = 0;
  let failAt = -1;
  for (const to of [...cuts, length]) {
    const r = validator.push(backing, offset + from, offset + to);
    if (r !== -1 && failAt === -1) failAt = r - offset;
    from = to;
  }
  return { failAt, complete: validator.complete };
}

/** The automaton alone: one byte per push never reaches the native path. */
function feedByteByByte(bytes: Uint8Array): { failAt: number; complete: boolean } {
  return feed(bytes, Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1));
}

describe('Utf8Validator: long pushes checked natively, then by the automaton at the edges', () => {
  it('gives the byte-by-byte verdict on long multi-byte text with invalid bytes anywhere, cut anywhere', () => {
    fc.assert(
      fc.property(
        longMultiByteText,
        fc.array(fc.tuple(fc.nat(), breakingByte), { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        ({ backing, offset, length }, mutations, rawCuts) => {
          for (const [pos, value] of mutations) backing[offset + (pos % length)] = value;
          const bytes = backing.subarray(offset, offset + length);
          const cuts = sortedCuts(rawCuts, length);
          const expected = feedByteByByte(bytes);
          expect(feedRanges(backing, offset, length, cuts)).toEqual(expected);
          expect(feed(bytes, cuts)).toEqual(expected);
          expect(new Utf8Validator().push(bytes)).toBe(expected.failAt);
          expect(isValidUtf8(bytes)).toBe(expected.failAt === -1 && expected.complete);
          expect(decodesFatally(bytes)).toBe(expected.failAt === -1 && expected.complete);
          if (expected.failAt !== -1) {
            expect(isValidPrefix(bytes.subarray(0, expected.failAt))).toBe(true);
            expect(isValidPrefix(bytes.subarray(0, expected.failAt + 1))).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts valid long text cut at every point inside its first characters, complete only at the end', () => {
    fc.assert(
      fc.property(longMultiByteText, fc.integer({ min: 1, max: 8 }), ({ backing, offset, length }, cut) => {
        const bytes = backing.subarray(offset, offset + length);
        const at = Math.min(cut, length);
        const validator = new Utf8Validator();
        expect(validator.push(bytes, 0, at)).toBe(-1);
        expect(validator.push(bytes, at)).toBe(-1);
        expect(validator.complete).toBe(true);
        expect(validator.push(bytes, 0, length - at)).toBe(-1);
        expect(validator.complete).toBe((bytes[length - at]! & 0xc0) !== 0x80);
      }),
      { numRuns: 300 },
    );
  });

  const ascii = (n: number): number[] => Array.from({ length: n }, () => 0x61);

  it('fails at the carried-in sequence when a long push does not continue it', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Uint8Array.of(0x61, 0xf4))).toBe(-1);
    expect(validator.push(Uint8Array.from([0x8f, 0x90, 0x80, ...ascii(100)]))).toBe(-1);
    expect(validator.complete).toBe(true);
    expect(validator.push(Uint8Array.of(0xf4))).toBe(-1);
    expect(validator.push(Uint8Array.from([0x90, 0x80, 0x80, ...ascii(100)]))).toBe(0);
    const carried = new Utf8Validator();
    carried.push(Uint8Array.of(0xe2, 0x82));
    expect(carried.push(Uint8Array.from([0xac, ...ascii(100), 0xc0]))).toBe(101);
  });

  it('finds an invalid byte in the last 3 bytes of a long push, and completes a cut-off lead in the next', () => {
    expect(new Utf8Validator().push(Uint8Array.from([...ascii(100), 0xe0, 0x80]))).toBe(101);
    expect(new Utf8Validator().push(Uint8Array.from([...ascii(100), 0xed, 0xa0]))).toBe(101);
    expect(new Utf8Validator().push(Uint8Array.from([...ascii(100), 0xff]))).toBe(100);
    expect(new Utf8Validator().push(Uint8Array.from([...ascii(100), 0x80, 0x80, 0x80, 0x80]))).toBe(100);
    expect(new Utf8Validator().push(Uint8Array.from([...ascii(100), 0xf0, 0x90, 0x80, 0x80, 0x80]))).toBe(104);
    const validator = new Utf8Validator();
    expect(validator.push(Uint8Array.from([...ascii(100), 0xf0, 0x9f, 0x98]))).toBe(-1);
    expect(validator.complete).toBe(false);
    expect(validator.push(Uint8Array.from([0x80, ...ascii(100)]))).toBe(-1);
    expect(validator.complete).toBe(true);
  });
});
