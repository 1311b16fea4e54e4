/**
 * The server's answer to the opening handshake: an incremental, bounded
 * parser of the response head (RFC 7230 §3) and the exact checks of a 101
 * (RFC 6455 §4.1, client side). Pure: bytes in, values or exceptions out.
 */
import { createError, type WebSocketProtocolException } from '../exceptions.js';
import { badStatusError } from './body.js';
import { headerList, isToken, quote } from './http-syntax.js';
import { redactHeaderLine } from './redact.js';
import { computeAcceptKey } from './request.js';
import type { HandshakeResponse } from './response-head.js';

export { ResponseBodyCollector, badStatusError, MAX_BODY_BYTES } from './body.js';
export type { HandshakeResponse } from './response-head.js';

/** Largest response head accepted: status line, headers and the blank line, in bytes. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Most header lines accepted after the status line. */
export const MAX_HEADER_LINES = 100;


const LF = 0x0a;
const CR = 0x0d;

/** Header values nearly every 101 carries (RFC 6455 §4.1): kept once, not once per connection. */
const COMMON_VALUES = new Map(['websocket', 'WebSocket', 'Upgrade', 'upgrade'].map((value) => [value, value]));

/**
 * A header value as the connection keeps it: a common one shared, any other
 * copied out of its line, which a value sliced from it would keep alive
 * (`Sec-WebSocket-Accept: …` whole, for a 28-character key).
 */
function keptValue(value: string): string {
  return COMMON_VALUES.get(value) ?? Buffer.from(value, 'latin1').toString('latin1');
}

/**
 * Incremental parser of the response head. Feed it the socket's chunks with
 * `push()`; it returns `null` until the blank line that ends the head has
 * arrived, then the response and `rest`, the bytes that came after the head
 * (frames the server sent right behind its 101: they belong to the frame
 * parser). Lines may end in CRLF or a bare LF (RFC 7230 §3.5); HTTP/1.0 and
 * HTTP/1.1 status lines are accepted; empty lines before the status line are
 * skipped (RFC 7230 §3.5); obsolete line folding is joined with a space
 * (RFC 7230 §3.2.4). The result does not depend on how the input is chunked.
 *
 * @throws WebSocketProtocolException when the head passes MAX_HEAD_BYTES or
 *   MAX_HEADER_LINES, the status line is malformed, or a header line is (the
 *   message quotes the offending line, truncated).
 */
export class HandshakeResponseParser {
  private head: Buffer | null = null;
  private length = 0;
  private lineStart = 0;
  private lines = 0;
  private status: { httpVersion: string; statusCode: number; statusMessage: string } | null = null;
  private raw: Array<[string, string]> = [];
  private complete = false;

  /** Feeds the next chunk; returns the response and the bytes after the head once the head is complete. */
  push(chunk: Buffer): { response: HandshakeResponse; rest: Buffer } | null {
    if (this.complete) throw createError('WS_ERR_HANDSHAKE_FINISHED', 'the handshake response head is already complete: pass further bytes to the frame parser');
    const head = (this.head ??= Buffer.allocUnsafe(MAX_HEAD_BYTES));
    const start = this.length;
    const take = Math.min(chunk.length, MAX_HEAD_BYTES - start);
    chunk.copy(head, start, 0, take);
    this.length += take;
    const filled = head.subarray(0, this.length);

    for (let lf = filled.indexOf(LF, start); lf >= 0; lf = filled.indexOf(LF, lf + 1)) {
      const end = lf > this.lineStart && head[lf - 1] === CR ? lf - 1 : lf;
      const line = head.toString('latin1', this.lineStart, end);
      this.lineStart = lf + 1;
      if (line === '' && this.status !== null) {
        this.complete = true;
        this.head = null;
        return { response: this.response(), rest: chunk.subarray(lf + 1 - start) };
      }
      this.line(line);
    }
    if (this.length === MAX_HEAD_BYTES) {
      const first = head.toString('latin1', 0, Math.min(this.length, 120)).split(/\r?\n/)[0] ?? '';
      throw fail(
        `expected the response head (status line and headers) within ${MAX_HEAD_BYTES} bytes, got ${MAX_HEAD_BYTES} bytes without the blank line that ends it, starting ${quote(first, 60)}`,
      );
    }
    return null;
  }

  private line(line: string): void {
    const bad = line.search(/[\0\r]/);
    if (bad >= 0) {
      throw fail(`expected no ${line[bad] === '\0' ? 'NUL' : 'bare CR'} inside a response line, got ${quote(redactHeaderLine(line))}`);
    }
    if (this.status === null) {
      if (line !== '') this.status = parseStatusLine(line);
      return;
    }
    if (++this.lines > MAX_HEADER_LINES) {
      throw fail(`expected at most ${MAX_HEADER_LINES} header lines, got more; line ${this.lines} is ${quote(redactHeaderLine(line))}`);
    }
    if (line[0] === ' ' || line[0] === '\t') {
      const last = this.raw[this.raw.length - 1];
      if (last === undefined) throw fail(`expected a header line, got a continuation line first: ${quote(redactHeaderLine(line))}`);
      last[1] = `${last[1]} ${line.trim()}`.trim();
      return;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
    if (colon < 0 || !isToken(name)) {
      throw fail(`expected a header line "Name: value" with a token name, got ${quote(redactHeaderLine(line))}`);
    }
    this.raw.push([name, line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }

  private response(): HandshakeResponse {
    // Joined in a Map, then made own data properties: a header named `__proto__`
    // or `constructor` is kept as sent, never read from or written to the prototype.
    const joined = new Map<string, string>();
    for (const [name, value] of this.raw) {
      const key = name.toLowerCase();
      const previous = joined.get(key);
      joined.set(key, keptValue(previous === undefined ? value : `${previous}${key === 'set-cookie' ? '\n' : ', '}${value}`));
    }
    return { ...this.status!, headers: Object.fromEntries(joined), rawHeaders: this.raw };
  }
}

function fail(what: string): WebSocketProtocolException {
  return createError('WS_ERR_INVALID_HANDSHAKE_RESPONSE', `invalid handshake response: ${what}`);
}

function parseStatusLine(line: string): { httpVersion: string; statusCode: number; statusMessage: string } {
  // RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase
  const m = /^HTTP\/(1\.[01]) ([0-9]{3})(?: (.*))?$/.exec(line);
  if (!m) throw fail(`expected a status line like "HTTP/1.1 101 Switching Protocols", got ${quote(redactHeaderLine(line))}`);
  return { httpVersion: m[1]!, statusCode: Number(m[2]), statusMessage: m[3] ?? '' };
}

/** What the client offered, to check the 101 against. */
export interface UpgradeExpectation {
  /** The `Sec-WebSocket-Key` that was sent. */
  key: string;
  /** The subprotocols offered, if any. */
  subprotocols?: string[];
  /** Whether a `Sec-WebSocket-Extensions` offer was sent. */
  extensionsOffered?: boolean;
}

/**
 * Checks a 101 response exactly (RFC 6455 §4.1, the client's rules 1–6):
 * the status line is HTTP/1.1, `Upgrade` is `websocket` (case-insensitive), `Connection` has the token
 * `upgrade`, `Sec-WebSocket-Accept` is exactly computeAcceptKey(key),
 * `Sec-WebSocket-Protocol` is absent or one of the offered subprotocols (an
 * answer without one is accepted, subprotocol `null`), and
 * `Sec-WebSocket-Extensions` appears only if extensions were offered (it is
 * returned for the caller to negotiate).
 *
 * Check `statusCode === 101` first and collect the body of anything else; given
 * another status this throws badStatusError(response) without a body.
 *
 * @throws WebSocketProtocolException saying what was expected and what came.
 */
export function validateUpgradeResponse(
  response: HandshakeResponse,
  expected: UpgradeExpectation,
): { subprotocol: string | null; extensions: string | null } {
  if (response.statusCode !== 101) throw badStatusError(response);
  // RFC 6455 §4.1: "the handshake from the server" is an HTTP/1.1 response; an HTTP/1.0 server cannot switch protocols.
  if (response.httpVersion !== '1.1') {
    throw fail(
      `expected an HTTP/1.1 101 response (RFC 6455 §4.1 requires HTTP/1.1), got ${quote(`HTTP/${response.httpVersion} ${response.statusCode} ${response.statusMessage}`.trimEnd())}`,
    );
  }
  const h = response.headers;

  const upgrade = h['upgrade'];
  if (upgrade?.toLowerCase() !== 'websocket') {
    throw fail(`expected "Upgrade: websocket", got ${upgrade === undefined ? 'no Upgrade header' : quote(`Upgrade: ${upgrade}`)}`);
  }
  const connection = h['connection'];
  if (connection === undefined || !headerList(connection).some((t) => t.toLowerCase() === 'upgrade')) {
    throw fail(
      `expected "Connection: Upgrade", got ${connection === undefined ? 'no Connection header' : quote(`Connection: ${connection}`)}`,
    );
  }
  const accept = computeAcceptKey(expected.key);
  const gotAccept = h['sec-websocket-accept'];
  if (gotAccept !== accept) {
    throw fail(
      `expected "Sec-WebSocket-Accept: ${accept}", got ${gotAccept === undefined ? 'no Sec-WebSocket-Accept header' : quote(`Sec-WebSocket-Accept: ${gotAccept}`)}`,
    );
  }

  const offered = expected.subprotocols ?? [];
  const protocol = h['sec-websocket-protocol'];
  if (protocol !== undefined && !offered.includes(protocol)) {
    const offer = offered.length === 0 ? 'none was offered' : `expected one of ${offered.map((p) => quote(p)).join(', ')}`;
    throw fail(`the server selected the subprotocol ${quote(protocol)}, but ${offer}`);
  }

  const extensions = h['sec-websocket-extensions'];
  if (extensions !== undefined && extensions !== '' && !expected.extensionsOffered) {
    throw fail(`expected no Sec-WebSocket-Extensions since none was offered, got ${quote(`Sec-WebSocket-Extensions: ${extensions}`)}`);
  }
  return { subprotocol: protocol ?? null, extensions: extensions === undefined || extensions === '' ? null : extensions };
}
