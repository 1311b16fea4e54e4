import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { opcodeOf, ReceiveQueue } from '../src/receive-queue.js';

interface E {
  opcode: number;
  n: number;
}

describe('ReceiveQueue', () => {
  it('is first-in first-out with data and ping/pong counts, across compactions', () => {
    const q = new ReceiveQueue<E>();
    for (let i = 0; i < 5000; i++) q.push({ opcode: i % 3 === 0 ? 9 : 1, n: i });
    expect(q.length).toBe(5000);
    expect(q.pingsAndPongs).toBe(1667);
    expect(q.data).toBe(3333);
    for (let i = 0; i < 3000; i++) expect(q.shift()?.n).toBe(i);
    for (let i = 5000; i < 5010; i++) q.push({ opcode: 2, n: i });
    for (let i = 3000; i < 5010; i++) expect(q.shift()?.n).toBe(i);
    expect(q.shift()).toBeUndefined();
    expect([q.length, q.data, q.pingsAndPongs]).toEqual([0, 0, 0]);
  });

  it('drops the oldest ping or pong only, keeping the order of the rest', () => {
    const q = new ReceiveQueue<E>();
    [1, 9, 2, 10, 8].forEach((opcode, n) => q.push({ opcode, n }));
    q.shift();
    q.dropOldestPingOrPong();
    expect([q.length, q.data, q.pingsAndPongs]).toEqual([3, 1, 1]);
    q.dropOldestPingOrPong();
    q.dropOldestPingOrPong();
    expect([q.shift()?.n, q.shift()?.n, q.shift()]).toEqual([2, 4, undefined]);
    q.push({ opcode: 1, n: 7 });
    q.clear();
    expect([q.length, q.data, q.pingsAndPongs, q.shift()]).toEqual([0, 0, 0, undefined]);
  });

  it('takes strings as text messages, in order among entries', () => {
    const q = new ReceiveQueue<E | string>();
    q.push('a');
    q.push({ opcode: 9, n: 1 });
    q.push('b');
    expect([q.length, q.data, q.pingsAndPongs]).toEqual([3, 2, 1]);
    q.dropOldestPingOrPong();
    expect([q.shift(), q.shift(), q.shift()]).toEqual(['a', 'b', undefined]);
    expect([opcodeOf('x'), opcodeOf({ opcode: 2 })]).toEqual([1, 2]);
  });

  it('behaves like an array model under any sequence of operations (counts, bytes of data entries, at/removeAt, the string-only shift)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), opcode: fc.constantFrom(0, 1, 2, 8, 9, 10, -1), size: fc.nat(1000) }),
      fc.record({ kind: fc.constantFrom('shift' as const, 'shiftString' as const, 'drop' as const, 'clear' as const) }),
      fc.record({ kind: fc.constant('removeAt' as const), index: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const q = new ReceiveQueue<E | string>();
        let model: Array<E | string> = [];
        const sizes = new Map<E | string, number>();
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'shiftString') {
            // Takes the first entry only when it is a string; anything else stays.
            expect(q.shiftString()).toBe(typeof model[0] === 'string' ? model.shift() : undefined);
          } else if (o.kind === 'push') {
            // -1: a text message queued as its string.
            const e = o.opcode === -1 ? `text ${n++}` : { opcode: o.opcode, n: n++ };
            q.push(e, o.size);
            sizes.set(e, o.size);
            model.push(e);
          } else if (o.kind === 'shift') {
            expect(q.shift()).toBe(model.shift());
          } else if (o.kind === 'drop') {
            q.dropOldestPingOrPong();
            const at = model.findIndex((e) => opcodeOf(e) === 9 || opcodeOf(e) === 10);
            if (at !== -1) model.splice(at, 1);
          } else if (o.kind === 'removeAt') {
            expect(q.at(o.index)).toBe(model[o.index]);
            expect(q.removeAt(o.index)).toBe(model.splice(o.index, 1)[0]);
          } else {
            q.clear();
            model = [];
          }
          expect(q.length).toBe(model.length);
          expect(q.data).toBe(model.filter((e) => opcodeOf(e) < 8).length);
          expect(q.bytes).toBe(model.filter((e) => opcodeOf(e) < 8).reduce((sum, e) => sum + (sizes.get(e) as number), 0));
          expect(q.pingsAndPongs).toBe(model.filter((e) => opcodeOf(e) === 9 || opcodeOf(e) === 10).length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
