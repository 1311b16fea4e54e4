/**
 * Shared pieces of the fuzz targets: byte streams built from structured
 * server frames and then mutated, chunkings of a stream, and the checks every
 * target applies (only documented exception classes, bounded time per input).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

/** Longest time one input may take, in ms: far above the microseconds a parser needs, so only a hang or a blow-up trips it. */
export const MAX_MS_PER_INPUT = 1000;

/** One fuzz target: a fast-check property over inputs that a hostile peer controls. */
export interface FuzzTarget {
  /** Short name, used by `npm run fuzz -- --target NAME`. */
  readonly name: string;
  /** What is fuzzed and which properties are checked. */
  readonly what: string;
  /** The property, synchronous and stateless (checked any number of times); `any` because each target has its own argument tuple. */
  readonly property: fc.IRawProperty<any, false>;
}

/** Throws an Error saying what broke when `condition` is false. */
export function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

/** Runs `body` and fails when it takes longer than {@link MAX_MS_PER_INPUT}. */
export function timed<T>(what: string, body: () => T): T {
  const started = performance.now();
  const result = body();
  const took = performance.now() - started;
  ensure(took <= MAX_MS_PER_INPUT, () => `${what} took ${took.toFixed(1)} ms for one input: expected at most ${MAX_MS_PER_INPUT} ms`);
  return result;
}

/** The error's class name and message, for comparing runs; fails on anything not in `allowed`. */
export function describeError(error: unknown, allowed: ReadonlyArray<abstract new (...args: never[]) => Error>, where: string): string {
  const ok = allowed.some((cls) => error instanceof cls);
  if (!ok) {
    const shown = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    throw new Error(`${where} threw ${shown}: expected only ${allowed.map((c) => c.name).join(' or ')}`);
  }
  const e = error as Error & { closeCode?: number };
  return `${e.name}(${e.closeCode ?? '-'}): ${e.message}`;
}

/** A short exact fingerprint of bytes for event logs: hex when short, else length and SHA-1 prefix. */
export function fingerprint(bytes: Uint8Array): string {
  if (bytes.length <= 24) return Buffer.from(bytes).toString('hex');
  return `${bytes.length}#${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}`;
}

/** Cut points for a stream of unknown length: each is taken modulo the length. */
export const cutsArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 8 }) },
  // Sometimes one byte at a time: the worst case for every "spans chunks" path.
  { weight: 1, arbitrary: fc.constant([-1]) as fc.Arbitrary<number[]> },
);

/**
 * Fresh copies of the pieces of `bytes` cut at `cuts` (parsers may unmask in
 * place, so every run gets its own memory). `[-1]` means one byte per piece.
 */
export function chunk(bytes: Uint8Array, cuts: readonly number[]): Buffer[] {
  if (bytes.length === 0) return [Buffer.alloc(0)];
  if (cuts.length === 1 && cuts[0] === -1) {
    // One byte per piece for short streams; long ones in 7-byte pieces, to stay fast.
    const step = bytes.length <= 2048 ? 1 : 7;
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += step) pieces.push(Buffer.from(bytes.subarray(i, i + step)));
    return pieces;
  }
  const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of points) {
    pieces.push(Buffer.from(bytes.subarray(from, at)));
    from = at;
  }
  pieces.push(Buffer.from(bytes.subarray(from)));
  return pieces;
}

/** One way to damage a byte stream. */
export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** `bytes` with the mutations applied in order (positions modulo the current length). */
export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const length = out.length;
    const at = length === 0 ? 0 : m.at % length;
    switch (m.kind) {
      case 'set':
        if (length > 0) out[at] = m.byte;
        break;
      case 'flip':
        if (length > 0) out[at] ^= 1 << m.bit;
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}

/**
 * A byte stream from a structured generator, usually left intact (to reach
 * deep states), often mutated, sometimes replaced by pure random bytes.
 */
export function hostileBytes(structured: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 5, arbitrary: structured.map((b) => Buffer.from(b)) },
    {
      weight: 4,
      arbitrary: fc.tuple(structured, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([b, ms]) => mutate(b, ms)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
  );
}

/** How a frame's payload length is written in its header. */
export type LengthForm =
  | { kind: 'natural' }
  | { kind: 'wide16' }
  | { kind: 'wide64' }
  | { kind: 'lie'; declared: bigint };

/** Lengths a hostile server may announce: edges of every encoding and of JavaScript numbers. */
const HOSTILE_LENGTHS: readonly bigint[] = [
  0n, 1n, 125n, 126n, 127n, 0xffffn, 0x10000n, 0xffff_ffffn, 0x1_0000_0000n,
  2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n,
];

export const lengthFormArb: fc.Arbitrary<LengthForm> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'natural' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wide16' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wide64' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.constantFrom(...HOSTILE_LENGTHS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
      .map((declared) => ({ kind: 'lie' as const, declared })),
  },
);

/** A server frame's fields, any of them possibly against the RFC. */
export interface RawFrame {
  fin: boolean;
  /** rsv bits as 0-7 (4 = rsv1). */
  rsv: number;
  opcode: number;
  /** A masking key (servers must not mask, RFC 6455 §5.1), or null. */
  mask: Uint8Array | null;
  payload: Uint8Array;
  length: LengthForm;
}

/** The wire bytes of `frame` (masking the payload if a key is given). */
export function encodeRawFrame(frame: RawFrame): Buffer {
  const declared =
    frame.length.kind === 'lie' ? frame.length.declared : BigInt(frame.payload.length);
  let form: 7 | 16 | 64;
  if (frame.length.kind === 'wide16') form = declared <= 0xffffn ? 16 : 64;
  else if (frame.length.kind === 'wide64') form = 64;
  else form = declared <= 125n ? 7 : declared <= 0xffffn ? 16 : 64;
  const extra = form === 7 ? 0 : form === 16 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + (frame.mask ? 4 : 0));
  header[0] = (frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0x0f);
  header[1] = (frame.mask ? 0x80 : 0) | (form === 7 ? Number(declared) : form === 16 ? 126 : 127);
  if (form === 16) header.writeUInt16BE(Number(declared), 2);
  if (form === 64) header.writeBigUInt64BE(declared & (2n ** 64n - 1n), 2);
  const payload = Buffer.from(frame.payload);
  if (frame.mask) {
    header.set(frame.mask, 2 + extra);
    for (let i = 0; i < payload.length; i++) payload[i] ^= frame.mask[i & 3];
  }
  return Buffer.concat([header, payload]);
}

/** Opcodes, mostly valid ones, sometimes reserved (3-7, 11-15). */
export const opcodeArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(0, 1, 2, 8, 9, 10) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
);

/** Payload bytes: random, valid UTF-8 text, or bytes that break UTF-8. */
export const payloadArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 2, arbitrary: fc.constantFrom(
    Buffer.from([0xc0, 0xaf]), // overlong
    Buffer.from([0xed, 0xa0, 0x80]), // surrogate
    Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    Buffer.from([0xe2, 0x82]), // cut sequence
    Buffer.from('κόσμε', 'utf8'),
  ) },
  { weight: 1, arbitrary: fc.integer({ min: 126, max: 20_000 }).map((n) => Buffer.alloc(n, 0x61)) },
);

/** Any server frame: usually plausible, any field possibly wrong. */
export const rawFrameArb: fc.Arbitrary<RawFrame> = fc.record({
  fin: fc.boolean(),
  rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) }),
  opcode: opcodeArb,
  mask: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
  payload: payloadArb,
  length: lengthFormArb,
});
