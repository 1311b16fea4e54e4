/**
 * Section 3 — reserved bits (RFC 6455 §5.2): with no extension negotiated, any frame with
 * an RSV bit set must fail the connection with 1002.
 */
import type { CaseDefinition } from '../run.js';
import type { SendOptions } from '../peer.js';
import { BINARY, CLOSE, PING, PROTOCOL_ERROR, TEXT, expectFailure, message } from './expect.js';

const HELLO = 'Hello, world!';

function textThenBadTextThenPing(id: string, rsv: number, how: string, send: SendOptions): CaseDefinition {
  return {
    id,
    description: `Server sends a valid text message, then the same text with RSV = ${rsv}, then a ping${how}.`,
    expectation:
      'The client echoes the first message and then fails the connection with 1002; no pong. Failing before the echo is NON-STRICT.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR, [message(HELLO)]);
      run.peer.sendFrame({ opcode: TEXT, payload: HELLO, ...send });
      run.peer.sendFrame({ opcode: TEXT, payload: HELLO, rsv, ...send });
      run.peer.sendFrame({ opcode: PING, ...send });
      run.peer.killAfter(1_000);
    },
  };
}

function singleBadFrame(id: string, what: string, opcode: number, rsv: number, payload: Buffer | string): CaseDefinition {
  return {
    id,
    description: `Server sends a ${what} with RSV = ${rsv}.`,
    expectation: 'The client fails the connection at once (close 1002 or TCP drop) and echoes nothing.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode, payload, rsv });
      run.peer.killAfter(1_000);
    },
  };
}

export const section3: CaseDefinition[] = [
  singleBadFrame('3.1', 'short text message', TEXT, 1, HELLO),
  textThenBadTextThenPing('3.2', 2, '', {}),
  textThenBadTextThenPing('3.3', 3, ', each frame its own TCP write', { sync: true }),
  textThenBadTextThenPing('3.4', 4, ', every octet its own TCP write', { chopsize: 1 }),
  singleBadFrame('3.5', 'short binary message', BINARY, 5, Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff])),
  singleBadFrame('3.6', 'ping', PING, 6, 'ping payload'),
  singleBadFrame('3.7', 'close frame', CLOSE, 7, Buffer.alloc(0)),
];
