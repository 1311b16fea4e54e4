/**
 * Small real peers for transport tests: a raw TCP server, a TLS server, a
 * silent server that accepts and never answers, a unix socket server, and a
 * port nobody listens on. All listen on 127.0.0.1 (or a given loopback address)
 * with an ephemeral port; `close()` destroys every accepted connection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A running test server. */
export interface TestServer {
  /** The bound port (0 for a unix socket server). */
  port: number;
  /** The bound address (the socket path for a unix socket server). */
  host: string;
  server: net.Server;
  /** Every connection accepted so far (raw TCP sockets, also for TLS servers). */
  connections: net.Socket[];
  /** Resolves with the n-th accepted connection (0-based, default 0), now or when it comes. */
  accepted(n?: number): Promise<net.Socket>;
  /** Destroys every connection and stops listening; for a unix server also deletes the socket's directory. */
  close(): Promise<void>;
}

/** Where to listen: a loopback address (default 127.0.0.1) or a unix socket path. */
export interface ListenOptions {
  host?: string;
  path?: string;
}

function track(server: net.Server, event: 'connection', extraCleanup?: () => Promise<void>) {
  const connections: net.Socket[] = [];
  const waiters = new Map<number, Array<(s: net.Socket) => void>>();
  server.on(event, (socket: net.Socket) => {
    socket.on('error', () => {}); // a client that resets must not crash the test process
    connections.push(socket);
    const n = connections.length - 1;
    for (const wake of waiters.get(n) ?? []) wake(socket);
    waiters.delete(n);
  });
  const accepted = (n = 0): Promise<net.Socket> => {
    const ready = connections[n];
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => waiters.set(n, [...(waiters.get(n) ?? []), resolve]));
  };
  const close = async (): Promise<void> => {
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await extraCleanup?.();
  };
  return { connections, accepted, close };
}

async function listen(server: net.Server, where: ListenOptions): Promise<{ host: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (where.path !== undefined) server.listen(where.path, ready);
    else server.listen(0, where.host ?? '127.0.0.1', ready);
  });
  if (where.path !== undefined) return { host: where.path, port: 0 };
  const address = server.address() as net.AddressInfo;
  return { host: address.address, port: address.port };
}

/** Starts a raw TCP server; `onConnection` gets each accepted socket. */
export async function startTcpServer(
  onConnection: (socket: net.Socket) => void = () => {},
  where: ListenOptions = {},
): Promise<TestServer> {
  const server = net.createServer();
  const tracked = track(server, 'connection');
  server.on('connection', onConnection);
  const { host, port } = await listen(server, where);
  return { host, port, server, ...tracked };
}

/** Starts a TCP server on a unix socket in a fresh temp directory. */
export async function startUnixServer(onConnection: (socket: net.Socket) => void = () => {}): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-unix-'));
  const server = net.createServer();
  const tracked = track(server, 'connection', () => rm(dir, { recursive: true, force: true }));
  server.on('connection', onConnection);
  const { host, port } = await listen(server, { path: path.join(dir, 'ws.sock') });
  return { host, port, server, ...tracked };
}

/**
 * Starts a TLS server with `options` (key, cert…); `onSecure` gets each socket
 * that completed the handshake. `connections` holds the raw TCP sockets.
 */
export async function startTlsServer(
  options: tls.TlsOptions,
  onSecure: (socket: tls.TLSSocket) => void = () => {},
  where: ListenOptions = {},
): Promise<TestServer & { tlsErrors: Error[] }> {
  const server = tls.createServer(options);
  const tlsErrors: Error[] = [];
  const tracked = track(server, 'connection');
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => {});
    onSecure(socket);
  });
  server.on('tlsClientError', (error: Error) => tlsErrors.push(error));
  const { host, port } = await listen(server, where);
  return { host, port, server, tlsErrors, ...tracked };
}

/** A server that accepts TCP connections, reads and drops what comes, and never sends a byte. */
export function startSilentServer(where: ListenOptions = {}): Promise<TestServer> {
  return startTcpServer((socket) => socket.resume(), where);
}

/** A port on 127.0.0.1 where nothing listens: bound once to get a free port, then released. */
export async function findClosedPort(): Promise<number> {
  const server = net.createServer();
  const { port } = await listen(server, {});
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Resolves once `socket` has closed (at once if it already has). It reads and
 * drops pending data: a paused socket would never notice the peer's FIN.
 */
export function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  return done;
}

/** Whether this machine can bind the IPv6 loopback ::1. */
export async function canBindIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, { host: '::1' });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}
