import { describe, expect, it } from 'vitest';
import { Inbox, type Entry } from '../src/inbox.js';

const BINARY = 2;
const CONT = 0;
const PING = 9;

function inbox(maxQueue: number, maxQueueBytes: number): { box: Inbox; log: string[] } {
  const log: string[] = [];
  const flow = { pause: () => log.push('pause'), resume: () => log.push('resume') };
  const end = { ended: false, endError: () => new Error('not ended'), afterRead: () => undefined };
  const box = new Inbox({ maxQueue, maxQueueBytes }, flow, end);
  return { box, log };
}

function rawFrame(opcode: number, data: string, fin: 0 | 1): Entry {
  const bytes = Buffer.from(data);
  return { opcode, data: bytes, raw: true, frame: { fin, rsv1: 0, rsv2: 0, rsv3: 0, opcode, data: bytes } };
}

describe('Inbox', () => {
  it('pauses once maxQueue units are queued, not one later, and resumes at a quarter', () => {
    const { box, log } = inbox(8, 1 << 20);
    for (let i = 0; i < 7; i++) {
      box.push(`m${i}`, 2);
      box.maybePause();
    }
    expect(log).toEqual([]);
    box.push('m7', 2);
    box.maybePause();
    expect(log).toEqual(['pause']);
    for (let i = 0; i < 5; i++) {
      expect(box.take('message')).toBe(`m${i}`);
      box.maybeResume();
    }
    expect(log).toEqual(['pause']); // 3 left: more than a quarter of 8
    expect(box.take('message')).toBe('m5');
    box.maybeResume();
    expect(log).toEqual(['pause', 'resume']);
  });

  it('pauses once the unread bytes reach maxQueueBytes; pings and pongs count toward neither bound', () => {
    const { box, log } = inbox(100, 1000);
    box.push({ opcode: PING, data: Buffer.alloc(125) }, 125);
    box.push({ opcode: BINARY, data: Buffer.alloc(999) }, 999);
    box.maybePause();
    expect([box.bytes, box.data, log]).toEqual([999, 1, []]);
    box.push('x', 1);
    box.maybePause();
    expect([box.bytes, log]).toEqual([1000, ['pause']]);
  });

  it('a message read waiting for the rest of a message queued as raw frames lets it in past the bounds, then the bounds apply again', () => {
    const { box, log } = inbox(2, 1 << 20);
    box.push(rawFrame(BINARY, 'a', 0), 1);
    box.push(rawFrame(CONT, 'b', 0), 1);
    box.maybePause();
    expect(log).toEqual(['pause']);
    expect(box.take('message')).toBeUndefined();
    box.maybeResume();
    expect(log).toEqual(['pause', 'resume']);
    box.push(rawFrame(CONT, 'c', 0), 1);
    box.maybePause();
    expect(log).toEqual(['pause', 'resume']);
    box.push(rawFrame(CONT, 'd', 1), 1);
    box.push(rawFrame(BINARY, 'e', 1), 1);
    box.maybePause();
    expect(log).toEqual(['pause', 'resume', 'pause']);
    expect(box.take('message')).toEqual({ opcode: BINARY, data: Buffer.from('abcd') });
    expect(box.take('message')).toEqual({ opcode: BINARY, data: Buffer.from('e') });
  });

  it('hands out the frames of a message queued whole to frame reads, and the rest to a message read', () => {
    const { box } = inbox(16, 1 << 20);
    box.push({ opcode: 1, data: 'abcdef', frames: [1, 2, 3] }, 6);
    const first = box.take('frame') as Entry;
    expect([first.opcode, first.frame?.fin, String(first.data)]).toEqual([1, 0, 'a']);
    const second = box.take('frame') as Entry;
    expect([second.opcode, second.frame?.fin, String(second.data)]).toEqual([CONT, 0, 'bc']);
    expect(box.data).toBe(1);
    expect(box.take('message')).toBe('def');
    expect([box.data, box.bytes]).toEqual([0, 0]);
  });
});
