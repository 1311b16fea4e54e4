/**
 * WebSocketApp reconnection: only after an abnormal loss, exponential backoff
 * with jitter up to reconnectMax, reset after a connection that stayed up,
 * maxReconnects, every failed attempt reported, header functions evaluated
 * before each attempt, and close() ending a wait or an attempt early.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { WebSocket as WsPeer } from 'ws';
import { reconnectDelay } from '../../src/app.js';
import {
  WebSocketApp,
  WebSocketBadStatusException,
  WebSocketConnectionClosedException,
} from '../../src/index.js';
import { freePort, restartableWsServer, type RestartableWsServer } from '../helpers/app-servers.js';
import { until, useFakeClock, watch } from '../helpers/fake-clock.js';
import { startSilentServer } from '../helpers/servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function restartable(onConnection: (peer: WsPeer, request: import('node:http').IncomingMessage) => void): Promise<RestartableWsServer> {
  const s = restartableWsServer(await freePort(), onConnection);
  cleanups.push(() => s.kill());
  return s;
}
async function wsServer(...args: Parameters<typeof startWsServer>): Promise<WsTestServer> {
  const s = await startWsServer(...args);
  cleanups.push(() => s.close());
  return s;
}

function bounded<T>(promise: Promise<T>, ms = 6000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`app still running after ${ms} ms`)), ms).unref()),
  ]);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).name;
}

describe('reconnectDelay', () => {
  it('grows exponentially from reconnect up to reconnectMax, jittered within the upper half', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, base, max, r) => {
          const ceiling = Math.min(Math.max(base, max), base * 2 ** attempt);
          const delay = reconnectDelay(attempt, base, max, () => r);
          expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
    expect(reconnectDelay(0, 100, 30_000, () => 0.999999)).toBeCloseTo(100, 2);
    expect(reconnectDelay(3, 100, 30_000, () => 0)).toBe(400);
    expect(reconnectDelay(20, 100, 30_000, () => 0)).toBe(15_000);
    // reconnect above reconnectMax: the cap is reconnect itself
    expect(reconnectDelay(5, 60_000, 30_000, () => 0)).toBe(30_000);
  });
});

describe('WebSocketApp reconnect', () => {
  it('after the server is killed and restarted on the same port: reports the loss and each failed attempt, backs off, calls onReconnect', async () => {
    let attempt = 0;
    const s = await restartable((peer, request) => peer.send(`hello #${String(request.headers['x-attempt'])}`));
    await s.start();
    const events: string[] = [];
    const errorsAt: number[] = [];
    let killedAt = 0;
    const app = new WebSocketApp(s.url, {
      // evaluated before every attempt, asynchronously here
      header: async () => ({ 'X-Attempt': String(++attempt) }),
      onOpen: () => {
        events.push('open');
        setTimeout(() => {
          killedAt = Date.now();
          void s.kill();
        }, 20);
      },
      onReconnect: () => events.push('reconnect'),
      onMessage: (a, m) => {
        events.push(`message ${String(m)}`);
        if (events.includes('reconnect')) void a.close();
      },
      onError: (_a, e) => {
        errorsAt.push(Date.now() - killedAt);
        events.push(`error ${errorCode(e)}`);
        // The server comes back after the third refused attempt, whatever the time it took.
        if (events.filter((event) => event === 'error ECONNREFUSED').length === 3) void s.start();
      },
      onClose: (_a, code, reason) => events.push(`close ${code} ${reason}`),
    });
    expect(await bounded(app.runForever({ reconnect: 80, reconnectMax: 1000 }), 10_000)).toBe(false);
    const failures = events.filter((e) => e === 'error ECONNREFUSED').length;
    expect(events).toEqual([
      'open',
      'message hello #1',
      'error WS_ERR_CONNECTION_LOST',
      ...Array<string>(failures).fill('error ECONNREFUSED'),
      'reconnect',
      `message hello #${failures + 2}`,
      'close 1000 ',
    ]);
    // Waits of 40-80, 80-160, 160-320 ms before the refused attempts: the backoff doubles.
    expect(failures).toBe(3);
    const gaps = errorsAt.slice(1).map((t, i) => t - (errorsAt[i] as number));
    expect(gaps).toHaveLength(3);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((80 * 2 ** i) / 2 - 5));
    expect(s.accepted).toBe(2);
  });

  it('connects once the server, refusing at first, starts listening (onOpen, not onReconnect, for the first open)', async () => {
    const s = await restartable((peer) => peer.send('finally'));
    const events: string[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => events.push('open'),
      onReconnect: () => events.push('reconnect'),
      onMessage: (a) => void a.close(),
      onError: (_a, e) => {
        events.push(`error ${errorCode(e)}`);
        // The server starts listening after the second refused attempt.
        if (events.length === 2) void s.start();
      },
    });
    expect(await bounded(app.runForever({ reconnect: 50, reconnectMax: 100 }))).toBe(false);
    expect(events).toEqual(['error ECONNREFUSED', 'error ECONNREFUSED', 'open']);
  });

  it('retries a handshake refused with 503 until the server accepts', async () => {
    let refusals = 2;
    const s = await wsServer((peer) => peer.send('in'), {
      verifyClient: (_info, done) => (refusals-- > 0 ? done(false, 503, 'Busy') : done(true)),
    });
    const statuses: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onMessage: (a) => void a.close(),
      onError: (_a, e) => statuses.push(e instanceof WebSocketBadStatusException ? e.statusCode : e),
    });
    expect(await bounded(app.runForever({ reconnect: 30 }))).toBe(false);
    expect(statuses).toEqual([503, 503]);
  });

  it('stops after maxReconnects failed attempts in a row, resolving true', async () => {
    const port = await freePort();
    const errors: string[] = [];
    const closes: unknown[][] = [];
    const app = new WebSocketApp(`ws://127.0.0.1:${port}`, {
      onError: (_a, e) => errors.push(errorCode(e)),
      onClose: (_a, code, reason) => closes.push([code, reason]),
    });
    expect(await bounded(app.runForever({ reconnect: 20, maxReconnects: 3 }))).toBe(true);
    expect(errors).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(closes).toEqual([[null, null]]);
  });

  it('does not reconnect when reconnect is 0: the loss ends the app with onError, onClose(null, null) and true', async () => {
    const s = await wsServer((peer) => setTimeout(() => peer.terminate(), 30));
    const events: string[] = [];
    const app = new WebSocketApp(s.url, {
      onError: (_a, e) => events.push(`error ${(e as Error).name}`),
      onClose: (_a, code, reason) => events.push(`close ${code} ${reason}`),
    });
    expect(await bounded(app.runForever())).toBe(true);
    expect(events).toEqual(['error WebSocketConnectionClosedException', 'close null null']);
    expect(s.requests).toHaveLength(1);

    const port = await freePort();
    const refused = new WebSocketApp(`ws://127.0.0.1:${port}`, { onError: (_a, e) => events.push(errorCode(e)) });
    expect(await bounded(refused.runForever({ reconnect: 0 }))).toBe(true);
    expect(events.at(-1)).toBe('ECONNREFUSED');
  });

  it('resets the backoff after a connection that stayed up for reconnectMax', async () => {
    const connectedAt: number[] = [];
    const droppedAt: number[] = [];
    const s = await restartable((peer) => {
      connectedAt.push(Date.now());
      const n = connectedAt.length;
      // Four connections dropped at once, a fifth that stays up 300 ms, then a sixth that stays.
      if (n === 6) return;
      const drop = (): void => {
        droppedAt.push(Date.now());
        peer.terminate();
      };
      if (n === 5) setTimeout(drop, 300);
      else drop();
    });
    await s.start();
    // On a fake clock the I/O takes no time: each gap below is exactly the backoff wait.
    useFakeClock();
    const app = new WebSocketApp(s.url, {
      onReconnect: (a) => {
        if (connectedAt.length === 6) void a.close();
      },
    });
    const running = app.runForever({ reconnect: 40, reconnectMax: 250 });
    const state = watch(running);
    while (!state.settled) {
      // Move the clock only while the app waits on a timer: between attempts, or on an open connection.
      await until(() => state.settled || (vi.getTimerCount() > 0 && (app.sock === null || app.sock.connected)), 'a timer to run or the end');
      if (!state.settled) await vi.advanceTimersToNextTimerAsync();
    }
    expect(await running).toBe(false);
    expect(connectedAt).toHaveLength(6);
    const gaps = droppedAt.map((t, i) => (connectedAt[i + 1] as number) - t);
    // Attempts 0-3 wait 20-40, 40-80, 80-160, 125-250 ms; after the connection that stayed up, 20-40 ms again (not 125-250).
    const ranges = [[20, 40], [40, 80], [80, 160], [125, 250], [20, 40]];
    gaps.forEach((gap, i) => {
      expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(ranges[i]![0]! - 1);
      expect(gap, `gap ${i}`).toBeLessThanOrEqual(ranges[i]![1]! + 1);
    });
  });

  it('close() during the wait before a reconnection ends runForever at once', async () => {
    const port = await freePort();
    const app = new WebSocketApp(`ws://127.0.0.1:${port}`, {
      onError: (a) => void setTimeout(() => void a.close(), 30),
    });
    const started = Date.now();
    expect(await bounded(app.runForever({ reconnect: 60_000 }), 10_000)).toBe(true);
    // The wait it cut short was at least 30 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('close() during a connection attempt cancels it and ends runForever', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const errors: unknown[] = [];
    const closes: unknown[][] = [];
    const app = new WebSocketApp(`ws://127.0.0.1:${silent.port}`, {
      onError: (_a, e) => errors.push(e),
      onClose: (_a, code, reason) => closes.push([code, reason]),
    });
    setTimeout(() => void app.close(), 100);
    const started = Date.now();
    // The silent server never answers and there is no timeout: only the cancel can end it.
    expect(await bounded(app.runForever({ reconnect: 50 }), 10_000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(errors).toEqual([]);
    expect(closes).toEqual([[null, null]]);
  });

  it('reports a header function that throws as a failed attempt', async () => {
    const s = await wsServer((peer) => peer.send('ok'));
    let calls = 0;
    const errors: string[] = [];
    const app = new WebSocketApp(s.url, {
      header: () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        return ['X-Token: fresh'];
      },
      onMessage: (a) => void a.close(),
      onError: (_a, e) => errors.push((e as Error).message),
    });
    expect(await bounded(app.runForever({ reconnect: 20 }))).toBe(false);
    expect(errors).toEqual(['token service down']);
    expect(s.requests.map((r) => r.headers['x-token'])).toEqual(['fresh']);
  });

  it('does not reconnect after a close handshake the server started with 1001', async () => {
    const s = await wsServer((peer) => peer.close(1001, 'going away'));
    const closes: unknown[][] = [];
    const app = new WebSocketApp(s.url, { onClose: (_a, code, reason) => closes.push([code, reason]) });
    expect(await bounded(app.runForever({ reconnect: 20 }))).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(closes).toEqual([[1001, 'going away']]);
    expect(s.requests).toHaveLength(1);
  });

  it('reports the error of a connection the server broke the protocol on, then reconnects', async () => {
    let n = 0;
    const s = await wsServer((peer) => {
      n += 1;
      // A reserved opcode (0x3) is a protocol violation (RFC 6455 §5.2).
      if (n === 1) (peer as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0x83, 0x00]));
      else peer.send('second');
    });
    const events: string[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => events.push('open'),
      onReconnect: () => events.push('reconnect'),
      onMessage: (a, m) => {
        events.push(String(m));
        void a.close();
      },
      onError: (_a, e) => events.push(`error ${(e as Error).name} ${String((e as { closeCode?: number }).closeCode)}`),
    });
    expect(await bounded(app.runForever({ reconnect: 20 }))).toBe(false);
    expect(events).toEqual(['open', 'error WebSocketProtocolException 1002', 'reconnect', 'second']);
  });

  it('reports a loss as ConnectionClosed', async () => {
    const s = await wsServer((peer) => peer.terminate());
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, { onError: (_a, e) => errors.push(e) });
    expect(await bounded(app.runForever())).toBe(true);
    expect(errors[0]).toBeInstanceOf(WebSocketConnectionClosedException);
  });
});
