import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_OVER_BYTES, READ_BUFFER_BYTES, largeReads } from '../../src/transport/large-reads.js';

/** A server on 127.0.0.1 that writes `bytes` to each connection, then ends it. */
function source(bytes: Buffer): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.end(bytes));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function port(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

describe('largeReads: socket reads into 256 KiB buffers', () => {
  const payload = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
  let server: net.Server;
  beforeAll(async () => {
    server = await source(payload);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers every byte in order through data events, in chunks up to 256 KiB; long reads keep their own buffer, short ones are copied to their size', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(READ_BUFFER_BYTES);
    expect(chunks.some((c) => c.length > 65536)).toBe(true);
    const buffers = new Set<ArrayBufferLike>();
    for (const chunk of chunks) {
      if (chunk.length >= HAND_OVER_BYTES) {
        // Its own read buffer: no other chunk shares it, so views of it stay valid.
        expect(chunk.buffer.byteLength).toBe(READ_BUFFER_BYTES);
        expect(buffers.has(chunk.buffer)).toBe(false);
        buffers.add(chunk.buffer);
      } else {
        // Copied out: it does not pin a read buffer.
        expect(chunk.buffer.byteLength).toBeLessThan(READ_BUFFER_BYTES);
      }
    }
  });

  it('pause() stops the data events and resume() brings the rest, nothing lost', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const chunks: Buffer[] = [];
    let pausedEvents = 0;
    let paused = false;
    socket.on('data', (chunk: Buffer) => {
      if (paused) pausedEvents++;
      chunks.push(chunk);
      if (chunks.length === 1) {
        paused = true;
        socket.pause();
        setTimeout(() => {
          paused = false;
          socket.resume();
        }, 50);
      }
    });
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(pausedEvents).toBe(0);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('bytes that arrive before any data listener wait in the stream, and unshift() puts bytes back in front', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    await new Promise((resolve) => socket.once('readable', resolve));
    const first = socket.read(10) as Buffer | null;
    expect(first).not.toBeNull();
    socket.unshift(first as Buffer);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });
});
