/**
 * Pausing the sans-I/O session: a hook pauses it, it stops right after the
 * message being delivered and keeps the rest of its input as bytes; resume
 * parses them. Whatever the chunking and the pauses, the events are the same
 * as without pausing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientSession } from '../../src/protocol/session.js';
import { BINARY, CLOSE, CONT, PING, Recorder, TEXT, chunksAt, closePayload, ev, frame } from './helpers.js';

/** A recorder that pauses its session after the events for which `pauseAfter` says so. */
class PausingRecorder extends Recorder {
  session!: ClientSession;
  constructor(private readonly pauseAfter: (eventIndex: number) => boolean) {
    super();
  }
  private maybePause(): void {
    if (this.pauseAfter(this.events.length - 1)) this.session.pause();
  }
  override onText(text: string): void {
    super.onText(text);
    this.maybePause();
  }
  override onBinary(data: Buffer): void {
    super.onBinary(data);
    this.maybePause();
  }
  override onPing(payload: Buffer): void {
    super.onPing(payload);
    this.maybePause();
  }
}

function open(pauseAfter: (eventIndex: number) => boolean): { session: ClientSession; recorder: PausingRecorder } {
  const recorder = new PausingRecorder(pauseAfter);
  const session = new ClientSession(recorder);
  recorder.session = session;
  return { session, recorder };
}

describe('pause and resume', () => {
  it('stops after the message being delivered, keeps the rest of the chunk and later chunks as bytes, and parses them on resume', () => {
    const { session, recorder } = open((i) => i % 2 === 1);
    const messages = Array.from({ length: 5 }, (_, i) => frame(TEXT, `m${i}`));
    const chunk = Buffer.concat(messages);
    session.receive(chunk);
    expect(recorder.events).toEqual([ev.text('m0'), ev.text('m1')]);
    expect(session.isPaused).toBe(true);
    expect(session.heldBytes).toBe(chunk.length - 2 * messages[0]!.length);
    // Input while paused is held, not parsed: the ping is not answered yet.
    session.receive(frame(PING, 'p'));
    expect(recorder.writes).toEqual([]);
    expect(session.heldBytes).toBe(chunk.length - 2 * messages[0]!.length + 3);
    session.resume();
    expect(recorder.events).toEqual([ev.text('m0'), ev.text('m1'), ev.text('m2'), ev.text('m3')]);
    session.resume();
    expect(recorder.events.slice(4)).toEqual([ev.text('m4'), ev.writePong('p'), ev.ping('p')]);
    expect(session.heldBytes).toBe(0);
    session.resume();
    expect(session.isPaused).toBe(false);
    session.receive(frame(BINARY, Buffer.from([1])));
    expect(recorder.events.at(-1)).toBe(ev.binary(Buffer.from([1])));
  });

  it('a pause and a resume within one hook call change nothing', () => {
    const recorder = new Recorder();
    const session = new ClientSession(recorder);
    recorder.onText = function (this: Recorder, text: string) {
      Recorder.prototype.onText.call(this, text);
      session.pause();
      session.resume();
    };
    session.receive(Buffer.concat([frame(TEXT, 'a'), frame(TEXT, 'b')]));
    expect(recorder.events).toEqual([ev.text('a'), ev.text('b')]);
    expect(session.heldBytes).toBe(0);
  });

  it('a failure in held bytes comes on resume, after the messages before it', () => {
    const { session, recorder } = open((i) => i === 0);
    session.receive(Buffer.concat([frame(TEXT, 'a'), frame(TEXT, 'b'), Buffer.from([0x83, 0x00])]));
    expect(recorder.events).toEqual([ev.text('a')]);
    session.resume();
    expect(recorder.events).toEqual([ev.text('a'), ev.text('b'), ev.fail('protocol', 1002)]);
    expect(session.heldBytes).toBe(0);
  });

  it('gives the same events as without pausing, under any chunking and any pauses', () => {
    const unit = fc.oneof(
      fc.string({ maxLength: 20 }).map((s) => frame(TEXT, s)),
      fc.uint8Array({ maxLength: 300 }).map((b) => frame(BINARY, b)),
      fc.uint8Array({ maxLength: 20 }).map((b) => frame(PING, b)),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) =>
        Buffer.concat([frame(TEXT, a, { fin: false }), frame(PING, 'x'), frame(CONT, b)]),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        (units, withClose, cuts, pauses) => {
          const bytes = Buffer.concat([...units, withClose ? frame(CLOSE, closePayload(1000)) : Buffer.alloc(0)]);
          const plain = new Recorder();
          new ClientSession(plain).receive(Buffer.from(bytes));
          const { session, recorder } = open((i) => pauses[i % Math.max(1, pauses.length)] === true);
          for (const chunk of chunksAt(Buffer.from(bytes), cuts.map((c) => c % (bytes.length + 1)))) {
            session.receive(chunk);
            // Resume now and then: like a reader that takes its time.
            if (chunk.length % 3 === 0) session.resume();
          }
          for (let i = 0; i < 10_000 && session.isPaused; i++) session.resume();
          expect(recorder.events).toEqual(plain.events);
          expect(session.heldBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('frame lengths of a fragmented message', () => {
  it('are reported with an uncompressed fragmented message, not with a message of one frame', () => {
    const seen: Array<readonly number[] | undefined> = [];
    class FrameLengths extends Recorder {
      override onText(_text: string, _size?: number, frames?: readonly number[]): void {
        seen.push(frames);
      }
      override onBinary(_data: Buffer, frames?: readonly number[]): void {
        seen.push(frames);
      }
    }
    const session = new ClientSession(new FrameLengths());
    session.receive(
      Buffer.concat([
        frame(TEXT, 'ab', { fin: false }),
        frame(PING, 'x'),
        frame(CONT, '', { fin: false }),
        frame(CONT, 'cde'),
        frame(BINARY, 'one'),
        frame(BINARY, 'f', { fin: false }),
        frame(CONT, 'gh'),
      ]),
    );
    expect(seen).toEqual([[2, 0, 3], undefined, [1, 2]]);
  });
});
