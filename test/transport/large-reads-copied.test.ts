/**
 * A read sink that copies a chunk and says so (returns true) gets its next
 * long read in the same buffer, instead of a fresh 256 KiB buffer per read;
 * one that does not say so keeps every chunk handed on.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_OVER_BYTES, READ_BUFFER_BYTES, largeReads, setReadSink } from '../../src/transport/large-reads.js';

/** Reads all of what `port` sends through a sink that copies each chunk and returns `answer`; the chunks handed on whole and the bytes. */
async function readThroughSink(port: number, answer: boolean | undefined) {
  const socket = net.connect({ host: '127.0.0.1', port, onread: largeReads() });
  const copies: Buffer[] = [];
  const handedOn: ArrayBufferLike[] = [];
  let shortReads = 0;
  const sink = (chunk: Buffer): boolean | undefined => {
    copies.push(Buffer.from(chunk));
    // A buffer of the socket's own, handed on whole: a long read (shorter ones are copied to their size).
    if (chunk.length >= HAND_OVER_BYTES && chunk.byteOffset === 0 && chunk.buffer.byteLength === READ_BUFFER_BYTES) handedOn.push(chunk.buffer);
    else shortReads++;
    return answer;
  };
  socket.on('data', sink);
  setReadSink(socket, sink);
  await new Promise((resolve) => socket.on('end', resolve));
  socket.destroy();
  return { bytes: Buffer.concat(copies), handedOn, distinct: new Set(handedOn).size, shortReads };
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

  it('returning true: long reads land in one buffer until a short read; every byte once, in order', async () => {
    const { bytes, handedOn, distinct, shortReads } = await readThroughSink(port, true);
    expect(bytes.equals(payload)).toBe(true);
    expect(handedOn.length).toBeGreaterThan(4);
    // A short read ends bulk mode: the next read lands in the shared buffer (copied out, perhaps 256 KiB),
    // the one after starts a buffer of its own, used again from then on.
    expect(distinct).toBeLessThanOrEqual(2 * shortReads + 1);
    expect(distinct).toBeLessThan(handedOn.length);
  });

  it('returning anything else: every long read handed on is a buffer of its own, never read into again', async () => {
    const { bytes, handedOn, distinct } = await readThroughSink(port, undefined);
    expect(bytes.equals(payload)).toBe(true);
    expect(handedOn.length).toBeGreaterThan(4);
    expect(distinct).toBe(handedOn.length);
  });
});
