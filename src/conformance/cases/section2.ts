/**
 * Section 2 — pings and pongs (RFC 6455 §5.5.2, §5.5.3): pongs must echo ping payloads,
 * a ping over 125 bytes fails the connection, unsolicited pongs are ignored.
 */
import type { CaseDefinition } from '../run.js';
import { NORMAL, PING, PONG, PROTOCOL_ERROR, expectEcho, expectFailure, pong } from './expect.js';

const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

function pingCase(id: string, description: string, payload: Buffer, chopsize?: number): CaseDefinition {
  return {
    id,
    description,
    expectation: 'The client answers with a pong carrying exactly the ping payload; then a clean close with 1000.',
    start(run) {
      expectEcho(run, [pong(payload)]);
      run.peer.sendFrame({ opcode: PING, payload, chopsize });
      run.peer.killAfter(1_000);
    },
  };
}

function unsolicitedPongCase(id: string, payload: string): CaseDefinition {
  return {
    id,
    description: `Server sends a pong nobody asked for (${payload.length} payload bytes), then a close with 1000.`,
    expectation: 'The client ignores the pong (sends nothing back) and completes a clean close with 1000.',
    start(run) {
      run.expected.set('OK', []);
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
      run.peer.sendFrame({ opcode: PONG, payload });
      run.peer.sendClose(NORMAL);
      run.peer.closeAfter(1_000);
    },
  };
}

function tenPingsCase(id: string, chopsize?: number): CaseDefinition {
  const how = chopsize === undefined ? '' : ', every octet its own TCP write';
  return {
    id,
    description: `Server sends 10 pings with payloads "payload-0" … "payload-9" back to back${how}.`,
    expectation: 'The client answers each ping with a pong of the same payload, in order; then a clean close with 1000.',
    start(run) {
      const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
      expectEcho(run, payloads.map((p) => pong(p)));
      for (const payload of payloads) run.peer.sendFrame({ opcode: PING, payload, chopsize });
      run.peer.closeAfter(3_000);
    },
  };
}

export const section2: CaseDefinition[] = [
  pingCase('2.1', 'Server sends a ping with an empty payload.', Buffer.alloc(0)),
  pingCase('2.2', 'Server sends a ping with a short text payload.', Buffer.from('Hello, world!')),
  pingCase('2.3', 'Server sends a ping with a short binary payload.', SMALL_BINARY),
  pingCase('2.4', 'Server sends a ping with a payload of 125 bytes, the largest allowed.', Buffer.alloc(125, 0xfe)),
  {
    id: '2.5',
    description: 'Server sends a ping with a payload of 126 bytes (control frames are limited to 125).',
    expectation: 'The client fails the connection (close 1002 or TCP drop) without sending a pong.',
    start(run) {
      expectFailure(run, PROTOCOL_ERROR);
      run.peer.sendFrame({ opcode: PING, payload: Buffer.alloc(126, 0xfe) });
      run.peer.killAfter(1_000);
    },
  },
  pingCase('2.6', 'Server sends a ping with a 125-byte payload, every octet its own TCP write.', Buffer.alloc(125, 0xfe), 1),
  unsolicitedPongCase('2.7', ''),
  unsolicitedPongCase('2.8', 'unsolicited pong payload'),
  {
    id: '2.9',
    description: 'Server sends an unsolicited pong, then a ping with payload "ping payload".',
    expectation: 'The client ignores the pong and answers the ping with a pong "ping payload"; then a clean close with 1000.',
    start(run) {
      expectEcho(run, [pong('ping payload')]);
      run.peer.sendFrame({ opcode: PONG, payload: 'unsolicited pong payload' });
      run.peer.sendFrame({ opcode: PING, payload: 'ping payload' });
      run.peer.killAfter(1_000);
    },
  },
  tenPingsCase('2.10'),
  tenPingsCase('2.11', 1),
];
