import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameParser } from '../../src/frame/parser.js';
import { encodeFrame } from '../../src/frame/encoder.js';

/** One handler call, as a comparable record: kind, opcode of its frame, bytes, frameEnd. */
type Call = [kind: 'header' | 'piece' | 'control', opcode: number, bytes: string, frameEnd: boolean];

function streamOf(frames: Array<{ opcode: number; fin: boolean; payload: Buffer; mask: Uint8Array | null }>): Buffer {
  return Buffer.concat(frames.map((f) => encodeFrame(f.opcode, f.payload, { fin: f.fin, maskKey: f.mask })));
}

function pushCut(parser: FrameParser, stream: Buffer, cuts: number[]): void {
  const points = [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const point of [...points, stream.length]) {
    if (point > from) parser.push(stream.subarray(from, point));
    from = Math.max(from, point);
  }
}

/** Calls seen by a handler of views (`onPayload` only). */
function viaPieces(stream: Buffer, cuts: number[]): Call[] {
  const calls: Call[] = [];
  let opcode = -1;
  const parser = new FrameParser(
    {
      onHeader: (h) => {
        opcode = h.opcode;
        calls.push(['header', opcode, '', false]);
      },
      onPayload: (piece, frameEnd) => calls.push([opcode >= 8 ? 'control' : 'piece', opcode, piece.toString('hex'), frameEnd]),
    },
    { acceptMasked: true },
  );
  pushCut(parser, Buffer.from(stream), cuts);
  return calls;
}

/** Calls seen by a handler of ranges; each range is checked to lie inside the chunk pushed. */
function viaRanges(stream: Buffer, cuts: number[]): Call[] {
  const calls: Call[] = [];
  let opcode = -1;
  const parser = new FrameParser(
    {
      onHeader: (h) => {
        opcode = h.opcode;
        calls.push(['header', opcode, '', false]);
      },
      onPayload: (piece, frameEnd) => {
        if (opcode < 8) throw new Error('a data payload came to onPayload although the handler takes ranges');
        calls.push(['control', opcode, piece.toString('hex'), frameEnd]);
      },
      onPayloadRange: (chunk, start, end, frameEnd) => {
        if (opcode >= 8) throw new Error('a control payload came as a range');
        if (!(Number.isInteger(start) && start >= 0 && start <= end && end <= chunk.length)) {
          throw new Error(`range [${start}, ${end}) outside a chunk of ${chunk.length}`);
        }
        calls.push(['piece', opcode, chunk.toString('hex', start, end), frameEnd]);
      },
    },
    { acceptMasked: true },
  );
  pushCut(parser, Buffer.from(stream), cuts);
  return calls;
}

describe('FrameParser: onPayloadRange', () => {
  it('hands out exactly the pieces onPayload would, as ranges, for any frames and any chunking (property)', () => {
    const frame = fc.oneof(
      fc.record({
        opcode: fc.constantFrom(0, 1, 2),
        fin: fc.boolean(),
        payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 120, maxLength: 70_000 })).map((b) => Buffer.from(b)),
        mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
      }),
      fc.record({
        opcode: fc.constantFrom(8, 9, 10),
        fin: fc.constant(true),
        payload: fc.uint8Array({ maxLength: 125 }).map((b) => Buffer.from(b)),
        mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
      }),
    );
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 6 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), (frames, cuts) => {
        const stream = streamOf(frames);
        const expected = viaPieces(stream, cuts);
        expect(viaRanges(stream, cuts)).toEqual(expected);
        // And the pieces put together are the payloads (unmasked).
        const data = expected.filter((c) => c[0] !== 'header').map((c) => c[2]).join('');
        expect(data).toBe(frames.map((f) => f.payload.toString('hex')).join(''));
      }),
      { numRuns: 80 },
    );
  });

  it('an empty data frame is one empty range with frameEnd, an empty control frame one empty onPayload', () => {
    const stream = streamOf([
      { opcode: 1, fin: true, payload: Buffer.alloc(0), mask: null },
      { opcode: 9, fin: true, payload: Buffer.alloc(0), mask: null },
    ]);
    expect(viaRanges(stream, [])).toEqual([
      ['header', 1, '', false],
      ['piece', 1, '', true],
      ['header', 9, '', false],
      ['control', 9, '', true],
    ]);
  });

  it('ranges point into the pushed chunk, unmasked in place', () => {
    const chunk = encodeFrame(1, Buffer.from('hello world'), { fin: true, maskKey: Uint8Array.of(1, 2, 3, 4) });
    let seen: [Buffer, number, number] | null = null;
    const parser = new FrameParser(
      { onHeader: () => {}, onPayload: () => {}, onPayloadRange: (c, s, e) => (seen = [c, s, e]) },
      { acceptMasked: true },
    );
    parser.push(chunk);
    expect(seen).not.toBeNull();
    const [c, s, e] = seen as unknown as [Buffer, number, number];
    expect(c).toBe(chunk);
    expect([s, e]).toEqual([6, 17]);
    expect(chunk.toString('utf8', s, e)).toBe('hello world');
  });
});
