/**
 * Hostile servers after the handshake: lying 64-bit lengths, a million tiny
 * fragments, a ping flood while the user does not read and the server does
 * not read either, and a server that never answers the close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { WebSocket } from '../../src/websocket.js';
import { frame, frameHeader, startHostileServer, type ClientFrame, type HostileConnection, type HostileServer } from '../helpers/hostile-server.js';

let server: HostileServer | null = null;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const ws of clients.splice(0)) ws.abort();
  await server?.close();
  expect(server?.errors ?? []).toEqual([]);
  server = null;
});

async function connect(options: ConstructorParameters<typeof WebSocket>[0] = {}): Promise<WebSocket> {
  const ws = new WebSocket(options);
  clients.push(ws);
  await ws.connect(server!.url, { timeout: 5000 });
  return ws;
}

function closeCodeOf(f: ClientFrame): number | null {
  return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
}

/** A server that upgrades, reads the client's frames, and runs `then`. */
function upgraded(then: (conn: HostileConnection) => Promise<void>): (conn: HostileConnection) => Promise<void> {
  return async (conn) => {
    await conn.upgrade();
    conn.collect();
    await then(conn);
  };
}

describe('hostile frames', () => {
  it('a 2^63 length (top bit set) fails the connection with 1002 before reading any payload', async () => {
    let conn!: HostileConnection;
    server = await startHostileServer(
      upgraded(async (c) => {
        conn = c;
        await c.write(Buffer.concat([frame(0x1, 'before'), frameHeader(0x2, 2n ** 63n), Buffer.alloc(64, 1)]));
      }),
    );
    const ws = await connect();
    expect(await ws.recv()).toBe('before');
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect((error as WebSocketProtocolException).closeCode).toBe(1002);
    expect((error as Error).message).toBe('64-bit payload length 0x8000000000000000 has the most significant bit set (RFC 6455 §5.2)');
    const frames = await conn.waitFor((f) => f.some((x) => x.opcode === 0x8));
    expect(closeCodeOf(frames.find((x) => x.opcode === 0x8)!)).toBe(1002);
  });

  it('a 2^63-1 length fails with 1009 (over maxPayload) without allocating', async () => {
    let conn!: HostileConnection;
    server = await startHostileServer(
      upgraded(async (c) => {
        conn = c;
        await c.write(frameHeader(0x2, 2n ** 63n - 1n));
      }),
    );
    const ws = await connect();
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1009);
    expect((error as Error).message).toBe('frame payload of 9223372036854775807 bytes exceeds maxPayload 67108864');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 << 20);
    const frames = await conn.waitFor((f) => f.some((x) => x.opcode === 0x8));
    expect(closeCodeOf(frames.find((x) => x.opcode === 0x8)!)).toBe(1009);
  });

  it('a million one-byte fragments: the connection fails with 1009 at fragment 131073 (maxFragments), nothing delivered', async () => {
    const FRAGMENTS = 1_000_000;
    let conn!: HostileConnection;
    let written = 0;
    server = await startHostileServer(
      upgraded(async (c) => {
        conn = c;
        await c.write(frame(0x1, 'a', false));
        // Continuation frames of one byte, 3 bytes each, written in 300 KB blocks until the client goes away.
        const block = Buffer.alloc(3 * 100_000);
        for (let i = 0; i < block.length; i += 3) block.set([0x00, 0x01, 0x61], i);
        for (let sent = 1; sent < FRAGMENTS && !c.socket.destroyed; sent += 100_000) {
          await c.write(block);
          written += 100_000;
        }
        if (!c.socket.destroyed) await c.write(frame(0x0, 'z', true));
      }),
    );
    const ws = await connect();
    const started = Date.now();
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1009);
    expect((error as Error).message).toBe('message of more than 131072 frames: expected at most maxFragments = 131072');
    // A bound on a hang, not on speed: a loaded machine parses the 131 073 frames slowly.
    expect(Date.now() - started).toBeLessThan(15_000);
    const frames = await conn.waitFor((f) => f.some((x) => x.opcode === 0x8));
    expect(closeCodeOf(frames.find((x) => x.opcode === 0x8)!)).toBe(1009);
    expect(written).toBeGreaterThanOrEqual(131_072);
  });

  it('a ping flood while neither the user nor the server reads: the write buffer stays bounded and only the latest pong waits (RFC 6455 §5.5.3)', async () => {
    const PINGS = 120_000; // 125-byte pings: 15 MB in, far more pongs than the socket buffers can hold
    let conn!: HostileConnection;
    let flooded!: () => void;
    const floodDone = new Promise<void>((resolve) => (flooded = resolve));
    server = await startHostileServer(async (c) => {
      conn = c;
      await c.upgrade(); // and then the server does not read: the client's pongs back up
      const batch: Buffer[] = [];
      for (let i = 1; i <= PINGS; i++) {
        const payload = Buffer.alloc(125, 0x2e);
        payload.write(String(i).padStart(10, '0'));
        batch.push(frame(0x9, payload));
        if (batch.length === 1000) await c.write(Buffer.concat(batch.splice(0)));
      }
      flooded();
    });
    const ws = await connect();
    const rssBefore = process.memoryUsage().rss;
    let maxBuffered = 0;
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, ws.bufferedAmount)), 2);
    await floodDone;
    // Let the client process what is still in flight.
    await new Promise((r) => setTimeout(r, 200));
    clearInterval(sampler);
    maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
    // Our own bound (16 KiB of pongs, then only the latest waits), the same on every Node version
    // whatever the socket's highWaterMark (16 KiB on Node 20, 64 KiB from Node 22).
    expect(maxBuffered).toBeLessThan(17 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 << 20);
    expect(ws.connected).toBe(true);

    // Now the server reads everything: the last pong answers the last ping, and many were coalesced.
    conn.collect();
    const last = String(PINGS).padStart(10, '0');
    const frames = await conn.waitFor((f) => f.some((x) => x.opcode === 0xa && x.payload.subarray(0, 10).toString() === last), 10_000);
    const pongs = frames.filter((x) => x.opcode === 0xa);
    expect(pongs.length).toBeLessThan(PINGS);
    const numbers = pongs.map((p) => Number(p.payload.subarray(0, 10).toString()));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b)); // in order, none twice
    expect(new Set(numbers).size).toBe(numbers.length);
    // The user still gets (at most maxQueue of) the pings if it asks.
    const [opcode] = await ws.recvData(true);
    expect(opcode).toBe(0x9);
  });

  it('a server that never answers the close: close() returns after its timeout and drops the socket', async () => {
    let conn!: HostileConnection;
    server = await startHostileServer(upgraded(async (c) => void (conn = c)));
    const ws = await connect();
    const started = Date.now();
    await ws.close({ timeout: 300 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    // A bound on a hang: ten times the timeout.
    expect(took).toBeLessThan(3000);
    expect(ws.connected).toBe(false);
    const frames = await conn.waitFor((f) => f.some((x) => x.opcode === 0x8));
    expect(closeCodeOf(frames.find((x) => x.opcode === 0x8)!)).toBe(1000);
    await conn.closed;
  });
});
