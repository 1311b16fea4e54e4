import { describe, expect, it } from 'vitest';
import { thrownBy } from '../helpers/outcome.js';
import fc from 'fast-check';
import { FrameParser, WHOLE_FRAME_LIMIT, type FrameHeader, type FrameParserOptions } from '../../src/frame/parser.js';
import { encodeFrame } from '../../src/frame/encoder.js';
import { WebSocketPayloadException, WebSocketProtocolException, type ErrorCode } from '../../src/exceptions.js';

interface Parsed {
  header: FrameHeader;
  payload: Buffer;
  pieces: number;
}

/** Which whole short data frames a recorder takes through `onWholeFrame`: none (no such hook), all, or every other one offered. */
type WholeFrames = 'none' | 'all' | 'alternate';

/**
 * A parser whose handler records every frame and checks the piece protocol as
 * it goes. Frames taken whole count as one piece; `offers` counts the whole
 * frames offered (taken or declined).
 */
function recorder(options?: FrameParserOptions, whole: WholeFrames = 'none') {
  const frames: Parsed[] = [];
  const stats = { offers: 0 };
  let open: { header: FrameHeader; parts: Buffer[] } | null = null;
  const onWholeFrame = (header: Readonly<FrameHeader>, chunk: Buffer, start: number, end: number): boolean => {
    if (open !== null) throw new Error('onWholeFrame before the previous frame ended');
    if (!header.fin || header.opcode > 2 || end - start !== header.payloadLength || end - start > WHOLE_FRAME_LIMIT) {
      throw new Error(`offered a frame that is not a whole short final data frame: ${JSON.stringify(header)}`);
    }
    if (start < 0 || end > chunk.length) throw new Error('whole frame outside its chunk');
    stats.offers++;
    if (whole === 'alternate' && stats.offers % 2 === 0) return false;
    frames.push({ header: { ...header }, payload: Buffer.from(chunk.subarray(start, end)), pieces: 1 });
    return true;
  };
  const parser = new FrameParser(
    {
      ...(whole === 'none' ? {} : { onWholeFrame }),
      onHeader(header) {
        if (open !== null) throw new Error('onHeader before the previous frame ended');
        open = { header: { ...header }, parts: [] };
      },
      onPayload(piece, frameEnd) {
        if (open === null) throw new Error('onPayload without a header');
        if (piece.length === 0 && open.header.payloadLength !== 0) throw new Error('empty piece of a non-empty frame');
        open.parts.push(Buffer.from(piece));
        if (frameEnd) {
          frames.push({ header: open.header, payload: Buffer.concat(open.parts), pieces: open.parts.length });
          open = null;
        }
      },
    },
    options,
  );
  return { parser, frames, stats };
}

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const header = (h: Partial<FrameHeader>): FrameHeader => ({
  fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: false, payloadLength: 0, ...h,
});

describe('FrameParser: RFC 6455 §5.7 examples', () => {
  it('unmasked "Hello"', () => {
    const { parser, frames } = recorder();
    parser.push(hex('81 05 48 65 6c 6c 6f'));
    expect(frames).toEqual([{ header: header({ payloadLength: 5 }), payload: Buffer.from('Hello'), pieces: 1 }]);
    expect(parser.idle).toBe(true);
  });

  it('masked "Hello" (accepted with acceptMasked)', () => {
    const { parser, frames } = recorder({ acceptMasked: true });
    parser.push(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(frames[0].header).toEqual(header({ masked: true, payloadLength: 5 }));
    expect(frames[0].payload.toString()).toBe('Hello');
  });

  it('fragmented "Hel" + "lo", unmasked ping, masked pong', () => {
    const { parser, frames } = recorder({ acceptMasked: true });
    parser.push(hex('01 03 48 65 6c 80 02 6c 6f 89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(frames.map((f) => [f.header.fin, f.header.opcode, f.payload.toString()])).toEqual([
      [false, 1, 'Hel'],
      [true, 0, 'lo'],
      [true, 9, 'Hello'],
      [true, 10, 'Hello'],
    ]);
  });

  it('256-byte and 65536-byte binary frames (16- and 64-bit lengths)', () => {
    const { parser, frames } = recorder();
    const small = Buffer.alloc(256, 1);
    const large = Buffer.alloc(65536, 2);
    parser.push(Buffer.concat([hex('82 7e 01 00'), small, hex('82 7f 00 00 00 00 00 01 00 00'), large]));
    expect(frames.map((f) => f.header.payloadLength)).toEqual([256, 65536]);
    expect(frames[0].payload).toEqual(small);
    expect(frames[1].payload).toEqual(large);
  });
});

describe('FrameParser: whole short data frames (onWholeFrame)', () => {
  const text = (payload: string, options: { fin?: boolean; maskKey?: Uint8Array } = {}) =>
    encodeFrame(1, Buffer.from(payload), { fin: options.fin ?? true, maskKey: options.maskKey ?? null });

  it('offers only final data frames of at most WHOLE_FRAME_LIMIT bytes held whole by the chunk', () => {
    const { parser, frames, stats } = recorder({}, 'all');
    const atLimit = Buffer.alloc(WHOLE_FRAME_LIMIT, 7);
    const overLimit = Buffer.alloc(WHOLE_FRAME_LIMIT + 1, 8);
    const chunk = Buffer.concat([
      text('a'),
      encodeFrame(9, Buffer.from('ping'), {}),
      text('first', { fin: false }),
      encodeFrame(0, Buffer.from(' part'), {}),
      encodeFrame(2, atLimit, {}),
      encodeFrame(2, overLimit, {}),
      encodeFrame(2, Buffer.alloc(0), {}),
    ]);
    parser.push(chunk);
    // 'a', the continuation that ends the fragmented message, the frame at the limit, the empty frame.
    expect(stats.offers).toBe(4);
    expect(frames.map((f) => [f.header.opcode, f.header.fin, f.payload.length])).toEqual([
      [1, true, 1],
      [9, true, 4],
      [1, false, 5],
      [0, true, 5],
      [2, true, WHOLE_FRAME_LIMIT],
      [2, true, WHOLE_FRAME_LIMIT + 1],
      [2, true, 0],
    ]);
    expect(frames[5].payload.equals(overLimit)).toBe(true);
    expect(parser.idle).toBe(true);
  });

  it('does not offer a frame whose payload goes on in the next chunk', () => {
    const { parser, frames, stats } = recorder({}, 'all');
    const bytes = text('hello');
    parser.push(bytes.subarray(0, 4));
    parser.push(bytes.subarray(4));
    expect(stats.offers).toBe(0);
    expect(frames.map((f) => f.payload.toString())).toEqual(['hello']);
  });

  it('a declined masked frame comes through the pieces unmasked once', () => {
    const { parser, frames, stats } = recorder({ acceptMasked: true }, 'alternate');
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    parser.push(Buffer.concat([text('taken', { maskKey: key }), text('declined', { maskKey: key })]));
    expect(stats.offers).toBe(2);
    expect(frames.map((f) => [f.payload.toString(), f.header.masked])).toEqual([
      ['taken', true],
      ['declined', true],
    ]);
  });

  it('checks every header rule before offering a frame', () => {
    const cases: Array<[Buffer, FrameParserOptions, ErrorCode]> = [
      [hex('c1 01 61'), {}, 'WS_ERR_UNEXPECTED_RSV'],
      [hex('83 01 61'), {}, 'WS_ERR_INVALID_OPCODE'],
      [hex('81 81 00 00 00 00 61'), {}, 'WS_ERR_MASKED_FRAME'],
      [hex('82 05 01 02 03 04 05'), { maxPayload: 4 }, 'WS_ERR_MESSAGE_TOO_BIG'],
    ];
    for (const [bytes, options, code] of cases) {
      const { parser, frames, stats } = recorder(options, 'all');
      expect(thrownBy(() => parser.push(bytes))).toMatchObject({ code });
      expect(stats.offers).toBe(0);
      expect(frames).toEqual([]);
    }
  });
});

describe('FrameParser: any chunking gives the same frames (property)', () => {
  interface Spec {
    opcode: number;
    fin: boolean;
    rsv: number;
    length: number;
    seed: number;
    mask: Uint8Array | null;
  }
  const dataLength = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 4, arbitrary: fc.integer({ min: 120, max: 130 }) },
    { weight: 2, arbitrary: fc.integer({ min: 65530, max: 65540 }) },
    { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 300_000 }) },
  );
  const maskKey = (masked: boolean) =>
    masked ? fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }) : fc.constant(null);
  const frameSpec = (masked: boolean): fc.Arbitrary<Spec> =>
    fc.oneof(
      fc.record({
        opcode: fc.constantFrom(0, 1, 2),
        fin: fc.boolean(),
        rsv: fc.nat(7),
        length: dataLength,
        seed: fc.nat(),
        mask: maskKey(masked),
      }),
      fc.record({
        opcode: fc.constantFrom(8, 9, 10),
        fin: fc.constant(true),
        rsv: fc.nat(7),
        length: fc.integer({ min: 0, max: 125 }),
        seed: fc.nat(),
        mask: maskKey(masked),
      }),
    );
  const payloadOf = (spec: Spec) => {
    const bytes = Buffer.allocUnsafe(spec.length);
    let x = spec.seed | 1;
    for (let i = 0; i < bytes.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      bytes[i] = x >>> 24;
    }
    return bytes;
  };
  // Cut points as fractions of the stream, the stream whole in one chunk, or fed one byte at a time.
  const cutting = fc.oneof(
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
    fc.constant([]),
    fc.constant('bytewise' as const),
  );
  const wholeFrames = fc.constantFrom<WholeFrames>('none', 'all', 'alternate');

  for (const masked of [false, true]) {
    it(`${masked ? 'masked frames with acceptMasked' : 'unmasked frames'}: headers and payload bytes survive any cut`, () => {
      fc.assert(
        fc.property(fc.array(frameSpec(masked), { minLength: 1, maxLength: 8 }), cutting, wholeFrames, (specs, cuts, whole) => {
          const payloads = specs.map(payloadOf);
          const stream = Buffer.concat(
            specs.map((s, i) =>
              encodeFrame(s.opcode, payloads[i], {
                fin: s.fin, rsv1: (s.rsv & 4) !== 0, rsv2: (s.rsv & 2) !== 0, rsv3: (s.rsv & 1) !== 0, maskKey: s.mask,
              }),
            ),
          );
          if (cuts === 'bytewise' && stream.length > 70_000) return; // keep runs fast: bytewise on small streams
          const points =
            cuts === 'bytewise'
              ? Array.from({ length: stream.length }, (_, i) => i)
              : [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
          const { parser, frames } = recorder({ acceptMasked: masked, allowedRsv: 7 }, whole);
          let from = 0;
          for (const point of [...points, stream.length]) {
            if (point > from) parser.push(stream.subarray(from, point));
            from = Math.max(from, point);
          }
          expect(parser.idle).toBe(true);
          expect(frames.length).toBe(specs.length);
          specs.forEach((s, i) => {
            expect(frames[i].header).toEqual({
              fin: s.fin, rsv1: (s.rsv & 4) !== 0, rsv2: (s.rsv & 2) !== 0, rsv3: (s.rsv & 1) !== 0,
              opcode: s.opcode, masked: s.mask !== null, payloadLength: s.length,
            });
            expect(frames[i].payload.equals(payloads[i])).toBe(true);
            if (s.opcode >= 8) expect(frames[i].pieces).toBe(1);
          });
        }),
        { numRuns: 90 },
      );
    });
  }
});

describe('FrameParser: payload pieces', () => {
  it('a data payload held whole by the chunk is a view into it, unmasked in place', () => {
    const pieces: Buffer[] = [];
    const parser = new FrameParser(
      { onHeader() {}, onPayload: (piece) => pieces.push(piece) },
      { acceptMasked: true },
    );
    const chunk = Buffer.concat([
      encodeFrame(2, Buffer.from('abc')),
      encodeFrame(2, Buffer.from('hello world'), { maskKey: Uint8Array.of(1, 2, 3, 4) }),
      encodeFrame(9, Buffer.from('ping'), { maskKey: Uint8Array.of(5, 6, 7, 8) }),
    ]);
    parser.push(chunk);
    expect(pieces.map(String)).toEqual(['abc', 'hello world', 'ping']);
    for (const piece of pieces) expect(piece.buffer).toBe(chunk.buffer);
    expect(pieces[0].byteOffset).toBe(chunk.byteOffset + 2);
    // Unmasked in place: the chunk now holds the plain text.
    expect(chunk.includes('hello world')).toBe(true);
  });

  it('a data frame spread over chunks comes in pieces, each a view into its chunk', () => {
    const calls: [Buffer, boolean, Uint8Array][] = [];
    let current: Uint8Array = new Uint8Array(0);
    const parser = new FrameParser({ onHeader() {}, onPayload: (piece, end) => calls.push([piece, end, current]) });
    const frame = encodeFrame(2, Buffer.alloc(300, 9));
    for (const cut of [[0, 3], [3, 100], [100, 304]]) {
      current = frame.subarray(cut[0], cut[1]);
      parser.push(current as Buffer);
    }
    expect(calls.map(([p, end]) => [p.length, end])).toEqual([[96, false], [204, true]]);
    for (const [piece, , chunk] of calls) expect(piece.buffer).toBe(chunk.buffer);
  });

  it('a control payload spanning chunks is buffered and delivered once, unmasked', () => {
    const { parser, frames } = recorder({ acceptMasked: true });
    const frame = encodeFrame(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), { maskKey: Uint8Array.of(9, 8, 7, 6) });
    parser.push(frame.subarray(0, 7));
    expect(parser.idle).toBe(false);
    parser.push(frame.subarray(7, 9));
    parser.push(frame.subarray(9));
    expect(frames).toEqual([
      { header: header({ opcode: 8, masked: true, payloadLength: 5 }), payload: hex('03e8627965'), pieces: 1 },
    ]);
    expect(parser.idle).toBe(true);
  });

  it('a zero-length frame gets one empty piece with frameEnd', () => {
    const calls: [number, boolean][] = [];
    const parser = new FrameParser({ onHeader() {}, onPayload: (p, end) => calls.push([p.length, end]) });
    parser.push(hex('8100 8900 0000'));
    expect(calls).toEqual([[0, true], [0, true], [0, true]]);
  });

  it('accepts a plain Uint8Array chunk', () => {
    const { parser, frames } = recorder();
    parser.push(Uint8Array.from(hex('8203010203')));
    expect(frames[0].payload).toEqual(hex('010203'));
  });

  it('idle is false inside a header and inside a payload', () => {
    const { parser } = recorder();
    expect(parser.idle).toBe(true);
    parser.push(hex('82'));
    expect(parser.idle).toBe(false);
    parser.push(hex('05 01'));
    expect(parser.idle).toBe(false);
    parser.push(hex('02 03 04 05'));
    expect(parser.idle).toBe(true);
  });
});

describe('FrameParser: the header object', () => {
  it('is one object per parser, overwritten with each frame', () => {
    const seen: Array<{ header: object; opcode: number; payloadLength: number }> = [];
    const parser = new FrameParser({ onHeader: (h) => seen.push({ header: h, opcode: h.opcode, payloadLength: h.payloadLength }), onPayload() {} });
    parser.push(hex('81 01 61 82 02 01 02'));
    expect(seen.map(({ opcode, payloadLength }) => [opcode, payloadLength])).toEqual([[1, 1], [2, 2]]);
    expect(seen[0].header).toBe(seen[1].header);
  });
});

describe('FrameParser: lengths', () => {
  it('a 2^62 length with no payload -> Payload 1009 from the header alone', () => {
    const { parser, frames } = recorder();
    let headers = 0;
    const counting = new FrameParser({ onHeader: () => headers++, onPayload() {} });
    const bytes = hex('82 7f 40 00 00 00 00 00 00 00');
    const error = thrownBy(() => parser.push(bytes));
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect(error).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(error.message).toBe('frame payload of 4611686018427387904 bytes exceeds maxPayload 67108864');
    expect(frames).toEqual([]);
    expect(() => counting.push(bytes)).toThrow(WebSocketPayloadException);
    expect(headers).toBe(0);
  });

  it('the same header fed byte by byte fails at its last byte', () => {
    const { parser } = recorder();
    const bytes = hex('82 7f 40 00 00 00 00 00 00 00');
    for (let i = 0; i < bytes.length - 1; i++) parser.push(bytes.subarray(i, i + 1));
    expect(thrownBy(() => parser.push(bytes.subarray(bytes.length - 1)))).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
  });

  it('maxPayload: equal is accepted, one more is refused with 1009', () => {
    const { parser, frames } = recorder({ maxPayload: 10 });
    parser.push(encodeFrame(2, Buffer.alloc(10)));
    expect(frames.length).toBe(1);
    const error = thrownBy(() => parser.push(encodeFrame(2, Buffer.alloc(11))));
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect(error).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(error.message).toBe('frame payload of 11 bytes exceeds maxPayload 10');
  });

  it('maxPayload Infinity still refuses lengths of 2^53 and more, with the exact length', () => {
    const { parser } = recorder({ maxPayload: Infinity });
    const error = thrownBy(() => parser.push(hex('82 7f 00 20 00 00 00 00 00 01')));
    expect(error).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(error.message).toBe('frame payload of 9007199254740993 bytes exceeds the largest safe length 2^53-1');
  });

  it('a 64-bit length with the top bit set -> Protocol 1002', () => {
    const { parser } = recorder();
    const error = thrownBy(() => parser.push(hex('82 7f 80 00 00 00 00 00 00 05')));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_PAYLOAD_LENGTH', closeCode: 1002 });
    expect(error.message).toContain('64-bit payload length 0x8000000000000005 has the most significant bit set');
  });

  it('setOptions raises the limit for later frames', () => {
    const { parser, frames } = recorder({ maxPayload: 4 });
    parser.setOptions({ maxPayload: 200 });
    parser.push(encodeFrame(2, Buffer.alloc(150)));
    expect(frames[0].header.payloadLength).toBe(150);
  });

  it.each([
    [{ maxPayload: -1 }, /maxPayload .* got -1/],
    [{ maxPayload: 1.5 }, /maxPayload .* got 1.5/],
    [{ allowedRsv: 8 }, /allowedRsv .* got 8/],
  ])('refuses bad options %j', (options, message) => {
    expect(() => new FrameParser({ onHeader() {}, onPayload() {} }, options)).toThrow(message);
  });
});

describe('FrameParser: header rules (each -> Protocol 1002 saying what came)', () => {
  const cases: [string, string, FrameParserOptions | undefined, ErrorCode, string][] = [
    ['rsv1', 'c1 00', undefined, 'WS_ERR_UNEXPECTED_RSV', 'rsv1 set but no extension negotiated it'],
    ['rsv2', 'a1 00', undefined, 'WS_ERR_UNEXPECTED_RSV', 'rsv2 set but no extension negotiated it'],
    ['rsv3', '91 00', undefined, 'WS_ERR_UNEXPECTED_RSV', 'rsv3 set but no extension negotiated it'],
    ['rsv2 when only rsv1 is negotiated', 'e1 00', { allowedRsv: 4 }, 'WS_ERR_UNEXPECTED_RSV', 'rsv2 set but no extension negotiated it'],
    ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map(
      (op): [string, string, FrameParserOptions | undefined, ErrorCode, string] => [
        `opcode ${op}`, `${(0x80 | op).toString(16)} 00`, undefined, 'WS_ERR_INVALID_OPCODE', `reserved opcode 0x${op.toString(16)}`,
      ],
    ),
    ['close with fin=0', '08 00', undefined, 'WS_ERR_FRAGMENTED_CONTROL', 'control frame (close) with fin=0'],
    ['ping with fin=0', '09 00', undefined, 'WS_ERR_FRAGMENTED_CONTROL', 'control frame (ping) with fin=0'],
    ['pong with fin=0', '0a 00', undefined, 'WS_ERR_FRAGMENTED_CONTROL', 'control frame (pong) with fin=0'],
    ['ping of 126 bytes', '89 7e 00 7e', undefined, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'control frame (ping) payload of 126 bytes exceeds 125'],
    ['close with a 64-bit length', '88 7f 00 00 00 00 00 01 00 00', undefined, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'control frame (close) payload of 65536 bytes exceeds 125'],
    ['pong with a huge length', '8a 7f 00 40 00 00 00 00 00 00', undefined, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'control frame (pong) payload of 18014398509481984 bytes exceeds 125'],
    ['a masked frame', '81 80 00 00 00 00', undefined, 'WS_ERR_MASKED_FRAME', 'masked frame from server (RFC 6455 §5.1)'],
  ];

  it.each(cases)('%s', (_label, bytes, options, code, message) => {
    const { parser, frames } = recorder(options);
    const error = thrownBy(() => parser.push(hex(bytes)));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error).toMatchObject({ code, closeCode: 1002 });
    expect(error.message).toContain(message);
    expect(frames).toEqual([]);
  });

  it('rules from the first two bytes fail as soon as they are in, before the rest of the header', () => {
    const { parser } = recorder();
    parser.push(hex('c2'));
    expect(thrownBy(() => parser.push(hex('7f 00')))).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RSV' });
    const masked = recorder().parser;
    expect(thrownBy(() => masked.push(hex('82 fe')))).toMatchObject({ code: 'WS_ERR_MASKED_FRAME' });
  });

  it('negotiated rsv bits pass through to the header', () => {
    const { parser, frames } = recorder({ allowedRsv: 4 });
    parser.push(hex('c1 01 00'));
    expect(frames[0].header.rsv1).toBe(true);
  });
});

describe('FrameParser: dead after an error', () => {
  it('every later push throws the same error, even with good bytes', () => {
    const { parser, frames } = recorder();
    const first = thrownBy(() => parser.push(hex('83 00')));
    const second = thrownBy(() => parser.push(hex('81 01 61')));
    expect(second).toBe(first);
    expect(frames).toEqual([]);
  });

  it('an error thrown by the handler propagates and kills the parser', () => {
    const boom = new Error('handler failed');
    let calls = 0;
    const parser = new FrameParser({
      onHeader() {},
      onPayload() {
        calls++;
        throw boom;
      },
    });
    expect(() => parser.push(hex('81 01 61 81 01 62'))).toThrow(boom);
    expect(() => parser.push(hex('81 01 63'))).toThrow(boom);
    expect(calls).toBe(1);
  });
});

describe('FrameParser: interrupt', () => {
  it('push returns after the frame whose handler call interrupted it, with the bytes consumed; the rest parses later', () => {
    const frames: string[] = [];
    const parser: FrameParser = new FrameParser({
      onHeader() {},
      onPayload(piece, frameEnd) {
        if (!frameEnd) return;
        frames.push(piece.toString());
        parser.interrupt();
        if (piece.toString() === 'c') parser.cancelInterrupt();
      },
    });
    const a = encodeFrame(1, Buffer.from('a'), { maskKey: null });
    const ping = encodeFrame(9, Buffer.from('b'), { maskKey: null });
    const c = encodeFrame(2, Buffer.from('c'), { maskKey: null });
    const d = encodeFrame(2, Buffer.from('d'), { maskKey: null });
    const chunk = Buffer.concat([a, ping, c, d]);
    expect(parser.push(chunk)).toBe(a.length);
    expect(frames).toEqual(['a']);
    const rest = chunk.subarray(a.length);
    expect(parser.push(rest)).toBe(ping.length);
    // An interrupt cancelled within the same handler call ('c') changes nothing; 'd' ends the chunk anyway.
    expect(parser.push(rest.subarray(ping.length))).toBe(c.length + d.length);
    expect(frames).toEqual(['a', 'b', 'c', 'd']);
    expect(parser.push(Buffer.alloc(0))).toBe(0);
  });

  it('push(chunk, start) parses from start and returns offsets in chunk: an interrupted chunk is pushed again whole, with no view of its rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1, 2, 9), fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        (specs, every) => {
          const encoded = specs.map(([opcode, payload]) => encodeFrame(opcode, Buffer.from(payload.subarray(0, opcode === 9 ? 125 : 300)), { maskKey: null }));
          const chunk = Buffer.concat(encoded);
          const payloads: string[] = [];
          const parser: FrameParser = new FrameParser({
            onHeader() {},
            onPayload(piece, frameEnd) {
              if (!frameEnd) return;
              payloads.push(piece.toString('hex'));
              // Stop after every `every` frames, as a session paused by a full inbox does.
              if (payloads.length % every === 0) parser.interrupt();
            },
          });
          const stops: number[] = [];
          // At most one push per frame: each push ends at least one frame.
          for (let pos = 0; pos < chunk.length && stops.length < specs.length; ) {
            pos = parser.push(chunk, pos);
            stops.push(pos);
          }
          expect(payloads).toEqual(specs.map(([opcode, payload]) => Buffer.from(payload.subarray(0, opcode === 9 ? 125 : 300)).toString('hex')));
          // Each push stopped at the end of the frame that interrupted it (offsets from the chunk's start), the last at the chunk's end.
          const ends = encoded.map((_, i) => encoded.slice(0, i + 1).reduce((sum, f) => sum + f.length, 0));
          expect(stops).toEqual(ends.filter((_, i) => (i + 1) % every === 0 || i === ends.length - 1).filter((end, i, all) => all.indexOf(end) === i));
        },
      ),
      { numRuns: 100 },
    );
  });
});
