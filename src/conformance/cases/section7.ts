/**
 * Section 7 — the closing handshake (RFC 6455 §5.5.1, §7): data and controls after a close,
 * close payload sizes, invalid close reasons, valid / invalid / undefined close codes.
 */
import type { CaseDefinition, CaseRun } from '../run.js';
import { CLOSE, INVALID_PAYLOAD, NORMAL, PING, PROTOCOL_ERROR, TEXT, expectEcho, message } from './expect.js';
import { KOSME } from './utf8-vectors.js';

const HELLO = 'Hello World!';

function codeBytes(code: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return b;
}

/** The server starts the close; the client must answer with one of `codes` (or none). */
function expectCloseReply(run: CaseRun, codes: number[], requireClean: boolean): void {
  run.expected.set('OK', []);
  run.expectedClose = { closedByMe: true, closeCode: codes, requireClean };
}

function closing(id: string, description: string, expectation: string, start: (run: CaseRun) => void): CaseDefinition {
  return {
    id,
    description,
    expectation,
    start(run) {
      run.suppressClose = true;
      start(run);
      run.peer.killAfter(1_000);
    },
    finish: (run) => run.wrongCodeFails(),
  };
}

const CLEAN_NORMAL = 'A clean close in which the client answers with 1000 (or no code).';
const PROTOCOL_CLOSE = 'The client answers the close with 1002 or drops TCP.';

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

function undefinedCode(id: string, code: number): CaseDefinition {
  return {
    id,
    description: `Server sends a close frame with code ${code}, outside every range RFC 6455 defines.`,
    expectation: 'Informational: RFC 6455 does not say what the client must do.',
    start(run) {
      run.suppressClose = true;
      run.expected.set('OK', []);
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL, code, PROTOCOL_ERROR], requireClean: false };
      run.peer.sendCloseRaw(codeBytes(code), code);
      run.peer.killAfter(1_000);
    },
    finish(run) {
      run.result = `informational: the ${run.peer.peerName}'s answer was ${run.peer.remoteCloseCode ?? 'no code'} (${run.result})`;
      run.behavior = 'INFORMATIONAL';
      run.behaviorClose = 'INFORMATIONAL';
    },
  };
}

export const section7: CaseDefinition[] = [
  {
    id: '7.1.1',
    description: 'Server sends a text message, then a close with 1000.',
    expectation: 'The client echoes the message, then answers the close; a clean close with 1000.',
    start(run) {
      expectEcho(run, [message(HELLO)]);
      run.peer.sendFrame({ opcode: TEXT, payload: HELLO });
      run.peer.sendClose(NORMAL);
      run.peer.killAfter(1_000);
    },
    finish: (run) => run.wrongCodeFails(),
  },
  closing('7.1.2', 'Server sends two close frames back to back.', `${CLEAN_NORMAL} The second close is ignored.`, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL);
    run.peer.sendFrame({ opcode: CLOSE });
  }),
  closing('7.1.3', 'Server sends a close with 1000, then a ping.', `${CLEAN_NORMAL} No pong.`, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL);
    run.peer.sendFrame({ opcode: PING });
  }),
  closing('7.1.4', 'Server sends a close with 1000, then a text message.', `${CLEAN_NORMAL} The message is not echoed.`, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL);
    run.peer.sendFrame({ opcode: TEXT, payload: HELLO });
  }),
  closing(
    '7.1.5',
    'Server sends the first fragment of a text message, a close with 1000, then the last fragment.',
    `${CLEAN_NORMAL} The unfinished message is dropped, nothing is echoed.`,
    (run) => {
      expectCloseReply(run, [NORMAL], true);
      run.peer.sendFrame({ opcode: TEXT, fin: false, payload: 'fragment1' });
      run.peer.sendClose(NORMAL);
      run.peer.sendFrame({ opcode: 0, fin: true, payload: 'fragment2' });
    },
  ),
  {
    id: '7.1.6',
    description: 'Server sends a 256 KiB text message, a short text message, a close with 1000 and a ping, back to back.',
    expectation: 'Informational: whether the messages are echoed before the close is processed depends on the client.',
    start(run) {
      run.suppressClose = true;
      run.expected.set('OK', [message('Hello World!')]);
      run.expected.set('NON-STRICT', []);
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
      run.peer.sendFrame({ opcode: TEXT, payload: 'BAsd7&jh23', payloadLength: 256 * 1024 });
      run.peer.sendFrame({ opcode: TEXT, payload: HELLO });
      run.peer.sendClose(NORMAL);
      run.peer.sendFrame({ opcode: PING });
      run.peer.killAfter(1_000);
    },
    finish(run) {
      run.result = `informational: ${run.received.length} message(s) came back before the close (${run.result})`;
      run.behavior = 'INFORMATIONAL';
      run.behaviorClose = 'INFORMATIONAL';
    },
  },
  closing('7.3.1', 'Server sends a close frame with an empty payload (no code, no reason).', CLEAN_NORMAL, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose();
  }),
  closing('7.3.2', 'Server sends a close frame with a 1-byte payload.', PROTOCOL_CLOSE, (run) => {
    expectCloseReply(run, [PROTOCOL_ERROR], false);
    run.peer.sendCloseRaw(Buffer.from('a'), null);
  }),
  closing('7.3.3', 'Server sends a close frame with code 1000 and no reason.', CLEAN_NORMAL, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL);
  }),
  closing('7.3.4', 'Server sends a close frame with code 1000 and a short reason.', CLEAN_NORMAL, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL, HELLO);
  }),
  closing('7.3.5', 'Server sends a close frame with code 1000 and a 123-byte reason (125-byte payload, the maximum).', CLEAN_NORMAL, (run) => {
    expectCloseReply(run, [NORMAL], true);
    run.peer.sendClose(NORMAL, '*'.repeat(123));
  }),
  closing('7.3.6', 'Server sends a close frame with code 1000 and a 124-byte reason (126-byte payload, too long).', PROTOCOL_CLOSE, (run) => {
    expectCloseReply(run, [PROTOCOL_ERROR], false);
    run.peer.sendCloseRaw(Buffer.concat([codeBytes(NORMAL), Buffer.alloc(124, '*')]), NORMAL);
  }),
  closing(
    '7.5.1',
    'Server sends a close frame with code 1000 and a reason that is not valid UTF-8.',
    'The client answers with 1002 or 1007, or drops TCP.',
    (run) => {
      expectCloseReply(run, [PROTOCOL_ERROR, INVALID_PAYLOAD], false);
      const reason = Buffer.concat([KOSME, Buffer.from('eda080', 'hex'), Buffer.from('edited')]);
      run.peer.sendCloseRaw(Buffer.concat([codeBytes(NORMAL), reason]), NORMAL);
    },
  ),
  ...VALID_CODES.map((code, i) =>
    closing(
      `7.7.${i + 1}`,
      `Server sends a close frame with the valid code ${code}.`,
      `A clean close in which the client answers with 1000 or echoes ${code}.`,
      (run) => {
        expectCloseReply(run, [NORMAL, code], true);
        run.peer.sendClose(code);
      },
    ),
  ),
  ...INVALID_CODES.map((code, i) =>
    closing(`7.9.${i + 1}`, `Server sends a close frame with code ${code}, which must never be sent.`, PROTOCOL_CLOSE, (run) => {
      expectCloseReply(run, [PROTOCOL_ERROR], false);
      run.peer.sendCloseRaw(codeBytes(code), code);
    }),
  ),
  undefinedCode('7.13.1', 5000),
  undefinedCode('7.13.2', 65535),
];
