/**
 * Tunnels through a proxy: reach it (TCP, plus TLS for an https proxy), run
 * its handshake (proxy-handshake.ts) under one deadline, hand back the socket
 * positioned right after the proxy's reply.
 */
import type net from 'node:net';
import { isIP } from 'node:net';
import { createError } from '../exceptions.js';
import { bareHost, formatHostPort } from '../url.js';
import { connectTcp, startTls, systemLookup, type HostLookup, type SocketOptions } from './connect.js';
import { checkMsOrNull } from '../options.js';
import { abortReason, limit } from './deadline.js';
import {
  HttpConnectHandshake,
  Socks4Handshake,
  Socks5Handshake,
  type ProxyHandshake,
} from './proxy-handshake.js';
import type { ProxyConfig } from './proxy-config.js';
import { driveHandshake } from './drive.js';
import type { Step, StepMachine } from '../handshake/machine.js';
import { redactHeaderLine } from '../handshake/redact.js';

export type { ProxyConfig, ProxyType } from './proxy-config.js';
export { isNoProxy, parseProxyUrl, proxyUrlOptions, resolveProxy } from './proxy-config.js';

/** Options of {@link openTunnel}. */
export interface TunnelOptions {
  /** Deadline in ms for the whole proxy exchange (DNS, TCP, TLS to the proxy, handshake); null/undefined = none. */
  timeout?: number | null;
  /** Aborting rejects with the signal's reason and destroys the socket. */
  signal?: AbortSignal;
  /** TCP options for the socket to the proxy. */
  sockopt?: SocketOptions;
  /** Resolver for the proxy host and, for socks4/socks5, the target host (tests, custom DNS). */
  lookup?: HostLookup;
  /** Receives one line per step of the exchange (for enableTrace); credentials are redacted. */
  trace?: (line: string) => void;
}

/** The longest stretch of bytes shown in one trace line. */
const TRACE_BYTES = 512;

/** Bytes for a trace line: text for HTTP proxies (credential header values hidden), hex for SOCKS (RFC 1929 packets hidden). */
function traceBytes(type: ProxyConfig['type'], data: Buffer, sent: boolean): string {
  if (type === 'http' || type === 'https') {
    const text = data.toString('latin1').split(/(\r?\n)/).map(redactHeaderLine).join('');
    return JSON.stringify(text.slice(0, TRACE_BYTES)) + (text.length > TRACE_BYTES ? '…' : '');
  }
  // A SOCKS5 client packet starting with version 1 is the RFC 1929 username/password request.
  if (sent && type.startsWith('socks5') && data[0] === 1) return '[username/password request, redacted]';
  return data.subarray(0, TRACE_BYTES).toString('hex').replace(/(..)(?!$)/g, '$1 ') + (data.length > TRACE_BYTES ? '…' : '');
}

/**
 * Connects to `proxy` and opens a tunnel to `target`.
 *
 * Resolves with the socket to use for the target: the TCP socket to the proxy,
 * or the TLS socket to an `https` proxy. It is **paused**, positioned right after
 * the proxy's reply; any bytes the proxy sent past its reply were pushed back
 * with `unshift()`, so attach a listener and call `resume()` (or hand the socket
 * to `startTls` for wss).
 *
 * Errors:
 * - the proxy unreachable (refused, DNS failure of the proxy host, TLS failure
 *   with an https proxy), closing early, refusing, answering garbage ->
 *   WebSocketProxyException (with `cause` when it wraps an error; a non-2xx
 *   HTTP reply fills its `statusCode` and `statusMessage` fields);
 * - the target host not resolving for socks4/socks5 (local DNS) -> WebSocketAddressException;
 * - the deadline -> WebSocketTimeoutException saying what was awaited;
 * - abort -> the signal's reason.
 */
export async function openTunnel(
  proxy: ProxyConfig,
  target: { host: string; port: number },
  options: TunnelOptions = {},
): Promise<net.Socket> {
  checkMsOrNull('httpProxyTimeout', options.timeout ?? null);
  const where = `${proxy.type} proxy ${formatHostPort(proxy.host, proxy.port)}`;
  let waitingFor = `a connection to the ${where}`;
  const { timeout } = options;
  const bound = limit(
    timeout,
    options.signal,
    () => createError('WS_ERR_PROXY_TIMEOUT', `tunnel through the ${where} timed out after ${timeout} ms waiting for ${waitingFor}`),
    `tunnel through the ${where}`,
  );
  const { signal } = bound;
  try {
    const handshake = await makeHandshake(proxy, target, options.lookup ?? systemLookup, signal);
    const socket = await reachProxy(proxy, where, options, signal);
    waitingFor = handshake.waitingFor;
    const trace = options.trace;
    trace?.(`proxy: connected to the ${where}, opening a tunnel to ${formatHostPort(target.host, target.port)}`);
    const tunnel = await exchange(socket, handshake, where, signal, {
      waiting: (now) => (waitingFor = now),
      ...(trace === undefined
        ? {}
        : { bytes: (data: Buffer, sent: boolean) => trace(`proxy ${sent ? '>' : '<'} ${traceBytes(proxy.type, data, sent)}`) }),
    });
    trace?.(`proxy: tunnel open through the ${where}`);
    return tunnel;
  } finally {
    bound.dispose();
  }
}

/** Builds the handshake for the proxy type, resolving the target locally for socks4 and socks5. */
async function makeHandshake(
  proxy: ProxyConfig,
  target: { host: string; port: number },
  lookup: HostLookup,
  signal: AbortSignal | undefined,
): Promise<ProxyHandshake> {
  const host = bareHost(target.host);
  switch (proxy.type) {
    case 'http':
    case 'https':
      return new HttpConnectHandshake({ host, port: target.port }, proxy.auth);
    case 'socks4':
    case 'socks4a': {
      const remote = proxy.type === 'socks4a';
      const address = remote || isIP(host) !== 0 ? host : await resolveLocally(host, 4, lookup, signal);
      return new Socks4Handshake({ host: address, port: target.port }, remote, proxy.auth?.[0]);
    }
    case 'socks5':
    case 'socks5h': {
      const address = proxy.type === 'socks5h' || isIP(host) !== 0 ? host : await resolveLocally(host, 0, lookup, signal);
      return new Socks5Handshake({ host: address, port: target.port }, proxy.auth);
    }
    default:
      throw createError('WS_ERR_INVALID_PROXY_OPTION', `proxy type: expected http, https, socks4, socks4a, socks5 or socks5h, got ${String(proxy.type)}`);
  }
}

/** Local DNS for socks4 (IPv4 only, `family` 4) and socks5 (any family, 0). */
async function resolveLocally(host: string, family: 0 | 4, lookup: HostLookup, signal: AbortSignal | undefined): Promise<string> {
  const addresses = await untilAborted(
    lookup(host).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException | null)?.code ?? String(error);
      throw createError('WS_ERR_HOST_NOT_RESOLVED', `cannot resolve target host ${host}: ${code}`, { cause: error });
    }),
    signal,
    `lookup of ${host}`,
  );
  const usable = addresses.find((entry) => family === 0 || entry.family === family);
  if (usable === undefined) {
    throw createError(
      'WS_ERR_HOST_NOT_RESOLVED',
      `cannot resolve target host ${host}: expected ${family === 4 ? 'an IPv4 address (SOCKS4 carries no other)' : 'an address'}, got none`,
    );
  }
  return usable.address;
}

/** Settles like `promise`, or rejects with the abort reason first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal, what));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** TCP to the proxy, then TLS for an https proxy; failures other than the deadline or an abort become Proxy errors. */
async function reachProxy(
  proxy: ProxyConfig,
  where: string,
  options: TunnelOptions,
  signal: AbortSignal | undefined,
): Promise<net.Socket> {
  const wrap = (step: string) => (error: unknown): never => {
    if (signal?.aborted) throw abortReason(signal, `tunnel through the ${where}`);
    const detail = error instanceof Error ? error.message : String(error);
    throw createError('WS_ERR_PROXY_UNREACHABLE', `cannot reach the ${where}: ${step} failed: ${detail}`, { cause: error });
  };
  const socket = await connectTcp({
    host: proxy.host,
    port: proxy.port,
    signal,
    ...(options.sockopt === undefined ? {} : { sockopt: options.sockopt }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  }).catch(wrap('TCP connect'));
  if (proxy.type !== 'https') return socket;
  return startTls(socket, proxy.host, proxy.tlsOptions, { signal }).catch(wrap('TLS handshake'));
}

/**
 * A proxy handshake as the driver runs it: each step reports what is awaited
 * next (for the timeout message), and the socket's end or failure becomes a
 * WebSocketProxyException saying what was awaited.
 */
class ProxyExchange implements StepMachine<Buffer> {
  constructor(
    private readonly handshake: ProxyHandshake,
    private readonly where: string,
    private readonly waiting: (what: string) => void,
  ) {}

  start(): Buffer {
    return this.handshake.start();
  }

  feed(chunk: Buffer): Step<Buffer> {
    const step = this.handshake.feed(chunk);
    if (step.kind === 'done') return { kind: 'done', value: step.rest, ...(step.data === undefined ? {} : { data: step.data }) };
    this.waiting(this.handshake.waitingFor);
    return step;
  }

  end(): never {
    const { pending, waitingFor } = this.handshake;
    const got = pending > 0 ? `, after ${pending} bytes of it` : '';
    throw createError('WS_ERR_PROXY_CONNECTION_LOST', `the ${this.where} closed the connection while we waited for ${waitingFor}${got}`);
  }

  error(error: Error): never {
    throw createError(
      'WS_ERR_PROXY_CONNECTION_LOST',
      `the connection to the ${this.where} failed while we waited for ${this.handshake.waitingFor}: ${error.message}`,
      { cause: error },
    );
  }
}

/** Runs the handshake over the socket; resolves with the socket paused and the bytes past the reply unshifted. */
async function exchange(
  socket: net.Socket,
  handshake: ProxyHandshake,
  where: string,
  signal: AbortSignal | undefined,
  observe: { waiting(what: string): void; bytes?(data: Buffer, sent: boolean): void },
): Promise<net.Socket> {
  const rest = await driveHandshake(socket, new ProxyExchange(handshake, where, observe.waiting), {
    signal,
    what: `tunnel through the ${where}`,
    ...(observe.bytes === undefined ? {} : { bytes: observe.bytes }),
  });
  if (rest.length > 0) socket.unshift(rest);
  return socket;
}
