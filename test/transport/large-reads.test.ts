import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ARENA_BYTES, HAND_OVER_BYTES, READ_BUFFER_BYTES, largeReads, setReadSink } from '../../src/transport/large-reads.js';

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

/**
 * Collects the chunks given to `onData`; on the `pauseAt`-th chunk pauses the
 * socket for 50 ms, counting the chunks that still arrive while it is paused.
 */
function pauseOnce(socket: net.Socket, pauseAt: number) {
  const chunks: Buffer[] = [];
  let paused = false;
  let pausedCalls = 0;
  const onData = (chunk: Buffer): void => {
    if (paused) pausedCalls++;
    chunks.push(chunk);
    if (chunks.length === pauseAt) {
      paused = true;
      socket.pause();
      setTimeout(() => {
        paused = false;
        socket.resume();
      }, 50);
    }
  };
  return { chunks, onData, pausedCalls: () => pausedCalls };
}

describe('largeReads: socket reads into 256 KiB buffers', () => {
  const payload = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
  let server: net.Server;
  beforeAll(async () => {
    server = await source(payload);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers every byte in order through data events, in chunks up to 256 KiB; long reads land in an arena of the socket, each on bytes of its own; short ones are copied to their size', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(READ_BUFFER_BYTES);
    expect(chunks.some((c) => c.length > 65536)).toBe(true);
    const arenas = new Map<ArrayBufferLike, Array<[number, number]>>();
    let copiedLong = 0;
    for (const chunk of chunks) {
      if (chunk.buffer.byteLength === ARENA_BYTES) {
        // A part of the socket's own arena (bulk mode): no other chunk shares its bytes, so views of it stay valid.
        expect(chunk.length).toBeGreaterThanOrEqual(HAND_OVER_BYTES);
        const ranges = arenas.get(chunk.buffer) ?? [];
        const start = chunk.byteOffset;
        const end = start + chunk.length;
        expect(ranges.filter(([s, e]) => s < end && start < e)).toEqual([]);
        ranges.push([start, end]);
        arenas.set(chunk.buffer, ranges);
      } else {
        // Copied out of the shared buffer: it pins only its own bytes.
        expect(chunk.buffer.byteLength).toBeLessThan(READ_BUFFER_BYTES);
        if (chunk.length >= HAND_OVER_BYTES) copiedLong++;
      }
    }
    // Only the long read that switches the socket to bulk mode is copied (once per switch).
    expect(arenas.size).toBeGreaterThan(0);
    expect(copiedLong).toBeLessThanOrEqual(chunks.filter((_, i) => i === 0 || chunks[i - 1]!.length < HAND_OVER_BYTES).length);
  });

  it('pause() stops the data events and resume() brings the rest, nothing lost', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const { chunks, onData, pausedCalls } = pauseOnce(socket, 1);
    socket.on('data', onData);
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(pausedCalls()).toBe(0);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('a read sink gets the chunks directly while the socket flows; chunks read while it is paused come through data events; every byte once, in order', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const push = vi.spyOn(socket, 'push');
    const { chunks, onData, pausedCalls } = pauseOnce(socket, 3);
    let direct = 0;
    socket.on('data', onData);
    setReadSink(socket, (chunk) => {
      direct++;
      onData(chunk);
    });
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(pausedCalls()).toBe(0);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(direct).toBeGreaterThan(0);
    // Only what is read while paused (or queued behind it) goes through the stream; the end of input is one more push.
    const pushedChunks = push.mock.calls.filter(([chunk]) => chunk !== null).length;
    expect(pushedChunks + direct).toBe(chunks.length);
  });

  it('a borrowing read sink gets views of the one shared read buffer while the socket flows, own chunks through data events while paused; every byte once, in order', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() });
    const push = vi.spyOn(socket, 'push');
    const { chunks, onData, pausedCalls } = pauseOnce(socket, 3);
    const borrowedBuffers = new Set<ArrayBufferLike>();
    let borrowed = 0;
    socket.on('data', onData);
    // Set before the first read: the socket has not read through largeReads yet.
    expect(setReadSink(socket, (view) => {
      borrowed++;
      borrowedBuffers.add(view.buffer);
      // A view is valid only during the call: keep a copy.
      onData(Buffer.from(view));
    }, { borrow: true })).toBe(false);
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(setReadSink(socket, () => {}, { borrow: true })).toBe(true);
    expect(pausedCalls()).toBe(0);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(borrowed).toBeGreaterThan(0);
    // What is read while paused (or queued behind it) goes through the stream, as chunks of their own.
    const pushedChunks = push.mock.calls.filter(([chunk]) => chunk !== null).length;
    expect(pushedChunks + borrowed).toBe(chunks.length);
    // Even reads of 64 KiB and more land in the shared buffer: nothing is handed on to a borrowing sink.
    expect(borrowedBuffers.size).toBe(1);
    expect([...borrowedBuffers][0]!.byteLength).toBe(READ_BUFFER_BYTES);
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

describe('largeReads: many sockets', () => {
  it('sockets reading at once, with short and long reads mixed, each get exactly their own bytes', async () => {
    const servers: net.Server[] = [];
    const sockets = 12;
    const payloads = Array.from({ length: sockets }, (_, n) => {
      const bytes = Buffer.alloc(2 * 1024 * 1024 + n * 777);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + n * 7) & 0xff;
      return bytes;
    });
    const server = net.createServer((socket) => {
      socket.once('data', (which: Buffer) => {
        // Pieces of 1 B to 200 KiB, a turn apart: reads both shorter and longer than HAND_OVER_BYTES.
        const bytes = payloads[which[0]!]!;
        let at = 0;
        let size = 1;
        const next = (): void => {
          if (at >= bytes.length) return void socket.end();
          const piece = bytes.subarray(at, at + size);
          at += piece.length;
          size = size >= 200 * 1024 ? 1 : size * 7;
          socket.write(piece, () => setImmediate(next));
        };
        next();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const received = await Promise.all(
        payloads.map(
          (_, n) =>
            new Promise<Buffer>((resolve, reject) => {
              const socket = net.connect({ host: '127.0.0.1', port: port(server), onread: largeReads() }, () => socket.write(Buffer.from([n])));
              const chunks: Buffer[] = [];
              socket.on('data', (chunk: Buffer) => chunks.push(chunk));
              socket.on('error', reject);
              socket.on('end', () => {
                socket.destroy();
                resolve(Buffer.concat(chunks));
              });
            }),
        ),
      );
      received.forEach((bytes, n) => expect(bytes.equals(payloads[n]!), `socket ${n}`).toBe(true));
    } finally {
      for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('idle sockets hold no read buffer of their own: until a long read, every socket reads into the one shared buffer', () => {
    const readers = Array.from({ length: 3 }, () => largeReads());
    const bufferOf = (reader: net.OnReadOpts) => (reader.buffer as () => Uint8Array)();
    const first = bufferOf(readers[0]!);
    for (const reader of readers) expect(bufferOf(reader)).toBe(first);
    // A long read puts that socket alone in bulk mode; the others keep the shared buffer.
    const push = () => true;
    (readers[1]!.callback as (this: unknown, n: number, b: Uint8Array) => boolean).call({ push }, HAND_OVER_BYTES, first);
    expect(bufferOf(readers[1]!)).not.toBe(first);
    expect(bufferOf(readers[2]!)).toBe(first);
    // A short read puts it back.
    const own = bufferOf(readers[1]!);
    (readers[1]!.callback as (this: unknown, n: number, b: Uint8Array) => boolean).call({ push }, 10, own);
    expect(bufferOf(readers[1]!)).toBe(first);
  });
});
