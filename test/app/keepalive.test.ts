/**
 * WebSocketApp keepalive: pings every pingInterval (the first one interval
 * after the open), pongs reported, and a peer that stops answering detected
 * within pingTimeout, dropped at once, then reconnected to or given up on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketApp, WebSocketTimeoutException } from '../../src/index.js';
import { startDeafServer, type DeafServer } from '../helpers/app-servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
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

describe('WebSocketApp keepalive', () => {
  it('pings every pingInterval with pingPayload, the first one interval after the open, and reports the pongs', async () => {
    let openedAt = 0;
    const pingsAt: number[] = [];
    const payloads: string[] = [];
    const s = await wsServer((peer) => {
      peer.on('ping', (data) => {
        pingsAt.push(Date.now() - openedAt);
        payloads.push(data.toString());
      });
    });
    const pongs: string[] = [];
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => {
        openedAt = Date.now();
        setTimeout(() => void app.close(), 740);
      },
      onPong: (_a, data) => pongs.push(data.toString()),
      onError: (_a, e) => errors.push(e),
    });
    expect(await bounded(app.runForever({ pingInterval: 200, pingTimeout: 120, pingPayload: 'hb' }))).toBe(false);
    expect(errors).toEqual([]);
    expect(pingsAt).toHaveLength(3);
    expect(pingsAt[0]).toBeGreaterThanOrEqual(180);
    expect(pingsAt[0]).toBeLessThan(340); // websocket-client would wait two intervals (400 ms)
    expect(payloads).toEqual(['hb', 'hb', 'hb']);
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
    const s = await deaf();
    let openedAt = 0;
    let errorAt = 0;
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
    expect(await bounded(app.runForever({ pingInterval: 200, pingTimeout: 100 }))).toBe(true);
    const resolvedAfter = Date.now() - openedAt;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebSocketTimeoutException);
    expect((errors[0] as Error).message).toBe('ping/pong timed out: expected a pong within pingTimeout = 100 ms of the ping, got none');
    // First ping at 200 ms, deadline 100 ms later; a small margin, and no 3-second close wait.
    expect(errorAt - openedAt).toBeGreaterThanOrEqual(295);
    expect(errorAt - openedAt).toBeLessThan(300 + 150);
    expect(resolvedAfter).toBeLessThan(300 + 250);
    expect(closes).toEqual([[null, null]]);
    const peerSocket = s.connections[0];
    await new Promise<void>((resolve) => (peerSocket?.closed ? resolve() : peerSocket?.once('close', () => resolve())));
  });

  it('with pingInterval far above pingTimeout, pings every interval and reports the missing pong about pingTimeout after the ping', async () => {
    const s = await deaf();
    let openedAt = 0;
    let errorAt = 0;
    const pingsAt: number[] = [];
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: (a) => {
        openedAt = performance.now();
        // Record when the keepalive sends each ping, on the client's clock.
        const sock = a.sock as NonNullable<typeof a.sock>;
        const ping = sock.ping.bind(sock);
        sock.ping = (payload) => {
          pingsAt.push(performance.now());
          return ping(payload);
        };
      },
      onError: (_a, e) => {
        errorAt = performance.now();
        errors.push(e);
      },
    });
    expect(await bounded(app.runForever({ pingInterval: 500, pingTimeout: 50 }))).toBe(true);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('ping/pong timed out: expected a pong within pingTimeout = 50 ms of the ping, got none');
    const firstPing = pingsAt[0] as number;
    // The first ping comes one pingInterval (500 ms) after the open, not one pingTimeout (50 ms).
    expect(firstPing - openedAt).toBeGreaterThanOrEqual(450);
    // The missing pong is reported one pingTimeout (50 ms) after the ping, not one pingInterval (500 ms).
    expect(errorAt - firstPing).toBeGreaterThanOrEqual(45);
    expect(errorAt - firstPing).toBeLessThan(400);
    // Dropped at the deadline: no second ping went out.
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
