import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeanReader } from '../../src/bench/lean-reader.js';
import { encodeFrame } from '../../src/frame/encoder.js';
import { OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONT, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT } from '../../src/frame/opcodes.js';
import { ClientSession } from '../../src/protocol/session.js';
import { closePayload, serverFrame } from '../helpers/raw-server.js';

/** Everything a session and its connection do, in order, as comparable strings. */
function recorder(lean: boolean) {
  const log: string[] = [];
  const session = new ClientSession({
    onText: (text) => log.push(`text ${JSON.stringify(text)}`),
    onBinary: (data) => log.push(`binary ${data.toString('hex')}`),
    onFragment: () => log.push('fragment'),
    onFrame: () => {},
    onPing: (data) => log.push(`ping ${data.toString('hex')}`),
    onPong: (data) => log.push(`pong ${data.toString('hex')}`),
    onClose: (code, reason) => log.push(`close ${code} ${reason}`),
    onWrite: (bytes, kind) => {
      log.push(`write ${kind} ${bytes.length}`);
      if (kind === 'close') session.closeWritten();
    },
    onFailure: (error, closeFrame) => {
      log.push(`failure ${error.constructor.name} ${error.message} ${closeFrame === null ? 'no close frame' : `close frame ${closeFrame.length} bytes`}`);
      if (closeFrame !== null) session.closeWritten();
    },
  });
  const onMessage = (data: Buffer | string): void => {
    log.push(typeof data === 'string' ? `text ${JSON.stringify(data)}` : `binary ${data.toString('hex')}`);
  };
  const reader = lean ? new LeanReader(session, onMessage) : null;
  return {
    log,
    reader,
    receive: (chunk: Buffer) => (reader !== null ? reader.receive(chunk) : session.receive(chunk)),
  };
}

/** Feed `stream` cut at `cuts` to a bare session and to a session behind a LeanReader; returns both logs. */
function both(stream: Buffer, cuts: number[]) {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const bare = recorder(false);
  const lean = recorder(true);
  let from = 0;
  for (const point of [...points, stream.length]) {
    // Each read gets its own copy, as reads from a socket do.
    const chunk = Buffer.from(stream.subarray(from, point));
    bare.receive(Buffer.from(chunk));
    lean.receive(chunk);
    from = point;
  }
  return { bare: bare.log, lean: lean.log, fastFrames: lean.reader!.fastFrames };
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((array) => Buffer.from(array));
const maskKey = Buffer.from([1, 2, 3, 4]);

/** Frames a server may send, and some it must not. */
const frameArb = fc.oneof(
  { weight: 8, arbitrary: bytes(125).map((data) => serverFrame(OPCODE_BINARY, data)) },
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }).map((text) => serverFrame(OPCODE_TEXT, text)) },
  { weight: 2, arbitrary: bytes(300).map((data) => serverFrame(OPCODE_BINARY, data)) },
  { weight: 1, arbitrary: bytes(70_000).map((data) => serverFrame(OPCODE_BINARY, data)) },
  {
    weight: 2,
    arbitrary: fc.tuple(bytes(20), bytes(20), fc.boolean()).map(([a, b, text]) =>
      Buffer.concat([
        serverFrame(text ? OPCODE_TEXT : OPCODE_BINARY, text ? a.toString('hex') : a, { fin: false }),
        serverFrame(OPCODE_PING, 'p'),
        serverFrame(OPCODE_CONT, text ? b.toString('hex') : b),
      ]),
    ),
  },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(OPCODE_BINARY, data, { fin: false })) },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(OPCODE_PING, data)) },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(OPCODE_PONG, data)) },
  { weight: 1, arbitrary: fc.constant(Buffer.from([0x81, 0x02, 0xc3, 0x28])) },
  { weight: 1, arbitrary: bytes(20).map((data) => encodeFrame(OPCODE_BINARY, data, { maskKey })) },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(OPCODE_BINARY, data, { rsv2: true })) },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(0x3, data)) },
  { weight: 1, arbitrary: bytes(20).map((data) => serverFrame(OPCODE_CONT, data)) },
  { weight: 1, arbitrary: fc.constant(serverFrame(OPCODE_CLOSE, closePayload(1000, 'bye'))) },
);

describe('LeanReader', () => {
  it('gives the same messages, control frames, failures and writes as the session alone, for any chunking of any frame stream', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const { bare, lean } = both(Buffer.concat(frames), cuts);
        expect(lean).toEqual(bare);
      }),
      { numRuns: 300 },
    );
  });

  it('takes whole short final data frames itself, and a frame split across reads through the session', () => {
    const frames = [serverFrame(OPCODE_BINARY, Buffer.from([1, 2, 3])), serverFrame(OPCODE_TEXT, 'héllo'), serverFrame(OPCODE_BINARY, Buffer.alloc(125, 7))];
    const stream = Buffer.concat(frames);
    const whole = both(stream, []);
    expect(whole.lean).toEqual([`binary 010203`, `text "héllo"`, `binary ${'07'.repeat(125)}`]);
    expect(whole.fastFrames).toBe(3);
    // Cut inside the second frame's payload: the first and third are fast, the second goes through the session.
    const split = both(stream, [frames[0]!.length + 3]);
    expect(split.lean).toEqual(whole.lean);
    expect(split.fastFrames).toBe(2);
    // Cut inside the first header: the session takes the first frame; the reader the rest.
    const header = both(stream, [1]);
    expect(header.lean).toEqual(whole.lean);
    expect(header.fastFrames).toBe(2);
  });

  it('leaves to the session a masked frame, RSV bits, a reserved opcode and invalid UTF-8, which fail as they do without it', () => {
    const bad = [
      encodeFrame(OPCODE_BINARY, Buffer.from('x'), { maskKey }),
      serverFrame(OPCODE_BINARY, 'x', { rsv1: true }),
      serverFrame(0xb, 'x'),
      Buffer.from([0x81, 0x02, 0xc3, 0x28]),
    ];
    for (const frame of bad) {
      const good = serverFrame(OPCODE_BINARY, 'ok');
      const { bare, lean, fastFrames } = both(Buffer.concat([good, frame, good]), []);
      expect(lean).toEqual(bare);
      expect(lean[0]).toBe(`binary ${Buffer.from('ok').toString('hex')}`);
      expect(lean.some((entry) => entry.startsWith('failure'))).toBe(true);
      // The frame after the bad one is not delivered: the session failed.
      expect(lean.filter((entry) => entry.startsWith('binary'))).toHaveLength(1);
      expect(fastFrames).toBe(1);
    }
  });

  it('sends the frames of a fragmented message, and short frames inside it, through the session', () => {
    const stream = Buffer.concat([
      serverFrame(OPCODE_BINARY, 'a', { fin: false }),
      serverFrame(OPCODE_PING, ''),
      serverFrame(OPCODE_CONT, 'b'),
      serverFrame(OPCODE_BINARY, 'c'),
    ]);
    const { bare, lean, fastFrames } = both(stream, []);
    expect(lean).toEqual(bare);
    expect(lean).toContain(`binary ${Buffer.from('ab').toString('hex')}`);
    expect(fastFrames).toBe(1);
  });

  it('leaves a whole data frame inside an unfinished fragmented message to the session, which fails the connection', () => {
    const stream = Buffer.concat([serverFrame(OPCODE_BINARY, 'a', { fin: false }), serverFrame(OPCODE_BINARY, 'b')]);
    const { bare, lean, fastFrames } = both(stream, []);
    expect(lean).toEqual(bare);
    expect(lean[0]).toMatch(/^failure WebSocketProtocolException/);
    expect(fastFrames).toBe(0);
  });

  it('delivers nothing after the server closes', () => {
    const stream = Buffer.concat([serverFrame(OPCODE_CLOSE, closePayload(1000)), serverFrame(OPCODE_BINARY, 'late')]);
    const { bare, lean, fastFrames } = both(stream, []);
    expect(lean).toEqual(bare);
    expect(fastFrames).toBe(0);
  });
});
