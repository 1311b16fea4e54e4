/**
 * Property tests of the session: valid traffic gives the events a simple
 * model predicts, however it is fragmented and chunked; garbage never throws,
 * fails at most once with the right class and code, gives the same events
 * under any chunking, and never makes the session hold more than its limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketConnectionClosedException, WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { CLOSE, CONT, PING, PONG, TEXT, BINARY, closePayload, ev, feed, frame } from './helpers.js';

type Mode = 'message' | 'fragments' | 'raw';

interface Control {
  opcode: number;
  payload: Uint8Array;
}

interface Message {
  text: boolean;
  str: string;
  bin: Uint8Array;
  cuts: number[];
  controls: [number, Control][];
}

type Item = { kind: 'message'; message: Message } | { kind: 'control'; control: Control };

const controlArb: fc.Arbitrary<Control> = fc.record({
  opcode: fc.constantFrom(PING, PONG),
  payload: fc.uint8Array({ maxLength: 125 }),
});

const messageArb: fc.Arbitrary<Message> = fc.record({
  text: fc.boolean(),
  str: fc.string({ unit: 'binary', maxLength: 120 }),
  bin: fc.uint8Array({ maxLength: 400 }),
  // No cut half the time: a message in one frame.
  cuts: fc.oneof(fc.constant<number[]>([]), fc.array(fc.nat(), { maxLength: 5 })),
  controls: fc.array(fc.tuple(fc.nat(), controlArb), { maxLength: 3 }),
});

const itemsArb: fc.Arbitrary<Item[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: messageArb.map((message) => ({ kind: 'message' as const, message })) },
    { weight: 1, arbitrary: controlArb.map((control) => ({ kind: 'control' as const, control })) },
  ),
  { maxLength: 8 },
);

/** Cut points for a stream whose length is not known yet: taken modulo its length. */
const cutSeedsArb = fc.array(fc.nat(), { maxLength: 30 });

const validCloseArb = fc.option(
  fc.record({ code: fc.constantFrom(1000, 1001, 1003, 1011, 3000, 4999), reason: fc.string({ maxLength: 20 }) }),
);

function raw(opcode: number, data: Uint8Array, fin: boolean): string {
  return ev.frame({ fin: fin ? 1 : 0, rsv1: 0, rsv2: 0, rsv3: 0, opcode, data });
}

function controlEvents(c: Control, mode: Mode): string[] {
  const delivered = mode === 'raw' ? raw(c.opcode, c.payload, true) : c.opcode === PING ? ev.ping(c.payload) : ev.pong(c.payload);
  return c.opcode === PING ? [ev.writePong(c.payload), delivered] : [delivered];
}

/** The server's bytes for `items` and the events the model predicts in `mode`. */
function build(items: Item[], close: { code: number; reason: string } | null, mode: Mode): { bytes: Buffer; events: string[] } {
  const frames: Buffer[] = [];
  const events: string[] = [];
  for (const item of items) {
    if (item.kind === 'control') {
      frames.push(frame(item.control.opcode, item.control.payload));
      events.push(...controlEvents(item.control, mode));
      continue;
    }
    const m = item.message;
    const opcode = m.text ? TEXT : BINARY;
    const payload = m.text ? Buffer.from(m.str, 'utf8') : Buffer.from(m.bin);
    // Fragment boundaries anywhere, inside UTF-8 sequences too; empty fragments allowed.
    const points = [...new Set(m.cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...points, payload.length];
    const segments = bounds.slice(1).map((end, i) => payload.subarray(bounds[i], end));
    const fragmented = segments.length > 1;
    segments.forEach((segment, i) => {
      const fin = i === segments.length - 1;
      const op = i === 0 ? opcode : CONT;
      frames.push(frame(op, segment, { fin }));
      if (mode === 'raw') events.push(raw(op, segment, fin));
      else if (mode === 'fragments' && fragmented) events.push(ev.fragment(op, segment, fin));
      if (fin) return;
      for (const [at, control] of m.controls) {
        if (at % (segments.length - 1) !== i) continue;
        frames.push(frame(control.opcode, control.payload));
        events.push(...controlEvents(control, mode));
      }
    });
    if (mode === 'message' || (mode === 'fragments' && !fragmented)) {
      events.push(m.text ? ev.text(m.str) : ev.binary(payload));
    }
  }
  if (close !== null) {
    const payload = closePayload(close.code, close.reason);
    frames.push(frame(CLOSE, payload));
    events.push(ev.writeClose(close.code));
    if (mode === 'raw') events.push(raw(CLOSE, payload, true));
    events.push(ev.close(close.code, close.reason));
  }
  return { bytes: Buffer.concat(frames), events };
}

function optionsFor(mode: Mode): { rawFrames?: boolean; fireContFrame?: boolean } {
  return mode === 'raw' ? { rawFrames: true } : mode === 'fragments' ? { fireContFrame: true } : {};
}

describe('valid traffic', () => {
  it('gives the predicted events under any fragmentation, interleaved pings and chunking', () => {
    fc.assert(
      fc.property(
        itemsArb,
        validCloseArb,
        fc.constantFrom<Mode>('message', 'fragments', 'raw'),
        cutSeedsArb,
        (items, close, mode, seeds) => {
          const { bytes, events } = build(items, close, mode);
          const cuts = seeds.map((n) => n % (bytes.length + 1));
          // Chunked anywhere, and whole in one chunk (where every short unfragmented message is taken whole).
          for (const result of [feed(bytes, cuts, optionsFor(mode)), feed(bytes, [], optionsFor(mode))]) {
            expect(result.events).toEqual(events);
            expect(result.session.state).toBe(close === null ? 'open' : 'closed');
            expect(result.session.bufferedBytes).toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

const garbageOptionsArb = fc.record({
  maxPayload: fc.integer({ min: 0, max: 300 }),
  maxFragments: fc.integer({ min: 1, max: 5 }),
  fireContFrame: fc.boolean(),
  rawFrames: fc.boolean(),
  skipUtf8Validation: fc.boolean(),
});

/** Valid traffic with some bytes overwritten, or plain random bytes. */
const garbageArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc
    .tuple(itemsArb, validCloseArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([items, close, edits]) => {
      const bytes = build(items, close, 'message').bytes;
      for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes;
    }),
);

const EVENT = /^(text|binary|fragment|frame|ping|pong|close|write-pong|write-close|fail):/;

describe('garbage', () => {
  it('never throws, fails at most once with the right class and code, and stays within its limits', () => {
    fc.assert(
      fc.property(garbageArb, garbageOptionsArb, cutSeedsArb, (bytes, options, seeds) => {
        const whole = feed(bytes, [], options);
        const chunked = feed(bytes, seeds.map((n) => n % (bytes.length + 1)), options);
        // Same bytes, same events, whatever the chunking.
        expect(chunked.events).toEqual(whole.events);

        for (const result of [whole, chunked]) {
          expect(result.maxBuffered).toBeLessThanOrEqual(options.maxPayload);
          for (const e of result.events) expect(e).toMatch(EVENT);
          const failures = result.recorder.failures;
          expect(failures.length).toBeLessThanOrEqual(1);
          if (failures.length === 1) {
            const error = failures[0];
            expect(result.events.at(-1)).toMatch(/^fail:/);
            if (error instanceof WebSocketProtocolException) expect(error.closeCode).toBe(1002);
            else {
              expect(error).toBeInstanceOf(WebSocketPayloadException);
              expect([1007, 1009]).toContain(error.closeCode);
            }
            expect(result.session.failure).toBe(error);
            result.session.closeWritten();
            expect(() => result.session.sendText('x')).toThrow(WebSocketConnectionClosedException);
          }
          const closes = result.events.filter((e) => e.startsWith('close:'));
          expect(closes.length).toBeLessThanOrEqual(1);
          if (closes.length === 1) expect(result.events.at(-1)).toBe(closes[0]);
          const fatal = failures.length + closes.length;
          expect(fatal).toBeLessThanOrEqual(1);
          if (fatal === 0) expect(result.session.state).toBe('open');
        }
      }),
      { numRuns: 1500 },
    );
  });
});
