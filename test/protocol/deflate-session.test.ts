/**
 * permessage-deflate through the sans-I/O session, byte by byte: the RFC 7692
 * §7.2.3 examples, cases mirroring Autobahn 12.x/13.x (sizes 16 B to 128 KiB,
 * many messages, each parameter offer) against zlib's streaming deflater and
 * inflater as the reference peer, rsv1 rules (§6.1), limits and bombs.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import type { DeflateParams } from '../../src/protocol/deflate.js';
import { PerMessageDeflate, SlidingWindow } from '../../src/protocol/deflate-codec.js';
import type { Received } from '../../src/protocol/received.js';
import { ClientSession, type SessionOptions } from '../../src/protocol/session.js';
import { BINARY, CLOSE, CONT, PING, PONG, Recorder, TEXT, closePayload, cutsArb, decodeClientFrames, ev, everyByte, feed, frame, params, show } from './helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const TAIL = hex('0000ffff');


function withDeflate(p: Partial<DeflateParams> = {}, options: SessionOptions = {}, threshold = 0): SessionOptions {
  return { ...options, compression: new PerMessageDeflate(params(p), threshold) };
}

/** A compressed server frame: rsv1 set (first frame of a message). */
const zframe = (opcode: number, payload: Uint8Array, fin = true): Buffer => frame(opcode, payload, { rsv1: true, fin });

/** The reference peer's compressor: zlib's streaming raw deflater, sync-flushed per message. */
class ReferenceDeflater {
  private stream: zlib.DeflateRaw;
  constructor(private readonly windowBits: number, private readonly noContextTakeover: boolean) {
    this.stream = this.open();
  }
  private open(): zlib.DeflateRaw {
    return zlib.createDeflateRaw({ windowBits: Math.max(9, this.windowBits) });
  }
  async compress(data: Uint8Array): Promise<Buffer> {
    if (this.noContextTakeover) {
      this.stream.close();
      this.stream = this.open();
    }
    const out = await flushed(this.stream, data);
    expect(out.subarray(-4)).toEqual(TAIL);
    return out.subarray(0, -4);
  }
  close(): void {
    this.stream.close();
  }
}

/** The reference peer's decompressor: zlib's streaming raw inflater with the window it was told. */
class ReferenceInflater {
  private stream: zlib.InflateRaw;
  constructor(private readonly windowBits: number, private readonly noContextTakeover: boolean) {
    this.stream = zlib.createInflateRaw({ windowBits: windowBits });
  }
  async decompress(payload: Uint8Array): Promise<Buffer> {
    if (this.noContextTakeover) {
      this.stream.close();
      this.stream = zlib.createInflateRaw({ windowBits: this.windowBits });
    }
    return flushed(this.stream, cat(payload, TAIL));
  }
  close(): void {
    this.stream.close();
  }
}

function flushed(stream: zlib.DeflateRaw | zlib.InflateRaw, data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (chunk: Buffer) => out.push(chunk);
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(data);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(Buffer.concat(out));
    });
  });
}

describe('RFC 7692 §7.2.3 examples', () => {
  it.each([
    ['7.2.3.1 one compressed block', [zframe(TEXT, hex('f248cdc9c90700'))], ['Hello']],
    ['7.2.3.1 fragmented', [zframe(TEXT, hex('f248cd'), false), frame(CONT, hex('c9c90700'))], ['Hello']],
    ['7.2.3.2 shared window', [zframe(TEXT, hex('f248cdc9c90700')), zframe(TEXT, hex('f200110000'))], ['Hello', 'Hello']],
    ['7.2.3.3 stored block', [zframe(TEXT, hex('0005 00fa ff48 656c 6c6f 00'))], ['Hello']],
    ['7.2.3.4 BFINAL = 1', [zframe(TEXT, hex('f348cdc9c90700 00'))], ['Hello']],
    ['7.2.3.5 two blocks', [zframe(TEXT, hex('f24805000000ffffcac9c90700'))], ['Hello']],
    ['7.2.3.6 empty message', [zframe(TEXT, hex('00'))], ['']],
    ['an uncompressed message between compressed ones', [zframe(TEXT, hex('f248cdc9c90700')), frame(TEXT, 'plain'), zframe(TEXT, hex('f200110000'))], ['Hello', 'plain', 'Hello']],
  ])('%s, fed one byte at a time', (_name, frames, texts) => {
    const stream = cat(...frames);
    const { events } = feed(stream, everyByte(stream.length), withDeflate());
    expect(events).toEqual(texts.map(ev.text));
  });

  it('the client compresses "Hello" twice as in §7.2.3.2 (context taken over)', () => {
    const session = new ClientSession(new Recorder(), withDeflate());
    const sent = [session.sendText('Hello'), session.sendText('Hello')].map((bytes) => decodeClientFrames(bytes)[0]);
    expect(sent.map((f) => [f.rsv, f.opcode, f.fin, f.masked, show(f.payload)])).toEqual([
      [4, TEXT, true, true, 'f248cdc9c90700'],
      [4, TEXT, true, true, 'f200110000'],
    ]);
  });

  it('without client context takeover each message starts afresh', () => {
    const session = new ClientSession(new Recorder(), withDeflate({ clientNoContextTakeover: true }));
    const sent = [session.sendText('Hello'), session.sendText('Hello')].map((bytes) => show(decodeClientFrames(bytes)[0].payload));
    expect(sent).toEqual(['f248cdc9c90700', 'f248cdc9c90700']);
  });
});

describe('rsv1 rules (RFC 7692 §6.1)', () => {
  it.each([
    ['a continuation frame', cat(zframe(TEXT, hex('f248cd'), false), frame(CONT, hex('c9c90700'), { rsv1: true }))],
    ['a continuation of an uncompressed message', cat(frame(BINARY, 'ab', { fin: false }), frame(CONT, 'cd', { rsv1: true }))],
    ['a ping', frame(PING, 'p', { rsv1: true })],
    ['a pong', frame(PONG, 'p', { rsv1: true })],
    ['a close', frame(CLOSE, closePayload(1000), { rsv1: true })],
    ['a ping between fragments', cat(zframe(TEXT, hex('f248cd'), false), frame(PING, '', { rsv1: true }))],
  ])('rsv1 on %s fails the connection with 1002', (_name, stream) => {
    const { events, recorder } = feed(stream, [], withDeflate());
    expect(events).toEqual([ev.fail('protocol', 1002)]);
    expect(recorder.failures[0]).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002 });
  });

  it('without the extension negotiated rsv1 is refused on every frame', () => {
    const { events } = feed(zframe(TEXT, hex('f248cdc9c90700')), []);
    expect(events).toEqual([ev.fail('protocol', 1002)]);
  });

  it('rsv2 and rsv3 stay refused with the extension', () => {
    expect(feed(frame(TEXT, 'a', { rsv2: true }), [], withDeflate()).events).toEqual([ev.fail('protocol', 1002)]);
    expect(feed(frame(TEXT, 'a', { rsv3: true }), [], withDeflate()).events).toEqual([ev.fail('protocol', 1002)]);
  });
});

describe('bad compressed messages', () => {
  it('invalid DEFLATE data fails with 1002 and says what zlib saw', () => {
    const { events, recorder } = feed(zframe(BINARY, hex('ffff')), [], withDeflate());
    expect(events).toEqual([ev.fail('protocol', 1002)]);
    expect(recorder.failures[0].message).toContain('expected a DEFLATE stream, zlib says "invalid block type"');
  });

  it('data after the final block fails with 1002', () => {
    const payload = cat(zlib.deflateRawSync('abc'), Buffer.from('junk'));
    const { events, recorder } = feed(zframe(BINARY, payload), [], withDeflate());
    expect(events).toEqual([ev.fail('protocol', 1002)]);
    expect(recorder.failures[0].message).toContain('data after its final DEFLATE block');
  });

  it('invalid UTF-8 in inflated text fails with 1007', () => {
    const payload = zlib.deflateRawSync(Buffer.from([0x61, 0xc3, 0x28]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const { events, recorder } = feed(zframe(TEXT, payload), [], withDeflate());
    expect(events).toEqual([ev.fail('payload', 1007)]);
    expect(recorder.failures[0].message).toContain('invalid UTF-8 in compressed text message at byte 2 of its 3 inflated bytes');
  });

  it('inflated text ending inside a character fails with 1007', () => {
    const payload = zlib.deflateRawSync(Buffer.from([0x61, 0xe2, 0x82]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const { events, recorder } = feed(zframe(TEXT, payload), [], withDeflate());
    expect(events).toEqual([ev.fail('payload', 1007)]);
    expect(recorder.failures[0].message).toContain('ending inside a UTF-8 sequence after 3 bytes');
  });

  it('skipUtf8Validation delivers invalid inflated text decoded with U+FFFD', () => {
    const payload = zlib.deflateRawSync(Buffer.from([0x61, 0xff]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const { events } = feed(zframe(TEXT, payload), [], withDeflate({}, { skipUtf8Validation: true }));
    expect(events).toEqual([ev.text('a\ufffd')]);
  });

  it('a server that refers back past the negotiated window fails with 1002', () => {
    // Message 1 starts with "b"; message 2 repeats its first 20 bytes, 300 bytes back.
    const first = payloadOf(2, 300, 7);
    const sync = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const m1 = zlib.deflateRawSync(first, sync).subarray(0, -4);
    const m2 = zlib.deflateRawSync(first.subarray(0, 20), { ...sync, dictionary: first }).subarray(0, -4);
    const stream = cat(zframe(BINARY, m1), zframe(BINARY, m2));
    expect(feed(stream, [], withDeflate({ serverMaxWindowBits: 9 })).events).toEqual([ev.binary(first), ev.binary(first.subarray(0, 20))]);
    const { events, recorder } = feed(stream, [], withDeflate({ serverMaxWindowBits: 8 }));
    expect(events).toEqual([ev.binary(first), ev.fail('protocol', 1002)]);
    expect(recorder.failures[0].message).toContain('invalid distance too far back');
  });
});

describe('limits', () => {
  it('a 64 KiB message inflating to 64 MiB stops at maxPayload with 1009, without allocating it', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).toBeLessThan(70 * 1024);
    const before = process.memoryUsage();
    const { events, recorder, maxBuffered } = feed(zframe(BINARY, bomb), [], withDeflate({}, { maxPayload: 1024 * 1024 }));
    const after = process.memoryUsage();
    expect(events).toEqual([ev.fail('payload', 1009)]);
    expect(recorder.failures[0]).toBeInstanceOf(WebSocketPayloadException);
    expect(recorder.failures[0].message).toContain(`compressed message of ${bomb.length} bytes inflates to more than 1048576 bytes`);
    expect(maxBuffered).toBeLessThanOrEqual(bomb.length);
    // Generous: the 64 MiB are never allocated (only ~1 MiB of output chunks).
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
  });

  it('the bomb split over 64 frames stops the same way', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const step = Math.ceil(bomb.length / 64);
    const frames: Buffer[] = [];
    for (let at = 0; at < bomb.length; at += step) {
      const piece = bomb.subarray(at, at + step);
      const fin = at + step >= bomb.length;
      frames.push(at === 0 ? zframe(BINARY, piece, fin) : frame(CONT, piece, { fin }));
    }
    const { events } = feed(cat(...frames), [], withDeflate({}, { maxPayload: 100_000 }));
    expect(events).toEqual([ev.fail('payload', 1009)]);
  });

  it('a message inflating to exactly maxPayload passes, one byte more fails', () => {
    const data = Buffer.alloc(5000, 0x41);
    const payload = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(feed(zframe(BINARY, payload), [], withDeflate({}, { maxPayload: 5000 })).events).toEqual([ev.binary(data)]);
    expect(feed(zframe(BINARY, payload), [], withDeflate({}, { maxPayload: 4999 })).events).toEqual([ev.fail('payload', 1009)]);
  });

  it('maxPayload = 0 accepts only empty compressed messages', () => {
    expect(feed(zframe(BINARY, hex('00')), [], withDeflate({}, { maxPayload: 0 })).events).toEqual([ev.binary(Buffer.alloc(0))]);
    expect(feed(zframe(BINARY, hex('f248cdc9c90700')), [], withDeflate({}, { maxPayload: 0 })).events).toEqual([ev.fail('payload', 1009)]);
  });

  it('compressed bytes past the wire limit fail with 1009 from the headers, before inflating', () => {
    const oneFrame = zframe(BINARY, Buffer.alloc(20_000)).subarray(0, 4);
    const single = feed(oneFrame, [], withDeflate({}, { maxPayload: 10_000 }));
    expect(single.events).toEqual([ev.fail('payload', 1009)]);
    expect(single.recorder.failures[0].message).toContain('frame payload of 20000 bytes exceeds maxPayload 10074');
    const twoFrames = cat(zframe(BINARY, Buffer.alloc(6000), false), frame(CONT, Buffer.alloc(6000)).subarray(0, 4));
    const split = feed(twoFrames, [], withDeflate({}, { maxPayload: 10_000 }));
    expect(split.events).toEqual([ev.fail('payload', 1009)]);
    expect(split.recorder.failures[0].message).toBe(
      'compressed message of at least 12000 bytes: expected at most 10074 compressed bytes for maxPayload = 10000 bytes',
    );
  });

  it('incompressible data at maxPayload, slightly larger once deflated, is accepted', () => {
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const payload = zlib.deflateRawSync(data, { level: 0, finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(payload.length).toBeGreaterThan(data.length);
    expect(feed(zframe(BINARY, payload), [], withDeflate({}, { maxPayload: data.length })).events).toEqual([ev.binary(data)]);
  });
});

describe('delivery modes', () => {
  class FragmentRecorder extends Recorder {
    override onFragment(f: Received<Buffer>): void {
      this.events.push(`${ev.fragment(f.opcode, f.data, f.fin === 1)}${f.rsv1 === 1 ? ':rsv1' : ''}`);
    }
  }
  const stream = cat(
    zframe(TEXT, hex('f248cd'), false),
    frame(CONT, hex('c9c90700')),
    zframe(TEXT, hex('f200110000')),
  );

  it('fireContFrame hands out compressed frames as they came, rsv1 on the first, and keeps the shared window', () => {
    const recorder = new FragmentRecorder();
    const session = new ClientSession(recorder, withDeflate({}, { fireContFrame: true }));
    session.receive(Buffer.from(stream));
    expect(recorder.events).toEqual([
      `${ev.fragment(TEXT, hex('f248cd'), false)}:rsv1`,
      ev.fragment(CONT, hex('c9c90700'), true),
      ev.text('Hello'),
    ]);
  });

  it('raw frame mode shows rsv1 as it came and still inflates to keep the window', () => {
    const recorder = new Recorder();
    const session = new ClientSession(recorder, withDeflate({}, { rawFrames: true }));
    session.receive(Buffer.from(stream.subarray(0, stream.length - 7)));
    session.rawFrames = false;
    session.receive(Buffer.from(stream.subarray(stream.length - 7)));
    expect(recorder.events).toEqual([
      ev.frame({ fin: 0, rsv1: 1, rsv2: 0, rsv3: 0, opcode: TEXT, data: hex('f248cd') }),
      ev.frame({ fin: 1, rsv1: 0, rsv2: 0, rsv3: 0, opcode: CONT, data: hex('c9c90700') }),
      ev.text('Hello'),
    ]);
  });

  it('raw frame mode: the last frame of a compressed message carries the whole message, inflated (for a message read)', () => {
    const frames: Array<{ data: Buffer; message?: Buffer }> = [];
    const recorder = new Recorder();
    recorder.onFrame = (f) => void frames.push(f);
    const session = new ClientSession(recorder, withDeflate({}, { rawFrames: true }));
    session.receive(Buffer.from(stream.subarray(0, stream.length - 7)));
    expect(frames.map((f) => f.message?.toString())).toEqual([undefined, 'Hello']);
  });

  it('a bomb is stopped in fragment mode too', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(8 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const { events } = feed(cat(zframe(BINARY, bomb.subarray(0, 100), false), frame(CONT, bomb.subarray(100))), [], withDeflate({}, { fireContFrame: true, maxPayload: 65536 }));
    expect(events.at(-1)).toBe(ev.fail('payload', 1009));
  });
});

describe('sending', () => {
  it('messages below the threshold go uncompressed, from the threshold on compressed', () => {
    const session = new ClientSession(new Recorder(), withDeflate({}, {}, 10));
    const small = decodeClientFrames(session.sendBinary(Buffer.alloc(9, 1)));
    const big = decodeClientFrames(session.sendBinary(Buffer.alloc(10, 1)));
    expect([small[0].rsv, small[0].payload.length]).toEqual([0, 9]);
    expect(big[0].rsv).toBe(4);
    expect(zlib.inflateRawSync(cat(big[0].payload, TAIL), { finishFlush: zlib.constants.Z_SYNC_FLUSH })).toEqual(Buffer.alloc(10, 1));
  });

  it('with fragmentSize only the first frame has rsv1', () => {
    const session = new ClientSession(new Recorder(), withDeflate({}, { fragmentSize: 8 }));
    const data = Buffer.from('a fairly long text that compresses into more than eight bytes: 0123456789');
    const frames = decodeClientFrames(session.sendText(data.toString()));
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.map((f) => [f.rsv, f.opcode])).toEqual(frames.map((_, i) => (i === 0 ? [4, TEXT] : [0, CONT])));
    expect(zlib.inflateRawSync(cat(...frames.map((f) => f.payload), TAIL), { finishFlush: zlib.constants.Z_SYNC_FLUSH })).toEqual(data);
  });

  it('pings, pongs, closes and raw frames are never compressed', () => {
    const session = new ClientSession(new Recorder(), withDeflate());
    for (const bytes of [session.sendPing('x'), session.sendPong('y'), session.sendFrame({ opcode: BINARY, data: 'raw' })]) {
      expect(decodeClientFrames(bytes)[0].rsv).toBe(0);
    }
    expect(decodeClientFrames(session.sendClose())[0].rsv).toBe(0);
  });

  it('the windows are released once the close handshake is on the wire', () => {
    const compression = new PerMessageDeflate(params(), 0);
    const session = new ClientSession(new Recorder(), { compression });
    session.sendText('Hello');
    session.receive(zframe(TEXT, hex('f248cdc9c90700')));
    expect(compression.heldBytes).toBe(10);
    session.receive(frame(CLOSE, closePayload(1000)));
    // Until the reply is on the wire an echo may still be compressed ahead of it.
    expect(compression.heldBytes).toBeGreaterThan(0);
    session.closeWritten();
    expect(compression.heldBytes).toBe(0);
  });
});

/** Payloads like Autobahn's: compressible text, repetitive binary, random binary. */
function payloadOf(kind: number, size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761 + size) >>> 0 || 1;
  const words = ['websocket ', 'deflate ', 'hello ', 'Ünïcödé ', 'frame ', '€uro '];
  if (kind === 0) {
    const parts: string[] = [];
    for (let length = 0; length < size; ) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const word = words[(x >>> 0) % words.length];
      parts.push(word);
      length += Buffer.byteLength(word);
    }
    // Cut on a character boundary: ASCII filler to the exact size.
    const bytes = Buffer.from(parts.join(''));
    let end = size;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes.copy(out, 0, 0, end);
    out.fill(0x2e, end);
    return out;
  }
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = kind === 1 ? (i % 7) * 31 + (x & 1) : x & 0xff;
  }
  return out;
}

const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];

/** Autobahn 13.x offers: [name, agreed parameters]. */
const OFFERS: Array<[string, Partial<DeflateParams>]> = [
  ['13.1 defaults', {}],
  ['13.2 client_no_context_takeover', { clientNoContextTakeover: true }],
  ['13.3 window bits 8', { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }],
  ['13.4 window bits 15', { serverMaxWindowBits: 15, clientMaxWindowBits: 15 }],
  ['13.5 no context takeover + window bits 8', { clientNoContextTakeover: true, serverNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 8 }],
  ['13.6 no context takeover + window bits 15', { clientNoContextTakeover: true, serverNoContextTakeover: true }],
  ['13.7 mixed: server 9 without takeover, client 12', { serverNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 12 }],
];

describe('Autobahn 12.x/13.x mirror: messages 16 B to 128 KiB against zlib streams', () => {
  it.each(OFFERS)('%s: receive and send, every size, several messages each', async (_name, agreed) => {
    const p = params(agreed);
    const server = new ReferenceDeflater(p.serverMaxWindowBits, p.serverNoContextTakeover);
    const peerInflater = new ReferenceInflater(p.clientMaxWindowBits, p.clientNoContextTakeover);
    const recorder = new Recorder();
    const session = new ClientSession(recorder, { compression: new PerMessageDeflate(p, 0) });
    const expected: string[] = [];
    let seed = 1;
    try {
      for (const size of SIZES) {
        const count = size >= 65536 ? 3 : 8;
        for (let n = 0; n < count; n++) {
          const kind = seed % 3;
          const data = payloadOf(kind, size, seed++);
          // Server -> client: compressed by the reference, fed in uneven chunks.
          const wire = zframe(kind === 0 ? TEXT : BINARY, await server.compress(data));
          const cut = Math.max(1, (seed * 7919) % wire.length);
          session.receive(Buffer.from(wire.subarray(0, cut)));
          session.receive(Buffer.from(wire.subarray(cut)));
          expected.push(kind === 0 ? ev.text(data.toString()) : ev.binary(data));
          // Client -> server: what the session sends inflates at the reference.
          const sent = decodeClientFrames(kind === 0 ? session.sendText(data.toString()) : session.sendBinary(data));
          expect(sent.map((f) => f.rsv)).toEqual([4]);
          expect(show(await peerInflater.decompress(sent[0].payload))).toBe(show(data));
        }
      }
      expect(recorder.events).toEqual(expected);
    } finally {
      server.close();
      peerInflater.close();
    }
  });

  it('1000 small messages with context takeover (12.1.1-like)', async () => {
    const server = new ReferenceDeflater(15, false);
    const recorder = new Recorder();
    const session = new ClientSession(recorder, withDeflate());
    const peerInflater = new ReferenceInflater(15, false);
    try {
      const wires: Buffer[] = [];
      for (let n = 0; n < 1000; n++) {
        const data = payloadOf(0, 16 + (n % 48), n);
        wires.push(zframe(TEXT, await server.compress(data)));
        expect((await peerInflater.decompress(decodeClientFrames(session.sendText(data.toString()))[0].payload)).toString()).toBe(data.toString());
      }
      session.receive(cat(...wires));
      expect(recorder.events.length).toBe(1000);
      expect(recorder.events[999]).toBe(ev.text(payloadOf(0, 16 + (999 % 48), 999).toString()));
    } finally {
      server.close();
      peerInflater.close();
    }
  });

  it('any chunking of a stream of compressed messages gives the same events', async () => {
    const server = new ReferenceDeflater(10, false);
    const messages = [0, 1, 2, 3, 4, 5].map((i) => payloadOf(i % 3, 100 + i * 300, i));
    const frames: Buffer[] = [];
    for (const [i, data] of messages.entries()) {
      const compressed = await server.compress(data);
      const opcode = i % 3 === 0 ? TEXT : BINARY;
      // Every other message fragmented in two.
      if (i % 2 === 1 && compressed.length > 2) {
        frames.push(zframe(opcode, compressed.subarray(0, 2), false), frame(CONT, compressed.subarray(2)));
      } else {
        frames.push(zframe(opcode, compressed));
      }
      frames.push(frame(PING, `p${i}`));
    }
    server.close();
    const stream = cat(...frames);
    const expected = feed(stream, [], withDeflate({ serverMaxWindowBits: 10 })).events;
    expect(expected.filter((e) => e.startsWith('text') || e.startsWith('binary')).length).toBe(6);
    fc.assert(
      fc.property(cutsArb(stream.length), (cuts) => {
        expect(feed(stream, cuts, withDeflate({ serverMaxWindowBits: 10 })).events).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('compress/decompress round trip between two codecs for any sequence of messages and parameters', () => {
    fc.assert(
      fc.property(
        fc.record({
          clientNoContextTakeover: fc.boolean(),
          clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
        }),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ maxLength: 500 }).map((s) => Buffer.from(s.repeat(3)))), { maxLength: 12 }),
        (agreed, messages) => {
          const sender = new PerMessageDeflate(params(agreed), 0);
          // The receiving side sees the sender's parameters as the "server" ones.
          const receiver = new PerMessageDeflate(
            params({ serverNoContextTakeover: agreed.clientNoContextTakeover, serverMaxWindowBits: agreed.clientMaxWindowBits }),
            0,
          );
          for (const data of messages) {
            const compressed = sender.compress(data) as Buffer;
            expect(receiver.decompress(compressed, data.length)).toEqual(Buffer.from(data));
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('SlidingWindow', () => {
  it('keeps the last capacity bytes of whatever was pushed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), (capacity, pushes) => {
        const window = new SlidingWindow(capacity);
        for (const p of pushes) window.push(p);
        const all = cat(...pushes);
        const expected = all.subarray(Math.max(0, all.length - capacity));
        expect(window.bytes ?? Buffer.alloc(0)).toEqual(expected);
        expect(window.length).toBe(expected.length);
      }),
    );
  });

  it('allocates nothing until the first push and frees on clear', () => {
    const window = new SlidingWindow(32768);
    expect(window.bytes).toBeUndefined();
    window.push(Buffer.from('abc'));
    expect(window.bytes).toEqual(Buffer.from('abc'));
    window.clear();
    expect(window.bytes).toBeUndefined();
  });
});

it('decompress errors are the library exceptions with close codes', () => {
  const codec = new PerMessageDeflate(params(), 0);
  expect(() => codec.decompress(hex('ffff'), 100)).toThrow(WebSocketProtocolException);
  try {
    codec.decompress(zlib.deflateRawSync(Buffer.alloc(1000)), 10);
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1009);
  }
});
