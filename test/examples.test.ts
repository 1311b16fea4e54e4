/**
 * Every example in examples/ run against local peers, asserting what it observed.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main as basic } from '../examples/basic-error-handling.js';
import { main as concurrent } from '../examples/concurrent-sender-receiver.js';
import { main as analyse } from '../examples/handshake-error-analysis.js';
import { main as protocolErrors } from '../examples/protocol-errors.js';
import { main as proxyErrors } from '../examples/proxy-errors.js';
import { main as timeouts } from '../examples/timeout-configuration.js';
import { startFakeProxy, type FakeProxy } from './helpers/fake-proxy.js';
import { startRawServer, serverFrame } from './helpers/raw-server.js';
import { findClosedPort, startSilentServer } from './helpers/servers.js';
import { startWsServer, type WsTestServer } from './helpers/ws-server.js';

let echo: WsTestServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  echo = await startWsServer();
});
afterAll(async () => {
  await echo.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function rawStatus(status: string, headers: string[], body: string): Promise<string> {
  const server = await startRawServer(async (peer) => {
    await peer.request();
    await peer.play([`HTTP/1.1 ${status}\r\n${[...headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')}\r\n\r\n${body}`]);
  });
  cleanups.push(() => server.close());
  return server.url;
}

describe('basic-error-handling', () => {
  it('receives the echo', async () => {
    expect(await basic(echo.url)).toMatchObject({ outcome: 'received', detail: 'Hello', lines: ['Received: Hello'] });
  });

  it('reports a timeout against a silent server', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const result = await basic(`ws://127.0.0.1:${silent.port}/`, 200);
    expect(result.outcome).toBe('timeout');
    expect(result.lines[0]).toMatch(/^Connection timed out/);
  });

  it('reports a connection closed by the server right after the handshake', async () => {
    const server = await startRawServer(async (peer) => {
      await peer.accept();
      await peer.play(['destroy']);
    });
    cleanups.push(() => server.close());
    const result = await basic(server.url, 2000);
    expect(result.outcome).toBe('closed');
  });

  it('reports a bad status as a WebSocket error', async () => {
    const result = await basic(await rawStatus('404 Not Found', [], 'no'), 2000);
    expect(result.outcome).toBe('websocket-error');
    expect(result.detail).toMatch(/WebSocketBadStatusException: .*404/);
  });

  it('reports a refused connection as the system error', async () => {
    const result = await basic(`ws://127.0.0.1:${await findClosedPort()}/`, 2000);
    expect(result.outcome).toBe('unexpected');
    expect(result.detail).toMatch(/^ECONNREFUSED/);
  });
});

describe('handshake-error-analysis', () => {
  for (const [status, diagnosis] of [
    ['401 Unauthorized', 'authentication required'],
    ['403 Forbidden', 'access forbidden'],
    ['404 Not Found', 'endpoint not found'],
    ['503 Service Unavailable', 'server error'],
    ['418 I\'m a teapot', 'other status'],
  ] as const) {
    it(`${status} -> ${diagnosis}`, async () => {
      const url = await rawStatus(status, ['X-Request-Id: 42', 'Content-Type: text/plain'], 'go away');
      const result = await analyse(url, 2000);
      expect(result.connected).toBe(false);
      expect(result.statusCode).toBe(Number(status.slice(0, 3)));
      expect(result.statusMessage).toBe(status.slice(4));
      expect(result.headers?.['x-request-id']).toBe('42');
      expect(result.body).toBe('go away');
      expect(result.diagnosis).toBe(diagnosis);
      expect(result.lines).toContain('  x-request-id: 42');
    });
  }

  it('a working endpoint connects', async () => {
    expect(await analyse(echo.url)).toMatchObject({ connected: true, statusCode: 101 });
  });

  it('other errors are reported apart', async () => {
    const result = await analyse('ws://nonexistent.invalid/', 3000);
    expect(result.otherError).toMatch(/^WebSocketAddressException/);
  });
});

describe('protocol-errors', () => {
  it('validate() refuses both frames; the ws server fails the connection with 1002 on the rsv1 frame', async () => {
    const result = await protocolErrors(echo.url);
    expect(result.reservedBit).toMatch(/^WebSocketProtocolException: rsv1/);
    expect(result.invalidUtf8).toMatch(/^WebSocketPayloadException: .*UTF-8/);
    expect(result.serverReaction).toMatch(/^WebSocketConnectionClosedException: .*1002/);
  });
});

describe('concurrent-sender-receiver', () => {
  it('both loops end on ConnectionClosed after the main task closes', async () => {
    // 1000 messages 20 ms apart would take 20 s: the close at 500 ms cuts the sender short on any machine.
    const result = await concurrent(echo.url, { count: 1000, interval: 20, closeAfter: 500 });
    expect(result.sender).toBe('closed');
    expect(result.receiver).toBe('closed');
    expect(result.sent.length).toBeGreaterThan(0);
    expect(result.sent.length).toBeLessThan(1000);
    // Everything echoed before the close came back in order.
    expect(result.received).toEqual(result.sent.slice(0, result.received.length));
    expect(result.lines.at(-1)).toBe('All tasks completed');
  });

  it('the sender finishes when the close comes later', async () => {
    // Three sends 10 ms apart, the close 1.5 s later: fifty times the time they need.
    const result = await concurrent(echo.url, { count: 3, interval: 10, closeAfter: 1500 });
    expect(result.sender).toBe('finished');
    expect(result.received).toEqual(['Message 0', 'Message 1', 'Message 2']);
  });
});

describe('timeout-configuration', () => {
  it('every configuration succeeds against an echo server', async () => {
    const { results } = await timeouts(echo.url);
    expect(results.map((r) => [r.name, r.outcome, r.detail])).toEqual([
      ['Fast timeout', 'success', 'ping'],
      ['Medium timeout', 'success', 'ping'],
      ['No timeout', 'success', 'ping'],
    ]);
  });

  it('a server that never answers: each recv times out in about its timeout', async () => {
    const mute = await startWsServer(() => {});
    cleanups.push(() => mute.close());
    const { results, lines } = await timeouts(mute.url, [
      { name: 'Fast', timeout: 100 },
      { name: 'Medium', timeout: 300 },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['timeout', 'timeout']);
    expect(results[0]?.elapsedMs).toBeGreaterThanOrEqual(90);
    expect(results[1]?.elapsedMs).toBeGreaterThanOrEqual(290);
    // A bound on a hang: ten times the timeout.
    expect(results[1]?.elapsedMs).toBeLessThan(3000);
    expect(lines).toContain('  Timeout occurred after 300 ms');
  });

  it('a server that never answers the handshake: connect times out', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const { results } = await timeouts(`ws://127.0.0.1:${silent.port}/`, [{ name: 'Fast', timeout: 150 }]);
    expect(results[0]).toMatchObject({ outcome: 'timeout' });
    expect(results[0]?.detail).toMatch(/150 ms/);
  });
});

describe('proxy-errors', () => {
  let tunnel: FakeProxy;
  let authProxy: FakeProxy;
  let notAProxy: Awaited<ReturnType<typeof startRawServer>>;

  beforeAll(async () => {
    // A working HTTP CONNECT proxy: reads the request, dials the target, pipes both ways.
    tunnel = await startFakeProxy(async (conn) => {
      const head = (await conn.readUntil('\r\n\r\n')).toString('latin1');
      const [host, port] = (head.split(' ')[1] ?? '').split(':');
      const upstream = net.connect(Number(port), host);
      upstream.on('error', () => conn.socket.destroy());
      await new Promise<void>((resolve) => upstream.once('connect', resolve));
      await conn.write('HTTP/1.1 200 Connection established\r\n\r\n');
      conn.socket.pipe(upstream).pipe(conn.socket);
    });
    authProxy = await startFakeProxy(async (conn) => {
      await conn.readUntil('\r\n\r\n');
      await conn.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n');
    });
    // A server on the "proxy" port that speaks WebSocket, not HTTP CONNECT.
    notAProxy = await startRawServer(async (peer) => {
      await peer.request();
      await peer.play([serverFrame(0x1, 'not a proxy'), 'end']);
    });
  });
  afterAll(async () => {
    await tunnel.stop();
    await authProxy.stop();
    await notAProxy.close();
  });

  it('a working proxy connects; unreachable, wrong port, garbage and auth-required raise WebSocketProxyException', async () => {
    const closedPort = await findClosedPort();
    const { results, lines } = await proxyErrors(echo.url, [
      { name: 'Working proxy', httpProxyHost: '127.0.0.1', httpProxyPort: tunnel.port },
      { name: 'Invalid proxy host', httpProxyHost: 'nonexistent.proxy.invalid', httpProxyPort: 8080 },
      { name: 'Wrong proxy port', httpProxyHost: '127.0.0.1', httpProxyPort: closedPort },
      { name: 'Not a proxy', httpProxyHost: '127.0.0.1', httpProxyPort: notAProxy.port },
      { name: 'Authentication required', httpProxyHost: '127.0.0.1', httpProxyPort: authProxy.port },
    ], 3000);
    expect(results.map((r) => [r.name, r.outcome])).toEqual([
      ['Working proxy', 'connected'],
      ['Invalid proxy host', 'proxy-error'],
      ['Wrong proxy port', 'proxy-error'],
      ['Not a proxy', 'proxy-error'],
      ['Authentication required', 'proxy-error'],
    ]);
    expect(results[0]?.detail).toBe('through the proxy');
    expect(results[4]?.detail).toMatch(/407/);
    expect(lines).toContain('  Proxy connection successful');
    expect(tunnel.errors).toEqual([]);
  });
});
