/**
 * Model-based property test of the session's state: random sequences of what
 * a server and a transport can do (frames in, sends, closeWritten, a hook that
 * throws) run against the session and against a seven-state model written out
 * here from RFC 6455 §5.5.1, §7.1.2 and §7.1.7; after every step the session's
 * answers (state, closeSent, closeReceived, failure, what it handed to the
 * handler, which sends it refuses) must be the model's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketConnectionClosedException } from '../../src/exceptions.js';
import { ClientSession } from '../../src/protocol/session.js';
import { CLOSE, PING, Recorder, TEXT, closePayload, ev, frame } from './helpers.js';

type Phase = 'open' | 'closing' | 'reply-held' | 'closed' | 'fail-held' | 'failed' | 'stopped';

type Step =
  | 'receive text'
  | 'receive ping'
  | 'receive close'
  | 'receive bad frame'
  | 'text hook throws'
  | 'send text'
  | 'send ping'
  | 'send close'
  | 'close written';

const STEPS: Step[] = [
  'receive text',
  'receive ping',
  'receive close',
  'receive bad frame',
  'text hook throws',
  'send text',
  'send ping',
  'send close',
  'close written',
];

interface Model {
  phase: Phase;
  closeSent: boolean;
  closeReceived: boolean;
  failed: boolean;
}

const reading = (m: Model): boolean => m.phase === 'open' || m.phase === 'closing';
const held = (m: Model): boolean => m.phase === 'reply-held' || m.phase === 'fail-held';

/** What the model says a step does: the events the handler gets, whether a send succeeds, whether receive() throws. */
function expected(m: Model, step: Step): { events: string[]; sendOk?: boolean; throws?: boolean } {
  switch (step) {
    case 'receive text':
      // RFC 6455 §5.5.1: data after our close frame is not processed.
      return { events: m.phase === 'open' ? [ev.text('t')] : [] };
    case 'receive ping':
      if (!reading(m)) return { events: [] };
      return { events: m.phase === 'open' ? [ev.writePong('p'), ev.ping('p')] : [ev.ping('p')] };
    case 'receive close':
      if (!reading(m)) return { events: [] };
      return { events: m.phase === 'open' ? [ev.writeClose(4000), ev.close(4000)] : [ev.close(4000)] };
    case 'receive bad frame':
      if (!reading(m)) return { events: [] };
      return { events: [ev.fail('protocol', 1002, m.phase === 'open' ? 1002 : null)] };
    case 'text hook throws':
      return { events: [], throws: m.phase === 'open' };
    case 'send text':
      return { events: [], sendOk: m.phase === 'open' || held(m) };
    case 'send ping':
    case 'send close':
      return { events: [], sendOk: m.phase === 'open' };
    case 'close written':
      return { events: [] };
  }
}

function advance(m: Model, step: Step): void {
  const from = m.phase;
  switch (step) {
    case 'receive close':
      if (!reading(m)) return;
      m.closeReceived = true;
      m.closeSent = true;
      m.phase = from === 'open' ? 'reply-held' : 'closed';
      return;
    case 'receive bad frame':
      if (!reading(m)) return;
      m.failed = true;
      m.closeSent = true;
      m.phase = from === 'open' ? 'fail-held' : 'failed';
      return;
    case 'text hook throws':
      if (from === 'open') m.phase = 'stopped';
      return;
    case 'send close':
      if (from !== 'open') return;
      m.closeSent = true;
      m.phase = 'closing';
      return;
    case 'close written':
      if (from === 'reply-held') m.phase = 'closed';
      else if (from === 'fail-held') m.phase = 'failed';
      return;
    default:
      return;
  }
}

function publicState(phase: Phase): string {
  return phase === 'open' || phase === 'closing' ? phase : 'closed';
}

function run(session: ClientSession, recorder: Recorder, step: Step): { sendOk?: boolean; threw: boolean } {
  const attempt = (send: () => unknown): boolean => {
    try {
      send();
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      return false;
    }
  };
  try {
    switch (step) {
      case 'receive text':
        session.receive(frame(TEXT, 't'));
        return { threw: false };
      case 'receive ping':
        session.receive(frame(PING, 'p'));
        return { threw: false };
      case 'receive close':
        session.receive(frame(CLOSE, closePayload(4000)));
        return { threw: false };
      case 'receive bad frame':
        session.receive(frame(0x3));
        return { threw: false };
      case 'text hook throws': {
        const onText = recorder.onText;
        recorder.onText = () => {
          throw new Error('hook bug');
        };
        try {
          session.receive(frame(TEXT, 'boom'));
        } finally {
          recorder.onText = onText;
        }
        return { threw: false };
      }
      case 'send text':
        return { sendOk: attempt(() => session.sendText('x')), threw: false };
      case 'send ping':
        return { sendOk: attempt(() => session.sendPing()), threw: false };
      case 'send close':
        return { sendOk: attempt(() => session.sendClose(1000)), threw: false };
      case 'close written':
        session.closeWritten();
        return { threw: false };
    }
  } catch (error) {
    expect((error as Error).message).toBe('hook bug');
    return { threw: true };
  }
}

describe('the session against a model of its one state', () => {
  it('gives the model\'s answers after every step of any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STEPS), { maxLength: 14 }), (steps) => {
        const recorder = new Recorder();
        const session = new ClientSession(recorder);
        const model: Model = { phase: 'open', closeSent: false, closeReceived: false, failed: false };
        for (const step of steps) {
          const want = expected(model, step);
          const before = recorder.events.length;
          const got = run(session, recorder, step);
          expect({ step, events: recorder.events.slice(before) }).toEqual({ step, events: want.events });
          expect({ step, threw: got.threw }).toEqual({ step, threw: want.throws === true });
          if (want.sendOk !== undefined) expect({ step, sendOk: got.sendOk }).toEqual({ step, sendOk: want.sendOk });
          advance(model, step);
          expect({
            step,
            state: session.state,
            closeSent: session.closeSent,
            closeReceived: session.closeReceived,
            failed: session.failure !== null,
          }).toEqual({
            step,
            state: publicState(model.phase),
            closeSent: model.closeSent,
            closeReceived: model.closeReceived,
            failed: model.failed,
          });
        }
      }),
      { numRuns: 1000 },
    );
  });
});
