import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeClosePayload, encodeClosePayload, isValidWireCloseCode } from '../../src/frame/close.js';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { thrownBy } from '../helpers/outcome.js';

const codeBytes = (code: number, ...rest: number[]) => Uint8Array.from([code >>> 8, code & 0xff, ...rest]);

describe('isValidWireCloseCode (RFC 6455 §7.4)', () => {
  it.each([
    [0, false], [999, false], [1000, true], [1001, true], [1002, true], [1003, true],
    [1004, false], [1005, false], [1006, false], [1007, true], [1011, true], [1014, true],
    [1015, false], [1016, false], [2999, false], [3000, true], [4000, true], [4999, true],
    [5000, false], [65535, false], [-1, false], [1000.5, false], [Number.NaN, false],
  ])('%s -> %s', (code, expected) => {
    expect(isValidWireCloseCode(code)).toBe(expected);
  });

  it('agrees with the range definition for every 16-bit code', () => {
    const mismatches: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const expected =
        (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
      if (isValidWireCloseCode(code) !== expected) mismatches.push(code);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('decodeClosePayload', () => {
  it('an empty payload carries no code', () => {
    expect(decodeClosePayload(new Uint8Array(0))).toEqual({ code: null, reason: '' });
  });

  it('a code alone', () => {
    expect(decodeClosePayload(codeBytes(1000))).toEqual({ code: 1000, reason: '' });
  });

  it('a code and a UTF-8 reason', () => {
    const payload = Buffer.concat([Buffer.from(codeBytes(4001)), Buffer.from('bye κόσμε', 'utf8')]);
    expect(decodeClosePayload(payload)).toEqual({ code: 4001, reason: 'bye κόσμε' });
  });

  it('works on a view at an offset in a larger buffer', () => {
    const big = Buffer.from([9, 9, 0x03, 0xe9, 0x68, 0x69, 9]);
    expect(decodeClosePayload(big.subarray(2, 6))).toEqual({ code: 1001, reason: 'hi' });
  });

  it('a 1-byte payload -> Protocol 1002', () => {
    const error = thrownBy(() => decodeClosePayload(Uint8Array.of(3)));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.closeCode).toBe(1002);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_CLOSE_PAYLOAD' });
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])(
    'close code %i -> Protocol 1002 saying which code came',
    (code) => {
      const error = thrownBy(() => decodeClosePayload(codeBytes(code)));
      expect(error).toBeInstanceOf(WebSocketProtocolException);
      expect(error.closeCode).toBe(1002);
      expect(error.message).toContain(`close code ${code} is not allowed on the wire`);
    },
  );

  it.each([
    ['a stray continuation byte', [0x80]],
    ['a truncated sequence', [0xce]],
    ['an overlong', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('a reason with %s -> Payload 1007', (_label, bytes) => {
    const payload = codeBytes(1000, 0x61, ...bytes);
    const error = thrownBy(() => decodeClosePayload(payload));
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect(error.closeCode).toBe(1007);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_UTF8' });
  });

  it('skipUtf8Validation decodes a bad reason with replacement characters', () => {
    expect(decodeClosePayload(codeBytes(1000, 0x61, 0xff), true)).toEqual({ code: 1000, reason: 'a\ufffd' });
  });

  it('skipUtf8Validation does not skip the code rules', () => {
    expect(() => decodeClosePayload(codeBytes(1005), true)).toThrow(WebSocketProtocolException);
  });
});

describe('encodeClosePayload', () => {
  it('null -> empty payload', () => {
    expect(encodeClosePayload(null)).toEqual(Buffer.alloc(0));
  });

  it('code alone, code + string reason, code + byte reason', () => {
    expect([...encodeClosePayload(1000)]).toEqual([0x03, 0xe8]);
    expect([...encodeClosePayload(4999, 'é')]).toEqual([0x13, 0x87, 0xc3, 0xa9]);
    expect([...encodeClosePayload(1001, Uint8Array.of(0x62, 0x79))]).toEqual([0x03, 0xe9, 0x62, 0x79]);
  });

  it('sends bytes as given, even when they are not UTF-8 (a tool for testing peers)', () => {
    expect([...encodeClosePayload(1000, Uint8Array.of(0xff))]).toEqual([0x03, 0xe8, 0xff]);
  });

  it('accepts a 123-byte reason (125 in all), refuses 124', () => {
    expect(encodeClosePayload(1000, 'x'.repeat(123)).length).toBe(125);
    const error = thrownBy(() => encodeClosePayload(1000, 'x'.repeat(124)));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.message).toContain('close payload of 126 bytes');
  });

  it('counts the reason in UTF-8 bytes, not characters', () => {
    expect(() => encodeClosePayload(1000, 'é'.repeat(62))).toThrow(expect.objectContaining({ code: 'WS_ERR_CONTROL_PAYLOAD_TOO_LONG' }));
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 70000, -1, 1000.5])('refuses code %s', (code) => {
    const error = thrownBy(() => encodeClosePayload(code));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.message).toContain(`close code ${code} cannot be sent`);
  });

  it('refuses a reason without a code', () => {
    expect(() => encodeClosePayload(null, 'bye')).toThrow(expect.objectContaining({ code: 'WS_ERR_CLOSE_REASON_WITHOUT_CODE' }));
  });

  it('round trip: decode(encode(code, reason)) for every allowed code and any short reason', () => {
    const code = fc.oneof(fc.integer({ min: 1000, max: 1003 }), fc.integer({ min: 1007, max: 1014 }), fc.integer({ min: 3000, max: 4999 }));
    const reason = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => Buffer.byteLength(s) <= 123);
    fc.assert(
      fc.property(code, reason, (c, r) => {
        expect(decodeClosePayload(encodeClosePayload(c, r))).toEqual({ code: c, reason: r });
      }),
    );
  });
});
