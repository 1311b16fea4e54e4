/**
 * Opening the byte stream a WebSocket runs on: DNS, TCP (or a unix socket),
 * then TLS for wss, under one deadline and one abort signal. The TCP and TLS
 * steps are exported separately so a proxy tunnel can run TLS over its own socket.
 */
import type dns from 'node:dns';
import net from 'node:net';
import type tls from 'node:tls';
import { createError } from '../exceptions.js';
import { bareHost, formatHostPort } from '../url.js';
import { checkMsOrNull, checkPort, checkSockopt } from '../options.js';
import { abortReason, limit } from './deadline.js';
import { hookFirst } from './drive.js';
import { largeReads } from './large-reads.js';
import { applySocketOptions, type SocketOptions } from './socket-options.js';

export type { SocketOptions } from './socket-options.js';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to its addresses, in the order they should be tried. Rejects with the resolver's error. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * `node:dns` and `node:tls`, loaded by the first connection that needs them: a
 * `ws://` connection to an address uses neither, and a process that never
 * loads them keeps their code (about 0.6 MiB of heap) out of every garbage
 * collection's marking.
 */
const dnsModule = (): typeof dns => process.getBuiltinModule('node:dns');
const tlsModule = (): typeof tls => process.getBuiltinModule('node:tls');

/** The resolver used unless one is given: the system's getaddrinfo via `dns.lookup`. */
export const systemLookup: HostLookup = (hostname) => dnsModule().promises.lookup(hostname, { all: true });

/** Options of {@link connectTcp}. */
export interface TcpConnectOptions {
  /** Host name or IP literal (IPv6 with or without brackets). Ignored when `unixPath` is given. */
  host: string;
  /** TCP port, 1–65535. Ignored when `unixPath` is given. */
  port: number;
  /** Connect to this unix domain socket instead of TCP (ws+unix). */
  unixPath?: string;
  /** Deadline in ms for DNS and TCP together; null/undefined = none. */
  timeout?: number | null;
  /** Aborting rejects with the signal's reason and destroys the socket. */
  signal?: AbortSignal;
  /** TCP_NODELAY and keep-alive, applied once connected. */
  sockopt?: SocketOptions;
  /** Resolver to use instead of {@link systemLookup} (custom DNS, tests). */
  lookup?: HostLookup;
}

/** Options of {@link startTls} run on its own (inside {@link openSocket} the open's deadline applies). */
export interface TlsStartOptions {
  /** Deadline in ms for the TLS handshake; null/undefined = none. */
  timeout?: number | null;
  /** Aborting rejects with the signal's reason and destroys the socket. */
  signal?: AbortSignal;
}

/** Options of {@link openSocket}. */
export interface OpenSocketOptions extends TcpConnectOptions {
  /** Run TLS (wss) once the stream is open. */
  secure: boolean;
  /** Deadline in ms for the whole open (DNS + TCP + TLS); null/undefined = none. */
  timeout?: number | null;
  /** Passed to `tls.connect`: `ca`, `cert`, `key`, `passphrase`, `servername`, `rejectUnauthorized` (default true)… */
  sslopt?: tls.ConnectionOptions;
  /**
   * An already connected socket to use instead of dialling. Used as is (no
   * `sockopt` applied); a plain socket gets TLS when `secure`. The open takes
   * ownership: if it fails, this socket is destroyed.
   */
  socket?: net.Socket | tls.TLSSocket;
}

/** TCP errors after which the next resolved address is tried (as websocket-client does). */
const TRY_NEXT_ADDRESS = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/** `host:port`, with an IPv6 literal in brackets, whether or not `host` came bracketed. */
function hostPort(host: string, port: number): string {
  return formatHostPort(bareHost(host), port);
}

/** Where an open goes, for messages: the unix path or host:port. */
function target(options: TcpConnectOptions): string {
  return options.unixPath ?? hostPort(options.host, options.port);
}

function checkTarget(options: TcpConnectOptions): void {
  if (options.unixPath !== undefined) {
    if (typeof options.unixPath !== 'string' || options.unixPath === '') {
      throw createError('WS_ERR_INVALID_TARGET', `unix socket path: expected a non-empty string, got ${JSON.stringify(options.unixPath)}`);
    }
    return;
  }
  if (typeof options.host !== 'string' || bareHost(options.host) === '') {
    throw createError('WS_ERR_INVALID_TARGET', `host: expected a host name or IP address, got ${JSON.stringify(options.host)}`);
  }
  checkPort('port', options.port, 'WS_ERR_INVALID_TARGET');
}

/**
 * Runs `start` until it settles or `signal` aborts. On abort, `start`'s
 * returned cancel function runs (it destroys what was opened) and the promise
 * rejects with the signal's reason. The abort listener never outlives the call.
 */
function abortable<T>(
  signal: AbortSignal | undefined,
  what: string,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal, what));
      return;
    }
    let settled = false;
    let cancel = (): void => {};
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (!settle()) return;
      cancel();
      reject(abortReason(signal as AbortSignal, what));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    cancel = start(
      (value) => settle() && resolve(value),
      (error) => settle() && reject(error),
    );
  });
}

/** DNS step: an IP literal is used as is; a name is looked up, failures become Address exceptions. */
function resolveHost(host: string, lookup: HostLookup, signal: AbortSignal | undefined, what: string) {
  const family = net.isIP(host);
  if (family !== 0) return Promise.resolve([{ address: host, family }]);
  return abortable<readonly ResolvedAddress[]>(signal, what, (resolve, reject) => {
    // Wrapped so a resolver that throws instead of rejecting is handled the same way.
    new Promise<readonly ResolvedAddress[]>((answer) => answer(lookup(host))).then(
      (addresses) => {
        const bad = addresses.find((a) => typeof a?.address !== 'string' || net.isIP(a.address) === 0);
        if (addresses.length === 0) {
          reject(createError('WS_ERR_HOST_NOT_RESOLVED', `cannot resolve host ${host}: no addresses found`));
        } else if (bad !== undefined) {
          reject(createError('WS_ERR_HOST_NOT_RESOLVED', `cannot resolve host ${host}: expected IP addresses from the resolver, got ${JSON.stringify(bad?.address)}`));
        } else {
          resolve(addresses);
        }
      },
      (error: unknown) => {
        const code = (error as NodeJS.ErrnoException | null)?.code ?? String(error);
        reject(createError('WS_ERR_HOST_NOT_RESOLVED', `cannot resolve host ${host}: ${code}`, { cause: error }));
      },
    );
    // A getaddrinfo request cannot be cancelled: on abort its late answer is ignored.
    return () => {};
  });
}

/** One `net.connect`; a connect error comes out unchanged and leaves no socket behind. */
function dial(connectOptions: net.NetConnectOpts, signal: AbortSignal | undefined, what: string) {
  return abortable<net.Socket>(signal, what, (resolve, reject) => {
    const socket = net.connect({ ...connectOptions, onread: largeReads() });
    const unhook = hookFirst(socket, {
      connect: () => resolve(socket),
      error: (error: Error) => {
        socket.destroy();
        reject(error);
      },
    });
    return () => {
      unhook();
      socket.destroy();
    };
  });
}

/**
 * Runs `step` under one signal that aborts when the caller's does or when
 * `timeout` ms pass (then with a WebSocketTimeoutException "<what> timed out
 * after N ms"); the timer and listener go when the step settles.
 */
async function withDeadline<T>(
  timeout: number | null | undefined,
  signal: AbortSignal | undefined,
  what: string,
  step: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const bound = limit(timeout, signal, () => createError('WS_ERR_CONNECT_TIMEOUT', `${what} timed out after ${timeout} ms`), what);
  try {
    return await step(bound.signal);
  } finally {
    bound.dispose();
  }
}

/** DNS + TCP under an already combined signal; tries the addresses in turn like websocket-client. */
async function dialTcp(options: TcpConnectOptions, signal: AbortSignal | undefined): Promise<net.Socket> {
  const what = `connect to ${target(options)}`;
  let socket: net.Socket;
  if (options.unixPath !== undefined) {
    socket = await dial({ path: options.unixPath }, signal, what);
  } else {
    const host = bareHost(options.host);
    const addresses = await resolveHost(host, options.lookup ?? systemLookup, signal, what);
    socket = await dialFirst(addresses, options.port, signal, what);
  }
  applySocketOptions(socket, options.sockopt);
  return socket;
}

async function dialFirst(
  addresses: readonly ResolvedAddress[],
  port: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<net.Socket> {
  for (let i = 0; ; i++) {
    const { address, family } = addresses[i] as ResolvedAddress;
    try {
      return await dial({ host: address, port, family }, signal, what);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const last = i === addresses.length - 1;
      if (last || signal?.aborted || code === undefined || !TRY_NEXT_ADDRESS.has(code)) throw error;
    }
  }
}

/** TLS over `socket` under an already combined signal. */
function handshakeTls(
  socket: net.Socket,
  host: string,
  sslopt: tls.ConnectionOptions | undefined,
  signal: AbortSignal | undefined,
  what: string,
): Promise<tls.TLSSocket> {
  const name = bareHost(host);
  const options: tls.ConnectionOptions = {
    ...sslopt,
    socket,
    host: name, // the name the certificate is checked against unless `servername` is set
    rejectUnauthorized: sslopt?.rejectUnauthorized ?? true,
  };
  // RFC 6066 §3: SNI carries host names only, never IP literals. With no host at
  // all (wss+unix) Node checks the certificate for "localhost".
  if (options.servername === undefined && name !== '' && net.isIP(name) === 0) options.servername = name;
  if (signal?.aborted) {
    socket.destroy();
    return Promise.reject(abortReason(signal, what));
  }
  return abortable<tls.TLSSocket>(signal, what, (resolve, reject) => {
    let secure: tls.TLSSocket;
    try {
      secure = tlsModule().connect(options);
    } catch (error) {
      socket.destroy();
      const detail = error instanceof Error ? error.message : String(error);
      reject(createError('WS_ERR_INVALID_TLS_OPTION', `sslopt: cannot set up TLS for ${name}: ${detail}`, { cause: error }));
      return () => {};
    }
    const destroyBoth = (): void => {
      secure.destroy();
      socket.destroy();
    };
    const unhook = hookFirst(secure, {
      secureConnect: () => resolve(secure),
      error: (error: Error) => {
        destroyBoth();
        reject(error);
      },
      close: () => {
        destroyBoth();
        reject(createError('WS_ERR_CLOSED_DURING_HANDSHAKE', `connection to ${name} closed during the TLS handshake`));
      },
    });
    return () => {
      unhook();
      destroyBoth();
    };
  });
}

/**
 * The TCP step alone: resolves `host` (a failure is a WebSocketAddressException
 * with the resolver's error as `cause`), connects, applies `sockopt`.
 * A refused or reset connection rejects with the Node system error unchanged
 * (`code: 'ECONNREFUSED'`…); the deadline with a WebSocketTimeoutException,
 * also while the lookup is still pending.
 */
export async function connectTcp(options: TcpConnectOptions): Promise<net.Socket> {
  checkTarget(options);
  checkMsOrNull('timeout', options.timeout ?? null);
  checkSockopt(options.sockopt);
  return withDeadline(options.timeout, options.signal, `connect to ${target(options)}`, (signal) => dialTcp(options, signal));
}

/**
 * TLS over an existing socket (a fresh TCP connection or a proxy tunnel).
 * `servername` defaults to `host` unless it is an IP literal; the certificate
 * is checked against `host` (or `servername`); `rejectUnauthorized` defaults to
 * true. A verification or handshake failure rejects with the Node error
 * unchanged (`code` such as `DEPTH_ZERO_SELF_SIGNED_CERT`); options `tls.connect`
 * refuses reject with a WebSocketException. If the handshake fails or is
 * aborted, `socket` is destroyed.
 */
export async function startTls(
  socket: net.Socket,
  host: string,
  sslopt?: tls.ConnectionOptions,
  options: TlsStartOptions = {},
): Promise<tls.TLSSocket> {
  checkMsOrNull('timeout', options.timeout ?? null);
  const what = `TLS handshake with ${bareHost(host)}`;
  return withDeadline(options.timeout, options.signal, what, (signal) => handshakeTls(socket, host, sslopt, signal, what));
}

/**
 * Opens a connected socket, plain or TLS, under one deadline for DNS + TCP + TLS.
 * Errors: DNS failure -> WebSocketAddressException (with `cause`); refused/reset
 * and TLS failures -> the Node error unchanged; deadline -> WebSocketTimeoutException
 * ("connect to host:port timed out after N ms"); abort -> the signal's reason.
 * No socket, listener or timer is left behind on any path.
 */
export async function openSocket(options: OpenSocketOptions): Promise<net.Socket | tls.TLSSocket> {
  if (options.socket === undefined) checkTarget(options);
  checkMsOrNull('timeout', options.timeout ?? null);
  checkSockopt(options.sockopt);
  const where = options.socket === undefined ? target(options) : hostPort(options.host, options.port);
  const what = `connect to ${where}`;
  return withDeadline(options.timeout, options.signal, what, async (signal) => {
    if (options.socket?.destroyed) {
      throw createError('WS_ERR_GIVEN_SOCKET_CLOSED', `the socket given for ${where} is already closed`);
    }
    const plain = options.socket ?? (await dialTcp(options, signal));
    // A given socket that is a TLSSocket already runs TLS (`encrypted` is set on TLSSockets only).
    if (options.secure && (plain as Partial<tls.TLSSocket>).encrypted !== true) {
      return await handshakeTls(plain, options.host, options.sslopt, signal, what);
    }
    if (signal?.aborted) {
      plain.destroy();
      throw abortReason(signal, what);
    }
    return plain;
  });
}
