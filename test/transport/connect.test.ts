import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  WebSocketAddressException,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketTimeoutException,
} from '../../src/exceptions.js';
import { connectTcp, openSocket, startTls, type HostLookup } from '../../src/transport/connect.js';
import { DEFAULT_KEEPALIVE_MS } from '../../src/transport/socket-options.js';
import {
  canBindIpv6Loopback,
  closed,
  findClosedPort,
  startSilentServer,
  startTcpServer,
  startTlsServer,
  startUnixServer,
  type TestServer,
} from '../helpers/servers.js';
import { settlesAt, until, useFakeClock } from '../helpers/fake-clock.js';
import { makeTestCertificates, WRONG_HOST, type TestCertificates } from '../helpers/tls-cert.js';

/** Echoes every byte back. */
const echo = (socket: net.Socket): void => {
  socket.pipe(socket);
};

/** Writes `text` and resolves with the same number of bytes read back. */
async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  const done = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= text.length) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
  socket.write(text);
  await done;
  return Buffer.concat(chunks).toString();
}

/** The rejection of `promise` (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    const value = await promise;
    (value as net.Socket | undefined)?.destroy?.();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection, got a socket');
}

/** Open sockets and pending timers (server handles are TCPServerWrap/PipeServerWrap, not counted). */
function socketsAndTimers(): Record<string, number> {
  const counts: Record<string, number> = { TCPSocketWrap: 0, PipeWrap: 0, Timeout: 0 };
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource in counts) counts[resource] = (counts[resource] as number) + 1;
  }
  return counts;
}

const servers: TestServer[] = [];
async function serve<T extends TestServer>(start: Promise<T>): Promise<T> {
  const server = await start;
  servers.push(server);
  return server;
}

const sockets: net.Socket[] = [];
function keep<T extends net.Socket>(socket: T): T {
  sockets.push(socket);
  return socket;
}

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('connectTcp and openSocket over plain TCP', () => {
  it('connects to 127.0.0.1 and exchanges bytes', async () => {
    const server = await serve(startTcpServer(echo));
    const socket = keep(await openSocket({ host: '127.0.0.1', port: server.port, secure: false }));
    expect(socket).toBeInstanceOf(net.Socket);
    expect(socket).not.toBeInstanceOf(tls.TLSSocket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(await roundTrip(socket, 'hello over tcp')).toBe('hello over tcp');
  });

  it('resolves localhost with the system resolver', async () => {
    const server = await serve(startTcpServer(echo));
    const socket = keep(await connectTcp({ host: 'localhost', port: server.port }));
    expect(await roundTrip(socket, 'by name')).toBe('by name');
  });

  it('connects to the IPv6 loopback ::1, with or without brackets (or fails with a Node error where ::1 is unusable)', async () => {
    if (await canBindIpv6Loopback()) {
      const server = await serve(startTcpServer(echo, { host: '::1' }));
      for (const host of ['::1', '[::1]']) {
        const socket = keep(await openSocket({ host, port: server.port, secure: false }));
        expect(socket.remoteAddress).toBe('::1');
        expect(socket.remoteFamily).toBe('IPv6');
        expect(await roundTrip(socket, `v6 ${host}`)).toBe(`v6 ${host}`);
      }
    } else {
      const port = await findClosedPort();
      const error = await failure(openSocket({ host: '::1', port, secure: false }));
      expect(error).not.toBeInstanceOf(WebSocketException);
      expect(['EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT', 'ECONNREFUSED']).toContain(error.code);
    }
  });

  it('connects to a unix socket path', async () => {
    const server = await serve(startUnixServer(echo));
    const socket = keep(await openSocket({ host: 'localhost', port: 80, unixPath: server.host, secure: false }));
    expect(await roundTrip(socket, 'over a unix socket')).toBe('over a unix socket');
  });

  it('rejects a missing unix socket with the Node error unchanged', async () => {
    const error = await failure(connectTcp({ host: '', port: 0, unixPath: '/nonexistent/rfc6455.sock' }));
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect(error.code).toBe('ENOENT');
  });

  it('rejects a closed port with the Node ECONNREFUSED error, not wrapped', async () => {
    const port = await findClosedPort();
    const error = await failure(openSocket({ host: '127.0.0.1', port, secure: false, timeout: 2000 }));
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect(error.code).toBe('ECONNREFUSED');
    expect((error as NodeJS.ErrnoException).syscall).toBe('connect');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('tries the next resolved address after a refusal, like websocket-client', async () => {
    const server = await serve(startTcpServer(echo));
    const lookup: HostLookup = async () => [
      { address: '127.0.0.2', family: 4 }, // nothing listens there: refused
      { address: '127.0.0.1', family: 4 },
    ];
    const socket = keep(await connectTcp({ host: 'two.example.test', port: server.port, lookup }));
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(await roundTrip(socket, 'second address')).toBe('second address');
  });

  it('rejects with the last refusal when every address refuses', async () => {
    const port = await findClosedPort();
    const lookup: HostLookup = async () => [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const error = await failure(connectTcp({ host: 'two.example.test', port, lookup }));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('DNS failures', () => {
  it('nonexistent.invalid is a WebSocketAddressException with the resolver error as cause', async () => {
    // RFC 6761 §6.4: .invalid never resolves; on this machine getaddrinfo answers ENOTFOUND at once.
    const error = await failure(openSocket({ host: 'nonexistent.invalid', port: 80, secure: false, timeout: 5000 }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toMatch(/^cannot resolve host nonexistent\.invalid: (ENOTFOUND|EAI_AGAIN|EAI_FAIL|ENODATA)$/);
    expect(error).toMatchObject({ code: 'WS_ERR_HOST_NOT_RESOLVED' });
    expect((error.cause as NodeJS.ErrnoException).code).toBe(error.message.split(': ')[1]);
  });

  it('a resolver error (EAI_AGAIN) is an Address exception carrying it', async () => {
    const cause = Object.assign(new Error('getaddrinfo EAI_AGAIN flaky.test'), { code: 'EAI_AGAIN' });
    const lookup: HostLookup = async () => {
      throw cause;
    };
    const error = await failure(connectTcp({ host: 'flaky.test', port: 80, lookup }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toBe('cannot resolve host flaky.test: EAI_AGAIN');
    expect(error.cause).toBe(cause);
  });

  it('a resolver that throws instead of rejecting is an Address exception too', async () => {
    const cause = new Error('resolver exploded');
    const lookup: HostLookup = () => {
      throw cause;
    };
    const error = await failure(connectTcp({ host: 'sync.test', port: 80, lookup }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toBe('cannot resolve host sync.test: Error: resolver exploded');
    expect(error.cause).toBe(cause);
  });

  it('an answer that is not an IP address is an Address exception', async () => {
    const lookup: HostLookup = async () => [{ address: 'still.a.name', family: 4 }];
    const error = await failure(connectTcp({ host: 'odd.test', port: 80, lookup }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toBe('cannot resolve host odd.test: expected IP addresses from the resolver, got "still.a.name"');
  });

  it('an empty answer is an Address exception', async () => {
    const error = await failure(connectTcp({ host: 'empty.test', port: 80, lookup: async () => [] }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toBe('cannot resolve host empty.test: no addresses found');
  });

  it('a lookup still pending at the deadline is a Timeout, and its late answer opens nothing', async () => {
    const server = await serve(startTcpServer(echo));
    let answer: (a: { address: string; family: number }[]) => void = () => {};
    let asked = false;
    const lookup: HostLookup = () =>
      new Promise((resolve) => {
        asked = true;
        answer = resolve;
      });
    useFakeClock();
    const pending = failure(openSocket({ host: 'slow.test', port: server.port, secure: false, timeout: 150, lookup }));
    await until(() => asked, 'the lookup');
    const error = await settlesAt(pending, 150, 'the timeout');
    vi.useRealTimers();
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toBe(`connect to slow.test:${server.port} timed out after 150 ms`);
    answer([{ address: '127.0.0.1', family: 4 }]);
    // Nothing to wait for but time: a connection the late answer opened would reach the server within this.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.connections).toHaveLength(0);
  });
});

describe('deadline', () => {
  it('a server that accepts TCP but never completes TLS times out at the time asked, and is hung up on', async () => {
    const server = await serve(startSilentServer());
    useFakeClock();
    const pending = failure(openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 300 }));
    await server.accepted();
    const error = await settlesAt(pending, 300, 'the timeout');
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toBe(`connect to 127.0.0.1:${server.port} timed out after 300 ms`);
    await closed(await server.accepted());
  });

  it('one deadline covers DNS, TCP and TLS together', async () => {
    const server = await serve(startSilentServer());
    useFakeClock();
    const lookup: HostLookup = () =>
      new Promise((resolve) => setTimeout(() => resolve([{ address: '127.0.0.1', family: 4 }]), 400));
    const pending = failure(openSocket({ host: 'slow.test', port: server.port, secure: true, timeout: 450, lookup }));
    await vi.advanceTimersByTimeAsync(400);
    // The lookup took 400 of the 450 ms; TCP is up, TLS is waiting on a silent server.
    await server.accepted();
    // At 450 ms in all, not 450 ms after the lookup (a fresh deadline per step).
    const error = await settlesAt(pending, 50, 'the timeout');
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toBe(`connect to slow.test:${server.port} timed out after 450 ms`);
    await closed(await server.accepted());
  });

  it('startTls alone has its own deadline', async () => {
    const server = await serve(startSilentServer());
    const raw = await connectTcp({ host: '127.0.0.1', port: server.port });
    const error = await failure(startTls(raw, '127.0.0.1', undefined, { timeout: 100 }));
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toBe('TLS handshake with 127.0.0.1 timed out after 100 ms');
    expect(raw.destroyed).toBe(true);
    await closed(await server.accepted());
  });

  it('leaves no socket, timer or abort listener behind after failures', async () => {
    const server = await serve(startSilentServer());
    const refused = await findClosedPort();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let earlier tests' sockets finish closing
    const before = socketsAndTimers();
    const controller = new AbortController();
    const signal = controller.signal;
    await failure(openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 100, signal }));
    await failure(openSocket({ host: '127.0.0.1', port: refused, secure: false, timeout: 1000, signal }));
    await failure(openSocket({ host: 'nonexistent.invalid', port: 80, secure: false, timeout: 1000, signal }));
    const pending = openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 5000, signal });
    await server.accepted(1);
    controller.abort();
    await failure(pending);
    await Promise.all(server.connections.map(closed));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const after = socketsAndTimers();
    expect(after.TCPSocketWrap).toBe(before.TCPSocketWrap);
    expect(after.PipeWrap).toBe(before.PipeWrap);
    // The runner's own timers come and go; ours (1000 and 5000 ms deadlines) must not be among them.
    expect(after.Timeout).toBeLessThanOrEqual(before.Timeout as number);
  });
});

describe('TLS', () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeTestCertificates();
  });
  afterAll(async () => {
    await certs.remove();
  });

  const tlsEcho = (socket: tls.TLSSocket): void => {
    socket.pipe(socket);
  };

  it('rejects a self-signed certificate by default with the Node error and its code', async () => {
    const server = await serve(startTlsServer({ key: certs.selfSignedKeyPem, cert: certs.selfSignedCertPem }, tlsEcho));
    const error = await failure(openSocket({ host: 'localhost', port: server.port, secure: true, timeout: 2000 }));
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await closed(await server.accepted());
  });

  it('rejects a certificate from an unknown CA by default', async () => {
    const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, tlsEcho));
    const error = await failure(openSocket({ host: 'localhost', port: server.port, secure: true }));
    expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    await closed(await server.accepted());
  });

  it('verification stays on even when NODE_TLS_REJECT_UNAUTHORIZED=0 is set', async () => {
    const server = await serve(startTlsServer({ key: certs.selfSignedKeyPem, cert: certs.selfSignedCertPem }, tlsEcho));
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const error = await failure(openSocket({ host: 'localhost', port: server.port, secure: true }));
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('accepts the server with `ca`, by name and by IP, sending SNI only for the name', async () => {
    const seen: Array<string | false | null> = [];
    const server = await serve(
      startTlsServer({ key: certs.keyPem, cert: certs.certPem }, (socket) => {
        seen.push(socket.servername);
        socket.pipe(socket);
      }),
    );
    const byName = keep(await openSocket({ host: 'localhost', port: server.port, secure: true, sslopt: { ca: certs.caPem } }));
    expect(byName).toBeInstanceOf(tls.TLSSocket);
    expect((byName as tls.TLSSocket).authorized).toBe(true);
    expect(await roundTrip(byName, 'secret by name')).toBe('secret by name');
    const byIp = keep(await openSocket({ host: '127.0.0.1', port: server.port, secure: true, sslopt: { ca: certs.caPem } }));
    expect(await roundTrip(byIp, 'secret by ip')).toBe('secret by ip');
    expect(seen).toEqual(['localhost', false]); // RFC 6066 §3: no IP literal in SNI
  });

  it('accepts the server over IPv6 ::1 with `ca`', async () => {
    if (!(await canBindIpv6Loopback())) {
      const error = await failure(openSocket({ host: '::1', port: await findClosedPort(), secure: true, sslopt: { ca: certs.caPem } }));
      expect(error).not.toBeInstanceOf(WebSocketException);
      return;
    }
    const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, tlsEcho, { host: '::1' }));
    const socket = keep(await openSocket({ host: '[::1]', port: server.port, secure: true, sslopt: { ca: certs.caPem } }));
    expect(await roundTrip(socket, 'v6 secret')).toBe('v6 secret');
  });

  it('runs TLS over a unix socket (wss+unix), checking the certificate for localhost', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-wss-unix-'));
    try {
      const unixPath = path.join(dir, 'wss.sock');
      const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, tlsEcho, { path: unixPath }));
      const socket = keep(await openSocket({ host: '', port: 443, unixPath, secure: true, sslopt: { ca: certs.caPem } }));
      expect((socket as tls.TLSSocket).authorized).toBe(true);
      expect(await roundTrip(socket, 'secret over unix')).toBe('secret over unix');
      await server.close();
      const wrong = await serve(startTlsServer({ key: certs.wrongHostKeyPem, cert: certs.wrongHostCertPem }, tlsEcho, { path: unixPath }));
      const error = await failure(openSocket({ host: '', port: 443, unixPath, secure: true, sslopt: { ca: certs.caPem } }));
      expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(error.message).toContain('localhost');
      await wrong.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts any certificate with rejectUnauthorized: false', async () => {
    const server = await serve(startTlsServer({ key: certs.selfSignedKeyPem, cert: certs.selfSignedCertPem }, tlsEcho));
    const socket = keep(
      await openSocket({ host: '127.0.0.1', port: server.port, secure: true, sslopt: { rejectUnauthorized: false } }),
    );
    expect((socket as tls.TLSSocket).authorized).toBe(false);
    expect(await roundTrip(socket, 'unverified')).toBe('unverified');
  });

  it('rejects a certificate for another host name (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const server = await serve(startTlsServer({ key: certs.wrongHostKeyPem, cert: certs.wrongHostCertPem }, tlsEcho));
    for (const host of ['localhost', '127.0.0.1']) {
      const error = await failure(openSocket({ host, port: server.port, secure: true, sslopt: { ca: certs.caPem } }));
      expect(error).not.toBeInstanceOf(WebSocketException);
      expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    }
    await Promise.all(server.connections.map(closed));
  });

  it('an explicit servername is sent and checked instead of the host', async () => {
    const seen: Array<string | false | null> = [];
    const server = await serve(
      startTlsServer({ key: certs.wrongHostKeyPem, cert: certs.wrongHostCertPem }, (socket) => {
        seen.push(socket.servername);
        socket.pipe(socket);
      }),
    );
    const socket = keep(
      await openSocket({ host: '127.0.0.1', port: server.port, secure: true, sslopt: { ca: certs.caPem, servername: WRONG_HOST } }),
    );
    expect(await roundTrip(socket, 'named')).toBe('named');
    expect(seen).toEqual([WRONG_HOST]);
  });

  it('a connection reset during the TLS handshake is the Node ECONNRESET error, not wrapped', async () => {
    const server = await serve(startTcpServer((socket) => socket.resetAndDestroy()));
    const error = await failure(openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 2000 }));
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect(error.code).toBe('ECONNRESET');
  });

  it('a server that hangs up during the TLS handshake gives the Node error', async () => {
    const server = await serve(startTcpServer((socket) => socket.end()));
    const error = await failure(openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 2000 }));
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect(error.code).toBe('ECONNRESET');
    expect(error.message).toContain('before secure TLS connection was established');
  });

  it('TLS options tls.connect refuses are a WebSocketException, and the TCP connection is closed', async () => {
    const server = await serve(startSilentServer());
    const error = await failure(
      openSocket({ host: '127.0.0.1', port: server.port, secure: true, sslopt: { cert: certs.certPem, key: 'not a key' } }),
    );
    expect(error).toBeInstanceOf(WebSocketException);
    expect(error.message).toMatch(/^sslopt: cannot set up TLS for 127\.0\.0\.1: /);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_TLS_OPTION' });
    expect(error.cause).toBeInstanceOf(Error);
    await closed(await server.accepted());
  });

  it('startTls runs TLS over a socket opened separately (as after a proxy tunnel)', async () => {
    const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, tlsEcho));
    const raw = keep(await connectTcp({ host: '127.0.0.1', port: server.port }));
    const secure = keep(await startTls(raw, 'localhost', { ca: certs.caPem }));
    expect(secure.authorized).toBe(true);
    expect(await roundTrip(secure, 'tunnelled')).toBe('tunnelled');
  });
});

describe('socket options', () => {
  it('defaults: noDelay on, keep-alive on with a 30 s initial delay', async () => {
    const server = await serve(startTcpServer());
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    keep(await openSocket({ host: '127.0.0.1', port: server.port, secure: false }));
    expect(DEFAULT_KEEPALIVE_MS).toBe(30_000);
    expect(noDelay).toHaveBeenCalledExactlyOnceWith(true);
    expect(keepAlive).toHaveBeenCalledExactlyOnceWith(true, 30_000);
  });

  it('noDelay false, keepAlive as a number, keepAlive false', async () => {
    const server = await serve(startTcpServer());
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    keep(await connectTcp({ host: '127.0.0.1', port: server.port, sockopt: { noDelay: false, keepAlive: 5000 } }));
    expect(noDelay).toHaveBeenLastCalledWith(false);
    expect(keepAlive).toHaveBeenLastCalledWith(true, 5000);
    keep(await connectTcp({ host: '127.0.0.1', port: server.port, sockopt: { keepAlive: false } }));
    expect(noDelay).toHaveBeenLastCalledWith(true);
    expect(keepAlive).toHaveBeenLastCalledWith(false);
  });

  it('are applied to the TCP socket under TLS', async () => {
    const certs = await makeTestCertificates();
    try {
      const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }));
      const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
      keep(await openSocket({ host: 'localhost', port: server.port, secure: true, sslopt: { ca: certs.caPem } }));
      expect(noDelay).toHaveBeenCalledWith(true);
    } finally {
      await certs.remove();
    }
  });

  it('bad options are refused before any connection, naming what was expected', async () => {
    const server = await serve(startTcpServer());
    const port = server.port;
    const cases: Array<[Parameters<typeof openSocket>[0], RegExp, new (...a: never[]) => Error]> = [
      [{ host: '127.0.0.1', port, secure: false, timeout: -1 }, /^expected timeout to be a number of milliseconds from 0 to 2147483647, or null to wait forever, got -1$/, WebSocketException],
      [{ host: '127.0.0.1', port, secure: false, timeout: Number.NaN }, /got NaN$/, WebSocketException],
      [{ host: '127.0.0.1', port, secure: false, sockopt: { keepAlive: -5 } }, /^expected sockopt\.keepAlive to be a boolean or a number of milliseconds from 0 to 2147483647, got -5$/, WebSocketException],
      [{ host: '127.0.0.1', port, secure: false, sockopt: { noDelay: 'yes' as never } }, /^expected sockopt\.noDelay to be a boolean, got "yes"$/, WebSocketException],
      [{ host: '127.0.0.1', port: 0, secure: false }, /^expected port to be an integer from 1 to 65535, got 0$/, WebSocketAddressException],
      [{ host: '127.0.0.1', port: 70000, secure: false }, /got 70000$/, WebSocketAddressException],
      [{ host: '', port, secure: false }, /^host: expected a host name or IP address, got ""$/, WebSocketAddressException],
    ];
    for (const [options, message, kind] of cases) {
      const error = await failure(openSocket(options));
      expect(error).toBeInstanceOf(kind);
      expect(error.message).toMatch(message);
    }
    expect(server.connections).toHaveLength(0);
  });
});

describe('abort signal', () => {
  it('an already aborted signal rejects with its reason and connects nowhere', async () => {
    const server = await serve(startTcpServer());
    const reason = new Error('user gave up');
    const error = await failure(
      openSocket({ host: '127.0.0.1', port: server.port, secure: false, signal: AbortSignal.abort(reason) }),
    );
    expect(error).toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.connections).toHaveLength(0);
  });

  it('aborting during the TLS handshake rejects with the reason and hangs up', async () => {
    const server = await serve(startSilentServer());
    const controller = new AbortController();
    const pending = openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 5000, signal: controller.signal });
    const accepted = await server.accepted();
    controller.abort();
    const error = await failure(pending);
    expect(error.name).toBe('AbortError');
    await closed(accepted);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborting during a pending lookup rejects at once', async () => {
    const controller = new AbortController();
    const lookup: HostLookup = () => new Promise(() => {});
    const pending = connectTcp({ host: 'never.test', port: 80, lookup, signal: controller.signal });
    const reason = new WebSocketException('stop');
    setTimeout(() => controller.abort(reason), 20);
    expect(await failure(pending)).toBe(reason);
  });

  it('the abort wins over a later deadline', async () => {
    const server = await serve(startSilentServer());
    const signal = AbortSignal.timeout(50);
    const error = await failure(openSocket({ host: '127.0.0.1', port: server.port, secure: true, timeout: 5000, signal }));
    expect(error.name).toBe('TimeoutError'); // AbortSignal.timeout's own reason, passed through
    await closed(await server.accepted());
  });
});

describe('a socket supplied by the user', () => {
  it('a plain socket is used as is, with no options applied', async () => {
    const server = await serve(startTcpServer(echo));
    const mine = keep(net.connect({ host: '127.0.0.1', port: server.port }));
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const socket = await openSocket({ host: 'example.test', port: 80, secure: false, socket: mine });
    expect(socket).toBe(mine);
    expect(noDelay).not.toHaveBeenCalled();
    expect(await roundTrip(socket, 'mine')).toBe('mine');
  });

  it('a plain socket gets TLS when secure', async () => {
    const certs = await makeTestCertificates();
    try {
      const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, (s) => s.pipe(s)));
      const mine = keep(net.connect({ host: '127.0.0.1', port: server.port }));
      const socket = keep(
        await openSocket({ host: 'localhost', port: server.port, secure: true, socket: mine, sslopt: { ca: certs.caPem } }),
      );
      expect(socket).toBeInstanceOf(tls.TLSSocket);
      expect(await roundTrip(socket, 'wrapped')).toBe('wrapped');
    } finally {
      await certs.remove();
    }
  });

  it('a TLS socket is used as is', async () => {
    const certs = await makeTestCertificates();
    try {
      const server = await serve(startTlsServer({ key: certs.keyPem, cert: certs.certPem }, (s) => s.pipe(s)));
      const mine = keep(tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.caPem }));
      const socket = await openSocket({ host: '127.0.0.1', port: server.port, secure: true, socket: mine });
      expect(socket).toBe(mine);
      expect(await roundTrip(socket, 'already secure')).toBe('already secure');
    } finally {
      await certs.remove();
    }
  });

  it('a destroyed socket is a ConnectionClosed exception', async () => {
    const mine = new net.Socket();
    mine.destroy();
    const error = await failure(openSocket({ host: '127.0.0.1', port: 80, secure: false, socket: mine }));
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error.message).toBe('the socket given for 127.0.0.1:80 is already closed');
  });

  it('a supplied socket is destroyed when the open is aborted', async () => {
    const server = await serve(startTcpServer());
    const mine = keep(net.connect({ host: '127.0.0.1', port: server.port }));
    const reason = new Error('no');
    expect(await failure(openSocket({ host: 'x.test', port: 80, secure: false, socket: mine, signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(mine.destroyed).toBe(true);
  });
});
