/**
 * ClientSession under hostile traffic: `receive()` never throws, a failure is
 * reported once with the right class and close code (1002 / 1007 / 1009),
 * the session never holds more than its limit (`bufferedBytes`), no message
 * delivered passes maxPayload or maxFragments, every ping before a close gets
 * one pong, nothing comes after the end, and the same events come out under
 * any chunking, and when a hook pauses the session now and then (the rest is
 * parsed on resume). With permessage-deflate, compressed messages and deflate
 * bombs go through the real inflater.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { PerMessageDeflate } from '../../src/protocol/deflate-codec.js';
import { ClientSession, type SessionOptions } from '../../src/protocol/session.js';
import { chunk, cutsArb, encodeRawFrame, ensure, fingerprint, hostileBytes, payloadArb, rawFrameArb, timed, type FuzzTarget, type RawFrame } from '../support.js';

interface Setup {
  maxPayload: number;
  maxFragments: number;
  fireContFrame: boolean;
  rawFrames: boolean;
  skipUtf8Validation: boolean;
  deflate: { serverNoContextTakeover: boolean; serverMaxWindowBits: number } | null;
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  maxPayload: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(64 * 1024 * 1024)),
  maxFragments: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(131072)),
  fireContFrame: fc.boolean(),
  rawFrames: fc.boolean(),
  skipUtf8Validation: fc.boolean(),
  deflate: fc.option(fc.record({ serverNoContextTakeover: fc.boolean(), serverMaxWindowBits: fc.integer({ min: 8, max: 15 }) })),
});

/** The raw DEFLATE of `data` as a permessage-deflate payload (RFC 7692 §7.2.1: without 00 00 ff ff). */
function deflatePayload(data: Uint8Array): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Small messages that inflate to a lot: 128 KiB and 1 MiB of zeros (past every small maxPayload). */
const BOMBS = [deflatePayload(Buffer.alloc(1 << 17)), deflatePayload(Buffer.alloc(1 << 20))];

/** A message split in frames, possibly compressed, possibly with control frames between its frames. */
interface Message {
  opcode: number;
  payload: Uint8Array;
  compress: 'no' | 'yes' | 'bomb';
  cuts: number[];
  between: RawFrame[];
}

const controlArb: fc.Arbitrary<RawFrame> = fc.record({
  fin: fc.constant(true),
  rsv: fc.constant(0),
  opcode: fc.constantFrom(9, 10),
  mask: fc.constant(null),
  payload: fc.uint8Array({ maxLength: 125 }),
  length: fc.constant({ kind: 'natural' as const }),
});

const closeArb: fc.Arbitrary<RawFrame> = fc
  .tuple(
    fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 3000, 4999), fc.integer({ min: 0, max: 0xffff })),
    fc.oneof(fc.string({ maxLength: 40 }).map((s) => Buffer.from(s, 'utf8')), fc.constant(Buffer.from([0xff, 0xfe]))),
    fc.nat({ max: 9 }),
  )
  .map(([code, reason, shape]) => {
    const payload = shape === 0 ? Buffer.alloc(0) : shape === 1 ? Buffer.of(0x03) : Buffer.concat([Buffer.of(code >> 8, code & 0xff), reason]).subarray(0, 125);
    return { fin: true, rsv: 0, opcode: 8, mask: null, payload, length: { kind: 'natural' as const } };
  });

const messageArb: fc.Arbitrary<Message> = fc.record({
  opcode: fc.constantFrom(1, 2),
  payload: payloadArb,
  compress: fc.constantFrom('no' as const, 'yes' as const, 'yes' as const, 'bomb' as const),
  cuts: fc.array(fc.nat(), { maxLength: 5 }),
  between: fc.array(controlArb, { maxLength: 2 }),
});

function encodeMessage(m: Message): Buffer {
  const body = m.compress === 'no' ? Buffer.from(m.payload) : m.compress === 'yes' ? deflatePayload(m.payload) : BOMBS[m.payload.length % 2];
  const points = [...new Set(m.cuts.map((c) => (body.length === 0 ? 0 : c % body.length)))].sort((a, b) => a - b).filter((p) => p > 0);
  const edges = [0, ...points, body.length];
  const frames: Buffer[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const last = i + 2 === edges.length;
    frames.push(
      encodeRawFrame({
        fin: last,
        rsv: i === 0 && m.compress !== 'no' ? 4 : 0,
        opcode: i === 0 ? m.opcode : 0,
        mask: null,
        payload: body.subarray(edges[i], edges[i + 1]),
        length: { kind: 'natural' },
      }),
    );
    if (!last && m.between[i] !== undefined) frames.push(encodeRawFrame(m.between[i]));
  }
  return Buffer.concat(frames);
}

const itemArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: messageArb.map(encodeMessage) },
  { weight: 2, arbitrary: controlArb.map(encodeRawFrame) },
  { weight: 1, arbitrary: closeArb.map(encodeRawFrame) },
  { weight: 1, arbitrary: rawFrameArb.map(encodeRawFrame) },
);

const streamArb = hostileBytes(fc.array(itemArb, { maxLength: 6 }).map((items) => Buffer.concat(items)));

/**
 * Most bytes the session may hold: maxPayload; with deflate, the wire limit
 * (maxPayload plus deflate's worst-case growth), twice over when frames are
 * delivered one by one, since the current frame and the whole compressed
 * message are then buffered apart (see SECURITY.md).
 */
function bufferLimit(setup: Setup): number {
  if (setup.deflate === null) return setup.maxPayload;
  const wire = setup.maxPayload + Math.ceil(setup.maxPayload / 1024) + 64;
  return setup.rawFrames || setup.fireContFrame ? 2 * wire : wire;
}

const FIXED_KEY = Buffer.of(1, 2, 3, 4);

/**
 * `pauseEvery`: a data hook pauses the session every that many data events (0: never); it is resumed after each piece
 * and at the end. `ownsChunks`: the session may keep views of the pieces (`SessionOptions.ownsChunks`).
 */
function run(pieces: Buffer[], setup: Setup, pauseEvery = 0, ownsChunks = false): string[] {
  const log: string[] = [];
  let ended = false;
  let pings = 0;
  let pongsWritten = 0;
  let closeSeen = false;
  const noteAfterEnd = (what: string) => ensure(!ended, () => `${what} after the session ended`);
  const checkSize = (n: number, what: string) => ensure(n <= setup.maxPayload, () => `${what} of ${n} bytes passed maxPayload ${setup.maxPayload}`);
  const options: SessionOptions = {
    maxPayload: setup.maxPayload,
    maxFragments: setup.maxFragments,
    fireContFrame: setup.fireContFrame,
    rawFrames: setup.rawFrames,
    skipUtf8Validation: setup.skipUtf8Validation,
    ownsChunks,
    getMaskKey: () => FIXED_KEY,
    compression:
      setup.deflate === null
        ? null
        : new PerMessageDeflate(
            { ...setup.deflate, clientNoContextTakeover: false, clientMaxWindowBits: 15 },
            1024,
          ),
  };
  let fragments = 0;
  let dataEvents = 0;
  const maybePause = () => {
    if (pauseEvery > 0 && ++dataEvents % pauseEvery === 0) session.pause();
  };
  const session: ClientSession = new ClientSession(
    {
      onText(text) {
        noteAfterEnd('onText');
        // Skipped validation decodes a bad byte as U+FFFD: up to 3 bytes each once re-encoded.
        const size = Buffer.byteLength(text);
        checkSize(setup.skipUtf8Validation ? Math.ceil(size / 3) : size, 'text message');
        log.push(`T ${fingerprint(Buffer.from(text, 'utf8'))}`);
        maybePause();
      },
      onBinary(data) {
        noteAfterEnd('onBinary');
        checkSize(data.length, 'binary message');
        log.push(`B ${fingerprint(data)}`);
        maybePause();
      },
      onFragment(frame) {
        noteAfterEnd('onFragment');
        fragments = frame.opcode === 0 ? fragments + 1 : 1;
        ensure(fragments <= setup.maxFragments, () => `fragment ${fragments} passed maxFragments ${setup.maxFragments}`);
        log.push(`F ${frame.opcode} ${frame.fin} ${frame.rsv1} ${fingerprint(frame.data)}`);
        maybePause();
      },
      onFrame(frame) {
        noteAfterEnd('onFrame');
        if (frame.opcode === 9) pings++;
        log.push(`R ${frame.fin}${frame.rsv1}${frame.opcode} ${fingerprint(frame.data)}`);
        maybePause();
      },
      onPing(payload) {
        noteAfterEnd('onPing');
        pings++;
        log.push(`ping ${fingerprint(payload)}`);
      },
      onPong(payload) {
        noteAfterEnd('onPong');
        log.push(`pong ${fingerprint(payload)}`);
      },
      onClose(code, reason) {
        noteAfterEnd('onClose');
        closeSeen = true;
        ended = true;
        log.push(`close ${code} ${JSON.stringify(reason)}`);
      },
      onWrite(bytes, kind) {
        if (kind === 'pong') pongsWritten++;
        log.push(`W ${kind} ${fingerprint(bytes)}`);
      },
      onFailure(error, closeFrame) {
        noteAfterEnd('onFailure');
        ended = true;
        const protocol = error instanceof WebSocketProtocolException;
        ensure(protocol || error instanceof WebSocketPayloadException, () => `failure of class ${(error as Error).name}`);
        const allowed = protocol ? [1002] : [1007, 1009];
        ensure(allowed.includes(error.closeCode ?? -1), () => `${error.name} with closeCode ${error.closeCode}: "${error.message}"`);
        ensure(closeFrame !== null, () => 'no close frame for a failure before any close was sent');
        log.push(`fail ${error.name} ${error.closeCode} ${error.message} ${fingerprint(closeFrame)}`);
      },
    },
    options,
  );
  const limit = bufferLimit(setup);
  const step = (what: string, action: () => void) => {
    try {
      action();
    } catch (error) {
      throw new Error(`ClientSession.${what} threw ${(error as Error)?.stack ?? String(error)}: expected failures to be reported through onFailure only`);
    }
    ensure(session.bufferedBytes <= limit, () => `session holds ${session.bufferedBytes} bytes: expected at most ${limit}`);
  };
  for (const piece of pieces) {
    step('receive', () => session.receive(piece));
    if (pauseEvery > 0) step('resume', () => session.resume());
  }
  for (let i = 0; session.isPaused && i < 1_000_000; i++) step('resume', () => session.resume());
  ensure(session.heldBytes === 0 || session.state === 'closed', () => `${session.heldBytes} bytes still held after resuming`);
  if (!closeSeen && session.failure === null) ensure(pongsWritten === pings, () => `${pings} pings but ${pongsWritten} pongs written`);
  log.push(`state ${session.state} close sent ${session.closeSent} received ${session.closeReceived} failure ${session.failure?.closeCode ?? 'none'}`);
  return log;
}

/** Maps consecutive pieces to the views of `arena` that hold the same bytes, end to end. */
function viewIn(arena: Buffer): (piece: Buffer) => Buffer {
  let at = 0;
  return (piece) => {
    const view = arena.subarray(at, at + piece.length);
    at += piece.length;
    return view;
  };
}

export const sessionTarget: FuzzTarget = {
  name: 'session',
  what: 'ClientSession.receive: fragmented, interleaved, compressed (and bomb) messages, pings, closes, bad frames; mutated, chunked',
  property: fc.property(streamArb, cutsArb, setupArb, (bytes, cuts, setup) => {
    const whole = timed('ClientSession (one chunk)', () => run([Buffer.from(bytes)], setup));
    const pieces = timed('ClientSession (chunked)', () => run(chunk(bytes, cuts), setup));
    ensure(JSON.stringify(whole) === JSON.stringify(pieces), () => `chunking changed the events:\n${whole.join('\n')}\n---\n${pieces.join('\n')}`);
    const paused = timed('ClientSession (chunked, paused)', () => run(chunk(bytes, cuts), setup, 1 + (cuts.length % 3)));
    ensure(JSON.stringify(whole) === JSON.stringify(paused), () => `pausing changed the events:\n${whole.join('\n')}\n---\n${paused.join('\n')}`);
    // The same cuts as views of one buffer, end to end, to a session that may keep views of them (reads into one arena).
    const arena = Buffer.from(bytes);
    const inPlace = timed('ClientSession (chunked in place, views kept)', () => run(chunk(bytes, cuts).map(viewIn(arena)), setup, 0, true));
    ensure(JSON.stringify(whole) === JSON.stringify(inPlace), () => `views of one buffer changed the events:\n${whole.join('\n')}\n---\n${inPlace.join('\n')}`);
  }),
};
