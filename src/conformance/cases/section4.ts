/**
 * Section 4 — reserved opcodes (RFC 6455 §5.2): data opcodes 3–7 (4.1.x) and control
 * opcodes 11–15 (4.2.x) must fail the connection with 1002.
 */
import type { CaseDefinition } from '../run.js';
import { PING, PROTOCOL_ERROR, TEXT, expectFailure, message } from './expect.js';

const HELLO = 'Hello, world!';
const RESERVED_PAYLOAD = 'reserved opcode payload';

function loneReserved(id: string, opcode: number, withPayload: boolean): CaseDefinition {
  return {
    id,
    description: `Server sends a frame with reserved opcode ${opcode}${withPayload ? ' and a payload' : ''}.`,
    expectation: 'The client fails the connection at once (close 1002 or TCP drop).',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode, payload: withPayload ? RESERVED_PAYLOAD : '' });
      run.peer.killAfter(1_000);
    },
  };
}

function reservedBetween(id: string, opcode: number, withPayload: boolean, octetWise: boolean): CaseDefinition {
  const chopsize = octetWise ? 1 : undefined;
  return {
    id,
    description:
      `Server sends a text message, then a frame with reserved opcode ${opcode}${withPayload ? ' and a payload' : ''}, then a ping` +
      (octetWise ? ', every octet its own TCP write.' : '.'),
    expectation:
      'The client echoes the text message, then fails the connection with 1002; no pong. Failing before the echo is NON-STRICT.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR, [message(HELLO)]);
      run.peer.sendFrame({ opcode: TEXT, payload: HELLO, chopsize });
      run.peer.sendFrame({ opcode, payload: withPayload ? RESERVED_PAYLOAD : '', chopsize });
      run.peer.sendFrame({ opcode: PING, chopsize });
      run.peer.killAfter(1_000);
    },
  };
}

function group(major: number, opcodes: [number, number, number, number, number]): CaseDefinition[] {
  const [a, b, c, d, e] = opcodes;
  return [
    loneReserved(`4.${major}.1`, a, false),
    loneReserved(`4.${major}.2`, b, true),
    reservedBetween(`4.${major}.3`, c, false, false),
    reservedBetween(`4.${major}.4`, d, true, false),
    reservedBetween(`4.${major}.5`, e, true, true),
  ];
}

export const section4: CaseDefinition[] = [...group(1, [3, 4, 5, 6, 7]), ...group(2, [11, 12, 13, 14, 15])];
