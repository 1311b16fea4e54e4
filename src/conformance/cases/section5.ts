/**
 * Section 5 — fragmentation (RFC 6455 §5.4): fragmented control frames fail, fragmented
 * text is reassembled (with control frames interleaved), continuation frames with nothing
 * to continue and a new data frame inside a fragmented message fail with 1002.
 */
import type { CaseDefinition } from '../run.js';
import type { SendOptions } from '../peer.js';
import { CONTINUATION, PING, PONG, PROTOCOL_ERROR, TEXT, expectEcho, expectFailure, message, pong } from './expect.js';

const CHOPPING: Array<[string, SendOptions]> = [
  ['in one TCP write', {}],
  ['each frame its own TCP write', { sync: true }],
  ['every octet its own TCP write', { chopsize: 1 }],
];

function fragmentedControl(id: string, opcode: number, name: string): CaseDefinition {
  return {
    id,
    description: `Server sends a ${name} split into 2 fragments.`,
    expectation: 'The client fails the connection at once (control frames must not be fragmented, RFC 6455 §5.5).',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode, fin: false, payload: 'fragment1' });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: 'fragment2' });
      run.peer.killAfter(1_000);
    },
  };
}

function twoFragments(id: string, how: string, send: SendOptions): CaseDefinition {
  return {
    id,
    description: `Server sends a text message in 2 fragments, ${how}.`,
    expectation: 'The client reassembles and echoes "fragment1fragment2"; then a clean close with 1000.',
    start(run) {
      expectEcho(run, [message('fragment1fragment2')]);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment1', ...send });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: 'fragment2', ...send });
      run.peer.closeAfter(1_000);
    },
  };
}

function pingBetweenFragments(id: string, how: string, send: SendOptions): CaseDefinition {
  return {
    id,
    description: `Server sends a text message in 2 fragments with a ping between them, ${how}.`,
    expectation: 'The client answers the ping at once, then echoes "fragment1fragment2"; then a clean close with 1000.',
    start(run) {
      expectEcho(run, [pong('ping payload'), message('fragment1fragment2')]);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment1', ...send });
      run.peer.sendFrame({ opcode: PING, payload: 'ping payload', ...send });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: 'fragment2', ...send });
      run.peer.closeAfter(1_000);
    },
  };
}

function orphanContinuation(id: string, fin: boolean, how: string, send: SendOptions): CaseDefinition {
  return {
    id,
    description: `Server sends a continuation frame (FIN = ${fin}) with no message to continue, then a text message, ${how}.`,
    expectation: 'The client fails the connection at once with 1002 and echoes nothing.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode: CONTINUATION, fin, payload: 'non-continuation payload', ...send });
      run.peer.sendFrame({ opcode: TEXT, payload: 'Hello, world!', ...send });
      run.peer.killAfter(1_000);
    },
  };
}

function repeatedOrphans(id: string, firstFin: boolean): CaseDefinition {
  return {
    id,
    description: `Twice: a continuation frame (FIN = ${firstFin}) with nothing to continue, then a text message in 2 fragments.`,
    expectation: 'The client fails the connection at once with 1002 and echoes nothing.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      for (let i = 0; i < 2; i++) {
        run.peer.sendFrame({ opcode: CONTINUATION, fin: firstFin, payload: 'fragment1' });
        run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment2' });
        run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: 'fragment3' });
      }
      run.peer.killAfter(1_000);
    },
  };
}

function slowFragments(id: string, send: SendOptions, how: string): CaseDefinition {
  const fragments = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
  return {
    id,
    description:
      `Server sends 2 text fragments and a ping "pongme 1!", waits 1 s, then 2 more fragments, a ping "pongme 2!" ` +
      `and the final fragment${how}.`,
    expectation: 'The client answers the first ping before the message completes, then the second, then echoes the whole message.',
    start(run) {
      expectEcho(run, [pong('pongme 1!'), pong('pongme 2!'), message(fragments.join(''))]);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: fragments[0], ...send });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: false, payload: fragments[1], ...send });
      run.peer.sendFrame({ opcode: PING, payload: 'pongme 1!', ...send });
      run.peer.continueLater(1_000, () => {
        run.peer.sendFrame({ opcode: CONTINUATION, fin: false, payload: fragments[2], ...send });
        run.peer.sendFrame({ opcode: CONTINUATION, fin: false, payload: fragments[3], ...send });
        run.peer.sendFrame({ opcode: PING, payload: 'pongme 2!', ...send });
        run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: fragments[4], ...send });
        run.peer.closeAfter(1_000);
      });
    },
  };
}

export const section5: CaseDefinition[] = [
  fragmentedControl('5.1', PING, 'ping'),
  fragmentedControl('5.2', PONG, 'pong'),
  ...CHOPPING.map(([how, send], i) => twoFragments(`5.${3 + i}`, how, send)),
  ...CHOPPING.map(([how, send], i) => pingBetweenFragments(`5.${6 + i}`, how, send)),
  ...CHOPPING.map(([how, send], i) => orphanContinuation(`5.${9 + i}`, true, how, send)),
  ...CHOPPING.map(([how, send], i) => orphanContinuation(`5.${12 + i}`, false, how, send)),
  {
    id: '5.15',
    description:
      'Server sends a text message in 2 fragments, then a continuation frame (FIN = false) with nothing to continue, ' +
      'then a text message, all in one TCP write.',
    expectation: 'The client echoes the first message, then fails with 1002. Failing before the echo is NON-STRICT.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR, [message('fragment1fragment2')]);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment1' });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: true, payload: 'fragment2' });
      run.peer.sendFrame({ opcode: CONTINUATION, fin: false, payload: 'fragment3' });
      run.peer.sendFrame({ opcode: TEXT, fin: true, payload: 'fragment4' });
      run.peer.killAfter(1_000);
    },
  },
  repeatedOrphans('5.16', false),
  repeatedOrphans('5.17', true),
  {
    id: '5.18',
    description: 'Server sends a text message in 2 fragments whose second frame also has the text opcode.',
    expectation: 'The client fails the connection at once with 1002 (only the first fragment carries a data opcode).',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment1' });
      run.peer.sendFrame({ opcode: TEXT, fin: true, payload: 'fragment2' });
      run.peer.killAfter(1_000);
    },
  },
  slowFragments('5.19', {}, ''),
  slowFragments('5.20', { sync: true }, ', each frame its own TCP write'),
];
