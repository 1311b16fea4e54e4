/**
 * Tunnels through real proxies from Debian (tinyproxy, danted, microsocks, and
 * tinyproxy behind TLS as an HTTPS proxy) to echo servers on 127.0.0.1.
 */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketProxyException } from '../../src/exceptions.js';
import { startTls } from '../../src/transport/connect.js';
import { openTunnel, resolveProxy } from '../../src/transport/proxy.js';
import type { ProxyConfig } from '../../src/transport/proxy-config.js';
import {
  freePort,
  makeCertificate,
  requireBinary,
  startDanted,
  startEchoServer,
  startMicrosocks,
  startTinyproxy,
  startTlsFront,
  type RunningServer,
  type TestCertificate,
} from '../helpers/proxies.js';
import { rejectionOf } from '../helpers/outcome.js';

const AUTH: [string, string] = ['alice', 's3cret'];

let certificate: TestCertificate;
let echo: RunningServer;
let tlsEcho: RunningServer;
let tinyproxy: RunningServer;
let tinyproxyAuth: RunningServer;
let httpsProxy: RunningServer;
let httpsProxyAuth: RunningServer;
let danted: RunningServer;
let microsocks: RunningServer;
const running: RunningServer[] = [];

beforeAll(async () => {
  certificate = makeCertificate();
  const started = await Promise.allSettled([
    startEchoServer(),
    startEchoServer(certificate),
    startTinyproxy(),
    startTinyproxy(AUTH),
    startDanted(),
    startMicrosocks(AUTH),
  ]);
  for (const result of started) if (result.status === 'fulfilled') running.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  [echo, tlsEcho, tinyproxy, tinyproxyAuth, danted, microsocks] = running as [
    RunningServer, RunningServer, RunningServer, RunningServer, RunningServer, RunningServer,
  ];
  httpsProxy = await startTlsFront(tinyproxy.port, certificate);
  running.push(httpsProxy);
  httpsProxyAuth = await startTlsFront(tinyproxyAuth.port, certificate);
  running.push(httpsProxyAuth);
});

afterAll(async () => {
  await Promise.allSettled(running.map((server) => server.stop()));
});

/** Writes through the tunnel and expects the same bytes back. */
async function expectEcho(socket: net.Socket, text = 'hello through the proxy'): Promise<void> {
  const back = new Promise<string>((resolve, reject) => {
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) resolve(got);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`tunnel closed after ${JSON.stringify(got)}`)));
  });
  socket.resume();
  socket.write(text);
  expect(await back).toBe(text);
}

async function echoThrough(proxy: ProxyConfig, host = '127.0.0.1'): Promise<void> {
  const socket = await openTunnel(proxy, { host, port: echo.port }, { timeout: 5000 });
  try {
    await expectEcho(socket);
  } finally {
    socket.destroy();
  }
}

const local = (type: ProxyConfig['type'], server: () => RunningServer, extra: Partial<ProxyConfig> = {}) =>
  (): ProxyConfig => ({ type, host: '127.0.0.1', port: server().port, ...extra });

describe('HTTP CONNECT through tinyproxy', () => {
  it('echoes without credentials', () => echoThrough(local('http', () => tinyproxy)()));

  it('echoes with Basic credentials', () => echoThrough(local('http', () => tinyproxyAuth, { auth: AUTH })()));

  it('without credentials: 407, says authentication is required', async () => {
    const error = await rejectionOf(echoThrough(local('http', () => tinyproxyAuth)()));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ statusCode: 407 });
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
  });

  it('with wrong credentials: refused (tinyproxy answers 401)', async () => {
    const error = await rejectionOf(echoThrough(local('http', () => tinyproxyAuth, { auth: ['alice', 'wrong'] })()));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ statusCode: 401 });
    expect(error.message).toMatch(/^proxy refused CONNECT to 127\.0\.0\.1:\d+: expected a 2xx status, got 401 Unauthorized/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_REFUSED' });
  });

  it('wss: TLS to the target runs inside the tunnel', async () => {
    const tunnel = await openTunnel(local('http', () => tinyproxy)(), { host: 'localhost', port: tlsEcho.port }, { timeout: 5000 });
    const secure = await startTls(tunnel, 'localhost', { ca: certificate.cert }, { timeout: 5000 });
    try {
      await expectEcho(secure);
    } finally {
      secure.destroy();
    }
  });
});

describe('HTTPS proxy (tinyproxy behind TLS)', () => {
  it('echoes with the proxy certificate trusted', () =>
    echoThrough(local('https', () => httpsProxy, { tlsOptions: { ca: certificate.cert } })()));

  it('echoes with credentials, and wss inside', async () => {
    const proxy = local('https', () => httpsProxyAuth, { tlsOptions: { ca: certificate.cert }, auth: AUTH })();
    await echoThrough(proxy);
    const tunnel = await openTunnel(proxy, { host: 'localhost', port: tlsEcho.port }, { timeout: 5000 });
    const secure = await startTls(tunnel, 'localhost', { ca: certificate.cert }, { timeout: 5000 });
    try {
      await expectEcho(secure);
    } finally {
      secure.destroy();
    }
  });

  it('an untrusted proxy certificate is a ProxyException with the TLS error as cause', async () => {
    const error = await rejectionOf(echoThrough(local('https', () => httpsProxy)()));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toMatch(/^cannot reach the https proxy 127\.0\.0\.1:\d+: TLS handshake failed: self-signed certificate/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_UNREACHABLE' });
    expect(error.cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});

describe('SOCKS through danted', () => {
  it('socks4 echoes (IPv4 target)', () => echoThrough(local('socks4', () => danted)()));
  it('socks4 echoes (target resolved locally)', () => echoThrough(local('socks4', () => danted)(), 'localhost'));
  it('socks5 echoes (IPv4 target)', () => echoThrough(local('socks5', () => danted)()));
  it('socks5h echoes (target localhost resolved by the proxy)', () => echoThrough(local('socks5h', () => danted)(), 'localhost'));

  it('socks5: a refused target maps the reply code', async () => {
    const port = await freePort();
    const error = await rejectionOf(openTunnel(local('socks5', () => danted)(), { host: '127.0.0.1', port }, { timeout: 5000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe(`SOCKS5 proxy refused CONNECT to 127.0.0.1:${port}: connection refused by destination (0x05)`);
  });

  it('socks4: a refused target is "rejected or failed"', async () => {
    const port = await freePort();
    const error = await rejectionOf(openTunnel(local('socks4', () => danted)(), { host: '127.0.0.1', port }, { timeout: 5000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe(`SOCKS4 proxy refused CONNECT to 127.0.0.1:${port}: request rejected or failed (0x5B)`);
  });

  it('wss inside a socks5 tunnel', async () => {
    const tunnel = await openTunnel(local('socks5', () => danted)(), { host: '127.0.0.1', port: tlsEcho.port }, { timeout: 5000 });
    const secure = await startTls(tunnel, '127.0.0.1', { ca: certificate.cert }, { timeout: 5000 });
    try {
      await expectEcho(secure);
    } finally {
      secure.destroy();
    }
  });
});

describe('SOCKS5 with username/password through microsocks', () => {
  it('socks5h echoes with the right credentials (target localhost)', () =>
    echoThrough(local('socks5h', () => microsocks, { auth: AUTH })(), 'localhost'));

  it('wrong credentials: auth rejected', async () => {
    const error = await rejectionOf(echoThrough(local('socks5', () => microsocks, { auth: ['alice', 'nope'] })()));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
  });

  it('no credentials: no acceptable method', async () => {
    const error = await rejectionOf(echoThrough(local('socks5', () => microsocks)()));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toMatch(/accepted none of the offered authentication methods \(no authentication; the proxy may require credentials\)/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
  });
});

describe('proxies chosen from the environment', () => {
  it('all_proxy with percent-encoded credentials reaches microsocks', async () => {
    const env = { all_proxy: `socks5h://alice:s3cr%65t@127.0.0.1:${microsocks.port}` };
    const proxy = resolveProxy({ host: 'localhost', port: echo.port, secure: false }, {}, env);
    expect(proxy).toEqual({ type: 'socks5h', host: '127.0.0.1', port: microsocks.port, auth: AUTH });
    await echoThrough(proxy as ProxyConfig, 'localhost');
  });

  it('https_proxy with an http:// URL reaches tinyproxy for a wss target', async () => {
    const env = { https_proxy: `http://alice:s3cret@127.0.0.1:${tinyproxyAuth.port}`, no_proxy: 'example.com' };
    const proxy = resolveProxy({ host: '127.0.0.1', port: echo.port, secure: true }, {}, env);
    expect(proxy).toMatchObject({ type: 'http', port: tinyproxyAuth.port });
    await echoThrough(proxy as ProxyConfig);
  });
});

describe('the proxy helper', () => {
  it('names the package to install when a binary is missing', () => {
    expect(() => requireBinary('no-such-proxy-daemon', 'no-such-package')).toThrow(
      'no-such-proxy-daemon is not installed; run: apt-get install -y no-such-package',
    );
    expect(requireBinary('tinyproxy', 'tinyproxy')).toMatch(/\/tinyproxy$/);
  });
});
