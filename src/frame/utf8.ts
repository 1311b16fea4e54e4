/**
 * Incremental UTF-8 validation (RFC 3629 §3–4), needed by RFC 6455 §8.1: text
 * messages and close reasons must be valid UTF-8, and an endpoint should fail
 * the connection at the first byte that proves a (possibly fragmented) text
 * message invalid.
 *
 * A deterministic automaton over byte classes. Each state records what the
 * next byte must be, so a byte is rejected as soon as no valid text could
 * continue with it: E0 80 fails at 80 (overlong), ED A0 at A0 (surrogate),
 * F4 90 at 90 (above U+10FFFF), C0, C1 and F5..FF at themselves.
 *
 * For speed, long pushes check their bulk with node:buffer's native `isUtf8`
 * (whole-buffer, exact, no position) between character boundaries, and run
 * the automaton only over the bytes that straddle a push boundary, or over the
 * bulk again when the native check says it is invalid, to find the exact byte.
 */
import { isUtf8 } from 'node:buffer';

// Byte classes: what a byte can be, as far as the automaton cares.
const ASCII = 0; //          00..7F
const CONT_80_8F = 1; //     continuation bytes, split where the first
const CONT_90_9F = 2; //     continuation after E0, ED, F0, F4 is restricted
const CONT_A0_BF = 3;
const OVERLONG_LEAD = 4; //  C0 C1: could only start an overlong 2-byte form
const LEAD_2 = 5; //         C2..DF
const LEAD_E0 = 6; //        E0: next must be A0..BF (else overlong)
const LEAD_3 = 7; //         E1..EC, EE, EF
const LEAD_ED = 8; //        ED: next must be 80..9F (else surrogate D800..DFFF)
const LEAD_F0 = 9; //        F0: next must be 90..BF (else overlong)
const LEAD_4 = 10; //        F1..F3
const LEAD_F4 = 11; //       F4: next must be 80..8F (else above U+10FFFF)
const NEVER = 12; //         F5..FF never appear in UTF-8
const CLASS_COUNT = 16; //   row stride of the transition table (13 classes, padded)

function classOf(byte: number): number {
  if (byte < 0x80) return ASCII;
  if (byte < 0x90) return CONT_80_8F;
  if (byte < 0xa0) return CONT_90_9F;
  if (byte < 0xc0) return CONT_A0_BF;
  if (byte < 0xc2) return OVERLONG_LEAD;
  if (byte < 0xe0) return LEAD_2;
  if (byte === 0xe0) return LEAD_E0;
  if (byte === 0xed) return LEAD_ED;
  if (byte < 0xf0) return LEAD_3;
  if (byte === 0xf0) return LEAD_F0;
  if (byte < 0xf4) return LEAD_4;
  if (byte === 0xf4) return LEAD_F4;
  return NEVER;
}

/** Class of every byte value: the column of the transition table. */
const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, byte) => classOf(byte));

// States, stored as row offsets (state number × CLASS_COUNT) so a step is one add and one load.
const ACCEPT = 0 * CLASS_COUNT; //      on a character boundary
const REJECT = 1 * CLASS_COUNT; //      proven invalid; absorbing
const NEED_1 = 2 * CLASS_COUNT; //      one more continuation byte, any 80..BF
const NEED_2 = 3 * CLASS_COUNT; //      two more, any
const NEED_3 = 4 * CLASS_COUNT; //      three more, any
const AFTER_E0 = 5 * CLASS_COUNT; //    then A0..BF, then one more
const AFTER_ED = 6 * CLASS_COUNT; //    then 80..9F, then one more
const AFTER_F0 = 7 * CLASS_COUNT; //    then 90..BF, then two more
const AFTER_F4 = 8 * CLASS_COUNT; //    then 80..8F, then two more
const STATE_COUNT = 9;

const TRANSITIONS = buildTransitions();

function buildTransitions(): Uint8Array {
  const table = new Uint8Array(STATE_COUNT * CLASS_COUNT).fill(REJECT);
  const on = (state: number, classes: number[], next: number): void => {
    for (const c of classes) table[state + c] = next;
  };
  const anyCont = [CONT_80_8F, CONT_90_9F, CONT_A0_BF];
  on(ACCEPT, [ASCII], ACCEPT);
  on(ACCEPT, [LEAD_2], NEED_1);
  on(ACCEPT, [LEAD_E0], AFTER_E0);
  on(ACCEPT, [LEAD_3], NEED_2);
  on(ACCEPT, [LEAD_ED], AFTER_ED);
  on(ACCEPT, [LEAD_F0], AFTER_F0);
  on(ACCEPT, [LEAD_4], NEED_3);
  on(ACCEPT, [LEAD_F4], AFTER_F4);
  on(NEED_1, anyCont, ACCEPT);
  on(NEED_2, anyCont, NEED_1);
  on(NEED_3, anyCont, NEED_2);
  on(AFTER_E0, [CONT_A0_BF], NEED_1);
  on(AFTER_ED, [CONT_80_8F, CONT_90_9F], NEED_1);
  on(AFTER_F0, [CONT_90_9F, CONT_A0_BF], NEED_2);
  on(AFTER_F4, [CONT_80_8F], NEED_2);
  return table;
}

/**
 * Ranges at least this long are checked by node:buffer's native `isUtf8`
 * (simdutf) first; shorter ones go through the automaton only, because the
 * native call has a fixed cost whatever the length. The threshold sits in the
 * crossover measured on mixed and ASCII text (bench/mask-utf8.ts, run at
 * several thresholds; re-measure when either path changes).
 */
const NATIVE_MIN_BYTES = 64;

/** Index of the first byte in [i, end) with the top bit set, or `end`. */
function skipAsciiBytes(chunk: Uint8Array, i: number, end: number): number {
  while (i < end && chunk[i] < 0x80) i++;
  return i;
}

/**
 * The last character boundary in [from, end] if the text there is valid: the
 * index of a lead byte whose sequence runs past `end`, else `end`. Looks at
 * the last 3 bytes at most: three continuation bytes there can only end a
 * complete 4-byte character (or invalid text). On invalid text the answer is
 * some index in [from, end], which is all the caller needs.
 */
function lastBoundary(chunk: Uint8Array, from: number, end: number): number {
  const stop = Math.max(from, end - 3);
  for (let i = end - 1; i >= stop; i--) {
    const byte = chunk[i];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep backing off
    const length = byte < 0xc0 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
    return end - i < length ? i : end;
  }
  return end;
}

/**
 * Incremental, fail-fast UTF-8 validator (RFC 3629): a DFA that can stop
 * mid-sequence and resume, with the bulk of long pushes checked natively.
 */
export class Utf8Validator {
  private state = ACCEPT;

  /**
   * Validate bytes [start, end) of `chunk` as the continuation of what came
   * before. Returns -1 when everything so far is valid UTF-8 or a valid
   * prefix of it; otherwise the index (in `chunk`) of the first byte that
   * proves the text invalid, at the earliest possible byte: 0xF4 0x90 fails
   * at 0x90, 0xED 0xA0 at 0xA0, 0xE0 0x80 at 0x80, 0xC0 and 0xF5..0xFF at
   * themselves. Once failed, every later push returns `start`.
   *
   * @throws RangeError when [start, end) is not a range inside `chunk`.
   */
  push(chunk: Uint8Array, start = 0, end = chunk.length): number {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > chunk.length) {
      throw new RangeError(`expected 0 <= start <= end <= ${chunk.length}, got start ${start} and end ${end}`);
    }
    let state = this.state;
    if (state === REJECT) return start;

    let i = start;
    if (end - start >= NATIVE_MIN_BYTES) {
      // Finish a sequence carried in from the previous push (3 bytes at most) on the automaton.
      while (state !== ACCEPT) {
        state = TRANSITIONS[state + BYTE_CLASS[chunk[i]]];
        if (state === REJECT) {
          this.state = REJECT;
          return i;
        }
        i++;
      }
      // Bulk from a boundary to a boundary natively. When that says invalid, the
      // automaton below walks the same bytes to find the earliest failing one.
      const boundary = lastBoundary(chunk, i, end);
      if (isUtf8(new Uint8Array(chunk.buffer, chunk.byteOffset + i, boundary - i))) i = boundary;
    }
    while (i < end) {
      if (state === ACCEPT) {
        i = skipAsciiBytes(chunk, i, end);
        if (i === end) break;
      }
      state = TRANSITIONS[state + BYTE_CLASS[chunk[i]]];
      if (state === REJECT) {
        this.state = REJECT;
        return i;
      }
      i++;
    }
    this.state = state;
    return -1;
  }

  /** True when the bytes fed so far end on a character boundary (no sequence cut off) and nothing failed. */
  get complete(): boolean {
    return this.state === ACCEPT;
  }

  /** Back to the initial state, ready for a new message. */
  reset(): void {
    this.state = ACCEPT;
  }
}

/**
 * Whole-buffer check: true when `bytes` is complete, valid UTF-8 (the same
 * rules as {@link Utf8Validator}). Native (node:buffer `isUtf8`), since a
 * whole buffer needs no resuming and no failure position.
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}
