/**
 * The body of a handshake answered with something other than 101: collected
 * (bounded) so that WebSocketBadStatusException can show what the server said.
 * Pure: the caller feeds bytes, reports the close, and owns the deadline.
 */
import { createError, type WebSocketBadStatusException } from '../exceptions.js';
import { headerList, quote } from './http-syntax.js';
import type { HandshakeResponse } from './response-head.js';

/** Most body bytes kept; the rest is dropped and collection ends. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Longest chunk-size line accepted in a chunked body (RFC 7230 §4.1), extensions included. */
const MAX_CHUNK_LINE = 1024;

type Framing = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * Collects a response body framed as RFC 7230 §3.3.3 says: none for 1xx, 204
 * and 304; chunked transfer coding (decoded; done at the last chunk, trailers
 * are not read); Content-Length; otherwise until the connection closes. An
 * invalid Content-Length is read until close. At most `limit` bytes are kept:
 * past them, or at a malformed chunk, collection ends with `truncated` set.
 */
export class ResponseBodyCollector {
  private framing: Framing;
  private parts: Buffer[] = [];
  private size = 0;
  private finished = false;
  private cut = false;
  private limit: number;
  // Chunked decoding state (RFC 7230 §4.1).
  private chunkState: 'size' | 'data' | 'cr' | 'lf' = 'size';
  private chunkLine = '';
  private chunkRemaining = 0;

  constructor(response: HandshakeResponse, limit = MAX_BODY_BYTES) {
    this.limit = limit;
    this.framing = framingOf(response);
    if (this.framing.kind === 'none' || (this.framing.kind === 'length' && this.framing.remaining === 0)) {
      this.finished = true;
    }
  }

  /** Feeds bytes that followed the head; returns true once the body is complete (then ignores further bytes). */
  push(chunk: Buffer): boolean {
    if (this.finished) return true;
    const framing = this.framing;
    if (framing.kind === 'length') {
      const take = Math.min(chunk.length, framing.remaining);
      framing.remaining -= take;
      this.append(chunk.subarray(0, take));
      if (framing.remaining === 0) this.finished = true;
    } else if (framing.kind === 'chunked') {
      this.dechunk(chunk);
    } else {
      this.append(chunk);
    }
    return this.done;
  }

  /** The connection closed: the body is whatever came; `truncated` if its framing announced more. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.framing.kind !== 'close') this.cut = true;
  }

  /** True once the body is complete, cut at the limit, or the connection closed. */
  get done(): boolean {
    return this.finished;
  }

  /** True when `body` is not the whole body: cut at the limit, malformed chunking, or closed early. */
  get truncated(): boolean {
    return this.cut;
  }

  /** The bytes collected so far. */
  get body(): Buffer {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }

  private append(bytes: Buffer): void {
    const room = this.limit - this.size;
    const over = bytes.length > room;
    const kept = over ? bytes.subarray(0, room) : bytes;
    if (kept.length > 0) {
      this.parts.push(kept);
      this.size += kept.length;
    }
    if (over) {
      this.cut = true;
      this.finished = true;
    }
  }

  private dechunk(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.done) {
      switch (this.chunkState) {
        case 'size': {
          const lf = chunk.indexOf(0x0a, i);
          const end = lf < 0 ? chunk.length : lf;
          this.chunkLine += chunk.toString('latin1', i, end);
          i = end;
          if (this.chunkLine.length > MAX_CHUNK_LINE) return this.malformed();
          if (lf < 0) break;
          i = lf + 1;
          // chunk-size [ chunk-ext ] CRLF; the extensions are ignored.
          const hex = this.chunkLine.replace(/\r$/, '').split(';', 1)[0]!.trim();
          this.chunkLine = '';
          if (!/^[0-9A-Fa-f]{1,13}$/.test(hex)) return this.malformed();
          this.chunkRemaining = parseInt(hex, 16);
          if (this.chunkRemaining === 0) {
            this.finished = true;
            return;
          }
          this.chunkState = 'data';
          break;
        }
        case 'data': {
          const take = Math.min(chunk.length - i, this.chunkRemaining);
          this.append(chunk.subarray(i, i + take));
          i += take;
          this.chunkRemaining -= take;
          if (this.chunkRemaining === 0) this.chunkState = 'cr';
          break;
        }
        case 'cr':
          // The CRLF after the chunk data; a bare LF is tolerated.
          if (chunk[i] === 0x0d) i++;
          this.chunkState = 'lf';
          break;
        case 'lf':
          if (chunk[i] !== 0x0a) return this.malformed();
          i++;
          this.chunkState = 'size';
          break;
      }
    }
  }

  private malformed(): void {
    this.finished = true;
    this.cut = true;
  }
}

function framingOf(response: HandshakeResponse): Framing {
  const { statusCode, headers } = response;
  if ((statusCode >= 100 && statusCode < 200) || statusCode === 204 || statusCode === 304) return { kind: 'none' };
  const codings = headers['transfer-encoding'];
  if (codings !== undefined) {
    // RFC 7230 §3.3.3 item 3: chunked must be the final coding, else read until close.
    return headerList(codings).at(-1)?.toLowerCase() === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const lengthHeader = headers['content-length'];
  if (lengthHeader !== undefined) {
    // Repeated identical values ("5, 5") are one length (RFC 7230 §3.3.2).
    const values = new Set(headerList(lengthHeader));
    const [only] = values;
    if (values.size === 1 && /^[0-9]{1,15}$/.test(only!)) return { kind: 'length', remaining: Number(only) };
  }
  return { kind: 'close' };
}

/**
 * The exception for a handshake answered with another status than 101:
 * `"Handshake status 403 Forbidden: expected 101 Switching Protocols"`, plus the
 * body's first line when the body is short readable text. `expected` replaces the
 * part after the colon (e.g. for a redirect that cannot be followed).
 */
export function badStatusError(
  response: HandshakeResponse,
  body?: Buffer,
  expected = 'expected 101 Switching Protocols',
): WebSocketBadStatusException {
  const status = `${response.statusCode}${response.statusMessage === '' ? '' : ` ${response.statusMessage}`}`;
  const firstLine = body === undefined ? null : textFirstLine(body);
  const tail = firstLine === null ? '' : `; body: ${quote(firstLine, 120)}`;
  return createError('WS_ERR_BAD_STATUS', `Handshake status ${status}: ${expected}${tail}`, {
    statusCode: response.statusCode,
    statusMessage: response.statusMessage,
    respHeaders: response.headers,
    ...(body === undefined ? {} : { respBody: body }),
  });
}

/** Longest first line quoted in the message. */
const MAX_QUOTED_LINE_BYTES = 1024;

function textFirstLine(body: Buffer): string | null {
  let start = 0;
  while (start < body.length && (body[start] === 0x20 || body[start] === 0x09 || body[start] === 0x0d || body[start] === 0x0a)) start++;
  const lf = body.indexOf(0x0a, start);
  const end = lf < 0 ? body.length : lf;
  if (end === start || end - start > MAX_QUOTED_LINE_BYTES) return null;
  let line: string;
  try {
    line = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(start, end)).trim();
  } catch {
    return null;
  }
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(line) ? null : line;
}
