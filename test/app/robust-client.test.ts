/**
 * examples/robust-client.ts against real peers: transient failures retried
 * with backoff until the server closes normally; 401/403/404 stop at once;
 * a server that never comes back makes it give up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../examples/robust-client.js';
import { freePort } from '../helpers/app-servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const servers: WsTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const fast = { reconnect: 30, reconnectMax: 200, pingInterval: 200, pingTimeout: 100, timeout: 2000 };

describe('examples/robust-client', () => {
  it('retries a 503 and a lost connection, then ends when the server closes normally', async () => {
    let requests = 0;
    const s = await startWsServer(
      (peer) => {
        if (requests === 2) {
          peer.send('welcome');
          setTimeout(() => peer.terminate(), 20);
        } else {
          peer.send('welcome back');
          peer.close(1000, 'bye');
        }
      },
      { verifyClient: (_info, done) => (++requests === 1 ? done(false, 503, 'Busy') : done(true)) },
    );
    servers.push(s);
    const result = await main(s.url, fast);
    expect(result.outcome).toBe('closed');
    expect(result.connections).toBe(2);
    expect(result.messages).toEqual(['welcome', 'welcome back']);
    expect(result.close).toEqual([1000, 'bye']);
    expect(result.lines[0]).toMatch(/^Handshake failed \(HTTP 503\)/);
    expect(result.lines).toContain('Connection established');
    expect(result.lines.some((l) => l.startsWith('Connection closed, will retry:'))).toBe(true);
    expect(result.lines.at(-1)).toBe('Connection closed: 1000 - bye');
  });

  it.each([401, 403, 404])('stops at once on a permanent %i, without retrying', async (status) => {
    let attempts = 0;
    const s = await startWsServer(undefined, { verifyClient: (_info, done) => done(false, status, `refused #${++attempts}`) });
    servers.push(s);
    const started = Date.now();
    // A retry would wait at least 1.5 s (half of reconnect, the backoff's floor).
    const result = await main(s.url, { ...fast, reconnect: 3000 });
    expect(result.outcome).toBe('permanent-error');
    expect(result.connections).toBe(0);
    expect(result.lines).toEqual([
      expect.stringMatching(new RegExp(`^Handshake failed \\(HTTP ${status}\\)`)),
      'Permanent error, not retrying',
      'Connection closed: null - null',
    ]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(attempts).toBe(1);
  });

  it('gives up after maxReconnects failed attempts in a row', async () => {
    const port = await freePort();
    const result = await main(`ws://127.0.0.1:${port}`, { ...fast, maxReconnects: 3 });
    expect(result.outcome).toBe('gave-up');
    expect(result.lines.filter((l) => l.startsWith('Network error (ECONNREFUSED): '))).toHaveLength(4);
    expect(result.connections).toBe(0);
    expect(result.lines.at(-1)).toBe('Max reconnection attempts reached, giving up');
  });
});
