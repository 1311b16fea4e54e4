/**
 * Section 10 — a 64 KiB text message that the server fragments into 1300-byte frames.
 */
import type { CaseDefinition } from '../run.js';
import { CONTINUATION, TEXT, expectEcho, message } from './expect.js';

const FRAGMENT = 1300;

export const section10: CaseDefinition[] = [
  {
    id: '10.1.1',
    description: `Server sends a text message of 65536 bytes, fragmented into frames of ${FRAGMENT} bytes.`,
    expectation: 'The client echoes the whole message unchanged; then a clean close with 1000.',
    timeoutMs: () => 15_000,
    start(run) {
      const payload = Buffer.alloc(65536, '*');
      expectEcho(run, [message(payload)]);
      const count = Math.ceil(payload.length / FRAGMENT);
      for (let i = 0; i < count; i++) {
        run.peer.sendFrame({
          opcode: i === 0 ? TEXT : CONTINUATION,
          fin: i === count - 1,
          payload: payload.subarray(i * FRAGMENT, (i + 1) * FRAGMENT),
        });
      }
      run.peer.killAfter(10_000);
    },
  },
];
