/**
 * Options are checked where the user sets them, through the public API: a bad
 * value throws at once (a setter, a constructor) or rejects before anything
 * is opened (connect, createConnection, runForever), naming the option and
 * quoting the value as given. Real servers on 127.0.0.1 count the connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  WebSocket,
  WebSocketApp,
  WebSocketException,
  WebSocketProxyException,
  createConnection,
  getDefaultTimeout,
  setDefaultTimeout,
} from '../../src/index.js';
import { startTcpServer, type TestServer } from '../helpers/servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const TIMEOUT = 'a number of milliseconds from 0 to 2147483647, or null to wait forever';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tcpServer(): Promise<TestServer> {
  const s = await startTcpServer((socket) => socket.resume());
  cleanups.push(() => s.close());
  return s;
}

async function wsServer(): Promise<WsTestServer> {
  const s = await startWsServer();
  cleanups.push(() => s.close());
  return s;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Lets the event loop turn a few times, so that a connection attempt would have reached the server. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

describe('options through the public API', () => {
  it('ws.timeout = 3e9 throws at once naming timeout, and the timeout stays as it was', () => {
    const ws = new WebSocket();
    ws.timeout = 1000;
    const error = thrown(() => (ws.timeout = 3e9));
    expect(error).toBeInstanceOf(WebSocketException);
    expect((error as Error).message).toBe(`expected timeout to be ${TIMEOUT}, got 3000000000`);
    expect(ws.timeout).toBe(1000);
    ws.timeout = 2 ** 31 - 1;
    ws.timeout = null;
    expect(ws.timeout).toBeNull();
  });

  it('connect(url, { timeout: "5" }) rejects saying got "5", and opens nothing', async () => {
    const s = await tcpServer();
    const ws = new WebSocket();
    await expect(ws.connect(`ws://127.0.0.1:${s.port}/`, { timeout: '5' as never })).rejects.toThrow(
      new WebSocketException(`expected timeout to be ${TIMEOUT}, got "5"`, { code: 'WS_ERR_INVALID_OPTION' }),
    );
    await settle();
    expect(s.connections).toHaveLength(0);
  });

  it('createConnection refuses a timeout past Node\'s timer limit and a bad redirectLimit before connecting', async () => {
    const s = await tcpServer();
    const url = `ws://127.0.0.1:${s.port}/`;
    await expect(createConnection(url, { timeout: 3e9 })).rejects.toThrow(`expected timeout to be ${TIMEOUT}, got 3000000000`);
    await expect(createConnection(url, { redirectLimit: -1 })).rejects.toThrow('expected redirectLimit to be an integer >= 0, got -1');
    await expect(createConnection(url, { maxQueue: '16' as never })).rejects.toThrow('expected maxQueue to be an integer >= 1, got "16"');
    await settle();
    expect(s.connections).toHaveLength(0);
  });

  it('a bad proxy option is still a WebSocketProxyException, and nothing is opened', async () => {
    const s = await tcpServer();
    const connecting = createConnection(`ws://127.0.0.1:${s.port}/`, { httpProxyHost: '127.0.0.1', httpProxyPort: 70000 });
    await expect(connecting).rejects.toBeInstanceOf(WebSocketProxyException);
    await expect(connecting).rejects.toThrow('expected httpProxyPort to be an integer from 1 to 65535, got 70000');
    await settle();
    expect(s.connections).toHaveLength(0);
  });

  it('the WebSocket constructor refuses a bad option naming it', () => {
    expect(thrown(() => new WebSocket({ maxPayload: -1 }))).toEqual(new WebSocketException('expected maxPayload to be an integer >= 0, got -1', { code: 'WS_ERR_INVALID_OPTION' }));
    expect(thrown(() => new WebSocket({ sockopt: { keepAlive: '30' as never } }))).toEqual(
      new WebSocketException('expected sockopt.keepAlive to be a boolean or a number of milliseconds from 0 to 2147483647, got "30"', { code: 'WS_ERR_INVALID_OPTION' }),
    );
  });

  it('setDefaultTimeout refuses 3e9 and keeps the default it had', () => {
    const before = getDefaultTimeout();
    const error = thrown(() => setDefaultTimeout(3e9));
    expect(error).toBeInstanceOf(WebSocketException);
    expect((error as Error).message).toBe(`expected default timeout to be ${TIMEOUT}, got 3000000000`);
    expect(getDefaultTimeout()).toBe(before);
  });

  it('close({ timeout: 3e9 }) rejects naming the close timeout; the connection stays usable', async () => {
    const s = await wsServer();
    const ws = await createConnection(s.url, { timeout: 5000 });
    cleanups.push(() => ws.abort());
    await expect(ws.close({ timeout: 3e9 })).rejects.toThrow(
      new WebSocketException('expected close timeout to be a number of milliseconds from 0 to 2147483647, got 3000000000', { code: 'WS_ERR_INVALID_OPTION' }),
    );
    expect(ws.connected).toBe(true);
    await ws.send('still here');
    expect(await ws.recv()).toBe('still here');
    await ws.close();
  });

  it('a recv under the longest timeout allowed waits (it does not fire at once, as a longer one would)', async () => {
    const s = await wsServer();
    const ws = await createConnection(s.url, { timeout: 2 ** 31 - 1 });
    cleanups.push(() => ws.abort());
    const outcome = await Promise.race([
      ws.recv().then(
        () => 'message',
        (e: unknown) => `rejected: ${String(e)}`,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200)),
    ]);
    expect(outcome).toBe('still waiting');
  });

  it('runForever refuses a bad option at once instead of reporting it to onError on each attempt', async () => {
    const s = await tcpServer();
    const errors: unknown[] = [];
    const app = new WebSocketApp(`ws://127.0.0.1:${s.port}/`, { onError: (_a, e) => errors.push(e) });
    await expect(app.runForever({ timeout: '5' as never, reconnect: 10 })).rejects.toThrow(`expected timeout to be ${TIMEOUT}, got "5"`);
    await expect(app.runForever({ pingInterval: 3e9 })).rejects.toThrow(
      'expected pingInterval to be a number of milliseconds from 0 to 2147483647, got 3000000000',
    );
    await settle();
    expect(errors).toEqual([]);
    expect(s.connections).toHaveLength(0);
  });

  it('the WebSocketApp constructor refuses a callback that is not a function', () => {
    expect(thrown(() => new WebSocketApp('ws://127.0.0.1:1/', { onMessage: 'print' as never }))).toEqual(
      new WebSocketException('expected onMessage to be a function, got "print"', { code: 'WS_ERR_INVALID_OPTION' }),
    );
  });
});
