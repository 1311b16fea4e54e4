import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingQueue, type Pending } from '../../src/bench/pending-queue.js';

function entry(seq: number): Pending {
  return { intended: seq, length: 0, checksum: 0, seq, measured: true };
}

describe('PendingQueue', () => {
  it('behaves as a FIFO array under any mix of pushes and shifts, across compactions', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('shift' as const), fc.integer({ min: 1, max: 3000 })), { maxLength: 60 }), (ops) => {
        const queue = new PendingQueue();
        const model: Pending[] = [];
        let seq = 0;
        for (const op of ops) {
          if (op === 'shift') {
            expect(queue.shift()).toBe(model.shift());
          } else {
            for (let i = 0; i < op; i++) {
              const item = entry(seq++);
              queue.push(item);
              model.push(item);
            }
            // Drain most of it so the queue compacts.
            for (let i = 0; i < op - 1; i++) expect(queue.shift()).toBe(model.shift());
          }
          expect(queue.size).toBe(model.length);
          expect(queue.at(0)).toBe(model[0]);
          expect(queue.at(model.length - 1)).toBe(model[model.length - 1]);
          expect(queue.at(model.length)).toBeUndefined();
          expect(queue.at(-1)).toBeUndefined();
        }
      }),
    );
  });
});
