/**
 * Where a redirected handshake goes next (RFC 7231 §6.4, §7.1.2): the
 * Location resolved against the request URL (as the WHATWG URL Standard does
 * for ws:/wss:; RFC 3986 §5.2 against a unix socket's request path), `http(s)` mapped
 * to `ws(s)`. Pure: the caller opens the new connection.
 */
import { createError, type WebSocketBadStatusException } from '../exceptions.js';
import { parseUrl, redactUrl, type ParsedUrl } from '../url.js';
import { quote } from './http-syntax.js';
import type { HandshakeResponse } from './response.js';

/** The statuses that are followed. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

const SCHEME_MAP: Record<string, string> = { ws: 'ws', wss: 'wss', http: 'ws', https: 'wss' };

/**
 * For a 301/302/303/307/308 answer, the URL to try next: the `Location`
 * header, absolute or relative, resolved against `currentUrl`, with `http:`
 * mapped to `ws:` and `https:` to `wss:`. `sameOrigin` is false when the
 * scheme (`ws`/`wss`), the host, the port or the unix socket changes: the caller
 * must then drop the credentials (URL userinfo, `Authorization`, `Cookie`,
 * `Proxy-Authorization`) and a `Host` override, for this hop and every later
 * one. Any other status gives `null`.
 *
 * @throws WebSocketBadStatusException (with the response's status and headers)
 *   when the redirect cannot be followed: no Location, a Location that is not a
 *   usable ws/wss/http/https URL (the Address error is its `cause`), or a
 *   `wss` → `ws` downgrade.
 */
export function redirectTarget(currentUrl: string, response: HandshakeResponse): { url: string; sameOrigin: boolean } | null {
  if (!REDIRECT_STATUSES.has(response.statusCode)) return null;
  const refuse = (what: string, cause?: unknown): WebSocketBadStatusException => {
    const status = `${response.statusCode}${response.statusMessage === '' ? '' : ` ${response.statusMessage}`}`;
    return createError('WS_ERR_BAD_REDIRECT', `Handshake status ${status}: cannot follow the redirect: ${what}`, {
      statusCode: response.statusCode,
      statusMessage: response.statusMessage,
      respHeaders: response.headers,
      ...(cause === undefined ? {} : { cause }),
    });
  };

  const location = response.headers['location']?.trim() ?? '';
  if (location === '') throw refuse('expected a Location header, got none');
  const current = parseUrl(currentUrl);
  const url = resolve(currentUrl, current, location, refuse);
  let target: ParsedUrl;
  try {
    target = parseUrl(url);
  } catch (error) {
    throw refuse(`expected a usable WebSocket URL in Location, got ${quote(redactUrl(location))}`, error);
  }
  if (current.secure && !target.secure) {
    throw refuse(`expected a wss: or https: Location after a wss: request, got a downgrade to ${quote(redactUrl(location))}`);
  }
  // The origin of RFC 6454 §4 (scheme, host, port), or the same unix socket.
  const sameOrigin =
    target.secure === current.secure &&
    target.host === current.host &&
    target.port === current.port &&
    target.unixPath === current.unixPath;
  return { url, sameOrigin };
}

interface UriParts {
  scheme?: string;
  authority?: string;
  path: string;
  query?: string;
}

/** RFC 3986 Appendix B: the five components of a URI reference (the fragment is dropped). */
function split(ref: string): UriParts {
  const m = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/.exec(ref)!;
  const parts: UriParts = { path: m[3]! };
  if (m[1] !== undefined) parts.scheme = m[1];
  if (m[2] !== undefined) parts.authority = m[2];
  if (m[4] !== undefined) parts.query = m[4];
  return parts;
}

function resolve(
  currentUrl: string,
  current: ParsedUrl,
  location: string,
  refuse: (what: string, cause?: unknown) => WebSocketBadStatusException,
): string {
  const ref = split(location);
  const refScheme = ref.scheme === undefined ? undefined : SCHEME_MAP[ref.scheme.toLowerCase()];
  if (ref.scheme !== undefined && refScheme === undefined) {
    throw refuse(`expected a Location with the scheme ws, wss, http or https, got ${quote(redactUrl(location))}`);
  }
  if (current.unixPath === undefined) return resolveWhatwg(location, currentUrl, refuse);
  if (refScheme !== undefined) return compose({ ...ref, scheme: refScheme, path: removeDotSegments(ref.path) });
  // A unix socket URL resolves against its request path only (RFC 3986 §5.2), so that "../" never reaches the socket path.
  const base: UriParts = { ...split(`x:${current.resource}`), scheme: undefined };
  const networkScheme = current.secure ? 'wss' : 'ws';
  // RFC 3986 §5.2.2
  let target: UriParts;
  if (ref.authority !== undefined) {
    target = { scheme: networkScheme, authority: ref.authority, path: removeDotSegments(ref.path), query: ref.query };
  } else {
    let path: string;
    let query = ref.query;
    if (ref.path === '') {
      path = base.path;
      query ??= base.query;
    } else if (ref.path.startsWith('/')) {
      path = removeDotSegments(ref.path);
    } else {
      const basePath = base.path === '' ? '/' : base.path;
      path = removeDotSegments(basePath.slice(0, basePath.lastIndexOf('/') + 1) + ref.path);
    }
    target = { ...base, path, query };
  }
  if (ref.authority === undefined) {
    const resource = `${target.path === '' ? '/' : target.path}${target.query === undefined ? '' : `?${target.query}`}`;
    return `${current.secure ? 'wss' : 'ws'}+unix:${current.unixPath}:${resource}`;
  }
  return compose(target);
}

/**
 * A Location resolved against a ws:/wss: URL as browsers and Node's fetch
 * resolve it (the WHATWG URL Standard), `http(s):` mapped to `ws(s):`, the
 * fragment dropped.
 */
function resolveWhatwg(location: string, base: string, refuse: (what: string, cause?: unknown) => WebSocketBadStatusException): string {
  let url: URL;
  try {
    url = new URL(location, base);
  } catch (error) {
    throw refuse(`expected a usable WebSocket URL in Location, got ${quote(redactUrl(location))}`, error);
  }
  const scheme = SCHEME_MAP[url.protocol.slice(0, -1)];
  if (scheme === undefined) {
    throw refuse(`expected a Location with the scheme ws, wss, http or https, got ${quote(redactUrl(location))}`);
  }
  // Between special schemes the Standard allows the change; a port that is the new scheme's default is dropped.
  url.protocol = `${scheme}:`;
  url.hash = '';
  return url.href;
}

function compose(parts: UriParts): string {
  return (
    `${parts.scheme}:${parts.authority === undefined ? '' : `//${parts.authority}`}` +
    `${parts.path}${parts.query === undefined ? '' : `?${parts.query}`}`
  );
}

/** RFC 3986 §5.2.4, for the absolute paths a WebSocket URL has. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..' && out.length > 1) out.pop();
      if (last) out.push('');
      return;
    }
    out.push(segment);
  });
  return out.join('/');
}
