/**
 * A loop of sends that never yields must not keep the frames the socket has
 * already written: a send's promise and write callback hold its length, not
 * its bytes. Measured with the ArrayBuffer memory after a full GC, taken in
 * the same synchronous run as the sends (before any write callback runs).
 */
import * as net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection } from '../../src/index.js';
import { acceptKeyFor } from '../helpers/raw-server.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const FRAME_PAYLOAD = 256 * 1024;
/** Bound on the loop: 64 frames of 256 KiB. */
const MAX_SENDS = 64;

let server: net.Server;
let port = 0;

/** A WebSocket peer that completes the handshake, then reads and discards everything. */
beforeAll(async () => {
  server = net.createServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function arrayBufferBytes(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

it('frames written at once are garbage before their send promises settle', async () => {
  const ws = await createConnection(`ws://127.0.0.1:${port}/`);
  try {
    const payload = Buffer.alloc(FRAME_PAYLOAD, 0x5a);
    const before = arrayBufferBytes();
    const sends: Promise<number>[] = [];
    // Until the socket queues a frame: everything before it went to the kernel synchronously.
    while (sends.length < MAX_SENDS && ws.bufferedAmount === 0) sends.push(ws.send(payload));
    const frameBytes = FRAME_PAYLOAD + 14;
    const written = sends.length * frameBytes - ws.bufferedAmount;
    const held = arrayBufferBytes() - before - ws.bufferedAmount;
    console.log(`sync sends: ${sends.length}, written at once: ${(written / 2 ** 20).toFixed(1)} MiB, frames still held: ${(held / 2 ** 20).toFixed(1)} MiB`);
    expect(written).toBeGreaterThanOrEqual(frameBytes);
    // With the frame kept by its callback, `held` would be about `written`.
    expect(held).toBeLessThan(written / 2);
    const lengths = await Promise.all(sends);
    expect(lengths.every((length) => length === frameBytes)).toBe(true);
  } finally {
    ws.shutdown();
  }
});
