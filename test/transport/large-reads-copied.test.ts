/**
 * A read sink that copies a chunk and says so (returns true) gets its next
 * long read in the same memory, instead of the next part of the socket's
 * arena; one that does not say so keeps every chunk handed on, and no later
 * read lands on its bytes.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARENA_BYTES, HAND_OVER_BYTES, READ_BUFFER_BYTES, largeReads, setReadSink } from '../../src/transport/large-reads.js';

/** Reads all of what `port` sends through a sink that copies each chunk and returns `answer`; the chunks handed on whole and the bytes. */
async function readThroughSink(port: number, answer: boolean | undefined) {
  const socket = net.connect({ host: '127.0.0.1', port, onread: largeReads() });
  const copies: Buffer[] = [];
  const handedOn: Buffer[] = [];
  let shortReads = 0;
  const sink = (chunk: Buffer): boolean | undefined => {
    copies.push(Buffer.from(chunk));
    // A part of the socket's own arena, handed on: a long read (shorter ones are copied to their size).
    if (chunk.length >= HAND_OVER_BYTES && chunk.buffer.byteLength === ARENA_BYTES) handedOn.push(chunk);
    else shortReads++;
    return answer;
  };
  socket.on('data', sink);
  setReadSink(socket, sink);
  await new Promise((resolve) => socket.on('end', resolve));
  socket.destroy();
  return { bytes: Buffer.concat(copies), handedOn, shortReads };
}

const arenaIds = new Map<ArrayBufferLike, number>();
/** A small number that names an ArrayBuffer in this test's output. */
function arenaId(buffer: ArrayBufferLike): number {
  let id = arenaIds.get(buffer);
  if (id === undefined) arenaIds.set(buffer, (id = arenaIds.size));
  return id;
}

describe('largeReads: a sink that copied a chunk gets the next long read in the same buffer', () => {
  const payload = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    server = net.createServer((socket) => socket.end(payload));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returning true: long reads land in the same memory until a short read; every byte once, in order', async () => {
    const { bytes, handedOn, shortReads } = await readThroughSink(port, true);
    expect(bytes.equals(payload)).toBe(true);
    expect(handedOn.length).toBeGreaterThan(4);
    // A short read ends bulk mode: the next read lands in the shared buffer (copied out, perhaps 256 KiB),
    // the one after starts an arena of its own, whose first part is read into again from then on.
    const places = new Set(handedOn.map((chunk) => `${arenaId(chunk.buffer)}@${chunk.byteOffset}`));
    expect(places.size).toBeLessThanOrEqual(2 * shortReads + 1);
    expect(places.size).toBeLessThan(handedOn.length);
    for (const chunk of handedOn) expect(chunk.byteOffset).toBe(0);
  });

  it('returning anything else: no long read handed on is ever read over; consecutive ones in one arena lie end to end', async () => {
    const { bytes, handedOn } = await readThroughSink(port, undefined);
    expect(bytes.equals(payload)).toBe(true);
    expect(handedOn.length).toBeGreaterThan(4);
    const taken = new Map<ArrayBufferLike, Array<[number, number]>>();
    let adjacent = 0;
    for (const [i, chunk] of handedOn.entries()) {
      const ranges = taken.get(chunk.buffer) ?? [];
      const start = chunk.byteOffset;
      const end = start + chunk.length;
      expect(ranges.filter(([s, e]) => s < end && start < e)).toEqual([]);
      const previous = handedOn[i - 1];
      if (previous !== undefined && previous.buffer === chunk.buffer && previous.byteOffset + previous.length === start) adjacent++;
      ranges.push([start, end]);
      taken.set(chunk.buffer, ranges);
    }
    // Every read handed on that does not follow the one before starts an arena.
    expect(taken.size).toBe(handedOn.length - adjacent);
    // Several reads per arena (V8 13 and later): most follow the one before in the same memory.
    if (ARENA_BYTES >= 4 * READ_BUFFER_BYTES) expect(adjacent).toBeGreaterThan(handedOn.length / 2);
  });
});
