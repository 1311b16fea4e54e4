/**
 * WebSocket URL parsing: `ws://`, `wss://` (RFC 6455 §3) as the WHATWG URL
 * Standard parses them, and the `ws+unix:` / `wss+unix:` forms for unix domain
 * sockets. Every unusable URL becomes a WebSocketAddressException that quotes
 * the URL (without its userinfo) and says what is wrong.
 *
 * Pure (no I/O) and a leaf like exceptions.ts: the handshake (request target,
 * redirects), the transport (host:port formatting) and the opening all import
 * it, so the sans-I/O handshake never depends on the transport.
 */
import { createError, type WebSocketAddressException } from './exceptions.js';

/** A WebSocket URL split into what the transport and the handshake need. */
export interface ParsedUrl {
  /** `wss:` or `wss+unix:`: the connection runs TLS. */
  secure: boolean;
  /** Host name (lower-cased), IPv4 address, or IPv6 address without brackets; `''` for unix sockets. */
  host: string;
  /** TCP port; 80 for `ws`, 443 for `wss` when the URL gives none. */
  port: number;
  /** Path and query sent in the request line, at least `/`; the fragment is dropped. */
  resource: string;
  /** Path of the unix domain socket, for `ws+unix:` / `wss+unix:` URLs. */
  unixPath?: string;
  /** Credentials from the URL's userinfo, percent-decoded. */
  auth?: { user: string; pass: string };
}

const SCHEMES: Record<string, { secure: boolean; unix: boolean }> = {
  ws: { secure: false, unix: false },
  wss: { secure: true, unix: false },
  'ws+unix': { secure: false, unix: true },
  'wss+unix': { secure: true, unix: true },
};

/** The port a scheme implies when the URL names none (RFC 6455 §3). */
export function defaultPort(secure: boolean): number {
  return secure ? 443 : 80;
}

/**
 * Parses a WebSocket URL.
 *
 * `ws:` and `wss:` URLs are parsed by the WHATWG URL Standard (Node's global
 * `URL`, what browsers and allow-lists use), so the host, port, path and query
 * this client connects to and requests are exactly those `new URL(url)` reports:
 * a backslash counts as a slash (`ws://127.0.0.1\@evil.example/` is host
 * `127.0.0.1`, path `/@evil.example/`), `ws:example.com` is `ws://example.com/`,
 * IPv4 addresses are normalized (`ws://0x7f.1/` is `127.0.0.1`), international
 * names become punycode, dot segments are removed and the path and query are
 * percent-encoded as the Standard says. The fragment is dropped. Userinfo
 * (`ws://user:pass@host/`) is percent-decoded into `auth`.
 *
 * Stricter than `new URL()`, and refused with a WebSocketAddressException: a
 * control character anywhere or white space at either end (which `URL` would
 * silently strip), port 0 (nothing listens there), and malformed %-escapes in
 * the userinfo. IPv6 zone identifiers are refused as `URL` refuses them.
 *
 * `ws+unix:/path/to.sock:/request/path` (also written
 * `ws+unix:///path/to.sock:/request/path`; the request path defaults to `/`)
 * and `wss+unix:` name a unix domain socket; they are parsed here, not by `URL`.
 *
 * @throws WebSocketAddressException quoting the URL (its userinfo replaced by
 *   `***`) and saying what is wrong: an unknown scheme, an empty or malformed
 *   host, a port outside 1–65535, a control character, unencoded characters in
 *   the userinfo…
 */
export function parseUrl(url: string): ParsedUrl {
  if (typeof url !== 'string') {
    throw createError('WS_ERR_INVALID_URL', `invalid WebSocket URL: expected a string, got ${typeof url}`);
  }
  const bad = (what: string): WebSocketAddressException =>
    createError('WS_ERR_INVALID_URL', `invalid WebSocket URL ${JSON.stringify(redactUrl(url))}: ${what}`);

  const control = /[\x00-\x1f\x7f]/.exec(url);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw bad(`expected no control characters, got 0x${code} at index ${control.index}`);
  }
  if (url !== url.trim()) throw bad('expected no leading or trailing spaces');
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (!schemeMatch) throw bad('expected a scheme such as ws:// or wss://, got none');
  const schemeName = schemeMatch[1]!.toLowerCase();
  const scheme = SCHEMES[schemeName];
  if (!scheme) throw bad(`expected the scheme ws, wss, ws+unix or wss+unix, got "${schemeMatch[1]}"`);

  if (scheme.unix) {
    let rest = url.slice(schemeMatch[0].length);
    const hash = rest.indexOf('#');
    if (hash >= 0) rest = rest.slice(0, hash);
    return parseUnix(rest, scheme.secure, bad);
  }

  let whatwg: URL;
  try {
    whatwg = new URL(url);
  } catch {
    throw bad(diagnose(url.slice(schemeMatch[0].length)));
  }
  const host = bareHost(whatwg.hostname);
  // The Standard allows port 0; nothing can be reached there.
  if (whatwg.port === '0') throw bad('expected a port from 1 to 65535, got "0"');
  const port = whatwg.port === '' ? defaultPort(scheme.secure) : Number(whatwg.port);
  const parsed: ParsedUrl = { secure: scheme.secure, host, port, resource: resourceOf(whatwg) };
  if (whatwg.username !== '' || whatwg.password !== '') {
    try {
      parsed.auth = { user: decodeURIComponent(whatwg.username), pass: decodeURIComponent(whatwg.password) };
    } catch {
      throw bad('expected percent-encoded UTF-8 in the user name and password, got malformed %-escapes');
    }
  }
  return parsed;
}

/** The request-target: path and query as the URL Standard serializes them; a `?` with an empty query is kept. */
function resourceOf(url: URL): string {
  // A serialized path or query never holds a raw "#": the first one starts the fragment.
  const hash = url.href.indexOf('#');
  const hrefNoFragment = hash < 0 ? url.href : url.href.slice(0, hash);
  const emptyQuery = url.search === '' && hrefNoFragment.endsWith('?');
  return `${url.pathname}${url.search}${emptyQuery ? '?' : ''}`;
}

/**
 * A URL as shown in messages and traces: scheme, host, port and request path,
 * never the userinfo (nor the fragment, which is never sent).
 */
export function displayUrl(url: ParsedUrl): string {
  if (url.unixPath !== undefined) return `${url.secure ? 'wss' : 'ws'}+unix:${url.unixPath}:${url.resource}`;
  return `${url.secure ? 'wss' : 'ws'}://${formatHostPort(url.host, url.port, url.port === defaultPort(url.secure))}${url.resource}`;
}

/**
 * URL-like text with anything that may be userinfo replaced by `***`: from
 * after `scheme://` up to the last `@`. Conservative on purpose: a password
 * written without percent-encoding may hold `/`, `?`, `#` or `@`, and text that
 * did not parse cannot say where its userinfo ends.
 */
export function redactUrl(text: string): string {
  const lead = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?[/\\]*/.exec(text)![0].length;
  const at = text.lastIndexOf('@');
  return at < lead ? text : `${text.slice(0, lead)}***${text.slice(at)}`;
}

/**
 * Why the URL Standard refused `rest` (what follows `ws:`/`wss:`): the
 * authority is read as the Standard reads it for these schemes (leading
 * slashes and backslashes skipped, ended by `/`, `\`, `?` or `#`, userinfo up
 * to its last `@`). Nothing that may be a password is quoted.
 */
function diagnose(rest: string): string {
  const start = /^[/\\]*/.exec(rest)![0].length;
  const end = firstIndexOf(rest, '/\\?#', start);
  const authority = rest.slice(start, end);
  const at = authority.lastIndexOf('@');
  if (rest.indexOf('@', end) >= 0) {
    return 'expected a URL as the WHATWG URL Standard defines it; a "/", "\\", "?", "#" or "@" in a user name or password must be percent-encoded';
  }
  const hostport = authority.slice(at + 1);
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return 'expected "]" to close the IPv6 literal, got none';
    const after = hostport.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return `expected ":port" or nothing after "]", got "${after}"`;
    const literal = hostport.slice(1, close);
    if (literal.includes('%')) return `expected an IPv6 address without a zone identifier (the URL Standard has none), got "${literal}"`;
    if (!isIPv6Literal(literal)) return `expected an IPv6 address between the brackets, got "${literal}"`;
    return portProblem(after === '' ? '' : after.slice(1)) ?? 'expected a URL as the WHATWG URL Standard defines it';
  }
  const colon = hostport.indexOf(':');
  if (colon >= 0 && hostport.indexOf(':', colon + 1) >= 0) {
    return `expected an IPv6 address in brackets ("ws://[::1]:8080/"), got "${hostport}"`;
  }
  const name = colon < 0 ? hostport : hostport.slice(0, colon);
  if (name === '') return 'expected a host name, got an empty host';
  const portText = colon < 0 ? '' : hostport.slice(colon + 1);
  const port = portProblem(portText);
  if (port !== undefined) return port;
  return `expected a host name or an IPv4 address that the URL Standard accepts, got "${name}"`;
}

function portProblem(portText: string): string | undefined {
  // RFC 3986 §3.2.3: an empty port means the scheme's default.
  if (portText === '') return undefined;
  const port = /^[0-9]+$/.test(portText) ? Number(portText) : NaN;
  return port >= 1 && port <= 65535 ? undefined : `expected a port from 1 to 65535, got "${portText}"`;
}

/**
 * The host as written in a `Host` header or an HTTP CONNECT target: IPv6 in
 * brackets (a zone id written `%25`, RFC 6874), and `:port` unless `omitPort`.
 */
export function formatHostPort(host: string, port: number, omitPort = false): string {
  const h = host.includes(':') ? `[${host.replace('%', '%25')}]` : host;
  return omitPort ? h : `${h}:${port}`;
}

/** `[::1]` -> `::1`: a host as written in a URL or `host:port`, without its brackets; other hosts unchanged. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function firstIndexOf(s: string, chars: string, from: number): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return s.length;
}

type Fail = (what: string) => WebSocketAddressException;

function parseUnix(rest: string, secure: boolean, bad: Fail): ParsedUrl {
  let body = rest;
  if (body.startsWith('//')) {
    const end = firstIndexOf(body, '/', 2);
    if (end > 2) {
      throw bad(`expected no host in a unix socket URL (ws+unix:/path/to.sock:/request/path), got "${body.slice(2, end)}"`);
    }
    body = body.slice(2);
  }
  const colon = body.indexOf(':');
  const unixPath = colon < 0 ? body : body.slice(0, colon);
  if (unixPath === '') throw bad('expected a socket path (ws+unix:/path/to.sock:/request/path), got none');
  let request = colon < 0 ? '' : body.slice(colon + 1);
  if (request !== '' && !request.startsWith('/') && !request.startsWith('?')) {
    throw bad(`expected the request path after the socket path to start with "/", got "${request}"`);
  }
  request = encodeResource(request, bad);
  return { secure, host: '', port: defaultPort(secure), resource: request, unixPath };
}

function encodeResource(pathAndQuery: string, bad: Fail): string {
  let resource = pathAndQuery === '' ? '/' : pathAndQuery;
  if (resource.startsWith('?')) resource = `/${resource}`;
  try {
    // Characters that may not appear raw in a request-target (RFC 7230 §5.3, RFC 3986 §2).
    return resource.replace(/[^\x21-\x7e]|["<>\\^`{|}]/gu, (c) => encodeURIComponent(c));
  } catch {
    throw bad('expected well-formed Unicode in the path, got an unpaired surrogate');
  }
}

/** RFC 4291 §2.2 text forms, for the diagnosis of a refused URL; checked without node:net so the handshake layer stays sans-I/O. */
function isIPv6Literal(address: string): boolean {
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const all = groups.flat();
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    // An embedded IPv4 address stands for the last two groups.
    const octets = last.split('.');
    if (octets.length !== 4 || !octets.every((o) => /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/.test(o))) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}
