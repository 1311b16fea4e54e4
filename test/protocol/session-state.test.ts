/**
 * The session's one state and its one path to the handler: every transition
 * seen from outside (state, closeSent, closeReceived, what may be sent, whether
 * input is read), every hook that throws stopping the session the same way,
 * and the parser stopped right after the server's close frame.
 */
import { describe, expect, it } from 'vitest';
import { WebSocketConnectionClosedException } from '../../src/exceptions.js';
import { ClientSession, type SessionHandler, type SessionOptions } from '../../src/protocol/session.js';
import { thrownBy } from '../helpers/outcome.js';
import { BINARY, CLOSE, CONT, PING, PONG, Recorder, TEXT, closePayload, ev, frame } from './helpers.js';

const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);

/** What the session answers to each kind of send, as 'ok' or the refusal's message. */
function sends(session: ClientSession): Record<string, string> {
  const outcome = (send: () => unknown): string => {
    try {
      send();
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      expect(error).toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED' });
      return (error as Error).message.replace(/^cannot send [a-z ]+: /, '');
    }
  };
  return {
    text: outcome(() => session.sendText('t')),
    binary: outcome(() => session.sendBinary(Buffer.of(1))),
    ping: outcome(() => session.sendPing()),
  };
}

function view(session: ClientSession): object {
  return { state: session.state, closeSent: session.closeSent, closeReceived: session.closeReceived, sends: sends(session) };
}

const ALL_OK = { text: 'ok', binary: 'ok', ping: 'ok' };
const SENT = 'a close frame was already sent';
const SERVER = 'the server closed the connection';

describe('one state: every transition, seen from outside', () => {
  it('open -> closing -> closed (the client closes first)', () => {
    const session = new ClientSession(new Recorder());
    expect(view(session)).toEqual({ state: 'open', closeSent: false, closeReceived: false, sends: ALL_OK });
    session.sendClose(1000);
    expect(view(session)).toEqual({ state: 'closing', closeSent: true, closeReceived: false, sends: { text: SENT, binary: SENT, ping: SENT } });
    session.receive(frame(CLOSE, closePayload(1000)));
    expect(view(session)).toEqual({ state: 'closed', closeSent: true, closeReceived: true, sends: { text: SERVER, binary: SERVER, ping: SERVER } });
    session.closeWritten(); // nothing was held: no change
    expect(view(session)).toEqual({ state: 'closed', closeSent: true, closeReceived: true, sends: { text: SERVER, binary: SERVER, ping: SERVER } });
  });

  it('open -> reply held -> closed (the server closes first): messages go ahead of the held reply, then nothing', () => {
    const session = new ClientSession(new Recorder());
    session.receive(frame(CLOSE, closePayload(4000)));
    expect(view(session)).toEqual({ state: 'closed', closeSent: true, closeReceived: true, sends: { text: 'ok', binary: 'ok', ping: SERVER } });
    session.closeWritten();
    expect(view(session)).toEqual({ state: 'closed', closeSent: true, closeReceived: true, sends: { text: SERVER, binary: SERVER, ping: SERVER } });
  });

  it('open -> failure held -> failed, and closing -> failed with no close frame of its own', () => {
    const failedOpen = new ClientSession(new Recorder());
    failedOpen.receive(frame(0x3));
    const failed = `the connection was failed (${failedOpen.failure?.message})`;
    expect(view(failedOpen)).toEqual({ state: 'closed', closeSent: true, closeReceived: false, sends: { text: 'ok', binary: 'ok', ping: failed } });
    failedOpen.closeWritten();
    expect(view(failedOpen)).toEqual({ state: 'closed', closeSent: true, closeReceived: false, sends: { text: failed, binary: failed, ping: failed } });

    const recorder = new Recorder();
    const failedClosing = new ClientSession(recorder);
    failedClosing.sendClose();
    failedClosing.receive(frame(0x3));
    expect(recorder.events).toEqual([ev.fail('protocol', 1002, null)]);
    const failedToo = `the connection was failed (${failedClosing.failure?.message})`;
    expect(view(failedClosing)).toEqual({ state: 'closed', closeSent: true, closeReceived: false, sends: { text: failedToo, binary: failedToo, ping: failedToo } });
  });

  it('reads no input after the server close frame or a failure, including input held while paused', () => {
    for (const end of [frame(CLOSE), frame(0x3)]) {
      const recorder = new Recorder();
      const session = new ClientSession(recorder);
      session.receive(frame(TEXT, 'before'));
      session.pause();
      session.receive(cat(end, frame(TEXT, 'held')));
      expect(session.heldBytes).toBeGreaterThan(0);
      session.resume();
      expect(session.heldBytes).toBe(0);
      session.receive(frame(TEXT, 'after'));
      session.resume();
      expect(recorder.events.filter((e) => e.startsWith('text:'))).toEqual([ev.text('before')]);
    }
  });
});

describe('the server close frame stops the parser', () => {
  it('right after it, in the middle of a chunk, whatever the close hook does with pause and resume', () => {
    const hooks: [string, (s: ClientSession) => void][] = [
      ['nothing', () => {}],
      ['pause', (s) => s.pause()],
      ['pause then resume', (s) => {
        s.pause();
        s.resume();
      }],
    ];
    for (const [what, hook] of hooks) {
      const recorder = new Recorder();
      const session = new ClientSession(recorder);
      recorder.onClose = (code, reason) => {
        recorder.events.push(ev.close(code, reason));
        hook(session);
      };
      session.receive(cat(frame(TEXT, 'a'), frame(CLOSE, closePayload(1000)), frame(TEXT, 'b'), frame(PING, 'p')));
      session.resume();
      expect({ what, events: recorder.events, held: session.heldBytes }).toEqual({
        what,
        events: [ev.text('a'), ev.writeClose(1000), ev.close(1000, '')],
        held: 0,
      });
    }
  });
});

describe('every hook goes through one path: a hook that throws stops the session', () => {
  interface Case {
    hook: keyof SessionHandler;
    input: Buffer;
    options?: SessionOptions;
    /** Called before the input, to reach the state the hook runs in. */
    before?: (s: ClientSession) => void;
    closeSent: boolean;
    closeReceived: boolean;
    /** The events recorded before the throwing hook (by the other hooks). */
    events?: string[];
  }
  const cases: Case[] = [
    { hook: 'onText', input: frame(TEXT, 'x'), closeSent: false, closeReceived: false },
    { hook: 'onBinary', input: frame(BINARY, 'x'), closeSent: false, closeReceived: false },
    { hook: 'onFragment', input: frame(TEXT, 'x', { fin: false }), options: { fireContFrame: true }, closeSent: false, closeReceived: false },
    { hook: 'onFrame', input: frame(BINARY, 'x'), options: { rawFrames: true }, closeSent: false, closeReceived: false },
    { hook: 'onPing', input: frame(PING, 'x'), closeSent: false, closeReceived: false, events: [ev.writePong('x')] },
    { hook: 'onPong', input: frame(PONG, 'x'), before: (s) => s.sendClose(), closeSent: true, closeReceived: false },
    { hook: 'onWrite', input: frame(PING, 'x'), closeSent: false, closeReceived: false },
    { hook: 'onWrite', input: frame(CLOSE), closeSent: true, closeReceived: true },
    { hook: 'onClose', input: frame(CLOSE, closePayload(1001)), closeSent: true, closeReceived: true, events: [ev.writeClose(1001)] },
    { hook: 'onFailure', input: frame(0x3), closeSent: true, closeReceived: false },
  ];

  for (const c of cases) {
    it(`${c.hook} on ${c.input.toString('hex').slice(0, 4)}${c.before ? ' after our close' : ''}`, () => {
      const recorder = new Recorder();
      const boom = new Error(`${c.hook} bug`);
      (recorder as unknown as Record<string, () => void>)[c.hook] = () => {
        throw boom;
      };
      const session = new ClientSession(recorder, c.options);
      c.before?.(session);
      // The rest of the chunk after the throwing hook is never read.
      expect(() => session.receive(cat(c.input, frame(CONT, 'y'), frame(TEXT, 'z')))).toThrow(boom);
      session.receive(frame(BINARY, 'later'));
      expect(recorder.events).toEqual(c.events ?? []);
      expect(session.state).toBe('closed');
      expect(session.closeSent).toBe(c.closeSent);
      expect(session.closeReceived).toBe(c.closeReceived);
      expect(session.heldBytes).toBe(0);
      const refusal = session.failure === null ? 'the session stopped after a handler threw' : `the connection was failed (${session.failure.message})`;
      // Even messages, which may otherwise go ahead of a held close frame.
      for (const send of [() => session.sendText('x'), () => session.sendPing()]) {
        expect(thrownBy(send)).toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED', message: expect.stringContaining(refusal) });
      }
    });
  }
});
