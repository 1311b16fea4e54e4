/**
 * The opening sequence of a connection: URL -> (proxy tunnel) -> TCP/TLS ->
 * HTTP Upgrade request -> response, following redirects, all under one
 * deadline. It returns the connected socket positioned right after the 101
 * response, plus any bytes that arrived glued to it.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { createError } from './exceptions.js';
import { buildHandshakeRequest, type RequestHeaderOptions } from './handshake/request.js';
import type { HandshakeResponse } from './handshake/response-head.js';
import { UpgradeHandshake } from './handshake/upgrade.js';
import { checkConnectOptions } from './options.js';
import { acceptDeflateResponse, deflateOffer, describeDeflateParams, type DeflateConfig } from './protocol/deflate.js';
import { PerMessageDeflate } from './protocol/deflate-codec.js';
import { openSocket, startTls, type SocketOptions } from './transport/connect.js';
import { limit } from './transport/deadline.js';
import { driveHandshake } from './transport/drive.js';
import { openTunnel, resolveProxy, type ProxyType } from './transport/proxy.js';
import { displayUrl, formatHostPort, parseUrl, redactUrl, type ParsedUrl } from './url.js';
import { redactHead, redactHeaderValue } from './handshake/redact.js';
import { isTraceEnabled, trace } from './trace.js';

/** Options of `WebSocket.connect()`. Durations in milliseconds. */
export interface ConnectOptions extends RequestHeaderOptions {
  /** ms (0 to 2^31 - 1) for connect + handshake, and afterwards for each `recv()`; null waits forever; default getDefaultTimeout(). */
  timeout?: number | null;
  /**
   * Redirects followed at most (301/302/303/307/308); default 3. After a redirect to another origin
   * (scheme, host or port), the URL's credentials, `Authorization`, `Cookie`, `Proxy-Authorization`
   * and the `Host` override are not sent again.
   */
  redirectLimit?: number;
  httpProxyHost?: string;
  httpProxyPort?: number;
  httpProxyAuth?: [user: string, pass: string];
  /** ms (0 to 2^31 - 1) for the proxy exchange; default: the connection timeout. */
  httpProxyTimeout?: number;
  httpNoProxy?: string[];
  proxyType?: ProxyType;
  /** TLS options for an https proxy itself. */
  proxySslopt?: tls.ConnectionOptions;
  /** An already connected socket to run the handshake on (first hop only). */
  socket?: net.Socket | tls.TLSSocket;
  signal?: AbortSignal;
}

/** What the opening sequence needs beyond ConnectOptions. */
export interface OpeningParams extends ConnectOptions {
  sockopt?: SocketOptions;
  sslopt?: tls.ConnectionOptions;
  /** permessage-deflate to offer (RFC 7692); the server's answer is negotiated with the handshake. */
  deflate?: DeflateConfig | null;
}

/** A connection whose opening handshake succeeded. */
export interface OpenedConnection {
  socket: net.Socket | tls.TLSSocket;
  url: ParsedUrl;
  response: HandshakeResponse;
  subprotocol: string | null;
  extensions: string | null;
  /** The negotiated permessage-deflate, or null (not offered, or declined by the server). */
  compression: PerMessageDeflate | null;
  /** Bytes that arrived right after the 101 response: the first frames. */
  head: Buffer;
}

const REDIRECT_DEFAULT_LIMIT = 3;

/**
 * Run the whole opening sequence under one deadline (`timeout`, covering DNS,
 * TCP, proxy, TLS, the handshake and every redirect hop).
 *
 * @throws WebSocketException (WebSocketProxyException for a proxy option) for
 *   a connect option of the wrong kind or out of range, before anything is opened.
 */
export async function openConnection(rawUrl: string, params: OpeningParams): Promise<OpenedConnection> {
  checkConnectOptions(params);
  const timeout = params.timeout ?? null;
  const deadline = timeout === null ? null : Date.now() + timeout;
  const bound = limit(
    timeout,
    params.signal,
    () => createError('WS_ERR_OPEN_TIMEOUT', `opening handshake with ${shownUrl(rawUrl)} timed out after ${timeout} ms`),
    'connect',
  );
  try {
    return await followRedirects(rawUrl, params, bound.signal ?? new AbortController().signal, deadline);
  } finally {
    bound.dispose();
  }
}

async function followRedirects(
  rawUrl: string,
  params: OpeningParams,
  signal: AbortSignal,
  deadline: number | null,
): Promise<OpenedConnection> {
  const maxRedirects = params.redirectLimit ?? REDIRECT_DEFAULT_LIMIT;
  let currentUrl = rawUrl;
  let carryCredentials = true;
  for (let hop = 0; ; hop++) {
    const url = parseUrl(currentUrl);
    const socket = await openTransport(url, params, hop === 0 ? params.socket : undefined, signal, deadline);
    let result: HandshakeOutcome;
    try {
      result = await runHandshake(socket, url, currentUrl, params, carryCredentials, signal);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    if (result.kind === 'open') return result.connection;
    socket.destroy();
    if (hop >= maxRedirects) {
      throw createError(
        'WS_ERR_TOO_MANY_REDIRECTS',
        `too many redirects: ${maxRedirects} followed (redirectLimit), the last one answered ${result.response.statusCode} ${result.response.statusMessage} to ${shownUrl(result.target.url)}`,
        {
          statusCode: result.response.statusCode,
          statusMessage: result.response.statusMessage,
          respHeaders: result.response.headers,
        },
      );
    }
    // Credentials never follow a redirect to another origin, nor come back on a later hop.
    carryCredentials &&= result.target.sameOrigin;
    currentUrl = result.target.url;
  }
}

/** A URL as messages show it: without userinfo (parsed), or with anything that may be userinfo hidden. */
function shownUrl(text: string): string {
  try {
    return displayUrl(parseUrl(text));
  } catch {
    return redactUrl(String(text));
  }
}

type HandshakeOutcome =
  | { kind: 'open'; connection: OpenedConnection }
  | { kind: 'redirect'; response: HandshakeResponse; target: { url: string; sameOrigin: boolean } };

function remaining(deadline: number | null): number | null {
  return deadline === null ? null : Math.max(1, deadline - Date.now());
}

async function openTransport(
  url: ParsedUrl,
  params: OpeningParams,
  userSocket: net.Socket | tls.TLSSocket | undefined,
  signal: AbortSignal,
  deadline: number | null,
): Promise<net.Socket | tls.TLSSocket> {
  const common = { timeout: remaining(deadline), signal, sockopt: params.sockopt, sslopt: params.sslopt };
  if (userSocket !== undefined || url.unixPath !== undefined) {
    return openSocket({ ...common, host: url.host, port: url.port, secure: url.secure, unixPath: url.unixPath, socket: userSocket });
  }
  const proxy = resolveProxy({ host: url.host, port: url.port, secure: url.secure }, params);
  if (proxy === null) {
    return openSocket({ ...common, host: url.host, port: url.port, secure: url.secure });
  }
  if (isTraceEnabled()) trace(`--- proxy ${proxy.type}://${formatHostPort(proxy.host, proxy.port)} -> ${formatHostPort(url.host, url.port)}`);
  const tunnel = await openTunnel(proxy, { host: url.host, port: url.port }, {
    timeout: params.httpProxyTimeout ?? remaining(deadline),
    signal,
    sockopt: params.sockopt,
    trace: isTraceEnabled() ? trace : undefined,
  });
  if (!url.secure) return tunnel;
  try {
    return await startTls(tunnel, url.host, params.sslopt, { timeout: remaining(deadline), signal });
  } catch (error) {
    tunnel.destroy();
    throw error;
  }
}

/** Write the Upgrade request and read the answer (and a non-101 body) from the socket. */
async function runHandshake(
  socket: net.Socket | tls.TLSSocket,
  url: ParsedUrl,
  currentUrl: string,
  params: OpeningParams,
  carryCredentials: boolean,
  signal: AbortSignal,
): Promise<HandshakeOutcome> {
  const { request, key } = buildHandshakeRequest({
    url: carryCredentials ? url : { ...url, auth: undefined },
    header: carryCredentials ? params.header : withoutOriginBoundHeaders(params.header),
    cookie: carryCredentials ? params.cookie : undefined,
    origin: params.origin,
    suppressOrigin: params.suppressOrigin,
    host: carryCredentials ? params.host : undefined,
    subprotocols: params.subprotocols,
    extensions: params.deflate ? deflateOffer(params.deflate) : undefined,
  });
  if (isTraceEnabled()) {
    // Credentials never reach a trace sink (a log file, a terminal shared on screen).
    trace(`--- request header ---\n${redactHead(request.toString('latin1').trimEnd())}\n-----------------------`);
  }
  const handshake = new UpgradeHandshake({
    request,
    key,
    subprotocols: params.subprotocols,
    extensionsOffered: Boolean(params.deflate),
    url: currentUrl,
    peer: url.unixPath ?? formatHostPort(url.host, url.port),
    onHead: isTraceEnabled() ? traceResponseHead : undefined,
  });
  const outcome = await driveHandshake(socket, handshake, { signal, what: 'opening handshake' });
  if (outcome.kind === 'redirect') return outcome;
  const { rest, ...opened } = outcome;
  const compression = negotiateCompression(opened.extensions, params.deflate ?? null);
  return { kind: 'open', connection: { socket, url, ...opened, compression, head: rest } };
}

/**
 * RFC 7692 §7: the server's answer to our permessage-deflate offer, as the
 * codec of both directions; null when nothing was offered or the server declined.
 *
 * @throws WebSocketProtocolException for an answer the offer does not allow.
 */
function negotiateCompression(answer: string | null, deflate: DeflateConfig | null): PerMessageDeflate | null {
  if (deflate === null) return null;
  const params = acceptDeflateResponse(answer, deflate);
  const compression = params === null ? null : new PerMessageDeflate(params, deflate.threshold);
  if (isTraceEnabled()) trace(compression === null ? '--- permessage-deflate: declined by the server' : `--- ${describeDeflateParams(compression.params, compression.threshold)}`);
  return compression;
}

function traceResponseHead(head: HandshakeResponse): void {
  const lines = Object.entries(head.headers).flatMap(([k, v]) => {
    if (k === 'location') return [`${k}: ${redactUrl(v)}`];
    return redactHeaderValue(k, v).split('\n').map((line) => `${k}: ${line}`);
  });
  trace(`--- response header ---\n${head.statusCode} ${head.statusMessage}\n${lines.join('\n')}\n-----------------------`);
}

/** The headers that stay with the first origin (what Node's fetch drops on a cross-origin redirect). */
const ORIGIN_BOUND_HEADERS = /^(authorization|cookie|proxy-authorization|host)$/i;

function withoutOriginBoundHeaders(header: ConnectOptions['header']): ConnectOptions['header'] {
  if (header === undefined || header === null) return undefined;
  const bound = (name: string) => ORIGIN_BOUND_HEADERS.test(name.trim());
  if (Array.isArray(header)) return header.filter((line) => typeof line !== 'string' || !bound(line.split(':', 1)[0]!));
  return Object.fromEntries(Object.entries(header).filter(([name]) => !bound(name)));
}
