/**
 * Sections 12 and 13 — permessage-deflate (RFC 7692). Each case negotiates the extension,
 * then sends messages taken in turn from a payload source, each compressed and after the echo
 * of the previous one, and checks every echo after inflation, byte for byte.
 * 12.1–12.5: five kinds of payload, the server accepting the client's offer as it is.
 * 13.1–13.7: one payload (JSON), the server answering with other parameters
 * (client_no_context_takeover, client_max_window_bits 8 or 15, and combinations).
 * Each group has Autobahn's 18 size / fragmentation variants.
 */
import type { DeflateAcceptance } from '../deflate-negotiation.js';
import { scaledWait, type CaseDefinition, type CaseRun } from '../run.js';
import { COMPRESSION_SOURCES } from './compression-data.js';
import { NORMAL } from './expect.js';

/** Autobahn's variants: payload size, message count, wait in seconds, fragment size of the compressed payload (0 = one frame). */
const VARIANTS: ReadonlyArray<readonly [size: number, count: number, waitSeconds: number, fragment: number]> = [
  [16, 1000, 60, 0],
  [64, 1000, 60, 0],
  [256, 1000, 120, 0],
  [1024, 1000, 240, 0],
  [4096, 1000, 480, 0],
  [8192, 1000, 480, 0],
  [16384, 1000, 480, 0],
  [32768, 1000, 480, 0],
  [65536, 1000, 480, 0],
  [131072, 1000, 480, 0],
  [8192, 1000, 480, 256],
  [16384, 1000, 480, 256],
  [32768, 1000, 480, 256],
  [65536, 1000, 480, 256],
  [131072, 1000, 480, 256],
  [131072, 1000, 480, 1024],
  [131072, 1000, 480, 4096],
  [131072, 1000, 480, 32768],
];

const AS_OFFERED: DeflateAcceptance = { clientNoContextTakeover: false, clientMaxWindowBits: 0 };

/** Autobahn's server acceptances of 13.1–13.7 (13.7 falls back from the first to the last). */
const ACCEPTANCES_13: ReadonlyArray<readonly DeflateAcceptance[]> = [
  [AS_OFFERED],
  [{ clientNoContextTakeover: true, clientMaxWindowBits: 0 }],
  [{ clientNoContextTakeover: false, clientMaxWindowBits: 8 }],
  [{ clientNoContextTakeover: false, clientMaxWindowBits: 15 }],
  [{ clientNoContextTakeover: true, clientMaxWindowBits: 8 }],
  [{ clientNoContextTakeover: true, clientMaxWindowBits: 15 }],
  [
    { clientNoContextTakeover: true, clientMaxWindowBits: 8 },
    { clientNoContextTakeover: true, clientMaxWindowBits: 0 },
    AS_OFFERED,
  ],
];

function describeAcceptance(acceptances: readonly DeflateAcceptance[]): string {
  const one = (a: DeflateAcceptance): string => {
    const asks = [
      ...(a.clientNoContextTakeover ? ['client_no_context_takeover'] : []),
      ...(a.clientMaxWindowBits !== 0 ? [`client_max_window_bits=${a.clientMaxWindowBits}`] : []),
    ];
    return asks.length === 0 ? 'the offer as it is' : asks.join(' and ');
  };
  return acceptances.map(one).join(', else ');
}

/** What the tester as the client asks of the server in its offer (the acceptance's fields, applied to the server). */
function describeRequest(requests: readonly DeflateAcceptance[]): string {
  const one = (r: DeflateAcceptance): string => {
    const asks = [
      ...(r.clientNoContextTakeover ? ['server_no_context_takeover'] : []),
      ...(r.clientMaxWindowBits !== 0 ? [`server_max_window_bits=${r.clientMaxWindowBits}`] : []),
    ];
    return asks.length === 0 ? 'nothing more' : asks.join(' and ');
  };
  return requests.map(one).join(', else ');
}

/** The scaled message count and sizes: `scale` shrinks counts and sizes (fragment sizes in step, so each message keeps its frame count). */
function scaled(run: CaseRun, count: number, size: number, fragment: number): { count: number; size: number; fragment: number } {
  if (run.scale >= 1) return { count, size, fragment };
  return {
    count: Math.max(10, Math.round(count * run.scale)),
    size: Math.max(16, Math.round(size * run.scale)),
    fragment: fragment === 0 ? 0 : Math.max(16, Math.round(fragment * run.scale)),
  };
}

function compressionCase(id: string, source: (typeof COMPRESSION_SOURCES)[number], acceptances: readonly DeflateAcceptance[],
  variant: (typeof VARIANTS)[number]): CaseDefinition {
  const [size, count, waitSeconds, fragment] = variant;
  const kind = source.binary ? 'binary' : 'text';
  const frames = fragment === 0 ? 'in one frame' : `in frames of ${fragment} octets of compressed payload`;
  const waitMs = waitSeconds * 1000;
  return {
    id,
    description:
      `Server sends ${count} ${kind} messages of ${size} bytes from ${source.title} (${source.size} bytes, taken in turn), ` +
      `each compressed with permessage-deflate and sent ${frames}, each after the echo of the previous one. ` +
      `The server answers the client's permessage-deflate offer with ${describeAcceptance(acceptances)}.`,
    expectation:
      `The client accepts the answer and echoes every message with its type and bytes unchanged (after inflation) ` +
      `within ${waitSeconds} s (scaled), in valid frames (RSV1 only on first frames of compressed messages, compressed ` +
      `within the agreed window and context rules); then a clean close with 1000.`,
    deflate: acceptances,
    // Bytes to compress, with 256-octet frames weighing double (a peer inflates each on its own).
    cost: size * count * (fragment === 256 ? 2 : 1),
    asClient: {
      description:
        `Tester sends ${count} ${kind} messages of ${size} bytes from ${source.title} (${source.size} bytes, taken in turn), ` +
        `each compressed with permessage-deflate and sent ${frames}, each after the echo of the previous one. ` +
        `The tester offers permessage-deflate asking the server for ${describeRequest(acceptances)}.`,
      expectation:
        `The server accepts the offer and echoes every message with its type and bytes unchanged (after inflation) ` +
        `within ${waitSeconds} s (scaled), in valid frames; then a clean close with 1000. No permessage-deflate in ` +
        `the answer: UNIMPLEMENTED.`,
    },
    timeoutMs: (scale) => scaledWait(waitMs, scale) + 5_000,
    start(run) {
      run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
      const negotiation = run.negotiation!;
      if (negotiation.kind !== 'accepted') {
        // Autobahn: a client that did not negotiate the extension gets UNIMPLEMENTED for the case;
        // an offer that breaks RFC 7692 §7 is a client error.
        run.behavior = negotiation.kind === 'declined' ? 'UNIMPLEMENTED' : 'FAILED';
        run.result = `permessage-deflate not negotiated: ${negotiation.why}`;
        run.peer.sendClose(NORMAL);
        return;
      }
      const agreed = `agreed "${negotiation.response}"`;
      const { count: total, size: length, fragment: fragmentSize } = scaled(run, count, size, fragment);
      const data = source.data();
      let at = 0;
      let sent = 0;
      let expected: Buffer = Buffer.alloc(0);
      const sendOne = (): void => {
        const end = at + length;
        expected =
          end <= data.bytes.length
            ? data.bytes.subarray(at, end)
            : Buffer.concat([data.bytes.subarray(at), data.bytes.subarray(0, end - data.bytes.length)]);
        at = end % data.bytes.length;
        sent++;
        run.peer.sendCompressed(expected, data.binary, fragmentSize).catch((error: unknown) => {
          run.result = `${agreed}; the server could not compress message ${sent}: ${(error as Error).message}`;
          run.peer.destroy();
        });
      };
      run.behavior = 'FAILED';
      run.result = `${agreed}; only 0 of ${total} messages were echoed within the wait`;
      run.messageHandler = (echo, binary) => {
        let wrong: string | null = null;
        if (binary !== data.binary) wrong = `a ${binary ? 'binary' : 'text'} message, expected ${kind}`;
        else if (echo.length !== expected.length) wrong = `${echo.length} bytes, expected ${expected.length}`;
        else if (!echo.equals(expected)) wrong = `bytes that differ from the ${expected.length} sent`;
        if (wrong !== null) {
          run.behavior = 'FAILED';
          run.result = `${agreed}; echo ${sent} of ${total} was ${wrong}`;
          run.peer.sendClose(NORMAL);
        } else if (sent < total) {
          run.result = `${agreed}; only ${sent} of ${total} messages were echoed within the wait`;
          sendOne();
        } else {
          run.behavior = 'OK';
          run.result = `${agreed}; all ${total} messages of ${length} bytes came back unchanged`;
          run.peer.sendClose(NORMAL);
        }
      };
      run.peer.closeAfter(scaledWait(waitMs, run.scale));
      sendOne();
    },
  };
}

function group(section: number, index: number, source: (typeof COMPRESSION_SOURCES)[number], acceptances: readonly DeflateAcceptance[]): CaseDefinition[] {
  return VARIANTS.map((variant, i) => compressionCase(`${section}.${index}.${i + 1}`, source, acceptances, variant));
}

/** 12.1.x–12.5.x: the five payload sources, the offer accepted as it is. */
export const section12: CaseDefinition[] = COMPRESSION_SOURCES.flatMap((source, i) => group(12, i + 1, source, [AS_OFFERED]));

/** 13.1.x–13.7.x: the JSON source, seven ways of answering the offer. */
export const section13: CaseDefinition[] = ACCEPTANCES_13.flatMap((acceptances, i) => group(13, i + 1, COMPRESSION_SOURCES[0]!, acceptances));
