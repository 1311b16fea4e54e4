/**
 * The Node-style third argument of the web `WebSocket`: what the global
 * WebSocket cannot be told (headers, TLS, proxies, compression, limits), turned
 * into the options of the connection underneath.
 */
import type * as tls from 'node:tls';
import { createError } from '../exceptions.js';
import type { DeflateOptions } from '../protocol/deflate.js';
import { parseProxyUrl } from '../transport/proxy.js';
import type { ConnectOptions, WebSocketOptions } from '../websocket.js';

/** Options of the web `WebSocket` constructor, beyond the standard's `(url, protocols)`. */
export interface WebSocketInit {
  /** Subprotocols to offer, when the options object takes the place of the second argument. */
  protocols?: string | string[];
  /** Extra request headers. A header the client also generates (`Origin`, `Host`…) replaces it. */
  headers?: Record<string, string>;
  /** `Origin` header value; default `http(s)://host[:port]` of the URL. */
  origin?: string;
  /** TLS options for `wss:` (`ca`, `cert`, `key`, `rejectUnauthorized` default true, `servername`…). */
  tls?: tls.ConnectionOptions;
  /**
   * A proxy URL: `http://`, `https://`, `socks4://`, `socks4a://`, `socks5://` or
   * `socks5h://`, with optional `user:pass@`. `false` ignores the proxy environment
   * variables. Default: `http_proxy`/`https_proxy`/`all_proxy` and `no_proxy` from the environment.
   */
  proxy?: string | false;
  /** Hosts that bypass the proxy (the syntax of `no_proxy`); default from `no_proxy`. */
  noProxy?: string[];
  /** TLS options for the connection to an `https://` proxy itself. */
  proxyTls?: tls.ConnectionOptions;
  /** permessage-deflate (RFC 7692): `true` for the defaults or its parameters. Off by default. */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Largest message accepted, in bytes (default 64 MiB); a larger one fails the connection (1009). */
  maxPayload?: number;
  /** ms for DNS, TCP, proxy, TLS and the opening handshake together; default: no limit. */
  handshakeTimeout?: number;
  /** Redirects followed at most during the handshake; default 3. */
  redirectLimit?: number;
  /** Cancels the connection attempt (like `close()` while connecting). */
  signal?: AbortSignal;
}

/** The options of the connection underneath, split as its constructor and `connect()` take them. */
export interface EngineOptions {
  construct: WebSocketOptions;
  connect: ConnectOptions;
}

const KNOWN = new Set<string>([
  'protocols', 'headers', 'origin', 'tls', 'proxy', 'noProxy', 'proxyTls',
  'perMessageDeflate', 'maxPayload', 'handshakeTimeout', 'redirectLimit', 'signal',
]);

/**
 * Map {@link WebSocketInit} to the connection's options.
 * @throws WebSocketException for an unknown option or a value of the wrong kind;
 *   WebSocketProxyException for a proxy URL that cannot be used.
 */
export function engineOptions(init: WebSocketInit, protocols: string[]): EngineOptions {
  for (const key of Object.keys(init)) {
    if (!KNOWN.has(key)) {
      throw createError('WS_ERR_INVALID_OPTION', `unknown WebSocket option ${JSON.stringify(key)}: expected one of ${[...KNOWN].join(', ')}`);
    }
  }
  const construct: WebSocketOptions = {};
  const connect: ConnectOptions = { subprotocols: protocols };
  if (init.headers !== undefined) {
    if (typeof init.headers !== 'object' || init.headers === null || Array.isArray(init.headers)) {
      throw createError('WS_ERR_INVALID_OPTION', `expected headers to be an object of header names to values, got ${describe(init.headers)}`);
    }
    connect.header = { ...init.headers };
  }
  if (init.origin !== undefined) connect.origin = init.origin;
  if (init.tls !== undefined) construct.sslopt = init.tls;
  if (init.perMessageDeflate !== undefined) construct.perMessageDeflate = init.perMessageDeflate;
  if (init.maxPayload !== undefined) construct.maxPayload = init.maxPayload;
  if (init.handshakeTimeout !== undefined) {
    const ms = init.handshakeTimeout;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw createError('WS_ERR_INVALID_OPTION', `expected handshakeTimeout to be a positive number of milliseconds, got ${describe(ms)}`);
    }
    connect.timeout = ms;
  } else {
    connect.timeout = null;
  }
  if (init.redirectLimit !== undefined) connect.redirectLimit = init.redirectLimit;
  if (init.noProxy !== undefined) connect.httpNoProxy = init.noProxy;
  if (init.proxyTls !== undefined) connect.proxySslopt = init.proxyTls;
  if (init.proxy === false) {
    // A no_proxy entry matching every host turns the environment's proxy off.
    connect.httpNoProxy = ['*'];
  } else if (init.proxy !== undefined) {
    if (typeof init.proxy !== 'string') {
      throw createError('WS_ERR_INVALID_OPTION', `expected proxy to be a proxy URL or false, got ${describe(init.proxy)}`);
    }
    const proxy = parseProxyUrl(init.proxy, 'proxy option');
    connect.httpProxyHost = proxy.host;
    connect.httpProxyPort = proxy.port;
    connect.proxyType = proxy.type;
    if (proxy.auth !== undefined) connect.httpProxyAuth = proxy.auth;
  }
  return { construct, connect };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
