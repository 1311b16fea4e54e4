/**
 * WebSocketApp keepalive: pings every pingInterval (the first one interval
 * after the open), pongs reported, and a peer that stops answering detected
 * within pingTimeout, dropped at once, then reconnected to or given up on.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketApp, WebSocketTimeoutException } from '../../src/index.js';
import { settlesWithoutTimers, until, useFakeClock } from '../helpers/fake-clock.js';
import { startDeafServer, type DeafServer } from '../helpers/app-servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function deaf(): Promise<DeafServer> {
  const s = await startDeafServer();
  cleanups.push(() => s.close());
  return s;
}
async function wsServer(...args: Parameters<typeof startWsServer>): Promise<WsTestServer> {
  const s = await startWsServer(...args);
  cleanups.push(() => s.close());
  return s;
}

function bounded<T>(promise: Promise<T>, ms = 4000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`app still running after ${ms} ms`)), ms).unref()),
  ]);
}

/** Records when the keepalive sends each ping, on the client's (fake) clock. */
function recordPings(app: WebSocketApp, pingsAt: number[]): void {
  const sock = app.sock as NonNullable<typeof app.sock>;
  const ping = sock.ping.bind(sock);
  sock.ping = (payload) => {
    pingsAt.push(performance.now());
    return ping(payload);
  };
}

describe('WebSocketApp keepalive', () => {
  it('pings every pingInterval with pingPayload, the first one interval after the open, and reports the pongs', async () => {
    useFakeClock();
    const serverPings: string[] = [];
    const s = await wsServer((peer) => peer.on('ping', (data) => serverPings.push(data.toString())));
    let openedAt = -1;
    const pingsAt: number[] = [];
    const pongs: string[] = [];
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: (a) => {
        openedAt = performance.now();
        recordPings(a, pingsAt);
      },
      onPong: (_a, data) => pongs.push(data.toString()),
      onError: (_a, e) => errors.push(e),
    });
    const running = app.runForever({ pingInterval: 200, pingTimeout: 120, pingPayload: 'hb' });
    await until(() => openedAt >= 0, 'the open');
    // websocket-client would wait two intervals (400 ms) for the first ping.
    await vi.advanceTimersByTimeAsync(199);
    expect(pingsAt).toEqual([]);
    for (let n = 1; n <= 3; n++) {
      await vi.advanceTimersByTimeAsync(n === 1 ? 1 : 200);
      expect(pingsAt).toHaveLength(n);
      await until(() => pongs.length === n, `pong ${n}`);
    }
    await vi.advanceTimersByTimeAsync(199);
    expect(pingsAt).toHaveLength(3);
    await app.close();
    expect(await settlesWithoutTimers(running, 'runForever to end')).toBe(false);
    expect(errors).toEqual([]);
    expect(pingsAt.map((t) => t - openedAt)).toEqual([200, 400, 600]);
    expect(serverPings).toEqual(['hb', 'hb', 'hb']);
    expect(pongs).toEqual(['hb', 'hb', 'hb']);
  });

  it('sends no pings when pingInterval is 0', async () => {
    let pings = 0;
    const s = await wsServer((peer) => peer.on('ping', () => pings++));
    const app = new WebSocketApp(s.url, { onOpen: () => void setTimeout(() => void app.close(), 250) });
    await bounded(app.runForever({ pingTimeout: 50 }));
    expect(pings).toBe(0);
  });

  it('detects a peer that stops answering pings within pingTimeout and drops it at once', async () => {
    useFakeClock();
    const s = await deaf();
    let openedAt = -1;
    let errorAt = -1;
    const errors: unknown[] = [];
    const closes: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => (openedAt = Date.now()),
      onError: (_a, e) => {
        errorAt = Date.now();
        errors.push(e);
      },
      onClose: (_a, code, reason) => closes.push([code, reason]),
    });
    const running = app.runForever({ pingInterval: 200, pingTimeout: 100 });
    await until(() => openedAt >= 0, 'the open');
    // First ping at 200 ms, its deadline 100 ms later.
    await vi.advanceTimersByTimeAsync(299);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => errors.length > 0, 'the ping timeout error');
    expect(errorAt - openedAt).toBe(300);
    // Dropped at once: runForever ends with the clock standing still (no close timeout waited for).
    expect(await settlesWithoutTimers(running, 'runForever to end')).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebSocketTimeoutException);
    expect((errors[0] as Error).message).toBe('ping/pong timed out: expected a pong within pingTimeout = 100 ms of the ping, got none');
    expect(closes).toEqual([[null, null]]);
    const peerSocket = s.connections[0];
    await new Promise<void>((resolve) => (peerSocket?.closed ? resolve() : peerSocket?.once('close', () => resolve())));
  });

  it('with pingInterval far above pingTimeout, pings every interval and reports the missing pong pingTimeout after the ping', async () => {
    useFakeClock();
    const s = await deaf();
    let openedAt = -1;
    let errorAt = -1;
    const pingsAt: number[] = [];
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: (a) => {
        openedAt = performance.now();
        recordPings(a, pingsAt);
      },
      onError: (_a, e) => {
        errorAt = performance.now();
        errors.push(e);
      },
    });
    const running = app.runForever({ pingInterval: 500, pingTimeout: 50 });
    await until(() => openedAt >= 0, 'the open');
    // The first ping comes one pingInterval (500 ms) after the open, not one pingTimeout (50 ms).
    await vi.advanceTimersByTimeAsync(499);
    expect(pingsAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(pingsAt.map((t) => t - openedAt)).toEqual([500]);
    // The missing pong is reported one pingTimeout (50 ms) after the ping, not one pingInterval (500 ms).
    await vi.advanceTimersByTimeAsync(49);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => errors.length > 0, 'the ping timeout error');
    expect(errorAt - openedAt).toBe(550);
    expect(await settlesWithoutTimers(running, 'runForever to end')).toBe(true);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('ping/pong timed out: expected a pong within pingTimeout = 50 ms of the ping, got none');
    // Dropped at the deadline: no second ping goes out.
    await vi.advanceTimersByTimeAsync(1000);
    expect(pingsAt).toHaveLength(1);
  });

  it('reconnects after a ping timeout when reconnect is set', async () => {
    const s = await deaf();
    const events: string[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => events.push('open'),
      onReconnect: (a) => {
        events.push('reconnect');
        // A deaf peer never answers the close frame: bound the wait.
        void a.close({ timeout: 50 });
      },
      onError: (_a, e) => events.push(`error ${(e as Error).message}`),
      onClose: (_a, code, reason) => events.push(`close ${code} ${reason}`),
    });
    expect(await bounded(app.runForever({ pingInterval: 150, pingTimeout: 60, reconnect: 50 }))).toBe(false);
    expect(events).toEqual(['open', 'error ping/pong timed out: expected a pong within pingTimeout = 60 ms of the ping, got none', 'reconnect', 'close null null']);
    expect(s.connections).toHaveLength(2);
  });
});
