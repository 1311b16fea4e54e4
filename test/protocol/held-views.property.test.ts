/**
 * A session that owns its chunks (`ownsChunks`) keeps the first piece of a
 * one-frame message that reads split as a view, and hands the message out
 * uncopied when the next pieces lie right after it in the same memory (reads
 * into one arena). Properties: whatever the chunking and wherever the chunks
 * lie (end to end in one buffer, each in its own, or a mix), what is delivered
 * is what one whole chunk gives; a one-frame binary message fed as pieces of
 * one buffer comes out as a view of that buffer; nothing is held past the
 * message; text split this way is still checked as it arrives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientSession } from '../../src/protocol/session.js';
import { BINARY, CONT, PING, Recorder, TEXT, chunksAt, cutsArb, ev, feed, frame } from './helpers.js';

/** Keeps each binary message delivered (by reference) next to the recorded events. */
class BinaryKeeper extends Recorder {
  readonly binaries: Buffer[] = [];

  override onBinary(data: Buffer): void {
    super.onBinary(data);
    this.binaries.push(data);
  }
}

/** Where a chunk is placed: right after the chunk before it, in memory of its own, or a few bytes further on in the same memory. */
const NEXT = 0;
const APART = 1;
const GAP = 2;

/**
 * Feed `stream` cut at `cuts` to a session that owns its chunks, chunk i
 * placed as `layout[i]` says (cycled; default: all end to end in one arena).
 */
function feedOwned(stream: Buffer, cuts: readonly number[], layout: readonly number[]) {
  const recorder = new BinaryKeeper();
  const session = new ClientSession(recorder, { ownsChunks: true });
  const arena = Buffer.alloc(stream.length * 2 + 64);
  let at = 0;
  chunksAt(stream, cuts).forEach((chunk, i) => {
    const place = layout.length === 0 ? NEXT : layout[i % layout.length]!;
    if (place === APART) {
      session.receive(arenaOf(chunk));
      return;
    }
    if (place === GAP) at += 3;
    chunk.copy(arena, at);
    session.receive(arena.subarray(at, at + chunk.length));
    at += chunk.length;
  });
  return { recorder, arena };
}

/** A copy of `bytes` in memory of its own (Buffer.from may place small copies in Node's shared pool). */
function arenaOf(bytes: Buffer): Buffer {
  const own = Buffer.alloc(bytes.length);
  bytes.copy(own);
  return own;
}

const messageArb = fc.record({
  opcode: fc.constantFrom(TEXT, BINARY),
  // Mixed-width characters for text (a cut may fall inside one), any bytes for binary.
  text: fc.string({ unit: 'binary', maxLength: 700 }),
  size: fc.integer({ min: 0, max: 3000 }),
  seed: fc.nat(),
  fragmented: fc.boolean(),
  ping: fc.boolean(),
});

type Message = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;

function payloadOf(m: Message): Buffer {
  if (m.opcode === TEXT) return Buffer.from(m.text, 'utf8');
  const bytes = Buffer.alloc(m.size);
  for (let i = 0; i < m.size; i++) bytes[i] = (m.seed + i * 7) & 0xff;
  return bytes;
}

function streamOf(messages: readonly Message[]): Buffer {
  const frames: Buffer[] = [];
  for (const m of messages) {
    const payload = payloadOf(m);
    if (m.fragmented) {
      const at = m.seed % (payload.length + 1);
      frames.push(frame(m.opcode, payload.subarray(0, at), { fin: false }));
      // A control frame may come between the fragments (RFC 6455 §5.4).
      if (m.ping) frames.push(frame(PING, 'p'));
      frames.push(frame(CONT, payload.subarray(at)));
    } else {
      frames.push(frame(m.opcode, payload));
      if (m.ping) frames.push(frame(PING, 'p'));
    }
  }
  return Buffer.concat(frames);
}

describe('session that owns its chunks: split messages held as views', () => {
  it('delivers what one whole chunk gives, under any chunking, chunks end to end, apart or with gaps between them', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 6 }).chain((messages) => {
          const stream = streamOf(messages);
          return fc.tuple(fc.constant(stream), cutsArb(stream.length), fc.array(fc.constantFrom(NEXT, APART, GAP), { maxLength: 12 }));
        }),
        ([stream, cuts, layout]) => {
          const whole = feed(stream, []);
          const { recorder } = feedOwned(stream, cuts, layout);
          expect(recorder.events).toEqual(whole.events);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a one-frame binary message split between pieces of one buffer comes out as a view of it, uncopied', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }).chain((sizes) => {
          const stream = Buffer.concat(sizes.map((size, n) => frame(BINARY, Buffer.alloc(size, n + 1))));
          return fc.tuple(fc.constant(sizes), fc.constant(stream), cutsArb(stream.length));
        }),
        ([sizes, stream, cuts]) => {
          const { recorder, arena } = feedOwned(stream, cuts, []);
          expect(recorder.binaries.map((b) => b.length)).toEqual(sizes);
          for (const [n, data] of recorder.binaries.entries()) {
            expect(data.buffer).toBe(arena.buffer);
            expect(data.equals(Buffer.alloc(sizes[n]!, n + 1))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('without ownsChunks the same split message is copied: no view of a chunk outlives the call', () => {
    const message = Buffer.alloc(3000, 7);
    const stream = frame(BINARY, message);
    const recorder = new BinaryKeeper();
    const session = new ClientSession(recorder);
    const arena = arenaOf(stream);
    for (const chunk of chunksAt(arena, [1000, 2000])) session.receive(chunk);
    expect(recorder.binaries).toHaveLength(1);
    expect(recorder.binaries[0]!.buffer).not.toBe(arena.buffer);
    arena.fill(0);
    expect(recorder.binaries[0]!.equals(message)).toBe(true);
  });

  it('pieces that stop lying end to end are gathered by copy from there on; the bytes held count as buffered', () => {
    const message = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
    const arena = arenaOf(frame(BINARY, message));
    const recorder = new BinaryKeeper();
    const session = new ClientSession(recorder, { ownsChunks: true });
    const [a, b, c] = chunksAt(arena, [1000, 2000]);
    session.receive(a!);
    // The header (4 bytes) is parsed; the rest of the chunk is held, not copied.
    expect(session.bufferedBytes).toBe(1000 - 4);
    session.receive(b!);
    expect(session.bufferedBytes).toBe(2000 - 4);
    session.receive(arenaOf(c!));
    expect(session.bufferedBytes).toBe(0);
    expect(recorder.binaries).toHaveLength(1);
    expect(recorder.binaries[0]!.buffer).not.toBe(arena.buffer);
    expect(recorder.binaries[0]!.equals(message)).toBe(true);
  });

  it('text split between pieces of one buffer is checked as it arrives: invalid UTF-8 fails at its byte, before the message ends', () => {
    const good = Buffer.from('héllo wörld '.repeat(100), 'utf8');
    const bad = Buffer.concat([good.subarray(0, 700), Buffer.from([0xff]), good.subarray(700)]);
    const arena = arenaOf(frame(TEXT, bad));
    const recorder = new Recorder();
    const session = new ClientSession(recorder, { ownsChunks: true });
    const [first, second] = chunksAt(arena, [500, 800]);
    session.receive(first!);
    expect(recorder.failures).toEqual([]);
    session.receive(second!);
    expect(recorder.failures).toHaveLength(1);
    expect(recorder.failures[0]!.message).toContain('invalid UTF-8 in text message at byte 700');
    expect(recorder.events).toEqual([ev.fail('payload', 1007)]);
  });
});
