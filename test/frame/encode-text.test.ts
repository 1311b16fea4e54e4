import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketProtocolException } from '../../src/exceptions.js';
import { encodeFrame, encodeTextFrame } from '../../src/frame/encoder.js';
import { FrameParser, type FrameHeader } from '../../src/frame/parser.js';

/** Any string, lone surrogates included, at lengths that take 7-, 16- and 64-bit length fields. */
const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', minLength: 40, maxLength: 300 }),
  fc.nat({ max: 3 }).map((n) => 'é✓a'.repeat([10, 22000, 21845, 30000][n])),
);
const keys = fc.uint8Array({ minLength: 4, maxLength: 4 });

function decode(frame: Buffer): { header: FrameHeader; payload: Buffer } {
  let header: FrameHeader | null = null;
  const pieces: Buffer[] = [];
  new FrameParser({ onHeader: (h) => (header = { ...h }), onPayload: (p) => pieces.push(Buffer.from(p)) }, { acceptMasked: true, maxPayload: Infinity }).push(frame);
  return { header: header as unknown as FrameHeader, payload: Buffer.concat(pieces) };
}

describe('encodeTextFrame', () => {
  it('gives the same bytes as encodeFrame(1, Buffer.from(text)) with the same key, and unmasked', () => {
    fc.assert(
      fc.property(texts, keys, (text, key) => {
        const bytes = Buffer.from(text, 'utf8');
        // Buffer.equals: a deep toEqual of 90 KB frames takes seconds.
        expect(encodeTextFrame(text, { maskKey: key }).equals(encodeFrame(1, bytes, { maskKey: key }))).toBe(true);
        expect(encodeTextFrame(text).equals(encodeFrame(1, bytes))).toBe(true);
        expect(encodeTextFrame(text, { maskKey: null }).equals(encodeFrame(1, bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('with randomMask, masks with a fresh key that the parser undoes', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const frame = encodeTextFrame(text, { randomMask: true });
        const { header, payload } = decode(frame);
        expect(header).toMatchObject({ fin: true, opcode: 1, masked: true, payloadLength: Buffer.byteLength(text) });
        expect(payload.equals(Buffer.from(text, 'utf8'))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a masking key that is not 4 bytes', () => {
    expect(() => encodeTextFrame('hi', { maskKey: new Uint8Array(3) })).toThrow(WebSocketProtocolException);
    expect(() => encodeTextFrame('hi', { maskKey: new Uint8Array(5) })).toThrow('cannot mask with a 5-byte key: expected 4 bytes (RFC 6455 §5.3)');
  });
});
