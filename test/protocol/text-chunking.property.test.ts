/**
 * Text messages that span chunks and frames: any chunking and fragmentation of
 * valid UTF-8 gives the string a whole decode gives; invalid UTF-8 anywhere
 * fails the connection at the chunk holding the first bad byte (RFC 6455 §8.1,
 * fail fast), with the messages before it delivered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEXT, CONT, ev, feed, frame } from './helpers.js';

/** Text of every UTF-8 length (1–4 bytes), lone surrogates excluded (they have no UTF-8). */
const textArb = fc.string({ unit: 'binary', maxLength: 200 });
const cutSeedsArb = fc.array(fc.nat(), { maxLength: 30 });

/** Cut points inside a stream of `length` bytes, from seeds taken modulo it. */
const cutsFrom = (seeds: readonly number[], length: number): number[] => seeds.map((s) => s % (length + 1));

/** The end of the chunk that holds byte `at` when `length` bytes are cut at `cuts`. */
function chunkEndHolding(at: number, cuts: readonly number[], length: number): number {
  return Math.min(length, ...cuts.filter((c) => c > at && c < length));
}

describe('session: text spanning chunks and frames', () => {
  it('gives the same text messages under any fragmentation and chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(textArb, fc.nat()), { minLength: 1, maxLength: 4 }), cutSeedsArb, (messages, seeds) => {
        const frames: Buffer[] = [];
        for (const [text, cutSeed] of messages) {
          const bytes = Buffer.from(text, 'utf8');
          const cut = cutSeed % (bytes.length + 1);
          // Two frames, split anywhere (inside a character too), or one when cutSeed is even.
          if (cutSeed % 2 === 0) frames.push(frame(TEXT, bytes));
          else frames.push(frame(TEXT, bytes.subarray(0, cut), { fin: false }), frame(CONT, bytes.subarray(cut)));
        }
        const stream = Buffer.concat(frames);
        const result = feed(stream, cutsFrom(seeds, stream.length));
        expect(result.events).toEqual(messages.map(([text]) => ev.text(text)));
        expect(result.session.bufferedBytes).toBe(0);
      }),
    );
  });

  it('fails at the chunk holding the first invalid byte, anywhere in a later message, with the messages before it delivered', () => {
    const badByteArb = fc.constantFrom(0xff, 0xc0, 0x80, 0xf5);
    fc.assert(
      fc.property(textArb, textArb, fc.nat(), badByteArb, cutSeedsArb, (before, text, at, bad, seeds) => {
        const good = Buffer.from(text, 'utf8');
        // Insert the bad byte at a character boundary, so the text up to it is valid and the bad byte is the first invalid one.
        const boundaries = [0, ...Array.from(text).map((_, i, chars) => Buffer.byteLength(chars.slice(0, i + 1).join(''), 'utf8'))];
        const offset = boundaries[at % boundaries.length];
        const payload = Buffer.concat([good.subarray(0, offset), Buffer.from([bad]), good.subarray(offset)]);
        const first = frame(TEXT, before);
        const stream = Buffer.concat([first, frame(TEXT, payload)]);
        const header = stream.length - first.length - payload.length;
        const badAt = first.length + header + offset;
        const cuts = cutsFrom(seeds, stream.length);
        const result = feed(stream, cuts);
        expect(result.events).toEqual([ev.text(before), ev.fail('payload', 1007)]);
        expect(result.failedAfter).toBe(chunkEndHolding(badAt, cuts, stream.length));
        expect(result.recorder.failures[0]?.message).toContain(`invalid UTF-8 in text message at byte ${offset}:`);
      }),
    );
  });

  it('decodes a long mixed text cut into large reads, and fails fast on a bad byte deep inside it', () => {
    const text = 'κόσμε ab€ 𝄞 plain ASCII run '.repeat(12_000);
    const bytes = Buffer.from(text, 'utf8');
    const stream = frame(TEXT, bytes);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), fc.integer({ min: 0, max: bytes.length - 1 }), (cuts, badAt) => {
        expect(feed(stream, cuts).events).toEqual([ev.text(text)]);
        const broken = Buffer.from(stream);
        const header = stream.length - bytes.length;
        broken[header + badAt] = 0xff;
        const result = feed(broken, cuts);
        expect(result.events).toEqual([ev.fail('payload', 1007)]);
        expect(result.failedAfter).toBe(chunkEndHolding(header + badAt, cuts, broken.length));
      }),
      { numRuns: 30 },
    );
  });
});
