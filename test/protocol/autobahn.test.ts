/**
 * The Autobahn-style case table fed through the session whole, byte by byte
 * and under random chunkings: the events, the bytes written back and the
 * moment a failure is reported must be exactly the same every time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PAYLOAD } from '../../src/frame/parser.js';
import { cases, type SessionCase } from './autobahn-cases.js';
import { chunksAt, cutsArb, everyByte, feed } from './helpers.js';

function check(c: SessionCase, cuts: readonly number[]): void {
  const result = feed(c.input, cuts, c.options);
  expect(result.events).toEqual(c.events);
  expect(result.maxBuffered).toBeLessThanOrEqual(c.options?.maxPayload ?? DEFAULT_MAX_PAYLOAD);

  const failed = c.events.some((e) => e.startsWith('fail:'));
  const closed = c.events.some((e) => e.startsWith('close:'));
  if (failed) {
    expect(result.session.state).toBe('closed');
    expect(result.session.failure?.closeCode).toBe(Number(c.events.at(-1)?.split(':')[2]));
  } else if (closed) {
    expect(result.session.state).toBe('closed');
    expect(result.session.closeReceived).toBe(true);
    expect(result.session.failure).toBeNull();
  } else {
    expect(result.session.state).toBe('open');
    expect(result.session.closeSent).toBe(false);
    expect(result.session.bufferedBytes).toBe(0);
  }

  if (c.failAt !== undefined) {
    // Reported in the very chunk that brought byte failAt: not before, not later.
    let end = 0;
    let expected: number | null = null;
    for (const chunk of chunksAt(Buffer.from(c.input), cuts)) {
      end += chunk.length;
      if (end > c.failAt) {
        expected = end;
        break;
      }
    }
    expect(result.failedAfter).toBe(expected);
  }
}

describe('Autobahn client cases through the session', () => {
  for (const c of cases) {
    it(c.name, () => {
      check(c, []);
      if (c.input.length <= 4096) check(c, everyByte(c.input.length));
      fc.assert(
        fc.property(cutsArb(c.input.length), (cuts) => check(c, cuts)),
        { numRuns: c.input.length > 100_000 ? 5 : 30 },
      );
    });
  }
});
