/**
 * The sending side: masked frames with a fresh key each, fragmentation,
 * control payload limits, close code rules and raw frames.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketProtocolException } from '../../src/exceptions.js';
import { isValidWireCloseCode } from '../../src/frame/close.js';
import { ClientSession } from '../../src/protocol/session.js';
import { thrownBy } from '../helpers/outcome.js';
import { BINARY, CLOSE, CONT, PING, PONG, Recorder, TEXT, closePayload, decodeClientFrames } from './helpers.js';

/** A mask key source that counts: key n is [n, n+1, n+2, n+3] (mod 256). */
function countingKeys(): { keys: Uint8Array[]; source: (n: number) => Uint8Array } {
  const keys: Uint8Array[] = [];
  return {
    keys,
    source: (n) => {
      const k = keys.length;
      const key = Uint8Array.from({ length: n }, (_, i) => (k * 7 + i + 1) & 0xff);
      keys.push(key);
      return key;
    },
  };
}

/** The masking keys written in the headers of `bytes`, frame by frame. */
function keysIn(bytes: Buffer): Buffer[] {
  const keys: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len7 = bytes[at + 1] & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const length = len7 === 126 ? bytes.readUInt16BE(at + 2) : len7 === 127 ? Number(bytes.readBigUInt64BE(at + 2)) : len7;
    const keyAt = at + 2 + extra;
    keys.push(bytes.subarray(keyAt, keyAt + 4));
    at = keyAt + 4 + length;
  }
  return keys;
}

function session(options?: ConstructorParameters<typeof ClientSession>[1]): ClientSession {
  return new ClientSession(new Recorder(), options);
}

describe('messages', () => {
  it('round-trip as masked frames, fragmented per fragmentSize, each with a fresh key', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.uint8Array({ maxLength: 3000 })),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 700 })),
        (payload, fragmentSize) => {
          const { keys, source } = countingKeys();
          const s = session({ getMaskKey: source, fragmentSize });
          const original = typeof payload === 'string' ? null : Uint8Array.from(payload);
          const bytes = typeof payload === 'string' ? s.sendText(payload) : s.sendBinary(payload);
          const expected = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
          if (original !== null) expect(payload).toEqual(original); // caller's bytes untouched

          const frames = decodeClientFrames(bytes);
          const count = fragmentSize > 0 && expected.length > fragmentSize ? Math.ceil(expected.length / fragmentSize) : 1;
          expect(frames).toHaveLength(count);
          frames.forEach((f, i) => {
            expect(f.masked).toBe(true);
            expect(f.rsv).toBe(0);
            expect(f.opcode).toBe(i === 0 ? (typeof payload === 'string' ? TEXT : BINARY) : CONT);
            expect(f.fin).toBe(i === count - 1);
            if (count > 1) expect(f.payload.length).toBeLessThanOrEqual(fragmentSize);
          });
          expect(Buffer.concat(frames.map((f) => f.payload))).toEqual(expected);
          expect(keys).toHaveLength(count);
          expect(keysIn(bytes)).toEqual(keys.map((k) => Buffer.from(k)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes fragmentSize changes between messages', () => {
    const s = session();
    expect(decodeClientFrames(s.sendBinary(Buffer.alloc(10)))).toHaveLength(1);
    s.fragmentSize = 4;
    expect(decodeClientFrames(s.sendBinary(Buffer.alloc(10))).map((f) => f.payload.length)).toEqual([4, 4, 2]);
    expect(decodeClientFrames(s.sendText(''))).toHaveLength(1);
  });

  it('masks with the key from getMaskKey (RFC 6455 §5.7 example)', () => {
    const s = session({ getMaskKey: () => Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) });
    expect(s.sendText('Hello').toString('hex')).toBe('818537fa213d7f9f4d5158');
  });

  it('refuses a mask key source that does not give 4 bytes', () => {
    const s = session({ getMaskKey: () => Uint8Array.of(1, 2, 3) });
    expect(() => s.sendText('x')).toThrow(WebSocketProtocolException);
    expect(thrownBy(() => s.sendText('x'))).toMatchObject({ code: 'WS_ERR_INVALID_MASK_KEY' });
  });
});

describe('ping and pong', () => {
  for (const [name, opcode, send] of [
    ['ping', PING, (s: ClientSession, p?: string | Uint8Array) => s.sendPing(p)],
    ['pong', PONG, (s: ClientSession, p?: string | Uint8Array) => s.sendPong(p)],
  ] as const) {
    it(`${name}: empty, string, up to 125 bytes; 126 is refused`, () => {
      const s = session();
      expect(decodeClientFrames(send(s))).toMatchObject([{ opcode, fin: true, masked: true, payload: Buffer.alloc(0) }]);
      expect(decodeClientFrames(send(s, 'héllo'))).toMatchObject([{ opcode, payload: Buffer.from('héllo') }]);
      expect(decodeClientFrames(send(s, Buffer.alloc(125, 1)))).toMatchObject([{ opcode, payload: Buffer.alloc(125, 1) }]);
      expect(() => send(s, Buffer.alloc(126))).toThrow(WebSocketProtocolException);
      expect(() => send(s, Buffer.alloc(126))).toThrow(`${name} payload of 126 bytes: expected at most 125 (RFC 6455 §5.5)`);
      expect(s.state).toBe('open');
    });
  }
});

describe('close', () => {
  it('sends 1000 by default, or an empty close for null', () => {
    expect(decodeClientFrames(session().sendClose())).toMatchObject([{ opcode: CLOSE, masked: true, payload: closePayload(1000) }]);
    expect(decodeClientFrames(session().sendClose(null))).toMatchObject([{ opcode: CLOSE, payload: Buffer.alloc(0) }]);
    expect(decodeClientFrames(session().sendClose(3001, Buffer.of(1, 2)))).toMatchObject([{ payload: closePayload(3001, Buffer.of(1, 2)) }]);
  });

  it('accepts exactly the codes allowed on the wire, refusing others with a clear error and no state change', () => {
    for (let code = 0; code <= 5100; code++) {
      const s = session();
      if (isValidWireCloseCode(code)) {
        expect(decodeClientFrames(s.sendClose(code))[0].payload).toEqual(closePayload(code));
        expect(s.state).toBe('closing');
      } else {
        expect(() => s.sendClose(code)).toThrow(new WebSocketProtocolException(
          `close code ${code} cannot be sent: expected 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)`,
          { code: 'WS_ERR_UNSENDABLE_CLOSE_CODE' },
        ));
        expect(s.state).toBe('open');
        expect(s.closeSent).toBe(false);
      }
    }
    expect(() => session().sendClose(65535)).toThrow(WebSocketProtocolException);
  });

  it('refuses a reason without a code and a payload over 125 bytes', () => {
    expect(thrownBy(() => session().sendClose(null, 'why'))).toMatchObject({ code: 'WS_ERR_CLOSE_REASON_WITHOUT_CODE' });
    expect(decodeClientFrames(session().sendClose(1000, 'r'.repeat(123)))[0].payload).toHaveLength(125);
    expect(thrownBy(() => session().sendClose(1000, 'r'.repeat(124)))).toMatchObject({ code: 'WS_ERR_CONTROL_PAYLOAD_TOO_LONG' });
  });
});

describe('raw frames', () => {
  it('are encoded exactly as described, rule-breaking ones included', () => {
    const s = session({ getMaskKey: () => Uint8Array.of(0, 0, 0, 0) });
    expect(s.sendFrame({ opcode: 0x5, fin: 0, rsv1: 1, rsv3: 1, mask: 0, data: 'ab' }).toString('hex')).toBe('55026162');
    expect(s.sendFrame({ opcode: PING, data: Buffer.alloc(130) }).subarray(0, 4).toString('hex')).toBe('89fe0082');
    expect(s.sendFrame({ opcode: TEXT }).toString('hex')).toBe('818000000000');
    expect(() => s.sendFrame({ opcode: 16 })).toThrow(WebSocketProtocolException);
    expect(s.state).toBe('open');
  });

  it('count a CLOSE opcode as the client close frame', () => {
    const s = session();
    s.sendFrame({ opcode: CLOSE, data: Buffer.of(0x03) });
    expect(s.state).toBe('closing');
    expect(s.closeSent).toBe(true);
  });
});
