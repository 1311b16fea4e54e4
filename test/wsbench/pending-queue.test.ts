import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingQueue } from '../../src/bench/pending-queue.js';

interface Entry {
  intended: number;
  length: number;
  checksum: number;
  seq: number;
  measured: boolean;
}

function entry(seq: number): Entry {
  return { intended: seq + 0.5, length: seq * 3, checksum: (seq * 2654435761) | 0, seq: seq % 7 === 0 ? -1 : seq, measured: seq % 3 !== 0 };
}

function read(queue: PendingQueue, offset: number): Entry {
  return { intended: queue.intended(offset), length: queue.length(offset), checksum: queue.checksum(offset), seq: queue.seq(offset), measured: queue.measured(offset) };
}

describe('PendingQueue', () => {
  it('behaves as a FIFO array under any mix of pushes, shifts and clears, across wrap-arounds and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('shift' as const), fc.constant('clear' as const), fc.integer({ min: 1, max: 300 })), { maxLength: 60 }), (ops) => {
        const queue = new PendingQueue();
        let model: Entry[] = [];
        let seq = 0;
        for (const op of ops) {
          if (op === 'shift') {
            expect(queue.shift()).toBe(model.shift() !== undefined);
          } else if (op === 'clear') {
            queue.clear();
            model = [];
          } else {
            for (let i = 0; i < op; i++) {
              const item = entry(seq++);
              queue.push(item.intended, item.length, item.checksum, item.seq, item.measured);
              model.push(item);
            }
            // Drain most of it so the ring wraps around.
            for (let i = 0; i < op - 1; i++) expect(queue.shift()).toBe(model.shift() !== undefined);
          }
          expect(queue.size).toBe(model.length);
          model.forEach((item, offset) => expect(read(queue, offset)).toEqual(item));
          expect(() => queue.seq(model.length)).toThrow(RangeError);
          expect(() => queue.seq(-1)).toThrow(RangeError);
        }
      }),
    );
  });
});
