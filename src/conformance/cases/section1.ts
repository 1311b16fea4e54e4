/**
 * Section 1 — framing: text (1.1.x) and binary (1.2.x) messages of the sizes around the
 * 7-bit / 16-bit / 64-bit length boundaries (RFC 6455 §5.2), one case chopped in 997-octet writes.
 */
import type { CaseDefinition } from '../run.js';
import { BINARY, TEXT, expectEcho, message } from './expect.js';

const SIZES = [0, 125, 126, 127, 128, 65535, 65536];

function framingCase(group: number, index: number, size: number, chopsize?: number): CaseDefinition {
  const binary = group === 2;
  const kind = binary ? 'binary' : 'text';
  const fill = binary ? Buffer.from([0xfe]) : Buffer.from('*');
  const chopped = chopsize === undefined ? '' : `, written to TCP in chops of ${chopsize} octets`;
  return {
    id: `1.${group}.${index}`,
    description: `Server sends one ${kind} message of ${size} bytes in a single frame${chopped}.`,
    expectation: `The client echoes the ${kind} message unchanged; the server then closes with 1000 and the close is clean.`,
    timeoutMs: () => (size > 128 ? 15_000 : 0),
    start(run) {
      const payload = Buffer.alloc(size, fill);
      expectEcho(run, [message(payload, binary)]);
      run.peer.sendFrame({ opcode: binary ? BINARY : TEXT, payload, chopsize });
      run.peer.killAfter(size > 128 ? 10_000 : 1_000);
    },
  };
}

export const section1: CaseDefinition[] = [1, 2].flatMap((group) => [
  ...SIZES.map((size, i) => framingCase(group, i + 1, size)),
  framingCase(group, 8, 65536, 997),
]);
