import { describe, expect, it } from 'vitest';
import { thrownBy } from '../helpers/outcome.js';
import fc from 'fast-check';
import { ABNF } from '../../src/frame/abnf.js';
import { FrameParser, type FrameHeader } from '../../src/frame/parser.js';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const rfcKey = () => Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

function withKey(frame: ABNF, key: Uint8Array | null): ABNF {
  if (key === null) frame.mask = 0;
  else frame.getMaskKey = () => key;
  return frame;
}

describe('ABNF constants', () => {
  it('opcodes, names and close codes as websocket-client names them', () => {
    expect([ABNF.OPCODE_CONT, ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY, ABNF.OPCODE_CLOSE, ABNF.OPCODE_PING, ABNF.OPCODE_PONG])
      .toEqual([0, 1, 2, 8, 9, 10]);
    expect(ABNF.OPCODES).toEqual([0, 1, 2, 8, 9, 10]);
    expect(ABNF.OPCODE_MAP).toEqual({ 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' });
    expect([
      ABNF.STATUS_NORMAL, ABNF.STATUS_GOING_AWAY, ABNF.STATUS_PROTOCOL_ERROR, ABNF.STATUS_UNSUPPORTED_DATA_TYPE,
      ABNF.STATUS_STATUS_NOT_AVAILABLE, ABNF.STATUS_ABNORMAL_CLOSED, ABNF.STATUS_INVALID_PAYLOAD,
      ABNF.STATUS_POLICY_VIOLATION, ABNF.STATUS_MESSAGE_TOO_BIG, ABNF.STATUS_INVALID_EXTENSION,
      ABNF.STATUS_UNEXPECTED_CONDITION, ABNF.STATUS_SERVICE_RESTART, ABNF.STATUS_TRY_AGAIN_LATER,
      ABNF.STATUS_BAD_GATEWAY, ABNF.STATUS_TLS_HANDSHAKE_ERROR,
    ]).toEqual([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015]);
    expect(ABNF.VALID_CLOSE_STATUS).toEqual([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]);
    expect(Object.isFrozen(ABNF.OPCODES) && Object.isFrozen(ABNF.VALID_CLOSE_STATUS)).toBe(true);
  });
});

describe('ABNF construction', () => {
  it('defaults: fin 1, rsv 0, opcode TEXT, mask 1, empty data', () => {
    const frame = new ABNF();
    expect([frame.fin, frame.rsv1, frame.rsv2, frame.rsv3, frame.opcode, frame.mask]).toEqual([1, 0, 0, 0, 1, 1]);
    expect(frame.data).toEqual(Buffer.alloc(0));
  });

  it('a string is UTF-8 encoded; a Uint8Array becomes a Buffer view without a copy', () => {
    expect(new ABNF({ data: 'é' }).data).toEqual(Buffer.from([0xc3, 0xa9]));
    const bytes = new Uint8Array([1, 2, 3]);
    const data = new ABNF({ data: bytes }).data as Buffer;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect(data.buffer).toBe(bytes.buffer);
  });

  it('createFrame: masked, rsv 0, the fin given, string UTF-8 encoded', () => {
    const frame = ABNF.createFrame('κόσμε', ABNF.OPCODE_TEXT);
    expect([frame.fin, frame.rsv1, frame.opcode, frame.mask]).toEqual([1, 0, 1, 1]);
    expect(frame.data).toEqual(Buffer.from('κόσμε'));
    expect(ABNF.createFrame(Uint8Array.of(1), ABNF.OPCODE_BINARY, 0).fin).toBe(0);
  });

  it('fromParsed builds the frame a parser decoded', () => {
    let header: FrameHeader | undefined;
    let payload: Buffer | undefined;
    const parser = new FrameParser({ onHeader: (h) => (header = { ...h }), onPayload: (p) => (payload = p) }, { allowedRsv: 4, acceptMasked: true });
    parser.push(withKey(new ABNF({ opcode: 2, fin: 1, rsv1: 1, data: 'abc' }), Uint8Array.of(1, 2, 3, 4)).format());
    const frame = ABNF.fromParsed(header!, payload!);
    expect([frame.fin, frame.rsv1, frame.rsv2, frame.rsv3, frame.opcode, frame.mask]).toEqual([1, 1, 0, 0, 2, 1]);
    expect(frame.data).toEqual(Buffer.from('abc'));
  });

  it('toString as in traces', () => {
    expect(String(new ABNF({ data: 'hi' }))).toBe('fin=1 opcode=1 data="hi"');
    expect(String(new ABNF({ opcode: 8, data: Uint8Array.of(3, 0xe9) }))).toBe('fin=1 opcode=8 data=0x03e9');
  });
});

describe('ABNF.format: RFC 6455 §5.7 examples, byte-exact', () => {
  it('unmasked "Hello"', () => {
    expect(hex(withKey(new ABNF({ data: 'Hello' }), null).format())).toBe('810548656c6c6f');
  });
  it('masked "Hello" with key 37 fa 21 3d', () => {
    expect(hex(withKey(new ABNF({ data: 'Hello' }), rfcKey()).format())).toBe('818537fa213d7f9f4d5158');
  });
  it('fragmented "Hel" + "lo"', () => {
    expect(hex(withKey(new ABNF({ fin: 0, data: 'Hel' }), null).format())).toBe('010348656c');
    expect(hex(withKey(new ABNF({ opcode: 0, data: 'lo' }), null).format())).toBe('80026c6f');
  });
  it('unmasked ping "Hello", masked pong "Hello"', () => {
    expect(hex(withKey(new ABNF({ opcode: 9, data: 'Hello' }), null).format())).toBe('890548656c6c6f');
    expect(hex(withKey(new ABNF({ opcode: 10, data: 'Hello' }), rfcKey()).format())).toBe('8a8537fa213d7f9f4d5158');
  });
  it('256 bytes and 64 KiB of binary, unmasked', () => {
    const small = withKey(new ABNF({ opcode: 2, data: new Uint8Array(256) }), null).format();
    expect(hex(small.subarray(0, 4))).toBe('827e0100');
    expect(small.length).toBe(260);
    const large = withKey(new ABNF({ opcode: 2, data: new Uint8Array(65536) }), null).format();
    expect(hex(large.subarray(0, 10))).toBe('827f0000000000010000');
    expect(large.length).toBe(65546);
  });
});

describe('ABNF.format', () => {
  it('masks with getMaskKey(4) by default, a fresh random key per frame', () => {
    const asked: number[] = [];
    const frame = ABNF.createFrame('Hello', ABNF.OPCODE_TEXT);
    frame.getMaskKey = (n) => {
      asked.push(n);
      return rfcKey();
    };
    expect(hex(frame.format())).toBe('818537fa213d7f9f4d5158');
    expect(asked).toEqual([4]);
    const a = ABNF.createFrame('x', 1).format();
    const b = ABNF.createFrame('x', 1).format();
    expect(a[1]).toBe(0x81);
    expect(hex(a.subarray(2, 6))).not.toBe(hex(b.subarray(2, 6)));
  });

  it('encodes frames validate() rejects (for testing servers)', () => {
    const bad = [
      new ABNF({ rsv2: 1, data: 'x' }),
      new ABNF({ opcode: 0x3 }),
      new ABNF({ opcode: 0xf }),
      new ABNF({ opcode: 9, fin: 0 }),
      new ABNF({ opcode: 9, data: new Uint8Array(200) }),
      new ABNF({ opcode: 8, data: Uint8Array.of(3) }),
      new ABNF({ opcode: 8, data: Uint8Array.of(0x03, 0xed) }),
      new ABNF({ opcode: 1, data: Uint8Array.of(0xff) }),
    ];
    for (const frame of bad) {
      withKey(frame, null);
      expect(() => frame.validate()).toThrow();
      const wire = frame.format();
      expect(wire[0] & 0x0f).toBe(frame.opcode);
      expect(wire.subarray(wire.length - (frame.data as Buffer).length)).toEqual(frame.data);
    }
    expect(hex(withKey(new ABNF({ opcode: 9, fin: 0, rsv1: 1, rsv3: 1 }), null).format())).toBe('5900');
  });

  it('a string assigned to data later is sent UTF-8 encoded', () => {
    const frame = withKey(new ABNF(), null);
    frame.data = 'é';
    expect(hex(frame.format())).toBe('8102c3a9');
  });

  it.each([
    ['fin', 2], ['rsv1', -1], ['rsv2', true], ['rsv3', '1'], ['mask', 3],
  ])('refuses %s=%s (cannot be encoded)', (field, value) => {
    const frame = new ABNF() as unknown as Record<string, unknown> & ABNF;
    frame[field] = value;
    const error = thrownBy(() => frame.format());
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.message).toContain(`cannot encode ${field}=${String(value)}: expected 0 or 1`);
  });

  it.each([16, -1, 2.5])('refuses opcode %s', (opcode) => {
    expect(() => new ABNF({ opcode }).format()).toThrow(`cannot encode opcode ${opcode}`);
  });

  it('refuses a getMaskKey that does not give 4 bytes', () => {
    const frame = new ABNF({ data: 'x' });
    frame.getMaskKey = () => new Uint8Array(2);
    expect(() => frame.format()).toThrow(/2-byte key: expected 4 bytes/);
  });

  it('round trip through the parser: every frame the parser accepts comes back equal', () => {
    const arbitrary = fc.record({
      opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
      fin: fc.constantFrom<0 | 1>(0, 1),
      mask: fc.constantFrom<0 | 1>(0, 1),
      data: fc.uint8Array({ maxLength: 125 }),
    });
    fc.assert(
      fc.property(arbitrary, (init) => {
        if (init.opcode >= 8) init.fin = 1;
        const sent = new ABNF(init);
        let header: FrameHeader | undefined;
        let payload = Buffer.alloc(0);
        new FrameParser({ onHeader: (h) => (header = { ...h }), onPayload: (p) => (payload = Buffer.from(p)) }, { acceptMasked: true })
          .push(sent.format());
        const got = ABNF.fromParsed(header!, payload);
        expect([got.fin, got.opcode, got.mask, got.data]).toEqual([sent.fin, sent.opcode, sent.mask, Buffer.from(init.data)]);
      }),
    );
  });
});

describe('ABNF.mask', () => {
  it('XORs into a new Buffer and leaves the data alone; twice gives the data back', () => {
    const data = Buffer.from('Hello');
    const masked = ABNF.mask(rfcKey(), data);
    expect(hex(masked)).toBe('7f9f4d5158');
    expect(data.toString()).toBe('Hello');
    expect(ABNF.mask(rfcKey(), masked)).toEqual(data);
    expect(ABNF.mask(rfcKey(), new Uint8Array(0))).toEqual(Buffer.alloc(0));
  });
  it('refuses a key that is not 4 bytes', () => {
    expect(() => ABNF.mask(new Uint8Array(5), Buffer.from('x'))).toThrow(WebSocketProtocolException);
  });
});

describe('ABNF.validate', () => {
  const accepted: [string, ABNF][] = [
    ['an empty text frame', new ABNF()],
    ['a text frame', new ABNF({ data: 'κόσμε' })],
    ['a fin=0 text frame cut inside a character (validated when reassembled)', new ABNF({ fin: 0, data: Uint8Array.of(0xce) })],
    ['a continuation frame of bytes that are not UTF-8', new ABNF({ opcode: 0, data: Uint8Array.of(0xff) })],
    ['binary', new ABNF({ opcode: 2, data: Uint8Array.of(0xff) })],
    ['an empty close', new ABNF({ opcode: 8 })],
    ['close 1000 "bye"', new ABNF({ opcode: 8, data: Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]) })],
    ['close 4999', new ABNF({ opcode: 8, data: Uint8Array.of(0x13, 0x87) })],
    ['a 125-byte ping', new ABNF({ opcode: 9, data: new Uint8Array(125) })],
    ['a pong', new ABNF({ opcode: 10, data: 'x' })],
    ['rsv1 when negotiated', new ABNF({ rsv1: 1 })],
  ];
  it.each(accepted)('accepts %s', (label, frame) => {
    expect(() => frame.validate(false, label.startsWith('rsv1') ? 4 : 0)).not.toThrow();
  });

  const protocol: [string, ABNF, string][] = [
    ['rsv1', new ABNF({ rsv1: 1 }), 'rsv1 set but no extension negotiated it'],
    ['rsv2', new ABNF({ rsv2: 1 }), 'rsv2 set but no extension negotiated it'],
    ['rsv3', new ABNF({ rsv3: 1 }), 'rsv3 set but no extension negotiated it'],
    ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((op): [string, ABNF, string] => [
      `opcode ${op}`, new ABNF({ opcode: op }), `reserved opcode 0x${op.toString(16)}`,
    ]),
    ['opcode 16', new ABNF({ opcode: 16 }), 'reserved opcode 0x10'],
    ['close with fin=0', new ABNF({ opcode: 8, fin: 0 }), 'control frame (close) with fin=0'],
    ['ping with fin=0', new ABNF({ opcode: 9, fin: 0 }), 'control frame (ping) with fin=0'],
    ['pong with fin=0', new ABNF({ opcode: 10, fin: 0 }), 'control frame (pong) with fin=0'],
    ['a 126-byte ping', new ABNF({ opcode: 9, data: new Uint8Array(126) }), 'control frame (ping) payload of 126 bytes exceeds 125'],
    ['a 126-byte pong', new ABNF({ opcode: 10, data: new Uint8Array(126) }), 'control frame (pong) payload of 126 bytes exceeds 125'],
    ['a 126-byte close', new ABNF({ opcode: 8, data: Buffer.concat([Buffer.from([3, 0xe8]), Buffer.alloc(124, 0x61)]) }), 'control frame (close) payload of 126 bytes exceeds 125'],
    ['a 1-byte close', new ABNF({ opcode: 8, data: Uint8Array.of(3) }), 'close frame payload of 1 byte'],
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000].map((code): [string, ABNF, string] => [
      `close code ${code}`, new ABNF({ opcode: 8, data: Uint8Array.of(code >> 8, code & 0xff) }), `close code ${code} is not allowed on the wire`,
    ]),
  ];
  it.each(protocol)('%s -> Protocol 1002', (_label, frame, message) => {
    const error = thrownBy(() => frame.validate());
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.closeCode).toBe(1002);
    expect(error.message).toContain(message);
  });

  const payload: [string, ABNF, string][] = [
    ['bad UTF-8 in a close reason', new ABNF({ opcode: 8, data: Uint8Array.of(3, 0xe8, 0xed, 0xa0, 0x80) }), 'close reason of 3 bytes is not valid UTF-8'],
    ['bad UTF-8 in a fin=1 text frame', new ABNF({ data: Uint8Array.of(0x61, 0xc0, 0xaf) }), 'text frame of 3 bytes is not valid UTF-8'],
    ['a fin=1 text frame ending inside a character', new ABNF({ data: Uint8Array.of(0xe2, 0x82) }), 'text frame of 2 bytes is not valid UTF-8'],
  ];
  it.each(payload)('%s -> Payload 1007, unless skipUtf8Validation', (_label, frame, message) => {
    const error = thrownBy(() => frame.validate());
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect(error.closeCode).toBe(1007);
    expect(error.message).toContain(message);
    expect(() => frame.validate(true)).not.toThrow();
  });
});
