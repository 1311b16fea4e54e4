/**
 * The full client (createConnection) through every proxy type to real `ws`
 * and `wss` echo servers on 127.0.0.1: tinyproxy (HTTP CONNECT, with and
 * without Basic auth), tinyproxy behind TLS (HTTPS proxy), danted (SOCKS4,
 * SOCKS5, SOCKS5h), microsocks (SOCKS5/5h with username/password) and, since
 * Dante lacks SOCKS4a, a small SOCKS4a relay written here. Also: wrong
 * credentials, a proxy that is down or silent, both timeouts, the environment
 * variables against explicit options, no_proxy, and enableTrace.
 */
import dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  WebSocketProxyException,
  WebSocketTimeoutException,
  createConnection,
  enableTrace,
  type ConnectOptions,
} from '../../src/index.js';
import { startFakeProxy } from '../helpers/fake-proxy.js';
import {
  freePort,
  startDanted,
  startMicrosocks,
  startTinyproxy,
  startTlsFront,
  type RunningServer,
} from '../helpers/proxies.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const AUTH: [string, string] = ['alice', 's3cret'];
const PROXY_ENV = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

/** Something that listens on 127.0.0.1 and can be stopped. */
interface Peer {
  port: number;
  stop(): Promise<void>;
}

/** A wss echo server (https.createServer + ws) that records the SNI names it was asked for. */
async function startWssServer(certs: TestCertificates): Promise<Peer & { servernames: Array<string | false | null> }> {
  const httpsServer = https.createServer({ key: certs.keyPem, cert: certs.certPem });
  const wss = new WebSocketServer({ server: httpsServer });
  const servernames: Array<string | false | null> = [];
  httpsServer.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername));
  httpsServer.on('tlsClientError', () => {});
  wss.on('connection', (peer) => {
    peer.on('error', () => {});
    peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  return {
    port: (httpsServer.address() as net.AddressInfo).port,
    servernames,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        httpsServer.closeAllConnections();
        httpsServer.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts and never says a word (a hung proxy or target). */
async function startSilentServer(): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The longest SOCKS4a request the relay reads (8-byte header, user id, host name). */
const SOCKS4A_MAX_REQUEST = 1024;

/**
 * A working SOCKS4a relay: parses the request (a host name after the user id
 * when DSTIP is 0.0.0.x), resolves the name itself (IPv4), connects, replies
 * 0x5A and pipes both ways. Records the user id and host of each request.
 */
async function startSocks4aRelay(): Promise<Peer & { requests: Array<{ userId: string; host: string; port: number }> }> {
  const requests: Array<{ userId: string; host: string; port: number }> = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > SOCKS4A_MAX_REQUEST) return void client.destroy();
      const userEnd = buffered.indexOf(0, 8);
      const byName = buffered.length >= 8 && buffered.readUInt32BE(4) > 0 && buffered.readUInt32BE(4) < 256;
      const hostEnd = byName && userEnd !== -1 ? buffered.indexOf(0, userEnd + 1) : -1;
      if (userEnd === -1 || (byName && hostEnd === -1)) return;
      client.off('data', onData);
      client.pause();
      const port = buffered.readUInt16BE(2);
      const userId = buffered.subarray(8, userEnd).toString('utf8');
      const host = byName ? buffered.subarray(userEnd + 1, hostEnd).toString('utf8') : Array.from(buffered.subarray(4, 8)).join('.');
      const rest = buffered.subarray((byName ? hostEnd : userEnd) + 1);
      requests.push({ userId, host, port });
      dns.lookup(host, { family: 4 }, (error, address) => {
        if (error) return void client.end(Buffer.of(0, 0x5b, 0, 0, 0, 0, 0, 0));
        const upstream = net.connect(port, address);
        track(upstream);
        upstream.once('error', () => client.end(Buffer.of(0, 0x5b, 0, 0, 0, 0, 0, 0)));
        upstream.once('connect', () => {
          const reply = Buffer.alloc(8);
          reply[1] = 0x5a;
          reply.writeUInt16BE(port, 2);
          Buffer.from(address.split('.').map(Number)).copy(reply, 4);
          client.write(reply);
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream).pipe(client);
          client.resume();
        });
      });
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let certs: TestCertificates;
let wsEcho: WsTestServer;
let wssEcho: Awaited<ReturnType<typeof startWssServer>>;
let tinyproxy: RunningServer;
let tinyproxyAuth: RunningServer;
let httpsProxy: RunningServer;
let httpsProxyAuth: RunningServer;
let danted: RunningServer;
let microsocksAuth: RunningServer;
let socks4a: Awaited<ReturnType<typeof startSocks4aRelay>>;
let silent: Peer;
let deadPort: number;
const peers: Peer[] = [];
const savedEnv = new Map<string, string | undefined>();

beforeAll(async () => {
  // The file must not depend on the proxies of the machine running it.
  for (const name of PROXY_ENV) {
    savedEnv.set(name, process.env[name]);
    delete process.env[name];
  }
  certs = await makeTestCertificates();
  const started = await Promise.allSettled([
    startWsServer().then((server) => ({ ...server, stop: () => server.close() })),
    startWssServer(certs),
    startTinyproxy(),
    startTinyproxy(AUTH),
    startDanted(),
    startMicrosocks(AUTH),
    startSocks4aRelay(),
    startSilentServer(),
  ]);
  for (const result of started) if (result.status === 'fulfilled') peers.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const values = started.map((result) => (result as PromiseFulfilledResult<Peer>).value);
  wsEcho = values[0] as unknown as WsTestServer;
  wssEcho = values[1] as typeof wssEcho;
  [, , tinyproxy, tinyproxyAuth, danted, microsocksAuth] = values as RunningServer[];
  socks4a = values[6] as typeof socks4a;
  silent = values[7] as Peer;
  const certificate = { key: certs.keyPem, cert: certs.certPem };
  httpsProxy = await startTlsFront(tinyproxy.port, certificate);
  peers.push(httpsProxy);
  httpsProxyAuth = await startTlsFront(tinyproxyAuth.port, certificate);
  peers.push(httpsProxyAuth);
  deadPort = await freePort();
});

afterAll(async () => {
  await Promise.allSettled(peers.map((peer) => peer.stop()));
  await certs?.remove();
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Connects with `options`, echoes a text and a binary message, closes; returns whether TLS was used. */
async function echoThrough(url: string, options: ConnectOptions & { sslopt?: { ca: string } }): Promise<boolean> {
  const ws = await createConnection(url, { timeout: 5000, ...options });
  try {
    await ws.send(`text via ${url}`);
    expect(await ws.recv()).toBe(`text via ${url}`);
    await ws.sendBinary(Buffer.from([0, 1, 2, 255]));
    expect(await ws.recv()).toEqual(Buffer.from([0, 1, 2, 255]));
    return ws.isSsl();
  } finally {
    await ws.close();
  }
}

/** Target URL for a scheme and host, on the matching echo server. */
function target(scheme: 'ws' | 'wss', host = '127.0.0.1'): string {
  return `${scheme}://${host}:${scheme === 'ws' ? wsEcho.port : wssEcho.port}/echo`;
}

/** TLS options trusting the test CA, for wss targets (and for the https proxy itself). */
function sslFor(scheme: 'ws' | 'wss'): { sslopt?: { ca: string } } {
  return scheme === 'wss' ? { sslopt: { ca: certs.caPem } } : {};
}

/** Awaits a rejection and returns the error (fails the test if it resolved). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected a rejection, got a connection');
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

interface ProxyCase {
  name: string;
  /** The target host: a name for the remote-DNS types, so the proxy resolves it. */
  host: string;
  options(): ConnectOptions;
  /** Checks what the proxy saw, when it can tell. */
  check?(): void;
}

const cases: ProxyCase[] = [
  { name: 'http (tinyproxy)', host: '127.0.0.1', options: () => ({ httpProxyHost: '127.0.0.1', httpProxyPort: tinyproxy.port }) },
  {
    name: 'http with Basic credentials (tinyproxy BasicAuth)',
    host: '127.0.0.1',
    options: () => ({ httpProxyHost: '127.0.0.1', httpProxyPort: tinyproxyAuth.port, httpProxyAuth: AUTH }),
  },
  {
    name: 'https (TLS to the proxy, then TLS to the target inside)',
    host: '127.0.0.1',
    options: () => ({ proxyType: 'https', httpProxyHost: '127.0.0.1', httpProxyPort: httpsProxy.port, proxySslopt: { ca: certs.caPem } }),
  },
  {
    name: 'https with Basic credentials',
    host: '127.0.0.1',
    options: () => ({
      proxyType: 'https',
      httpProxyHost: '127.0.0.1',
      httpProxyPort: httpsProxyAuth.port,
      proxySslopt: { ca: certs.caPem },
      httpProxyAuth: AUTH,
    }),
  },
  {
    name: 'socks4 (danted), target name resolved locally',
    host: 'localhost',
    options: () => ({ proxyType: 'socks4', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port }),
  },
  {
    name: 'socks4 with a user id (danted)',
    host: '127.0.0.1',
    options: () => ({ proxyType: 'socks4', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port, httpProxyAuth: ['alice', ''] }),
  },
  {
    name: 'socks4a (relay), target name resolved by the proxy',
    host: 'localhost',
    options: () => ({ proxyType: 'socks4a', httpProxyHost: '127.0.0.1', httpProxyPort: socks4a.port }),
    check: () => expect(socks4a.requests.at(-1)).toMatchObject({ userId: '', host: 'localhost' }),
  },
  {
    name: 'socks4a with a user id (relay)',
    host: 'localhost',
    options: () => ({ proxyType: 'socks4a', httpProxyHost: '127.0.0.1', httpProxyPort: socks4a.port, httpProxyAuth: ['alice', 'unused'] }),
    check: () => expect(socks4a.requests.at(-1)).toMatchObject({ userId: 'alice', host: 'localhost' }),
  },
  {
    name: 'socks5 (danted)',
    host: '127.0.0.1',
    options: () => ({ proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port }),
  },
  {
    name: 'socks5 with username/password (microsocks)',
    host: '127.0.0.1',
    options: () => ({ proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: microsocksAuth.port, httpProxyAuth: AUTH }),
  },
  {
    name: 'socks5h (danted), target name resolved by the proxy',
    host: 'localhost',
    options: () => ({ proxyType: 'socks5h', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port }),
  },
  {
    name: 'socks5h with username/password (microsocks)',
    host: 'localhost',
    options: () => ({ proxyType: 'socks5h', httpProxyHost: '127.0.0.1', httpProxyPort: microsocksAuth.port, httpProxyAuth: AUTH }),
  },
];

describe('echo through each proxy type, ws and wss', () => {
  for (const scheme of ['ws', 'wss'] as const) {
    it.each(cases.map((c) => [c.name, c] as const))(`${scheme}: %s`, async (_, proxyCase) => {
      const before = wssEcho.servernames.length;
      const secure = await echoThrough(target(scheme, proxyCase.host), { ...proxyCase.options(), ...sslFor(scheme) });
      // isSsl() tells whether the socket is TLS, as websocket-client's is_ssl() does:
      // ws through an https proxy runs over TLS to the proxy.
      expect(secure).toBe(scheme === 'wss' || proxyCase.options().proxyType === 'https');
      proxyCase.check?.();
      if (scheme === 'wss') {
        // TLS to the target ran inside the tunnel, with SNI naming the target (none for an IP literal).
        expect(wssEcho.servernames.slice(before)).toEqual([proxyCase.host === 'localhost' ? 'localhost' : false]);
      }
    });
  }
});

describe('refusals and failures are WebSocketProxyException', () => {
  it('no credentials for tinyproxy with BasicAuth: 407, statusCode and statusMessage on the exception', async () => {
    const error = await failure(createConnection(target('ws'), { timeout: 5000, httpProxyHost: '127.0.0.1', httpProxyPort: tinyproxyAuth.port }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toMatch(/expected a 2xx status, got 407 .*\(the proxy requires authentication: pass httpProxyAuth/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
    expect(error).toMatchObject({ statusCode: 407, statusMessage: 'Proxy Authentication Required' });
  });

  it.each(['http', 'https'] as const)('wrong credentials for the %s proxy: refused with its status, password not echoed', async (type) => {
    const port = type === 'http' ? tinyproxyAuth.port : httpsProxyAuth.port;
    const error = await failure(
      createConnection(target('wss'), {
        timeout: 5000,
        proxyType: type,
        httpProxyHost: '127.0.0.1',
        httpProxyPort: port,
        httpProxyAuth: ['alice', 'wrong-pass'],
        proxySslopt: { ca: certs.caPem },
        sslopt: { ca: certs.caPem },
      }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect((error as WebSocketProxyException).statusCode).toBe(401);
    expect(error.message).toContain(`CONNECT to 127.0.0.1:${wssEcho.port}`);
    expect(error.message).not.toContain('wrong-pass');
  });

  it('a 407 from an HTTP proxy says authentication was refused, with statusCode and statusMessage', async () => {
    const fake = await startFakeProxy(async (conn) => {
      await conn.readUntil('\r\n\r\n');
      await conn.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n');
      conn.socket.end();
    });
    try {
      const error = await failure(
        createConnection(target('ws'), { timeout: 5000, httpProxyHost: '127.0.0.1', httpProxyPort: fake.port, httpProxyAuth: AUTH }),
      );
      expect(error).toBeInstanceOf(WebSocketProxyException);
      expect(error).toMatchObject({ statusCode: 407, statusMessage: 'Proxy Authentication Required' });
      expect(error.message).toContain('(the proxy refused the credentials)');
      expect(fake.errors).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it.each(['socks5', 'socks5h'] as const)('%s with a wrong password (microsocks): auth rejected', async (type) => {
    const error = await failure(
      createConnection(target('ws'), {
        timeout: 5000,
        proxyType: type,
        httpProxyHost: '127.0.0.1',
        httpProxyPort: microsocksAuth.port,
        httpProxyAuth: ['alice', 'wrong-pass'],
      }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
    expect(error.message).not.toContain('wrong-pass');
    expect((error as WebSocketProxyException).statusCode).toBeUndefined();
  });

  it('socks5 without credentials to a proxy that requires them: no acceptable method', async () => {
    const error = await failure(
      createConnection(target('ws'), { timeout: 5000, proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: microsocksAuth.port }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
  });

  it('socks5 to a target port nobody listens on: the proxy reports the refusal', async () => {
    const error = await failure(
      createConnection(`ws://127.0.0.1:${deadPort}/`, { timeout: 5000, proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_REFUSED' });
  });

  it.each(['http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h'] as const)(
    'the %s proxy down: WebSocketProxyException with the refused connect as cause',
    async (type) => {
      const error = await failure(
        createConnection(target('ws'), { timeout: 5000, proxyType: type, httpProxyHost: '127.0.0.1', httpProxyPort: deadPort }),
      );
      expect(error).toBeInstanceOf(WebSocketProxyException);
      expect(error.message).toContain(`cannot reach the ${type} proxy 127.0.0.1:${deadPort}: TCP connect failed`);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    },
  );

  it('an https proxy whose certificate is not trusted: WebSocketProxyException with the TLS error as cause', async () => {
    const error = await failure(
      createConnection(target('ws'), { timeout: 5000, proxyType: 'https', httpProxyHost: '127.0.0.1', httpProxyPort: httpsProxy.port }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toContain('TLS handshake failed');
    expect((error.cause as NodeJS.ErrnoException).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
  });
});

describe('a proxy that accepts TCP and never answers', () => {
  const types = ['http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h'] as const;
  const ASKED = 300;

  /** Connects every type at once to the silent server; returns each error and its elapsed ms. */
  async function hangAll(options: ConnectOptions): Promise<Array<{ type: string; error: Error; ms: number }>> {
    return Promise.all(
      types.map(async (type) => {
        const started = performance.now();
        const error = await failure(
          createConnection(target('wss'), { proxyType: type, httpProxyHost: '127.0.0.1', httpProxyPort: silent.port, ...options }),
        );
        return { type, error, ms: performance.now() - started };
      }),
    );
  }

  it('httpProxyTimeout bounds the proxy exchange for every type (connection timeout much longer)', async () => {
    // A loaded machine may add seconds to the 300 ms asked, never the 60 s of the connection timeout.
    for (const { type, error, ms } of await hangAll({ timeout: 60_000, httpProxyTimeout: ASKED })) {
      expect(error, type).toBeInstanceOf(WebSocketTimeoutException);
      expect(error.message, type).toContain(`tunnel through the ${type} proxy 127.0.0.1:${silent.port} timed out after ${ASKED} ms`);
      expect(ms, type).toBeGreaterThanOrEqual(ASKED - 20);
      expect(ms, type).toBeLessThan(ASKED + 5000);
    }
  });

  it('without httpProxyTimeout the connection timeout bounds it', async () => {
    for (const { type, error, ms } of await hangAll({ timeout: ASKED })) {
      expect(error, type).toBeInstanceOf(WebSocketTimeoutException);
      expect(error.message, type).toMatch(/timed out after \d+ ms/);
      expect(ms, type).toBeGreaterThanOrEqual(ASKED - 20);
      expect(ms, type).toBeLessThan(ASKED + 5000);
    }
  });

  it('the connection timeout wins when it is the shorter one', async () => {
    const started = performance.now();
    const error = await failure(
      createConnection(target('ws'), { timeout: ASKED, httpProxyTimeout: 60_000, httpProxyHost: '127.0.0.1', httpProxyPort: silent.port }),
    );
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(performance.now() - started).toBeLessThan(ASKED + 5000);
  });

  it('httpProxyTimeout ends with the tunnel: a silent target through a working proxy waits for the connection timeout', async () => {
    const started = performance.now();
    const error = await failure(
      createConnection(`ws://127.0.0.1:${silent.port}/`, {
        timeout: 700,
        httpProxyTimeout: 100,
        httpProxyHost: '127.0.0.1',
        httpProxyPort: tinyproxy.port,
      }),
    );
    const ms = performance.now() - started;
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toMatch(/opening handshake .* timed out after 700 ms/);
    expect(error).toMatchObject({ code: 'WS_ERR_OPEN_TIMEOUT' });
    // Not the 100 ms httpProxyTimeout (the lower bound); the upper one only says it did not hang.
    expect(ms).toBeGreaterThanOrEqual(680);
    expect(ms).toBeLessThan(700 + 5000);
  });
});

describe('environment variables, no_proxy, and explicit options winning', () => {
  beforeEach(() => {
    for (const name of PROXY_ENV) delete process.env[name];
  });
  afterEach(() => {
    for (const name of PROXY_ENV) delete process.env[name];
  });

  /** The proxy error of a connection sent to the dead port (proves which proxy was chosen). */
  async function deadProxyError(url: string, options: ConnectOptions = {}): Promise<Error> {
    const error = await failure(createConnection(url, { timeout: 5000, sslopt: { ca: certs.caPem }, ...options } as ConnectOptions));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toContain(`127.0.0.1:${deadPort}`);
    return error;
  }

  it('http_proxy with percent-encoded credentials carries ws', async () => {
    process.env.http_proxy = `http://alice:s%33cret@127.0.0.1:${tinyproxyAuth.port}`;
    await echoThrough(target('ws'), {});
    // The same variable without credentials is refused: the proxy really was used.
    process.env.http_proxy = `http://127.0.0.1:${tinyproxyAuth.port}`;
    const error = await failure(createConnection(target('ws'), { timeout: 5000 }));
    expect(error).toMatchObject({ statusCode: 407 });
  });

  it('HTTP_PROXY (upper case) is read too; a value without a scheme is http', async () => {
    process.env.HTTP_PROXY = `127.0.0.1:${deadPort}`;
    const error = await deadProxyError(target('ws'));
    expect(error.message).toContain('http proxy');
  });

  it('https_proxy carries wss, and http_proxy is not used for wss', async () => {
    process.env.http_proxy = `http://127.0.0.1:${deadPort}`;
    process.env.https_proxy = `socks5://alice:s3cret@127.0.0.1:${microsocksAuth.port}`;
    expect(await echoThrough(target('wss'), sslFor('wss'))).toBe(true);
    await deadProxyError(target('ws'));
  });

  it('HTTPS_PROXY with an https:// proxy URL', async () => {
    process.env.HTTPS_PROXY = `https://127.0.0.1:${deadPort}`;
    const error = await deadProxyError(target('wss'));
    expect(error.message).toContain('https proxy');
  });

  it('all_proxy is the fallback for both schemes; its scheme picks the type', async () => {
    process.env.all_proxy = `socks5h://127.0.0.1:${danted.port}`;
    await echoThrough(target('ws', 'localhost'), {});
    await echoThrough(target('wss', 'localhost'), sslFor('wss'));
    process.env.ALL_PROXY = `socks4a://127.0.0.1:${deadPort}`;
    delete process.env.all_proxy;
    const error = await deadProxyError(target('ws'));
    expect(error.message).toContain('socks4a proxy');
  });

  it('no_proxy sends matching targets direct, others through the proxy', async () => {
    process.env.http_proxy = `http://127.0.0.1:${deadPort}`;
    process.env.https_proxy = `socks5://127.0.0.1:${deadPort}`;
    process.env.no_proxy = 'example.com, 127.0.0.0/8';
    await echoThrough(target('ws'), {});
    await echoThrough(target('wss'), sslFor('wss'));
    process.env.no_proxy = 'example.com,.localhost.example';
    await deadProxyError(target('ws', 'localhost'));
    // host:port entries match that port only.
    process.env.NO_PROXY = `127.0.0.1:${wsEcho.port}`;
    delete process.env.no_proxy;
    await echoThrough(target('ws'), {});
    await deadProxyError(target('wss'));
    process.env.NO_PROXY = '*';
    await echoThrough(target('wss'), sslFor('wss'));
  });

  it('no_proxy from the environment also applies to an explicit proxy; httpNoProxy replaces it', async () => {
    process.env.no_proxy = 'localhost';
    await echoThrough(target('ws', 'localhost'), { httpProxyHost: '127.0.0.1', httpProxyPort: deadPort });
    await deadProxyError(target('ws', 'localhost'), { httpProxyHost: '127.0.0.1', httpProxyPort: deadPort, httpNoProxy: [] });
    await echoThrough(target('ws'), { httpProxyHost: '127.0.0.1', httpProxyPort: deadPort, httpNoProxy: ['127.0.0.1'] });
  });

  it('explicit options win over every variable', async () => {
    process.env.http_proxy = `http://127.0.0.1:${deadPort}`;
    process.env.https_proxy = `http://127.0.0.1:${deadPort}`;
    process.env.all_proxy = `socks5://127.0.0.1:${deadPort}`;
    await echoThrough(target('ws'), { httpProxyHost: '127.0.0.1', httpProxyPort: tinyproxy.port });
    await echoThrough(target('wss'), { proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port, ...sslFor('wss') });
  });

  it('a proxy URL that cannot be used names the variable and hides the password', async () => {
    process.env.https_proxy = 'ftp://alice:topsecret@127.0.0.1:21';
    const error = await failure(createConnection(target('wss'), { timeout: 5000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toMatch(/^https_proxy: .*unknown scheme 'ftp'/);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_PROXY_OPTION' });
    expect(error.message).not.toContain('topsecret');
  });
});

describe('enableTrace shows the proxy exchange, never the password', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    enableTrace(true, (line) => lines.push(line));
  });
  afterEach(() => enableTrace(false));

  /** Everything traced, as one string, checked for every form the secret could take. */
  function expectNoSecret(secret: string): string {
    const all = lines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(`alice:${secret}`).toString('base64'));
    expect(all.replace(/ /g, '')).not.toContain(Buffer.from(secret).toString('hex'));
    return all;
  }

  it('HTTP CONNECT: request and reply shown, Proxy-Authorization redacted', async () => {
    await echoThrough(target('wss'), {
      proxyType: 'https',
      httpProxyHost: '127.0.0.1',
      httpProxyPort: httpsProxyAuth.port,
      httpProxyAuth: AUTH,
      proxySslopt: { ca: certs.caPem },
      ...sslFor('wss'),
    });
    const all = expectNoSecret(AUTH[1]);
    expect(all).toContain(`--- proxy https://127.0.0.1:${httpsProxyAuth.port} -> 127.0.0.1:${wssEcho.port}`);
    expect(all).toContain(`proxy > "CONNECT 127.0.0.1:${wssEcho.port} HTTP/1.1`);
    expect(all).toContain('Proxy-Authorization: Basic ***');
    expect(all).toMatch(/proxy < "HTTP\/1\.[01] 200 /);
    expect(all).toContain(`proxy: tunnel open through the https proxy 127.0.0.1:${httpsProxyAuth.port}`);
    // The WebSocket handshake comes after the tunnel.
    expect(lines.findIndex((line) => line.startsWith('--- request header'))).toBeGreaterThan(
      lines.findIndex((line) => line.startsWith('proxy: tunnel open')),
    );
  });

  it('SOCKS5 with username/password: method, redacted RFC 1929 request, CONNECT in hex', async () => {
    await echoThrough(target('ws'), { proxyType: 'socks5', httpProxyHost: '127.0.0.1', httpProxyPort: microsocksAuth.port, httpProxyAuth: AUTH });
    const all = expectNoSecret(AUTH[1]);
    expect(all).toContain('proxy > 05 02 00 02');
    expect(all).toContain('proxy < 05 02');
    expect(all).toContain('proxy > [username/password request, redacted]');
    expect(all).not.toContain(Buffer.from('alice').toString('hex').replace(/(..)(?!$)/g, '$1 '));
    const port = wsEcho.port.toString(16).padStart(4, '0').replace(/(..)(..)/, '$1 $2');
    expect(all).toContain(`proxy > 05 01 00 01 7f 00 00 01 ${port}`);
  });

  it('socks5h sends the host name (ATYP 3) for the proxy to resolve', async () => {
    const port = wsEcho.port.toString(16).padStart(4, '0').replace(/(..)(..)/, '$1 $2');
    const name = Buffer.from('localhost').toString('hex').replace(/(..)(?!$)/g, '$1 ');
    await echoThrough(target('ws', 'localhost'), { proxyType: 'socks5h', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port });
    expect(lines.join('\n')).toContain(`proxy > 05 01 00 03 09 ${name} ${port}`);
  });

  it('SOCKS4 with a user id: the id is sent, the password never is', async () => {
    await echoThrough(target('ws'), { proxyType: 'socks4', httpProxyHost: '127.0.0.1', httpProxyPort: danted.port, httpProxyAuth: AUTH });
    const all = expectNoSecret(AUTH[1]);
    const port = wsEcho.port.toString(16).padStart(4, '0').replace(/(..)(..)/, '$1 $2');
    const user = Buffer.from('alice').toString('hex').replace(/(..)(?!$)/g, '$1 ');
    expect(all).toContain(`proxy > 04 01 ${port} 7f 00 00 01 ${user} 00`);
    expect(all).toMatch(/proxy < (00|04) 5a/);
  });

  it('nothing is traced once tracing is off', async () => {
    enableTrace(false);
    await echoThrough(target('ws'), { httpProxyHost: '127.0.0.1', httpProxyPort: tinyproxy.port });
    expect(lines).toEqual([]);
  });
});
