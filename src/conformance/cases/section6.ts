/**
 * Section 6 — UTF-8 handling (RFC 6455 §5.6, §8.1): valid text is echoed whatever its
 * fragmentation; invalid text fails the connection with 1007, and 6.4.x checks the client
 * fails fast, at the first invalid octet, not only once the whole message arrived.
 */
import type { CaseDefinition, CaseRun } from '../run.js';
import { CONTINUATION, INVALID_PAYLOAD, TEXT, expectEcho, message, timeout } from './expect.js';
import { KOSME, UTF8_GROUPS } from './utf8-vectors.js';

const HELLO_UTF8 = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
/** κόσμε, then U+D800 encoded as if it were a scalar value (invalid at its second octet), then "edited". */
const KOSME_SURROGATE = Buffer.concat([KOSME, Buffer.from('eda080', 'hex'), Buffer.from('edited')]);
/** κόσμε, then 0x110000 in the UTF-8 bit pattern (invalid at its second octet, 0x90), then "edited". */
const KOSME_TOO_HIGH = Buffer.concat([KOSME, Buffer.from('f4908080', 'hex'), Buffer.from('edited')]);

/** Sends `payload` as a text message cut into frames of `size` octets (last frame shorter). */
function sendInFrames(run: CaseRun, payload: Buffer, size: number): void {
  const count = Math.max(1, Math.ceil(payload.length / size));
  for (let i = 0; i < count; i++) {
    run.peer.sendFrame({
      opcode: i === 0 ? TEXT : CONTINUATION,
      fin: i === count - 1,
      payload: payload.subarray(i * size, (i + 1) * size),
    });
  }
}

/** The client must fail with 1007; a close started by the server means the client never noticed. */
function expectInvalidPayload(run: CaseRun): void {
  run.expected.set('OK', []);
  run.expectedClose = { closedByMe: false, closeCode: [INVALID_PAYLOAD], requireClean: false, closedByWrongEndpointIsFatal: true };
}

function echoFrames(id: string, description: string, frames: Array<Buffer | string>): CaseDefinition {
  const whole = Buffer.concat(frames.map((f) => Buffer.from(f)));
  return {
    id,
    description,
    expectation: `The client echoes one text message of ${whole.length} bytes; then a clean close with 1000.`,
    start(run) {
      expectEcho(run, [message(whole)]);
      frames.forEach((f, i) =>
        run.peer.sendFrame({ opcode: i === 0 ? TEXT : CONTINUATION, fin: i === frames.length - 1, payload: Buffer.from(f) }),
      );
      run.peer.closeAfter(1_000);
    },
  };
}

function validFragmented(id: string, description: string, payload: Buffer, size: number): CaseDefinition {
  return {
    id,
    description,
    expectation: 'The client echoes the whole message as one text message; then a clean close with 1000.',
    start(run) {
      expectEcho(run, [message(payload)]);
      sendInFrames(run, payload, size);
      run.peer.closeAfter(1_000);
    },
  };
}

function invalidFragmented(id: string, description: string, payload: Buffer, size: number): CaseDefinition {
  return {
    id,
    description,
    expectation: 'The client fails the connection with 1007 (or drops TCP) and echoes nothing.',
    start(run) {
      expectInvalidPayload(run);
      sendInFrames(run, payload, size);
      run.peer.killAfter(1_000);
    },
  };
}

/**
 * 6.4.x: the invalid octets arrive after a 1 s pause, and the rest after another 1 s.
 * Failing before the second pause ends is OK; failing only after the rest arrived is NON-STRICT.
 */
function failFast(id: string, description: string, parts: [Buffer, Buffer, Buffer], asFrames: boolean): CaseDefinition {
  return {
    id,
    description,
    expectation:
      'The client fails with 1007 as soon as the invalid octet arrives (OK); failing only after the whole message is NON-STRICT.',
    start(run) {
      run.expected.set('OK', [timeout('A')]);
      run.expected.set('NON-STRICT', [timeout('A'), timeout('B')]);
      run.expectedClose = { closedByMe: false, closeCode: [INVALID_PAYLOAD], requireClean: false, closedByWrongEndpointIsFatal: true };
      // One frame written in three pieces: header and first part, then the others (the tail of the frame's bytes).
      const frame = asFrames ? null : run.peer.encode({ opcode: TEXT, payload: Buffer.concat(parts) });
      const pieceEnd = (i: number): number => frame!.length - parts.slice(i + 1).reduce((n, p) => n + p.length, 0);
      const send = (i: number): void => {
        if (frame === null) run.peer.sendFrame({ opcode: i === 0 ? TEXT : CONTINUATION, fin: i === 2, payload: parts[i] });
        else run.peer.sendRaw(frame.subarray(i === 0 ? 0 : pieceEnd(i - 1), pieceEnd(i)));
      };
      send(0);
      run.peer.continueLater(1_000, () => {
        if (run.peer.state !== 'OPEN') return;
        run.record(timeout('A'));
        send(1);
        run.peer.continueLater(1_000, () => {
          if (run.peer.state !== 'OPEN') return;
          run.record(timeout('B'));
          send(2);
          run.peer.killAfter(1_000);
        });
      });
    },
  };
}

const hexOf = (b: Buffer): string => b.toString('hex');

function vectorCases(): CaseDefinition[] {
  return UTF8_GROUPS.flatMap((group, g) =>
    group.vectors.map((vector, v): CaseDefinition => ({
      id: `6.${g + 5}.${v + 1}`,
      description: `${group.title}: server sends one text message whose payload is ${vector.valid ? 'valid' : 'invalid'} UTF-8, 0x${hexOf(vector.bytes)}.`,
      expectation: vector.valid
        ? 'The client echoes the message; then a clean close with 1000.'
        : 'The client fails the connection with 1007 (or drops TCP) and echoes nothing.',
      start(run) {
        if (vector.valid) expectEcho(run, [message(vector.bytes)]);
        else expectInvalidPayload(run);
        run.peer.sendFrame({ opcode: TEXT, payload: vector.bytes });
        run.peer.killAfter(500);
      },
    })),
  );
}

export const section6: CaseDefinition[] = [
  echoFrames('6.1.1', 'Server sends an empty text message.', ['']),
  echoFrames('6.1.2', 'Server sends a text message in 3 empty fragments.', ['', '', '']),
  echoFrames('6.1.3', 'Server sends a text message in 3 fragments: empty, "middle frame payload", empty.', ['', 'middle frame payload', '']),
  validFragmented('6.2.1', `Server sends the valid UTF-8 text 0x${hexOf(HELLO_UTF8)} in one frame.`, HELLO_UTF8, HELLO_UTF8.length),
  echoFrames('6.2.2', 'Server sends a valid UTF-8 text in 2 fragments split on a code point boundary.', [
    Buffer.from('Hello-µ@ßöä'),
    Buffer.from('üàá-UTF-8!!'),
  ]),
  validFragmented('6.2.3', 'Server sends a valid UTF-8 text in 1-octet fragments, so fragments split code points.', HELLO_UTF8, 1),
  validFragmented('6.2.4', `Server sends κόσμε (0x${hexOf(KOSME)}) in 1-octet fragments.`, KOSME, 1),
  invalidFragmented('6.3.1', `Server sends the invalid UTF-8 text 0x${hexOf(KOSME_SURROGATE)} in one frame.`, KOSME_SURROGATE, KOSME_SURROGATE.length),
  invalidFragmented('6.3.2', `Server sends the invalid UTF-8 text 0x${hexOf(KOSME_SURROGATE)} in 1-octet fragments.`, KOSME_SURROGATE, 1),
  failFast(
    '6.4.1',
    'Server sends an invalid text message in 3 frames with 1 s pauses: valid κόσμε, then 0xf4908080 (invalid at 0x90), then "edited".',
    [KOSME_TOO_HIGH.subarray(0, 11), KOSME_TOO_HIGH.subarray(11, 15), KOSME_TOO_HIGH.subarray(15)],
    true,
  ),
  failFast(
    '6.4.2',
    'Like 6.4.1, but the second frame ends right after the invalid octet 0x90.',
    [KOSME_TOO_HIGH.subarray(0, 12), KOSME_TOO_HIGH.subarray(12, 13), KOSME_TOO_HIGH.subarray(13)],
    true,
  ),
  failFast(
    '6.4.3',
    'Like 6.4.1, but the three parts are TCP writes of one single frame, with 1 s pauses.',
    [KOSME_TOO_HIGH.subarray(0, 11), KOSME_TOO_HIGH.subarray(11, 15), KOSME_TOO_HIGH.subarray(15)],
    false,
  ),
  failFast(
    '6.4.4',
    'Like 6.4.2, but the three parts are TCP writes of one single frame, with 1 s pauses.',
    [KOSME_TOO_HIGH.subarray(0, 12), KOSME_TOO_HIGH.subarray(12, 13), KOSME_TOO_HIGH.subarray(13)],
    false,
  ),
  ...vectorCases(),
];
