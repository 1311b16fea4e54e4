/**
 * The client's opening handshake request (RFC 6455 §4.1), built as one buffer.
 * Pure: no sockets, no timers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createError, type WebSocketProtocolException } from '../exceptions.js';
import { defaultPort, formatHostPort, type ParsedUrl } from '../url.js';
import { forbiddenValueChar, isToken, quote } from './http-syntax.js';
import { redactHeaderLine, redactHeaderValue } from './redact.js';

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The request headers a user chooses (options of `connect()` too). */
export interface RequestHeaderOptions {
  /**
   * Extra headers: an object, or a list of `"Name: value"` lines. A name that the client also generates replaces the generated header.
   * `Authorization`, `Cookie`, `Proxy-Authorization` and `Host` among them are not sent after a redirect to another origin.
   */
  header?: Record<string, string> | string[];
  /** Sent as the `Cookie` header; not after a redirect to another origin. */
  cookie?: string;
  /** `Origin` to send instead of the default `http(s)://host[:port]`. */
  origin?: string;
  /** Send no `Origin` header at all. */
  suppressOrigin?: boolean;
  /** `Host` header value instead of the one derived from the URL; not after a redirect to another origin. */
  host?: string;
  /** Offered subprotocols, in order of preference (RFC 6455 §4.1 item 10). */
  subprotocols?: string[];
}

/** What goes into the handshake request. */
export interface HandshakeRequestOptions extends RequestHeaderOptions {
  /** The parsed target URL: resource, host, port, credentials. */
  url: ParsedUrl;
  /** A `Sec-WebSocket-Extensions` offer, sent verbatim. */
  extensions?: string;
  /** The `Sec-WebSocket-Key` to use instead of 16 fresh random bytes (for tests). */
  key?: string;
}

type Header = [name: string, value: string];

/**
 * Builds the handshake request. Header order: `GET`, `Upgrade`, `Connection`,
 * `Host`, `Origin`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`,
 * `Sec-WebSocket-Protocol`, `Sec-WebSocket-Extensions`, the user's headers,
 * `Cookie`, `Authorization` (Basic, from the URL's userinfo). A generated
 * header is left out when the user's headers carry one of the same name
 * (compared case-insensitively); the user's line is sent in its place among
 * the user's headers. A user `Sec-WebSocket-Key` is the key returned.
 *
 * @returns the request bytes and the `Sec-WebSocket-Key` to check the answer against.
 * @throws WebSocketProtocolException for a header name that is not an RFC 7230
 *   token, a name or value with CR, LF, NUL or another control character, a list
 *   entry without `:`, or a subprotocol that is not a token or is offered twice.
 *   Nothing is sent in that case.
 */
export function buildHandshakeRequest(options: HandshakeRequestOptions): { request: Buffer; key: string } {
  const { url } = options;
  const user = userHeaders(options.header);
  const userNames = new Set(user.map(([name]) => name.toLowerCase()));
  const userKey = user.find(([name]) => name.toLowerCase() === 'sec-websocket-key')?.[1];
  const key = userKey ?? options.key ?? randomBytes(16).toString('base64');

  const before: Header[] = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Host', options.host ?? hostHeader(url)],
  ];
  if (!options.suppressOrigin) before.push(['Origin', options.origin ?? defaultOrigin(url)]);
  before.push(['Sec-WebSocket-Key', key], ['Sec-WebSocket-Version', '13']);
  if (options.subprotocols !== undefined && options.subprotocols.length > 0) {
    before.push(['Sec-WebSocket-Protocol', subprotocolOffer(options.subprotocols)]);
  }
  if (options.extensions !== undefined && options.extensions !== '') {
    before.push(['Sec-WebSocket-Extensions', options.extensions]);
  }
  const after: Header[] = [];
  if (options.cookie !== undefined && options.cookie !== '') after.push(['Cookie', options.cookie]);
  if (url.auth) after.push(['Authorization', basicAuth(url.auth.user, url.auth.pass)]);

  const headers = [...before.filter(notIn(userNames)), ...user, ...after.filter(notIn(userNames))];
  const lines = [`GET ${checkResource(url.resource)} HTTP/1.1`];
  for (const [name, value] of headers) {
    checkHeader(name, value);
    lines.push(`${name}: ${value}`);
  }
  return { request: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), key };
}

/** RFC 6455 §4.2.2 item 5.4: base64(SHA-1(key + GUID)), the expected `Sec-WebSocket-Accept`. */
export function computeAcceptKey(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID, 'latin1').digest('base64');
}

/**
 * The `Host` value for a URL: the port only when it is not the scheme's
 * default, IPv6 in brackets; `localhost` for a unix socket (HTTP/1.1 requires
 * a Host header, RFC 7230 §5.4).
 */
function hostHeader(url: ParsedUrl): string {
  if (url.unixPath !== undefined) return 'localhost';
  return formatHostPort(url.host, url.port, url.port === defaultPort(url.secure));
}

/** The default `Origin`: `https://` for a secure URL, `http://` otherwise, then the Host value. */
function defaultOrigin(url: ParsedUrl): string {
  return `${url.secure ? 'https' : 'http'}://${hostHeader(url)}`;
}

function fail(what: string): WebSocketProtocolException {
  return createError('WS_ERR_INVALID_HANDSHAKE_REQUEST', `cannot send the handshake request: ${what}`);
}

function userHeaders(header: HandshakeRequestOptions['header']): Header[] {
  if (header === undefined || header === null) return [];
  if (Array.isArray(header)) {
    return header.map((line) => {
      const colon = typeof line === 'string' ? line.indexOf(':') : -1;
      if (colon < 0) throw fail(`expected a header line "Name: value", got ${quote(redactHeaderLine(String(line)))}`);
      return [line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, '')];
    });
  }
  const headers: Header[] = [];
  for (const [name, value] of Object.entries(header)) {
    // Like websocket-client, an entry whose value is null or undefined is skipped.
    if (value !== null && value !== undefined) headers.push([name, String(value)]);
  }
  return headers;
}

function checkHeader(name: string, value: string): void {
  if (!isToken(name)) {
    throw fail(`expected a header name made of RFC 7230 token characters, got ${quote(name)}`);
  }
  const bad = forbiddenValueChar(value);
  if (bad >= 0) {
    const code = value.charCodeAt(bad).toString(16).padStart(2, '0');
    throw fail(
      `expected the value of ${name} without CR, LF, NUL or other control characters, got 0x${code} in ${quote(redactHeaderValue(name, value))}`,
    );
  }
}

function checkResource(resource: string): string {
  // parseUrl percent-encodes the resource; this guards a hand-built ParsedUrl.
  if (!/^[\x21-\x7e]+$/.test(resource)) {
    throw fail(`expected a request path of visible ASCII characters, got ${quote(resource)}`);
  }
  return resource;
}

function subprotocolOffer(subprotocols: string[]): string {
  const seen = new Set<string>();
  for (const p of subprotocols) {
    // RFC 6455 §4.1 item 10: each element a token, all unique.
    if (typeof p !== 'string' || !isToken(p)) {
      throw fail(`expected each subprotocol to be an RFC 7230 token, got ${quote(String(p))}`);
    }
    if (seen.has(p)) throw fail(`expected unique subprotocols, got ${quote(p)} twice`);
    seen.add(p);
  }
  return subprotocols.join(', ');
}

function basicAuth(user: string, pass: string): string {
  // RFC 7617 §2.1: user-id ":" password, UTF-8, base64.
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}

function notIn(names: Set<string>): (h: Header) => boolean {
  return ([name]) => !names.has(name.toLowerCase());
}
