/**
 * The conformance suites' permessage-deflate codec (RFC 7692 §7.2). A direction that keeps its
 * history (context takeover) uses a long-lived `node:zlib` raw deflate / inflate stream flushed
 * with Z_SYNC_FLUSH, so the history is the stream's own; a direction with "no context takeover"
 * compresses or inflates each message with one synchronous call from an empty history.
 * Deliberately built differently from the library (which uses one-shot calls with a preset
 * dictionary), so the two cannot share a mistake when the client suite tests the library. The one
 * exception is the server suite's inflater (role 'client'), which tests other servers, never the
 * library: it inflates each message with one synchronous call whose preset dictionary is the last
 * window of what came before, which saves the two thread-pool hops of a stream flush per message.
 */
import buffer from 'node:buffer';
import zlib from 'node:zlib';
import type { DeflateParams } from './deflate-negotiation.js';

/** RFC 7692 §7.2.1: the end of a sync flush, removed by the sender, appended by the receiver. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** The payload without the 00 00 ff ff a sync flush ends with (RFC 7692 §7.2.1). */
function stripTail(out: Buffer): Buffer {
  if (out.length < TAIL.length || !out.subarray(out.length - TAIL.length).equals(TAIL)) {
    throw new Error(`expected a sync flush to end with 00 00 ff ff, got ${out.subarray(-4).toString('hex')}`);
  }
  return out.subarray(0, out.length - TAIL.length);
}

/** Thrown when a client's compressed message cannot be inflated; `code` is the close code to fail with. */
export class InflateError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Runs one flush of `stream` over `input` and collects what it produced; rejects on a zlib error or past `limit` bytes. */
function flushThrough(stream: zlib.DeflateRaw | zlib.InflateRaw, input: Buffer[], limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      reject(new InflateError('the zlib stream is gone after an earlier error', 1002));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit && !failed) {
        failed = true;
        reject(new InflateError(`compressed message inflates to more than ${limit} bytes`, 1009));
      }
      if (!failed) chunks.push(chunk);
    };
    const onError = (error: Error): void => {
      cleanup();
      if (!failed) reject(new InflateError(`not a valid DEFLATE stream: zlib says "${error.message}"`, 1002));
      failed = true;
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    for (const part of input) stream.write(part);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      cleanup();
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
}

/** The last `size` bytes of `history` followed by `next`, in a buffer of its own. */
function lastWindow(history: Buffer, next: Buffer, size: number): Buffer {
  if (next.length >= size) return Buffer.from(next.subarray(next.length - size));
  const keep = Math.min(history.length, size - next.length);
  return Buffer.concat([history.subarray(history.length - keep), next]);
}

/**
 * Compression of what the tester sends and decompression of what its peer sends, for one
 * connection. As the server (the default) it deflates with the server's parameters and inflates
 * with the client's; as the client the other way round.
 */
export class DeflateCodec {
  private readonly deflateOptions: { windowBits: number; level: number };
  private readonly deflater: zlib.DeflateRaw | null;
  private readonly inflater: zlib.InflateRaw | null;
  /** role 'client' with the peer's context takeover: the last window (2^bits bytes) of what was inflated. */
  private history: Buffer | null = null;
  /** messages go through each stream one at a time, in call order. */
  private compressing: Promise<unknown> = Promise.resolve();
  private inflating: Promise<unknown> = Promise.resolve();

  /** context and window of what the tester sends, and of what it receives. */
  private readonly mine: { noContextTakeover: boolean; maxWindowBits: number };
  private readonly theirs: { noContextTakeover: boolean; maxWindowBits: number };

  constructor(
    readonly params: DeflateParams,
    role: 'server' | 'client' = 'server',
  ) {
    const server = { noContextTakeover: params.serverNoContextTakeover, maxWindowBits: params.serverMaxWindowBits };
    const client = { noContextTakeover: params.clientNoContextTakeover, maxWindowBits: params.clientMaxWindowBits };
    this.mine = role === 'server' ? server : client;
    this.theirs = role === 'server' ? client : server;
    // zlib cannot compress with a 2^8 window; with 2^9 its matches reach back at most 512 - 262 bytes, within 2^8.
    // As the client (testing a server) the fastest level: the server's inflater is what is tested, and
    // 1000-message cases are bound by compression time.
    this.deflateOptions = { windowBits: Math.max(9, this.mine.maxWindowBits), level: role === 'client' ? 1 : zlib.constants.Z_DEFAULT_COMPRESSION };
    // Streams only for a direction that keeps its history (context takeover); the other is one call per message.
    this.deflater = this.mine.noContextTakeover ? null : zlib.createDeflateRaw(this.deflateOptions);
    if (role === 'client' && !this.theirs.noContextTakeover) this.history = Buffer.alloc(0);
    this.inflater = this.theirs.noContextTakeover || this.history !== null ? null : zlib.createInflateRaw({ windowBits: this.theirs.maxWindowBits });
  }

  /** The payload of a compressed message (rsv1 on its first frame): deflated, without the trailing 00 00 ff ff. */
  compress(message: Buffer): Promise<Buffer> {
    if (this.mine.noContextTakeover) {
      // RFC 7692 §7.1.1: each message starts from an empty history, so one synchronous call compresses it.
      // That saves the two thread-pool hops of a stream flush, which cost more than the compression of a small message.
      try {
        return Promise.resolve(stripTail(zlib.deflateRawSync(message, { ...this.deflateOptions, finishFlush: zlib.constants.Z_SYNC_FLUSH })));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const done = this.compressing.then(async () => stripTail(await flushThrough(this.deflater!, [message], Number.MAX_SAFE_INTEGER)));
    this.compressing = done.catch(() => undefined);
    return done;
  }

  /**
   * Inflates a client's compressed message (its frames' payloads joined) with 00 00 ff ff appended (§7.2.2).
   * The window is the negotiated client_max_window_bits, and the history is dropped after each message
   * when client_no_context_takeover was agreed, so a client that refers further back fails here.
   */
  decompress(payload: Buffer, limit: number): Promise<Buffer> {
    if (this.theirs.noContextTakeover || this.history !== null) {
      // No history to keep (RFC 7692 §7.1.1), or the history given as a preset dictionary: one synchronous
      // call per message, in order by construction. A reference past the window fails as with a stream.
      const history = this.history;
      try {
        const out = zlib.inflateRawSync(Buffer.concat([payload, TAIL]), {
          windowBits: this.theirs.maxWindowBits,
          finishFlush: zlib.constants.Z_SYNC_FLUSH,
          maxOutputLength: Math.min(limit + 1, buffer.kMaxLength),
          ...(history !== null && history.length > 0 ? { dictionary: history } : {}),
        });
        if (out.length > limit) return Promise.reject(new InflateError(`compressed message inflates to more than ${limit} bytes`, 1009));
        if (history !== null) this.history = lastWindow(history, out, 1 << this.theirs.maxWindowBits);
        return Promise.resolve(out);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          return Promise.reject(new InflateError(`compressed message inflates to more than ${limit} bytes`, 1009));
        }
        return Promise.reject(new InflateError(`not a valid DEFLATE stream: zlib says "${(error as Error).message}"`, 1002));
      }
    }
    const done = this.inflating.then(() => flushThrough(this.inflater!, [payload, TAIL], limit));
    this.inflating = done.catch(() => undefined);
    return done;
  }

  /** Frees both zlib streams. */
  close(): void {
    this.deflater?.destroy();
    this.inflater?.destroy();
  }
}
