/**
 * The per-message compressor and decompressor of permessage-deflate
 * (RFC 7692 §7.2), synchronous, on `node:zlib`.
 *
 * Why synchronous: the session stays a sans-I/O state machine that finishes
 * each `receive()` before returning, so message order, fail-fast rules and
 * sends in call order need no extra machinery, and no zlib work is ever in
 * flight: at most one zlib context exists per thread at any moment (the
 * process-wide bound on concurrent zlib work is 1), created for one message
 * and freed before the call returns — there are no zlib streams to leak or
 * free on close, and an idle connection holds no zlib memory at all.
 *
 * Why this keeps context takeover (§7.2.1, §7.2.2) without a long-lived
 * stream: the LZ77 window a message may refer back to is exactly the last
 * 2^windowBits bytes of the earlier (compressed) messages' plaintext. Each
 * side keeps those bytes in a {@link SlidingWindow} and hands them to zlib as
 * the preset dictionary of a raw stream, which zlib treats as window history.
 *
 * Limits: a message is inflated by `inflateRawSync` with `maxOutputLength`,
 * which stops at the first 16 KiB output chunk past the limit: a small
 * message that would inflate to gigabytes never allocates more than the limit
 * (RFC 7692 §8.1 and RFC 6455 §10.4).
 */
import type zlib from 'node:zlib';
import { createError, type WebSocketPayloadException } from '../exceptions.js';
import type { DeflateParams } from './deflate.js';

/** `node:zlib`, loaded by the first compressed message: a process that never compresses does not load it. */
const zlibModule = (): typeof zlib => process.getBuiltinModule('node:zlib');

/** RFC 7692 §7.2.1: a sync flush ends with these 4 bytes, removed on send and added back on receive. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** zlib refuses a raw deflate window of 2^8; 2^9 is safe for a peer with 2^8 (its longest match distance is 512 - 262). */
const MIN_ZLIB_DEFLATE_BITS = 9;

/**
 * The last `capacity` bytes of a byte stream, in one buffer that grows (by
 * doubling) only as far as the bytes pushed need: a direction that never
 * compresses costs nothing, one with small messages little.
 */
export class SlidingWindow {
  private buffer: Buffer | null = null;
  private used = 0;

  constructor(readonly capacity: number) {}

  /** The bytes held: a view, valid until the next push or clear. */
  get bytes(): Buffer | undefined {
    return this.used === 0 || this.buffer === null ? undefined : this.buffer.subarray(0, this.used);
  }

  /** Bytes held right now. */
  get length(): number {
    return this.used;
  }

  /** Append `data`, keeping only the last `capacity` bytes. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const needed = Math.min(this.capacity, this.used + data.length);
    if (this.buffer === null || this.buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.min(this.capacity, Math.max(needed, (this.buffer?.length ?? 0) * 2)));
      if (this.buffer !== null) this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    const buffer = this.buffer;
    if (data.length >= this.capacity) {
      buffer.set(data.subarray(data.length - this.capacity));
      this.used = this.capacity;
      return;
    }
    const keep = Math.min(this.used, this.capacity - data.length);
    buffer.copyWithin(0, this.used - keep, this.used);
    buffer.set(data, keep);
    this.used = keep + data.length;
  }

  /** Forget everything and free the buffer. */
  clear(): void {
    this.buffer = null;
    this.used = 0;
  }
}

/**
 * The compression of one connection, after negotiation: `compress` for each
 * message sent, `decompress` for each compressed message received.
 */
export class PerMessageDeflate {
  /** The agreed parameters. */
  readonly params: DeflateParams;
  /** Messages of at least this many bytes are compressed. */
  readonly threshold: number;
  /** Plaintext of the compressed messages sent; null when the client resets its context per message. */
  private readonly sent: SlidingWindow | null;
  /** Plaintext of the compressed messages received; null when the server resets its context per message. */
  private readonly received: SlidingWindow | null;
  private readonly deflateBits: number;

  constructor(params: DeflateParams, threshold: number) {
    this.params = params;
    this.threshold = threshold;
    this.deflateBits = Math.max(MIN_ZLIB_DEFLATE_BITS, params.clientMaxWindowBits);
    this.sent = params.clientNoContextTakeover ? null : new SlidingWindow(1 << this.deflateBits);
    this.received = params.serverNoContextTakeover ? null : new SlidingWindow(1 << params.serverMaxWindowBits);
  }

  /** Bytes of window history held for both directions (at most 2^clientBits + 2^serverBits). */
  get heldBytes(): number {
    return (this.sent?.length ?? 0) + (this.received?.length ?? 0);
  }

  /**
   * The payload to send with rsv1 set (RFC 7692 §7.2.1: the deflated bytes
   * without the final `00 00 ff ff`), or `null` when `data` is shorter than
   * the threshold and goes uncompressed.
   */
  compress(data: Uint8Array): Buffer | null {
    if (data.length < this.threshold) return null;
    const window = this.sent;
    const { deflateRawSync, constants } = zlibModule();
    const deflated = deflateRawSync(data, {
      finishFlush: constants.Z_SYNC_FLUSH,
      windowBits: this.deflateBits,
      dictionary: window?.bytes,
    });
    window?.push(data);
    return deflated.subarray(0, deflated.length - TAIL.length);
  }

  /**
   * Inflate one whole compressed message (its frames' payloads joined),
   * appending `00 00 ff ff` first (RFC 7692 §7.2.2).
   *
   * @throws WebSocketPayloadException (closeCode 1009) when the output would
   *   pass `limit` bytes — found while inflating, before it is allocated.
   * @throws WebSocketProtocolException (closeCode 1002) for bytes that are not
   *   a valid DEFLATE stream, or that continue after its final block.
   */
  decompress(compressed: Uint8Array, limit: number): Buffer {
    const input = Buffer.allocUnsafe(compressed.length + TAIL.length);
    input.set(compressed, 0);
    input.set(TAIL, compressed.length);
    const window = this.received;
    let result: { buffer: Buffer; engine: zlib.InflateRaw };
    const { inflateRawSync, constants } = zlibModule();
    try {
      result = inflateRawSync(input, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, limit),
        dictionary: window?.bytes,
        info: true,
      }) as unknown as { buffer: Buffer; engine: zlib.InflateRaw };
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(compressed.length, limit);
      const detail = error instanceof Error ? error.message : String(error);
      throw createError(
        'WS_ERR_INVALID_COMPRESSED_DATA',
        `invalid compressed message of ${compressed.length} bytes: expected a DEFLATE stream, zlib says "${detail}" (RFC 7692 §7.2.2)`,
        { cause: error },
      );
    }
    const { buffer, engine } = result;
    if (buffer.length > limit) throw tooLarge(compressed.length, limit);
    // RFC 7692 §7.2.3.4: after a final block (BFINAL = 1) only empty blocks may follow.
    if (input.length - engine.bytesWritten > TAIL.length && !inflatesToNothing(input.subarray(engine.bytesWritten))) {
      throw createError(
        'WS_ERR_INVALID_COMPRESSED_DATA',
        `compressed message has data after its final DEFLATE block (at byte ${engine.bytesWritten} of ${compressed.length}): expected only empty blocks there (RFC 7692 §7.2.3.4)`,
      );
    }
    window?.push(buffer);
    return buffer;
  }

  /** Free the window history: nothing will be sent or received anymore. */
  release(): void {
    this.sent?.clear();
    this.received?.clear();
  }
}

/** True when `rest` is a run of DEFLATE blocks that produce no byte. */
function inflatesToNothing(rest: Buffer): boolean {
  try {
    const { inflateRawSync, constants } = zlibModule();
    return inflateRawSync(rest, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1 }).length === 0;
  } catch {
    return false;
  }
}

function tooLarge(compressedLength: number, limit: number): WebSocketPayloadException {
  return createError(
    'WS_ERR_MESSAGE_TOO_BIG',
    `compressed message of ${compressedLength} bytes inflates to more than ${limit} bytes: expected at most maxPayload = ${limit} bytes`,
  );
}
