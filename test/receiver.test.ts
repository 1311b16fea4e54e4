import { describe, expect, it } from 'vitest';
import { Closing } from '../src/closing.js';
import { Link } from '../src/link.js';
import { ClientSession, type SessionOptions } from '../src/protocol/session.js';
import type { Received } from '../src/protocol/received.js';
import { Receiver } from '../src/receiver.js';
import { Writer } from '../src/writer.js';
import { BINARY, CLOSE, CONT, PING, TEXT, closePayload, frame } from './protocol/helpers.js';

/** A Receiver fed by a real session, with no socket: what the session delivers lands in the inbox. */
function receiving(options: SessionOptions = {}): { receiver: Receiver; session: ClientSession } {
  const link = new Link();
  const writer = new Writer(link);
  const receiver = new Receiver(link, writer, new Closing(link, writer), { maxQueue: 16, maxQueueBytes: 1 << 20, fireContFrame: options.fireContFrame });
  const session = new ClientSession(receiver, options);
  link.session = session;
  return { receiver, session };
}

describe('Receiver: one received-unit type from the session to the reads', () => {
  it("queues the server's close frame with the code and reason the session decoded, and its payload as received", () => {
    const { receiver, session } = receiving();
    const payload = closePayload(4001, 'bye');
    session.receive(frame(CLOSE, payload));
    const unit = receiver.inbox.take('control') as Received;
    expect(unit).toMatchObject({ opcode: CLOSE, code: 4001, reason: 'bye', fin: 1, frame: false });
    expect(Buffer.from(unit.data as Buffer)).toEqual(payload);
  });

  it('an empty close frame has no code (null) and an empty reason', () => {
    const { receiver, session } = receiving();
    session.receive(frame(CLOSE));
    expect(receiver.inbox.take('control')).toMatchObject({ opcode: CLOSE, code: null, reason: '' });
  });

  it('with fireContFrame, fragments are the frames as the session saw them: opcode, fin and reserved bits', () => {
    const { receiver, session } = receiving({ fireContFrame: true });
    session.receive(Buffer.concat([frame(TEXT, 'ab', { fin: false }), frame(CONT, 'cd')]));
    const first = receiver.inbox.take('frame') as Received;
    const second = receiver.inbox.take('frame') as Received;
    expect([first.opcode, first.fin, first.rsv1, first.rsv2, first.rsv3, first.frame, String(first.data)]).toEqual([TEXT, 0, 0, 0, 0, true, 'ab']);
    expect([second.opcode, second.fin, second.frame, String(second.data)]).toEqual([CONT, 1, true, 'cd']);
  });

  it('a ping between the frames of a message notes after how many, and a frame read hands it out between them', () => {
    const { receiver, session } = receiving();
    session.receive(Buffer.concat([frame(BINARY, 'ab', { fin: false }), frame(PING, 'p'), frame(CONT, 'cd')]));
    const units = [1, 2, 3].map(() => receiver.inbox.take('frame') as Received);
    expect(units.map((u) => [u.opcode, u.fin, String(u.data)])).toEqual([
      [BINARY, 0, 'ab'],
      [PING, 1, 'p'],
      [CONT, 1, 'cd'],
    ]);
  });
});
