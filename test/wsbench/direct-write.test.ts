import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchConnection, type ConnectionEvents } from '../../src/bench/connection.js';
import { DirectWriter } from '../../src/bench/direct-write.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A raw server that collects what each connection sends; starts paused when asked, so the client's writes queue. */
async function collectingServer(paused: boolean) {
  const received: Buffer[] = [];
  const peers: net.Socket[] = [];
  const server = net.createServer((peer) => {
    peers.push(peer);
    peer.on('error', () => {});
    peer.on('data', (chunk) => received.push(chunk));
    if (paused) peer.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const peer of peers) peer.destroy();
    server.close();
  });
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  cleanups.push(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  await until(() => peers.length === 1);
  return { client, peer: peers[0]!, received: () => Buffer.concat(received) };
}

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  return bytes;
}

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('DirectWriter: writes on the socket handle', () => {
  it('writes on the handle once it learnt the request style, keeping the order of stream and handle writes', async () => {
    const { client, received } = await collectingServer(false);
    const writer = new DirectWriter(client);
    const pieces = Array.from({ length: 200 }, (_, i) => pattern((i * 37) % 300 + 1, i));
    for (const piece of pieces) writer.write(piece);
    const expected = Buffer.concat(pieces);
    await until(() => received().length === expected.length);
    expect(received().equals(expected)).toBe(true);
    // The first write goes through the stream (it teaches the request style); the others go on the handle.
    expect(writer.handleWrites).toBe(pieces.length - 1);
  });

  it('goes through the stream while the stream is corked or holds bytes, and the bytes still leave in order', async () => {
    const { client, received } = await collectingServer(false);
    const writer = new DirectWriter(client);
    writer.write(Buffer.from('a'));
    const before = writer.handleWrites;
    client.cork();
    writer.write(Buffer.from('b'));
    writer.write(Buffer.from('c'));
    expect(writer.handleWrites).toBe(before);
    client.uncork();
    writer.write(Buffer.from('d'));
    await until(() => received().length === 4);
    expect(received().toString()).toBe('abcd');
  });

  it('queues a partial write in libuv: not writable until the peer reads, then drained, every byte in order', async () => {
    const { client, peer, received } = await collectingServer(true);
    const writer = new DirectWriter(client);
    writer.write(Buffer.from('start'));
    const big = pattern(32 * 1024 * 1024, 3);
    writer.write(big);
    writer.write(Buffer.from('after'));
    // The kernel buffers of a loopback pair hold far less than 32 MiB, so libuv keeps the rest queued.
    expect(writer.writable).toBe(false);
    let drained = false;
    writer.onceDrained(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).toBe(false);
    peer.resume();
    await until(() => drained, 20_000);
    expect(writer.writable).toBe(true);
    const expected = Buffer.concat([Buffer.from('start'), big, Buffer.from('after')]);
    await until(() => received().length === expected.length, 20_000);
    expect(digest(received())).toBe(digest(expected));
  }, 30_000);

  it('a socket destroyed with a write still queued closes cleanly: no throw, no drain, the close is seen', async () => {
    const { client } = await collectingServer(true);
    const writer = new DirectWriter(client);
    writer.write(Buffer.from('x'));
    writer.write(pattern(32 * 1024 * 1024, 5));
    expect(writer.writable).toBe(false);
    let drained = false;
    writer.onceDrained(() => (drained = true));
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.destroy();
    await closed;
    expect(drained).toBe(false);
    expect(() => writer.write(Buffer.from('late'))).not.toThrow();
  });

  it('a peer that resets the connection under a queued write: the socket ends with the write error', async () => {
    const { client, peer } = await collectingServer(true);
    const errors: Error[] = [];
    client.removeAllListeners('error');
    client.on('error', (error) => errors.push(error));
    const writer = new DirectWriter(client);
    writer.write(Buffer.from('x'));
    writer.write(pattern(32 * 1024 * 1024, 9));
    const closed = new Promise((resolve) => client.once('close', resolve));
    peer.resetAndDestroy();
    await closed;
    expect(errors.length).toBe(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toMatch(/^(ECONNRESET|EPIPE)$/);
  });
});

describe('BenchConnection echoes on the handle path and on the stream fallback', () => {
  let server: WsTestServer;
  afterEach(async () => server?.close());

  for (const directWrites of [true, false]) {
    it(`directWrites ${directWrites}: every echo of 1 B to 200 KiB comes back whole, in order`, async () => {
      server = await startWsServer();
      const sizes = [1, 20, 125, 126, 65_535, 65_536, 200 * 1024, 7, 3000];
      const messages = sizes.map((size, i) => pattern(size, i));
      const got: string[] = [];
      let ended = false;
      const events: ConnectionEvents = {
        onMessage: (data) => got.push(digest(Buffer.from(data as Buffer))),
        onError: (error) => {
          throw error;
        },
        onEnd: () => (ended = true),
      };
      const connection = await BenchConnection.open(server.url, { timeout: 3000, directWrites }, events);
      // Several sends in one batch (one handle write of their concatenation) and some alone.
      connection.cork();
      for (const message of messages.slice(0, 5)) connection.send(message);
      connection.uncork();
      for (const message of messages.slice(5)) connection.send(message);
      await until(() => got.length === messages.length);
      expect(got).toEqual(messages.map(digest));
      if (directWrites) expect(connection.handleWrites).toBeGreaterThan(0);
      else expect(connection.handleWrites).toBe(0);
      connection.close();
      await until(() => ended);
    });
  }
});
