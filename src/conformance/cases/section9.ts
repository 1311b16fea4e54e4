/**
 * Section 9 — limits and performance: large messages (up to 16 MiB), large messages in many
 * fragments, large frames in small TCP chops, and 1000 sequential round trips. `scale` shrinks
 * the large payloads (never the fragment or chop sizes) so `npm test` stays fast.
 * Autobahn's verdict looks at the echo's type and length; an echo of the right length whose
 * bytes differ is OK as in Autobahn, with the difference in the case's notes (FAILED with --strict).
 */
import { scaledWait, type CaseDefinition, type CaseRun } from '../run.js';
import { BINARY, NORMAL, TEXT } from './expect.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const TEXT_PATTERN = Buffer.from('BAsd7&jh23');
const BINARY_PATTERN = Buffer.from([0x00, 0xfe, 0x23, 0xfa, 0xf0]);

function scaled(run: CaseRun, size: number): number {
  return Math.max(1, Math.round(size * run.scale));
}

function sizeName(n: number): string {
  return n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} bytes`;
}

/**
 * A case that sends one large message and waits for its echo; `send` writes it.
 * The verdict is decided when the echo arrives: OK for a payload of the same type and length.
 */
function bigEcho(
  id: string,
  description: string,
  binary: boolean,
  waitMs: number,
  send: (run: CaseRun, payload: Buffer) => void,
  size: number,
): CaseDefinition {
  const kind = binary ? 'binary' : 'text';
  return {
    id,
    description,
    expectation: `The client echoes the ${kind} message (same type and length; different bytes are a note) within ${waitMs / 1000} s (scaled); then a clean close with 1000.`,
    timeoutMs: (scale) => scaledWait(waitMs, scale) + 5_000,
    start(run) {
      const payload = Buffer.alloc(scaled(run, size), binary ? BINARY_PATTERN : TEXT_PATTERN);
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
      run.result = `no echo of the ${payload.length}-byte ${kind} message within the wait`;
      run.messageHandler = (data, isBinary) => {
        if (isBinary !== binary) run.result = `expected a ${kind} message, got a ${isBinary ? 'binary' : 'text'} one`;
        else if (data.length !== payload.length)
          run.result = `expected a ${kind} message of ${payload.length} bytes, got ${data.length}`;
        else {
          run.behavior = 'OK';
          run.result = `received the ${payload.length}-byte ${kind} message back`;
          if (!data.equals(payload)) run.notes.push(`the echoed ${kind} message has the right length but differs from the one sent`);
          else run.result += ' unchanged';
        }
        run.peer.sendClose(NORMAL);
      };
      send(run, payload);
      run.peer.closeAfter(scaledWait(waitMs, run.scale));
    },
  };
}

function single(group: number, binary: boolean): CaseDefinition[] {
  const sizes: Array<[number, number]> = [[64 * KiB, 10_000], [256 * KiB, 10_000], [1 * MiB, 20_000], [4 * MiB, 60_000],
    [8 * MiB, 100_000], [16 * MiB, 100_000]];
  return sizes.map(([size, wait], i) =>
    bigEcho(`9.${group}.${i + 1}`, `Server sends a ${binary ? 'binary' : 'text'} message of ${sizeName(size)} in one frame.`, binary, wait,
      (run, payload) => run.peer.sendFrame({ opcode: binary ? BINARY : TEXT, payload }), size),
  );
}

function fragmented(group: number, binary: boolean): CaseDefinition[] {
  const fragmentSizes = [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB];
  return fragmentSizes.map((fragment, i) =>
    bigEcho(
      `9.${group}.${i + 1}`,
      `Server sends a ${binary ? 'binary' : 'text'} message of 4 MiB in fragments of ${sizeName(fragment)}.`,
      binary,
      100_000,
      (run, payload) => {
        const count = Math.max(1, Math.ceil(payload.length / fragment));
        for (let f = 0; f < count; f++) {
          run.peer.sendFrame({
            opcode: f === 0 ? (binary ? BINARY : TEXT) : 0,
            fin: f === count - 1,
            payload: payload.subarray(f * fragment, (f + 1) * fragment),
          });
        }
      },
      4 * MiB,
    ),
  );
}

function chopped(group: number, binary: boolean): CaseDefinition[] {
  const chops = [64, 128, 256, 512, 1024, 2048];
  return chops.map((chopsize, i) =>
    bigEcho(
      `9.${group}.${i + 1}`,
      `Server sends a ${binary ? 'binary' : 'text'} message of 1 MiB in one frame, written to TCP in chops of ${chopsize} octets.`,
      binary,
      100_000,
      (run, payload) => run.peer.sendFrame({ opcode: binary ? BINARY : TEXT, payload, chopsize }),
      1 * MiB,
    ),
  );
}

/** "round trip min 0.08 / median 0.12 / p99 0.40 / max 1.20 ms" */
export function describeRoundTrips(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return `round trip min ${at(0)} / median ${at(0.5)} / p99 ${at(0.99)} / max ${sorted[sorted.length - 1]!.toFixed(2)} ms`;
}

/**
 * The wait of 1000 round trips at `scale`: their count is never scaled, only their sizes, so
 * a scaled run waits as long as Autobahn does for its smallest messages (60 s), not less.
 */
function roundTripsWait(wait: number, scale: number): number {
  return Math.max(Math.round(wait * scale), Math.min(wait, 60_000));
}

function roundTrips(group: number, binary: boolean): CaseDefinition[] {
  const sizes: Array<[number, number]> = [[0, 60_000], [16, 60_000], [64, 60_000], [256, 120_000], [1024, 240_000], [4096, 480_000]];
  const count = 1000;
  const kind = binary ? 'binary' : 'text';
  return sizes.map(([size, wait], i) => ({
    id: `9.${group}.${i + 1}`,
    description: `Server sends ${count} ${kind} messages of ${size} bytes, each after the echo of the previous one (round-trip time).`,
    expectation: `The client echoes all ${count} ${kind} messages with their type and length (different bytes are a note), in order; then a clean close with 1000.`,
    timeoutMs: (scale) => roundTripsWait(wait, scale),
    start(run) {
      const payload = Buffer.alloc(size, binary ? 0xfe : 0x2a);
      let sent = 0;
      let sentAt = 0;
      const roundTripsMs: number[] = [];
      const sendOne = (): void => {
        sent++;
        sentAt = performance.now();
        run.peer.sendFrame({ opcode: binary ? BINARY : TEXT, payload });
      };
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
      run.result = `no echo of ${count} messages within the wait`;
      run.messageHandler = (data, isBinary) => {
        roundTripsMs.push(performance.now() - sentAt);
        if (isBinary !== binary || data.length !== payload.length) {
          run.behavior = 'FAILED';
          run.result = `echo ${sent} differs in type or length from what was sent (binary=${isBinary}, ${data.length} bytes)`;
          run.peer.sendClose(NORMAL);
          return;
        }
        if (!data.equals(payload) && run.notes.length === 0) run.notes.push(`echo ${sent} has the right type and length but differs from what was sent`);
        if (sent < count) {
          run.result = `only ${sent} of ${count} messages were echoed within the wait`;
          sendOne();
        } else {
          run.behavior = 'OK';
          run.result = `all ${count} messages came back${run.notes.length === 0 ? ' unchanged' : ''}; ${describeRoundTrips(roundTripsMs)}`;
          run.peer.sendClose(NORMAL);
        }
      };
      run.peer.closeAfter(roundTripsWait(wait, run.scale) - 5_000);
      sendOne();
    },
  }));
}

export const section9: CaseDefinition[] = [
  ...single(1, false),
  ...single(2, true),
  ...fragmented(3, false),
  ...fragmented(4, true),
  ...chopped(5, false),
  ...chopped(6, true),
  ...roundTrips(7, false),
  ...roundTrips(8, true),
];
