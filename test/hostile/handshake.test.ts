/**
 * Hostile servers during the opening handshake: a response dribbled byte by
 * byte (the deadline holds), endless header lines and an endless header line
 * (the 100-line / 16 KiB limits), an endless error body (64 KiB kept).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketBadStatusException, WebSocketProtocolException, WebSocketTimeoutException } from '../../src/exceptions.js';
import { WebSocket } from '../../src/websocket.js';
import { startHostileServer, type HostileServer } from '../helpers/hostile-server.js';

let server: HostileServer | null = null;
afterEach(async () => {
  await server?.close();
  expect(server?.errors ?? []).toEqual([]);
  server = null;
});

/** Writes `line` again and again until the client goes away (bounded by `maxBytes`). */
async function flood(write: (b: string) => Promise<void>, isClosed: () => boolean, line: string, maxBytes: number): Promise<number> {
  let sent = 0;
  const block = line.repeat(Math.max(1, Math.floor(4096 / line.length)));
  while (!isClosed() && sent < maxBytes) {
    await write(block);
    sent += block.length;
  }
  return sent;
}

describe('hostile handshake', () => {
  it('a response dribbled one byte per 100 ms times out in about the time asked (the issue says 1 byte/s; scaled 10x)', async () => {
    let bytesSent = 0;
    server = await startHostileServer(async (conn) => {
      const key = await conn.request();
      for (const byte of Buffer.from(conn.upgradeHead(key), 'latin1')) {
        if (conn.socket.destroyed) return;
        await conn.write(Buffer.of(byte));
        bytesSent++;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    const ws = new WebSocket();
    const started = Date.now();
    const error = await ws.connect(server.url, { timeout: 500 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect((error as Error).message).toMatch(/timed out after 500 ms/);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_OPEN_TIMEOUT' });
    expect(took).toBeGreaterThanOrEqual(480);
    // The bytes kept coming, yet the deadline held: ten times the timeout bounds a hang.
    expect(took).toBeLessThan(5000);
    expect(bytesSent).toBeLessThan(12);
    expect(ws.connected).toBe(false);
  });

  it('endless header lines fail with the 100-line limit, not with memory', async () => {
    let sent = 0;
    server = await startHostileServer(async (conn) => {
      await conn.request();
      await conn.write('HTTP/1.1 101 Switching Protocols\r\n');
      sent = await flood((b) => conn.write(b), () => conn.socket.destroyed, 'X-Again: and again\r\n', 64 << 20);
    });
    const error = await new WebSocket().connect(server.url, { timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect((error as Error).message).toMatch(/expected at most 100 header lines, got more; line 101 is "X-Again: and again"/);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_RESPONSE' });
    await server.close();
    expect(sent).toBeLessThan(8 << 20);
  });

  it('an endless header line fails with the 16 KiB head limit', async () => {
    server = await startHostileServer(async (conn) => {
      await conn.request();
      await conn.write('HTTP/1.1 101 Switching Protocols\r\nX-Endless: ');
      await flood((b) => conn.write(b), () => conn.socket.destroyed, 'aaaaaaaaaaaaaaaa', 64 << 20);
    });
    const error = await new WebSocket().connect(server.url, { timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_RESPONSE' });
  });

  it('an endless error body is cut at 64 KiB and reported at once', async () => {
    server = await startHostileServer(async (conn) => {
      await conn.request();
      await conn.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno entry\n');
      await flood((b) => conn.write(b), () => conn.socket.destroyed, 'x'.repeat(64), 64 << 20);
    });
    const started = Date.now();
    const error = await new WebSocket().connect(server.url, { timeout: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    const bad = error as WebSocketBadStatusException;
    expect(bad.statusCode).toBe(403);
    expect(bad.respBody?.length).toBe(64 * 1024);
    expect(bad.message).toBe('Handshake status 403 Forbidden: expected 101 Switching Protocols; body: "no entry"');
    // At once: well under the 60 s timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
