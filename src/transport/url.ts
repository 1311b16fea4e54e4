/**
 * WebSocket URL parsing: `ws://`, `wss://` (RFC 6455 §3) and the `ws+unix:` /
 * `wss+unix:` forms for unix domain sockets. Every unusable URL becomes a
 * WebSocketAddressException that quotes the URL and says what is wrong.
 */
import { domainToASCII } from 'node:url';
import { WebSocketAddressException } from '../exceptions.js';
import { isPort } from '../options.js';

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
 * Accepted: `ws://host[:port][/path][?query][#fragment]`, the same with `wss://`,
 * IPv6 literals in brackets (`ws://[::1]:8080/`), userinfo (`ws://user:pass@host/`,
 * percent-decoded into `auth`), and `ws+unix:/path/to.sock:/request/path` (also
 * written `ws+unix:///path/to.sock:/request/path`; the request path defaults to `/`).
 * Schemes are matched case-insensitively (RFC 3986 §3.1); host names are lower-cased,
 * international names converted to ASCII (punycode). Spaces and non-ASCII characters
 * in the path and query are percent-encoded as UTF-8.
 *
 * @throws WebSocketAddressException naming the URL and the problem: an unknown
 *   scheme, an empty or malformed host, a port outside 1–65535, a control
 *   character, bad percent-encoding in the userinfo…
 */
export function parseUrl(url: string): ParsedUrl {
  const bad = (what: string): WebSocketAddressException =>
    new WebSocketAddressException(`invalid WebSocket URL ${JSON.stringify(url)}: ${what}`);

  if (typeof url !== 'string') {
    throw new WebSocketAddressException(`invalid WebSocket URL: expected a string, got ${typeof url}`);
  }
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

  let rest = url.slice(schemeMatch[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);

  if (scheme.unix) return parseUnix(rest, scheme.secure, bad);
  if (!rest.startsWith('//')) throw bad(`expected "//" after "${schemeMatch[0]}"`);

  const authEnd = firstIndexOf(rest, '/?', 2);
  const authority = rest.slice(2, authEnd);
  const resource = encodeResource(rest.slice(authEnd), bad);

  const at = authority.lastIndexOf('@');
  const auth = at > 0 ? parseUserinfo(authority.slice(0, at), bad) : undefined;
  const { host, portText } = splitHostPort(authority.slice(at + 1), bad);
  const port = parsePort(portText, scheme.secure, bad);

  const parsed: ParsedUrl = { secure: scheme.secure, host, port, resource };
  if (auth) parsed.auth = auth;
  return parsed;
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

function parseUserinfo(userinfo: string, bad: Fail): { user: string; pass: string } {
  const colon = userinfo.indexOf(':');
  const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const rawPass = colon < 0 ? '' : userinfo.slice(colon + 1);
  try {
    return { user: decodeURIComponent(rawUser), pass: decodeURIComponent(rawPass) };
  } catch {
    throw bad('expected percent-encoded UTF-8 in the user name and password, got malformed %-escapes');
  }
}

function splitHostPort(hostport: string, bad: Fail): { host: string; portText: string | undefined } {
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw bad('expected "]" to close the IPv6 literal, got none');
    const after = hostport.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw bad(`expected ":port" or nothing after "]", got "${after}"`);
    // RFC 6874: a zone id is written "%25" inside the brackets.
    const literal = hostport.slice(1, close).replace(/%25/, '%');
    if (!isIPv6Literal(literal)) throw bad(`expected an IPv6 address between the brackets, got "${hostport.slice(1, close)}"`);
    const zone = literal.indexOf('%');
    const host = zone < 0 ? literal.toLowerCase() : literal.slice(0, zone).toLowerCase() + literal.slice(zone);
    return { host, portText: after === '' ? undefined : after.slice(1) };
  }
  const colon = hostport.indexOf(':');
  if (colon >= 0 && hostport.indexOf(':', colon + 1) >= 0) {
    throw bad(`expected an IPv6 address in brackets ("ws://[::1]:8080/"), got "${hostport}"`);
  }
  const name = colon < 0 ? hostport : hostport.slice(0, colon);
  if (name === '') throw bad('expected a host name, got an empty host');
  return { host: checkHostName(name, bad), portText: colon < 0 ? undefined : hostport.slice(colon + 1) };
}

/** RFC 4291 §2.2 text forms (with an optional RFC 4007 zone id), checked without node:net so the handshake layer stays sans-I/O. */
function isIPv6Literal(text: string): boolean {
  const zone = text.indexOf('%');
  if (zone >= 0 && !/^[A-Za-z0-9._~-]+$/.test(text.slice(zone + 1))) return false;
  const address = zone < 0 ? text : text.slice(0, zone);
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

function checkHostName(name: string, bad: Fail): string {
  let ascii = name;
  if (/[^\x00-\x7f]/.test(name)) {
    ascii = domainToASCII(name);
    if (ascii === '') throw bad(`expected a valid international host name, got "${name}"`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(ascii)) {
    throw bad(`expected a host name of letters, digits, ".", "-" and "_", got "${name}"`);
  }
  return ascii.toLowerCase();
}

function parsePort(portText: string | undefined, secure: boolean, bad: Fail): number {
  // RFC 3986 §3.2.3: an empty port means the scheme's default.
  if (portText === undefined || portText === '') return defaultPort(secure);
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!isPort(port)) throw bad(`expected a port from 1 to 65535, got "${portText}"`);
  return port;
}
