import { describe, expect, it } from 'vitest';
import { Inbox, type ConnectionEnd } from '../src/inbox.js';
import { wholeUnit, type Received } from '../src/protocol/received.js';

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

function rawFrame(opcode: number, data: string, fin: 0 | 1): Received {
  return { opcode, data: Buffer.from(data), fin, rsv1: 0, rsv2: 0, rsv3: 0, frame: true };
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
    box.push(wholeUnit(PING, Buffer.alloc(125)), 125);
    box.push(wholeUnit(BINARY, Buffer.alloc(999)), 999);
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
    expect(box.take('message')).toEqual(wholeUnit(BINARY, Buffer.from('abcd')));
    expect(box.take('message')).toEqual(wholeUnit(BINARY, Buffer.from('e')));
  });

  it('hands out the frames of a message queued whole to frame reads, and the rest to a message read', () => {
    const { box } = inbox(16, 1 << 20);
    box.push({ ...wholeUnit(1, 'abcdef'), frames: [1, 2, 3] }, 6);
    const first = box.take('frame') as Received;
    expect([first.opcode, first.fin, first.frame, String(first.data)]).toEqual([1, 0, true, 'a']);
    const second = box.take('frame') as Received;
    expect([second.opcode, second.fin, String(second.data)]).toEqual([CONT, 0, 'bc']);
    expect(box.data).toBe(1);
    expect(box.take('message')).toBe('def');
    expect([box.data, box.bytes]).toEqual([0, 0]);
  });
});

/** An inbox with a producer that can be ended, recording what reads were told. */
function readable(): { box: Inbox; end: ConnectionEnd & { ended: boolean; afterReads: number } } {
  const end = {
    ended: false,
    afterReads: 0,
    endError: () => new Error('ended by the test'),
    afterRead() {
      end.afterReads++;
    },
  };
  const box = new Inbox({ maxQueue: 16, maxQueueBytes: 1 << 20 }, { pause: () => undefined, resume: () => undefined }, end);
  return { box, end };
}

describe('Inbox reads', () => {
  it('serves waiting reads in call order, each unit to the first read that takes its kind; a ping skips message reads', async () => {
    const { box } = readable();
    const message = box.read('message', null);
    const control = box.read('control', null);
    box.deliver(wholeUnit(PING, Buffer.from('p')), 1);
    box.deliver('hello', 5);
    expect(await message).toBe('hello');
    expect(((await control) as Received).opcode).toBe(PING);
  });

  it('a ping no waiting read asks for is dropped; a later message read gets the next message', async () => {
    const { box } = readable();
    const message = box.read('message', null);
    box.deliver(wholeUnit(PING, Buffer.from('p')), 1);
    expect(box.length).toBe(0);
    box.deliver('after', 5);
    expect(await message).toBe('after');
  });

  it('a unit already queued is taken at once unless an earlier read waits; every read tells the end state', () => {
    const { box, end } = readable();
    box.deliver('a', 1);
    expect(box.takeNow('message')).toBe('a');
    expect(end.afterReads).toBe(1);
    void box.read('message', null);
    box.push('b', 1);
    expect(box.takeNow('message')).toBeUndefined();
  });

  it('once the producer ended, waiting reads and later reads reject with its error, after what was queued', async () => {
    const { box, end } = readable();
    box.deliver('last', 4);
    const first = box.read('message', null);
    const second = box.read('message', null);
    end.ended = true;
    box.serve();
    expect(await first).toBe('last');
    await expect(second).rejects.toThrow('ended by the test');
    await expect(box.read('data', null)).rejects.toThrow('ended by the test');
  });

  it('text taken through the string-only path keeps the bounds, the order and the waiting reads of the general one', async () => {
    const { box, log } = inbox(8, 1 << 20);
    for (let i = 0; i < 7; i++) box.deliver(`t${i}`, 2);
    expect(log).toEqual([]);
    box.deliver('t7', 2);
    expect(log).toEqual(['pause']);
    expect([box.data, box.bytes]).toEqual([8, 16]);
    for (let i = 0; i < 5; i++) expect(box.takeText()).toBe(`t${i}`);
    expect(log).toEqual(['pause']); // 3 left: more than a quarter of 8
    expect(box.takeText()).toBe('t5');
    expect(log).toEqual(['pause', 'resume']);
    // Anything but a whole text message at the front is left to the general path.
    box.deliver(wholeUnit(BINARY, Buffer.from('b')), 1);
    box.deliver('t8', 2);
    expect([box.takeText(), box.takeText()]).toEqual(['t6', 't7']);
    expect(box.takeText()).toBeUndefined();
    expect(box.takeNow('message')).toEqual(wholeUnit(BINARY, Buffer.from('b')));
    expect(box.takeText()).toBe('t8');
    // A waiting read gets the text at once, and a later take does not pass it.
    const waiting = box.read('message', null);
    expect(box.takeText()).toBeUndefined();
    box.deliver('t9', 2);
    expect(await waiting).toBe('t9');
    expect([box.length, box.data, box.bytes]).toEqual([0, 0, 0]);
  });

  it('a read that times out rejects with WS_ERR_RECV_TIMEOUT and leaves the queue usable', async () => {
    const { box } = readable();
    await expect(box.read('message', 10)).rejects.toMatchObject({ code: 'WS_ERR_RECV_TIMEOUT' });
    box.deliver('later', 5);
    expect(await box.read('message', 5000)).toBe('later');
  });
});
