import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame, randomMaskKey } from '../../src/frame/encoder.js';
import { WebSocketProtocolException } from '../../src/exceptions.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const hello = Buffer.from('Hello');
const rfcKey = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

describe('encodeFrame: RFC 6455 §5.7 examples', () => {
  it('a single-frame unmasked text message', () => {
    expect(hex(encodeFrame(0x1, hello))).toBe('810548656c6c6f');
  });

  it('a single-frame masked text message', () => {
    expect(hex(encodeFrame(0x1, hello, { maskKey: rfcKey }))).toBe('818537fa213d7f9f4d5158');
  });

  it('a fragmented unmasked text message', () => {
    expect(hex(encodeFrame(0x1, Buffer.from('Hel'), { fin: false }))).toBe('010348656c');
    expect(hex(encodeFrame(0x0, Buffer.from('lo')))).toBe('80026c6f');
  });

  it('unmasked ping, masked pong', () => {
    expect(hex(encodeFrame(0x9, hello))).toBe('890548656c6c6f');
    expect(hex(encodeFrame(0xa, hello, { maskKey: rfcKey }))).toBe('8a8537fa213d7f9f4d5158');
  });

  it('256 bytes binary in a single unmasked frame', () => {
    const frame = encodeFrame(0x2, Buffer.alloc(256, 7));
    expect(hex(frame.subarray(0, 4))).toBe('827e0100');
    expect(frame.length).toBe(4 + 256);
    expect(frame.subarray(4).every((b) => b === 7)).toBe(true);
  });

  it('64 KiB binary in a single unmasked frame', () => {
    const frame = encodeFrame(0x2, Buffer.alloc(65536, 7));
    expect(hex(frame.subarray(0, 10))).toBe('827f0000000000010000');
    expect(frame.length).toBe(10 + 65536);
  });
});

describe('encodeFrame: length encodings (RFC 6455 §5.2)', () => {
  it.each([
    [0, '8200'],
    [125, '827d'],
    [126, '827e007e'],
    [65535, '827effff'],
    [65536, '827f0000000000010000'],
    [70000, '827f0000000000011170'],
  ])('%i bytes -> header %s', (length, header) => {
    const frame = encodeFrame(0x2, new Uint8Array(length));
    expect(hex(frame.subarray(0, header.length / 2))).toBe(header);
    expect(frame.length).toBe(header.length / 2 + length);
  });

  it('puts the mask bit and the key after a 16-bit length', () => {
    const frame = encodeFrame(0x2, new Uint8Array(300), { maskKey: rfcKey });
    expect(hex(frame.subarray(0, 8))).toBe('82fe012c37fa213d');
    // Zero bytes XOR the key give the key, repeated.
    expect(hex(frame.subarray(8, 16))).toBe('37fa213d37fa213d');
  });

  it('a masked empty frame is a header and a key only', () => {
    expect(hex(encodeFrame(0x8, new Uint8Array(0), { maskKey: rfcKey }))).toBe('888037fa213d');
  });
});

describe('encodeFrame: header bits', () => {
  it.each([
    [{ fin: false }, 0x02],
    [{ rsv1: true }, 0xc2],
    [{ rsv2: true }, 0xa2],
    [{ rsv3: true }, 0x92],
    [{ fin: false, rsv1: true, rsv2: true, rsv3: true }, 0x72],
  ])('%j -> first byte %i', (options, byte0) => {
    expect(encodeFrame(0x2, new Uint8Array(0), options)[0]).toBe(byte0);
  });

  it('encodes reserved opcodes and oversize control frames (a tool for testing servers)', () => {
    expect(hex(encodeFrame(0x3, new Uint8Array(0)))).toBe('8300');
    expect(hex(encodeFrame(0xf, new Uint8Array(0), { fin: false }))).toBe('0f00');
    expect(hex(encodeFrame(0x9, new Uint8Array(126)).subarray(0, 4))).toBe('897e007e');
  });

  it.each([16, -1, 1.5, Number.NaN])('refuses opcode %s', (opcode) => {
    expect(() => encodeFrame(opcode, new Uint8Array(0))).toThrow(WebSocketProtocolException);
    expect(() => encodeFrame(opcode, new Uint8Array(0))).toThrow(`cannot encode opcode ${opcode}`);
  });

  it('refuses a masking key that is not 4 bytes', () => {
    expect(() => encodeFrame(1, hello, { maskKey: new Uint8Array(3) })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_MASK_KEY' }));
  });

  it('null maskKey means unmasked', () => {
    expect(hex(encodeFrame(0x1, hello, { maskKey: null }))).toBe('810548656c6c6f');
  });
});

describe('encodeFrame: payload and masking', () => {
  it('never modifies the caller payload, and masks a copy XOR key (RFC 6455 §5.3)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(7),
        (bytes, key, offset) => {
          // Payload as a view at an arbitrary offset of a larger buffer.
          const backing = new Uint8Array(offset + bytes.length);
          backing.set(bytes, offset);
          const payload = backing.subarray(offset);
          const frame = encodeFrame(0x2, payload, { maskKey: key });
          expect(payload).toEqual(bytes);
          const headerLength = frame.length - bytes.length;
          expect([...frame.subarray(headerLength - 4, headerLength)]).toEqual([...key]);
          const unmasked = frame.subarray(headerLength).map((b, i) => b ^ key[i & 3]);
          expect(unmasked).toEqual(Buffer.from(bytes));
        },
      ),
    );
  });

  it('masks every length around the short-payload threshold exactly (0-80 bytes, any key)', () => {
    const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
    for (let length = 0; length <= 80; length++) {
      const payload = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
      const frame = encodeFrame(0x2, payload, { maskKey: key });
      const body = frame.subarray(frame.length - length);
      expect([...body]).toEqual([...payload].map((b, i) => b ^ key[i & 3]));
    }
  });

  it('randomMask: a fresh key in the frame, the payload masked with it', () => {
    const payload = Buffer.from('a payload of some forty bytes, or close');
    const keys = new Set<string>();
    for (const bytes of [payload.subarray(0, 5), payload, Buffer.alloc(300, 1)]) {
      for (let n = 0; n < 4; n++) {
        const frame = encodeFrame(0x1, bytes, { randomMask: true });
        const headerLength = frame.length - bytes.length;
        expect(frame[1] & 0x80).toBe(0x80);
        const key = frame.subarray(headerLength - 4, headerLength);
        keys.add(hex(key));
        expect(frame.subarray(headerLength).map((b, i) => b ^ key[i & 3])).toEqual(bytes);
      }
    }
    expect(keys.size).toBe(12);
  });

  it('an explicit maskKey wins over randomMask', () => {
    expect(hex(encodeFrame(0x1, hello, { maskKey: rfcKey, randomMask: true }))).toBe('818537fa213d7f9f4d5158');
  });

  it('randomMaskKey gives fresh keys of the asked length, across pool refills', () => {
    // 3000 keys of 4 bytes draw more than the 8 KiB pool holds.
    const keys = new Set(Array.from({ length: 3000 }, () => hex(randomMaskKey())));
    expect(keys.size).toBeGreaterThan(2990);
    expect(randomMaskKey(7).length).toBe(7);
    expect(() => randomMaskKey(-1)).toThrow(RangeError);
    expect(() => randomMaskKey(2000)).toThrow(/key length 0-1024, got 2000/);
  });

  it('copies an unmasked payload after the header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70000 }), (bytes) => {
        const frame = encodeFrame(0x2, bytes);
        expect(frame.subarray(frame.length - bytes.length)).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 30 },
    );
  });
});
