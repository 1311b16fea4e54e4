/**
 * Session behaviour beyond the Autobahn table: delivery modes (raw frames,
 * fireContFrame), skipUtf8Validation, copies, the client-initiated closing
 * handshake, refusing to send after close, and handlers that throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketPayloadException,
  WebSocketProtocolException,
} from '../../src/exceptions.js';
import { ClientSession } from '../../src/protocol/session.js';
import { thrownBy } from '../helpers/outcome.js';
import { BINARY, CLOSE, CONT, PING, PONG, Recorder, TEXT, closePayload, decodeClientFrames, ev, everyByte, feed, frame } from './helpers.js';

const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const raw = (opcode: number, data: string | Uint8Array, fin = 1) => ({
  fin,
  rsv1: 0,
  rsv2: 0,
  rsv3: 0,
  opcode,
  data: typeof data === 'string' ? Buffer.from(data) : data,
});

function open(options?: ConstructorParameters<typeof ClientSession>[1]): { session: ClientSession; recorder: Recorder } {
  const recorder = new Recorder();
  return { session: new ClientSession(recorder, options), recorder };
}

describe('raw frame mode', () => {
  const stream = cat(
    frame(TEXT, 'frag1', { fin: false }),
    frame(PING, 'p'),
    frame(CONT, 'frag2'),
    frame(PONG, 'q'),
    frame(BINARY, Buffer.of(1, 2, 3)),
    frame(CLOSE, closePayload(1001, 'away')),
  );
  const expected = [
    ev.frame(raw(TEXT, 'frag1', 0)),
    ev.writePong('p'),
    ev.frame(raw(PING, 'p')),
    ev.frame(raw(CONT, 'frag2')),
    ev.frame(raw(PONG, 'q')),
    ev.frame(raw(BINARY, Buffer.of(1, 2, 3))),
    ev.writeClose(1001),
    ev.frame(raw(CLOSE, closePayload(1001, 'away'))),
    ev.close(1001, 'away'),
  ];

  it('hands out every frame as it came, still answering pings and closes', () => {
    expect(feed(stream, [], { rawFrames: true }).events).toEqual(expected);
    expect(feed(stream, everyByte(stream.length), { rawFrames: true }).events).toEqual(expected);
  });

  it('still enforces fragmentation and UTF-8 rules across frames', () => {
    const bad = cat(frame(TEXT, Buffer.of(0xce), { fin: false }), frame(CONT, Buffer.of(0x41)));
    expect(feed(bad, [], { rawFrames: true }).events).toEqual([ev.frame(raw(TEXT, Buffer.of(0xce), 0)), ev.fail('payload', 1007)]);
    expect(feed(frame(CONT, 'x'), [], { rawFrames: true }).events).toEqual([ev.fail('protocol', 1002)]);
  });

  it('can be switched between messages; a started message keeps its mode', () => {
    const { session, recorder } = open();
    session.receive(frame(TEXT, 'whole'));
    session.rawFrames = true;
    session.receive(cat(frame(TEXT, 'a', { fin: false }), frame(CONT, 'b')));
    session.receive(frame(BINARY, 'c', { fin: false }));
    session.rawFrames = false; // mid-message: this message stays in frame mode
    session.receive(frame(CONT, 'd'));
    session.receive(cat(frame(TEXT, 'e', { fin: false }), frame(CONT, 'f')));
    expect(recorder.events).toEqual([
      ev.text('whole'),
      ev.frame(raw(TEXT, 'a', 0)),
      ev.frame(raw(CONT, 'b')),
      ev.frame(raw(BINARY, 'c', 0)),
      ev.frame(raw(CONT, 'd')),
      ev.text('ef'),
    ]);
  });
});

describe('fireContFrame', () => {
  it('hands out each fragment as it completes: first with its opcode, then CONT', () => {
    const stream = cat(frame(TEXT, 'ab', { fin: false }), frame(PING), frame(CONT, 'cd', { fin: false }), frame(CONT, 'e'), frame(BINARY, 'whole'));
    const expected = [
      ev.fragment(TEXT, Buffer.from('ab'), false),
      ev.writePong(),
      ev.ping(),
      ev.fragment(CONT, Buffer.from('cd'), false),
      ev.fragment(CONT, Buffer.from('e'), true),
      ev.binary(Buffer.from('whole')),
    ];
    expect(feed(stream, [], { fireContFrame: true }).events).toEqual(expected);
    expect(feed(stream, everyByte(stream.length), { fireContFrame: true }).events).toEqual(expected);
  });

  it('still validates UTF-8 across fragments, failing at the invalid byte', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    const first = frame(TEXT, euro.subarray(0, 1), { fin: false });
    const stream = cat(first, frame(CONT, Buffer.of(0x41)));
    const result = feed(stream, everyByte(stream.length), { fireContFrame: true });
    expect(result.events).toEqual([ev.fragment(TEXT, euro.subarray(0, 1), false), ev.fail('payload', 1007)]);
    expect(result.failedAfter).toBe(first.length + 3);
    const split = cat(first, frame(CONT, euro.subarray(1)));
    expect(feed(split, [], { fireContFrame: true }).events).toEqual([
      ev.fragment(TEXT, euro.subarray(0, 1), false),
      ev.fragment(CONT, euro.subarray(1), true),
    ]);
  });
});

describe('skipUtf8Validation', () => {
  it('delivers invalid text decoded with U+FFFD and accepts an invalid close reason', () => {
    const stream = cat(frame(TEXT, Buffer.of(0x61, 0xff, 0x62)), frame(CLOSE, closePayload(1000, Buffer.of(0xc0))));
    expect(feed(stream, [], { skipUtf8Validation: true }).events).toEqual([
      ev.text('a\ufffdb'),
      ev.writeClose(1000),
      ev.close(1000, '\ufffd'),
    ]);
  });
});

describe('copies', () => {
  it('hands a one-piece binary message out as a view of the chunk', () => {
    let got: Buffer | null = null;
    const recorder = new Recorder();
    recorder.onBinary = (data) => {
      got = data;
    };
    const chunk = frame(BINARY, Buffer.alloc(300, 7));
    new ClientSession(recorder).receive(chunk);
    expect(got).not.toBeNull();
    expect(got!.buffer).toBe(chunk.buffer);
    expect(got!.byteOffset).toBe(chunk.byteOffset + 4);
  });

  it('collects a message that spans chunks into one buffer of the announced size', () => {
    const { session, recorder } = open();
    const bytes = frame(BINARY, Buffer.alloc(10_000, 9));
    session.receive(bytes.subarray(0, 100));
    expect(session.bufferedBytes).toBe(10_000);
    session.receive(bytes.subarray(100, 5000));
    expect(session.bufferedBytes).toBe(10_000);
    session.receive(bytes.subarray(5000));
    expect(session.bufferedBytes).toBe(0);
    expect(recorder.events).toEqual([ev.binary(Buffer.alloc(10_000, 9))]);
  });

  it('hands out control payloads as copies', () => {
    const chunk = frame(PING, 'keep me');
    let got: Buffer | null = null;
    const recorder = new Recorder();
    recorder.onPing = (payload) => {
      got = payload;
    };
    new ClientSession(recorder).receive(chunk);
    chunk.fill(0);
    expect(got!.toString()).toBe('keep me');
  });
});

describe('whole short frames (taken straight from the parser)', () => {
  const header = (opcode: number, payloadLength: number, rsv1 = false) => ({
    fin: true, rsv1, rsv2: false, rsv3: false, opcode, masked: false, payloadLength,
  });
  const offer = (session: ClientSession, opcode: number, payload: string, rsv1 = false): boolean => {
    const chunk = Buffer.from(`..${payload}..`);
    return session.onWholeFrame(header(opcode, Buffer.byteLength(payload), rsv1), chunk, 2, chunk.length - 2);
  };

  it('takes a text or binary message that is not compressed and delivers it at once', () => {
    const { session, recorder } = open();
    expect(offer(session, TEXT, 'κόσμε')).toBe(true);
    expect(offer(session, BINARY, 'bytes')).toBe(true);
    expect(recorder.events).toEqual([ev.text('κόσμε'), ev.binary(Buffer.from('bytes'))]);
  });

  it('declines, delivering nothing, whatever the general path must judge or shape', () => {
    const declined = (setUp: (session: ClientSession) => void, opcode = TEXT, rsv1 = false, options?: ConstructorParameters<typeof ClientSession>[1]) => {
      const { session, recorder } = open(options);
      setUp(session);
      const before = recorder.events.length;
      const taken = offer(session, opcode, 'abcd', rsv1);
      return !taken && recorder.events.length === before;
    };
    expect(declined(() => {}, CONT)).toBe(true); // RFC 6455 §5.4: no message in progress
    expect(declined(() => {}, TEXT, true)).toBe(true); // compressed (or rsv1 without an extension)
    expect(declined(() => {}, TEXT, false, { rawFrames: true })).toBe(true);
    expect(declined(() => {}, TEXT, false, { maxPayload: 3 })).toBe(true);
    expect(declined((session) => session.receive(frame(TEXT, 'a', { fin: false })))).toBe(true); // a message in progress
    expect(declined((session) => session.sendClose())).toBe(true); // RFC 6455 §5.5.1
  });

  it('still fails on invalid UTF-8, at the right byte, and keeps the messages before it', () => {
    const { session, recorder } = open();
    session.receive(cat(frame(TEXT, 'ok'), frame(TEXT, Buffer.of(0x61, 0xef, 0xbf, 0xbd, 0x62, 0xc0, 0x80)), frame(TEXT, 'lost')));
    expect(recorder.events).toEqual([ev.text('ok'), ev.fail('payload', 1007)]);
    expect(session.failure?.message).toBe('invalid UTF-8 in text message at byte 5: expected valid UTF-8 (RFC 6455 §8.1)');
  });
});

describe('client-initiated closing handshake', () => {
  it('goes OPEN -> CLOSING -> CLOSED, ignoring data meanwhile, and does not reply to the reply', () => {
    const { session, recorder } = open();
    expect(session.state).toBe('open');
    const close = decodeClientFrames(session.sendClose(1000, 'bye'));
    expect(close).toHaveLength(1);
    expect(close[0]).toMatchObject({ opcode: CLOSE, fin: true, masked: true, payload: closePayload(1000, 'bye') });
    expect(session.state).toBe('closing');
    expect(session.closeSent).toBe(true);
    expect(session.closeReceived).toBe(false);

    session.receive(cat(frame(TEXT, 'ignored'), frame(BINARY, 'x', { fin: false }), frame(PING, 'late'), frame(CONT, 'y')));
    expect(recorder.events).toEqual([ev.ping('late')]); // no pong after our close
    session.receive(frame(CLOSE, closePayload(1000, 'ok')));
    expect(recorder.events).toEqual([ev.ping('late'), ev.close(1000, 'ok')]);
    expect(session.state).toBe('closed');
    expect(session.closeReceived).toBe(true);
    expect(session.closeCode).toBe(1000);
    expect(session.closeReason).toBe('ok');
    expect(session.failure).toBeNull();
    session.receive(frame(TEXT, 'after'));
    expect(recorder.events).toHaveLength(2);
  });

  it('drops a message in progress, even mid-frame', () => {
    const { session, recorder } = open();
    const bytes = frame(BINARY, Buffer.alloc(1000));
    session.receive(bytes.subarray(0, 500));
    expect(session.bufferedBytes).toBe(1000);
    session.sendClose();
    expect(session.bufferedBytes).toBe(0);
    session.receive(bytes.subarray(500));
    session.receive(frame(CLOSE));
    expect(recorder.events).toEqual([ev.close(null)]);
  });

  it('fails without a second close frame when the reply is invalid', () => {
    const { session, recorder } = open();
    session.sendClose(4000);
    session.receive(frame(CLOSE, closePayload(1005)));
    expect(recorder.events).toEqual([ev.fail('protocol', 1002, null)]);
    expect(session.state).toBe('closed');
    expect(session.failure?.closeCode).toBe(1002);
    session.closeWritten();
    expect(thrownBy(() => session.sendText('x'))).toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED' });
  });

  it('still fails on a frame that breaks the framing rules', () => {
    const { session, recorder } = open();
    session.sendClose();
    session.receive(Buffer.of(0x83, 0x00));
    expect(recorder.events).toEqual([ev.fail('protocol', 1002, null)]);
  });
});

describe('server-initiated close', () => {
  it('echoes the code, reports the reason, and stops reading', () => {
    const result = feed(cat(frame(CLOSE, closePayload(4321, 'custom')), frame(TEXT, 'x')), []);
    expect(result.events).toEqual([ev.writeClose(4321), ev.close(4321, 'custom')]);
    expect(result.session.closeSent).toBe(true);
    expect(result.session.closeCode).toBe(4321);
  });
});

describe('sending is refused once closed or failed', () => {
  const attempts: [string, (s: ClientSession) => unknown][] = [
    ['sendText', (s) => s.sendText('x')],
    ['sendBinary', (s) => s.sendBinary(Buffer.of(1))],
    ['sendPing', (s) => s.sendPing()],
    ['sendPong', (s) => s.sendPong()],
    ['sendClose', (s) => s.sendClose()],
    ['sendFrame', (s) => s.sendFrame({ opcode: TEXT, data: 'x' })],
  ];

  for (const [name, attempt] of attempts) {
    it(`${name} after a close was sent, received, or the connection failed`, () => {
      const sent = open().session;
      sent.sendClose();
      expect(() => attempt(sent)).toThrow(/^cannot send .*: a close frame was already sent$/);
      expect(() => attempt(sent)).toThrow(WebSocketConnectionClosedException);

      const received = open().session;
      received.receive(frame(CLOSE, closePayload(1000)));
      received.closeWritten();
      expect(thrownBy(() => attempt(received))).toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED' });
      expect(() => attempt(received)).toThrow(WebSocketConnectionClosedException);

      const failed = open().session;
      failed.receive(frame(0x3));
      failed.closeWritten();
      let error: unknown;
      try {
        attempt(failed);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      expect(error).toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED' });
      expect((error as Error).message).toMatch(/^cannot send .*: the connection was failed \(reserved opcode 0x3/);
      expect((error as Error).cause).toBe(failed.failure);
    });
  }
});

describe('messages ahead of a held close frame', () => {
  it('text and binary messages are still encoded until the transport wrote the close reply or the failing close', () => {
    for (const input of [frame(CLOSE, closePayload(4000)), frame(0x3)]) {
      const { session, recorder } = open();
      session.receive(input);
      // The close frame is out of the session's hands, not yet on the wire.
      expect(recorder.writes.length + recorder.failures.length).toBeGreaterThan(0);
      const echo = decodeClientFrames(session.sendText('echo'));
      expect(echo.map((f) => [f.opcode, f.payload.toString()])).toEqual([[TEXT, 'echo']]);
      expect(decodeClientFrames(session.sendBinary(Buffer.of(7)))[0]?.opcode).toBe(BINARY);
      // Control frames and raw frames are not messages: refused as before.
      expect(() => session.sendPing()).toThrow(WebSocketConnectionClosedException);
      expect(() => session.sendFrame({ opcode: TEXT, data: 'x' })).toThrow(WebSocketConnectionClosedException);
      session.closeWritten();
      expect(() => session.sendText('late')).toThrow(WebSocketConnectionClosedException);
    }
  });
});

describe('failing the connection', () => {
  it('delivers earlier messages of the same chunk, then reports once and ignores the rest', () => {
    const { session, recorder } = open();
    session.receive(cat(frame(TEXT, 'one'), frame(BINARY, 'two'), frame(PING, 'three'), Buffer.of(0x84, 0x00), frame(TEXT, 'lost')));
    session.receive(frame(TEXT, 'later'));
    expect(recorder.events).toEqual([
      ev.text('one'),
      ev.binary(Buffer.from('two')),
      ev.writePong('three'),
      ev.ping('three'),
      ev.fail('protocol', 1002),
    ]);
    expect(recorder.failures).toHaveLength(1);
    expect(session.failure).toBe(recorder.failures[0]);
    expect(session.failure).toBeInstanceOf(WebSocketProtocolException);
    expect(session.failure?.message).toBe('reserved opcode 0x4 (RFC 6455 §5.2)');
    expect(session.closeSent).toBe(true);
    expect(session.state).toBe('closed');
  });

  it('says what was expected and what came', () => {
    const messages = (input: Buffer, options?: ConstructorParameters<typeof ClientSession>[1]): string => {
      const { session } = open(options);
      session.receive(input);
      return session.failure?.message ?? '';
    };
    expect(messages(frame(CONT, 'x'))).toMatch(/expected a text or binary frame to start a message, got a continuation frame/);
    expect(messages(cat(frame(TEXT, 'x', { fin: false }), frame(BINARY, 'y')))).toMatch(
      /expected a continuation frame of the text message in progress, got a new binary frame/,
    );
    expect(messages(frame(TEXT, Buffer.of(0x61, 0x62, 0xff)))).toBe(
      'invalid UTF-8 in text message at byte 2: expected valid UTF-8 (RFC 6455 §8.1)',
    );
    expect(messages(frame(TEXT, Buffer.of(0x61, 0xe2, 0x82)))).toMatch(/text message ends inside a UTF-8 sequence after 3 bytes/);
    expect(messages(cat(frame(TEXT, 'aa', { fin: false }), frame(CONT, 'bb')), { maxPayload: 3 })).toBe(
      'message of at least 4 bytes: expected at most maxPayload = 3 bytes',
    );
    expect(messages(cat(frame(TEXT, 'a', { fin: false }), frame(CONT, 'b', { fin: false })), { maxFragments: 1 })).toBe(
      'message of more than 1 frames: expected at most maxFragments = 1',
    );
  });

  it('a text message in one frame (decoded, then checked if it holds U+FFFD) ends as the same bytes in two fragments (the automaton)', () => {
    const outcome = (input: Buffer): { events: unknown[]; failure: string | undefined } => {
      const { session, recorder } = open();
      session.receive(input);
      return { events: recorder.events, failure: session.failure?.message };
    };
    // Bytes around the edges of UTF-8, U+FFFD (EF BF BD) among them.
    const byte = fc.constantFrom(0x41, 0x7f, 0x80, 0xbd, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
    const piece = fc.oneof(fc.array(byte, { maxLength: 6 }), fc.constant([0xef, 0xbf, 0xbd]), fc.constant([0xce, 0xba]));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.nat(), (pieces, cut) => {
        const bytes = Buffer.from(pieces.flat());
        fc.pre(bytes.length >= 2);
        const at = 1 + (cut % (bytes.length - 1));
        const whole = outcome(frame(TEXT, bytes));
        const split = outcome(cat(frame(TEXT, bytes.subarray(0, at), { fin: false }), frame(CONT, bytes.subarray(at))));
        expect(whole).toEqual(split);
      }),
      { numRuns: 400 },
    );
    expect(outcome(frame(TEXT, Buffer.from('a\uFFFDb'))).failure).toBeUndefined();
  });

  it('large text messages that span chunks, two ending and starting in one chunk, come out exact (the second may fill the first one\'s buffer)', () => {
    const { session, recorder } = open();
    const one = 'κόσμε '.repeat(10_000);
    const two = 'ab€'.repeat(20_000);
    // A binary message is handed out as the buffer itself: it must never be filled again.
    const bytes = Buffer.from(Array.from({ length: 105_000 }, (_, i) => i & 0xff));
    const kept: Buffer[] = [];
    recorder.onBinary = (data) => kept.push(data);
    const stream = cat(frame(TEXT, one), frame(BINARY, bytes), frame(TEXT, two), frame(TEXT, one));
    const bufferedAfter: number[] = [];
    for (let at = 0; at < stream.length; at += 50_000) {
      session.receive(stream.subarray(at, at + 50_000));
      bufferedAfter.push(session.bufferedBytes);
    }
    expect(recorder.events).toEqual([ev.text(one), ev.text(two), ev.text(one)]);
    expect(kept).toEqual([bytes]);
    expect(bufferedAfter.at(-1)).toBe(0);
  });

  it('reports WebSocketPayloadException for 1007 and 1009', () => {
    const utf8 = open().session;
    utf8.receive(frame(TEXT, Buffer.of(0xff)));
    expect(utf8.failure).toBeInstanceOf(WebSocketPayloadException);
    expect(utf8.failure).toMatchObject({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 });
    const big = open({ maxPayload: 4 }).session;
    big.receive(frame(BINARY, 'abcde'));
    expect(big.failure).toBeInstanceOf(WebSocketPayloadException);
    expect(big.failure).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
  });

  it.each([
    ['a continuation with no message in progress', frame(CONT, 'x'), {}, 'WS_ERR_UNEXPECTED_CONTINUATION', 1002],
    ['a new message while one is in progress', cat(frame(TEXT, 'x', { fin: false }), frame(BINARY, 'y')), {}, 'WS_ERR_EXPECTED_CONTINUATION', 1002],
    ['invalid UTF-8 in a text message', frame(TEXT, Buffer.of(0x61, 0x62, 0xff)), {}, 'WS_ERR_INVALID_UTF8', 1007],
    ['a text message ending inside a character', frame(TEXT, Buffer.of(0x61, 0xe2, 0x82)), {}, 'WS_ERR_INVALID_UTF8', 1007],
    ['a fragmented text message ending inside a character', cat(frame(TEXT, Buffer.of(0x61), { fin: false }), frame(CONT, Buffer.of(0xe2))), {}, 'WS_ERR_INVALID_UTF8', 1007],
    ['a message over maxPayload across fragments', cat(frame(TEXT, 'aa', { fin: false }), frame(CONT, 'bb')), { maxPayload: 3 }, 'WS_ERR_MESSAGE_TOO_BIG', 1009],
    ['a message of more frames than maxFragments', cat(frame(TEXT, 'a', { fin: false }), frame(CONT, 'b', { fin: false })), { maxFragments: 1 }, 'WS_ERR_TOO_MANY_FRAGMENTS', 1009],
    ['a reserved opcode (from the parser)', frame(0x3), {}, 'WS_ERR_INVALID_OPCODE', 1002],
    ['a close frame of one byte', frame(CLOSE, Buffer.of(3)), {}, 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002],
  ] as const)('%s fails with %s and close code %s', (_name, input, options, code, closeCode) => {
    const { session, recorder } = open(options);
    session.receive(input);
    expect(session.failure).toMatchObject({ code, closeCode });
    expect(recorder.events.at(-1)).toEqual(ev.fail(closeCode === 1002 ? 'protocol' : 'payload', closeCode));
  });
});

describe('a handler that throws', () => {
  it('gets its error out of receive(); the session stops', () => {
    const recorder = new Recorder();
    const boom = new Error('handler bug');
    recorder.onText = () => {
      throw boom;
    };
    const session = new ClientSession(recorder);
    expect(() => session.receive(cat(frame(TEXT, 'x'), frame(BINARY, 'y')))).toThrow(boom);
    expect(session.state).toBe('closed');
    expect(session.failure).toBeNull();
    expect(session.closeSent).toBe(false);
    session.receive(frame(BINARY, 'z'));
    expect(recorder.events).toEqual([]);
    expect(thrownBy(() => session.sendText('x'))).toMatchObject({
      code: 'WS_ERR_CONNECTION_CLOSED',
      message: 'cannot send a text message: the session stopped after a handler threw',
    });
  });

  it('even when it throws one of the protocol exception classes', () => {
    const recorder = new Recorder();
    const own = new WebSocketProtocolException('from the handler');
    recorder.onClose = () => {
      throw own;
    };
    const session = new ClientSession(recorder);
    expect(() => session.receive(frame(CLOSE))).toThrow(own);
    expect(recorder.failures).toEqual([]);
  });
});

describe('options', () => {
  it('refuses limits that are not non-negative integers', () => {
    const recorder = new Recorder();
    expect(() => new ClientSession(recorder, { maxPayload: -1 })).toThrow(
      new WebSocketException('expected maxPayload to be an integer >= 0, got -1', { code: 'WS_ERR_INVALID_OPTION' }),
    );
    expect(() => new ClientSession(recorder, { maxFragments: 0 })).toThrow(/expected maxFragments to be an integer >= 1, got 0/);
    expect(() => new ClientSession(recorder, { fragmentSize: 1.5 })).toThrow(/expected fragmentSize to be an integer >= 0, got 1.5/);
    const session = new ClientSession(recorder, { fragmentSize: 8 });
    expect(() => {
      session.fragmentSize = -1;
    }).toThrow(/expected fragmentSize to be an integer >= 0, got -1/);
    expect(session.fragmentSize).toBe(8);
  });
});
