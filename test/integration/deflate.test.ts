/**
 * permessage-deflate end to end: interop with the `ws` server for each
 * parameter combination (context takeover on/off both sides, window bits
 * 8-15), text and binary, small, large and fragmented; a decompression bomb
 * and refused answers from a raw server; the trace of the agreed parameters.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerMessageDeflateOptions } from 'ws';
import { ABNF, WebSocketPayloadException, WebSocketProtocolException, createConnection, enableTrace, type DeflateOptions } from '../../src/index.js';
import { closePayload, serverFrame, startRawServer } from '../helpers/raw-server.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const payload = (size: number, seed: number, compressible: boolean): Buffer => {
  const out = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = compressible ? 0x61 + ((x >>> 0) % 4) : x & 0xff;
  }
  return out;
};

/** [name, ws server perMessageDeflate, client perMessageDeflate, expected agreed answer]. */
const COMBINATIONS: Array<[string, PerMessageDeflateOptions, DeflateOptions | true, RegExp]> = [
  ['defaults', {}, true, /^permessage-deflate$/],
  ['client asks for client_no_context_takeover', {}, { clientNoContextTakeover: true }, /client_no_context_takeover/],
  ['client asks for server_no_context_takeover', {}, { serverNoContextTakeover: true }, /server_no_context_takeover/],
  ['both without context takeover', {}, { clientNoContextTakeover: true, serverNoContextTakeover: true }, /server_no_context_takeover/],
  ['server imposes server_no_context_takeover', { serverNoContextTakeover: true }, true, /server_no_context_takeover/],
  ['server imposes client_no_context_takeover', { clientNoContextTakeover: true }, true, /client_no_context_takeover/],
  ['server chooses client_max_window_bits=10', { clientMaxWindowBits: 10 }, true, /client_max_window_bits=10/],
  ['server limits its own window to 9', { serverMaxWindowBits: 9 }, true, /server_max_window_bits=9/],
  ...[8, 9, 10, 11, 12, 13, 14, 15].map(
    (bits): [string, PerMessageDeflateOptions, DeflateOptions, RegExp] => [
      `window bits ${bits} both ways`,
      {},
      { serverMaxWindowBits: bits, clientMaxWindowBits: bits },
      new RegExp(`server_max_window_bits=${bits}`),
    ],
  ),
  ['window bits 8 both ways without context takeover', {}, { serverMaxWindowBits: 8, clientMaxWindowBits: 8, clientNoContextTakeover: true, serverNoContextTakeover: true }, /server_max_window_bits=8/],
];

describe('interop with the ws server', () => {
  const servers = new Map<string, WsTestServer>();
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it.each(COMBINATIONS)('%s: text and binary echo, every message compressed both ways', async (name, serverOptions, clientOptions, agreed) => {
    const server = await startWsServer(undefined, { perMessageDeflate: { threshold: 0, ...serverOptions } });
    servers.set(name, server);
    const ws = await createConnection(server.url, { perMessageDeflate: { threshold: 0, ...(clientOptions === true ? {} : clientOptions) } });
    try {
      expect(ws.headers['sec-websocket-extensions']).toMatch(agreed);
      // Repeated content: with context takeover, later messages refer back to earlier ones.
      for (const [i, size] of [0, 1, 100, 2000, 30_000, 2000].entries()) {
        const binary = payload(size, i + 1, i % 2 === 0);
        await ws.send(binary);
        expect(await ws.recv()).toEqual(binary);
        const text = `héllo ${i} `.repeat(Math.ceil(size / 9));
        await ws.send(text);
        expect(await ws.recv()).toBe(text);
      }
      // The server's messages come compressed: rsv1 on the frame as it came.
      await ws.send('look at the frame');
      const frame = await ws.recvFrame();
      expect([frame.rsv1, frame.opcode]).toEqual([1, ABNF.OPCODE_TEXT]);
    } finally {
      await ws.close();
    }
  });

  it('fragmented both ways: client fragmentSize, server sending fragments', async () => {
    const server = await startWsServer(
      (peer) => {
        peer.on('message', (data, isBinary) => {
          const bytes = data as Buffer;
          const third = Math.ceil(bytes.length / 3);
          peer.send(bytes.subarray(0, third), { binary: isBinary, fin: false, compress: true });
          peer.send(bytes.subarray(third, 2 * third), { binary: isBinary, fin: false, compress: true });
          peer.send(bytes.subarray(2 * third), { binary: isBinary, fin: true, compress: true });
        });
      },
      { perMessageDeflate: { threshold: 0 } },
    );
    servers.set('fragmented', server);
    const ws = await createConnection(server.url, { perMessageDeflate: { threshold: 0 }, fragmentSize: 100 });
    try {
      for (const size of [10, 5000, 60_000]) {
        const text = 'fragmented ünïcode '.repeat(Math.ceil(size / 20));
        await ws.send(text);
        expect(await ws.recv()).toBe(text);
        const binary = payload(size, size, false);
        await ws.send(binary);
        expect(await ws.recv()).toEqual(binary);
      }
    } finally {
      await ws.close();
    }
  });

  it('a 16 MiB message both ways', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: { threshold: 0 }, maxPayload: 32 * 1024 * 1024 });
    servers.set('16MiB', server);
    const ws = await createConnection(server.url, { perMessageDeflate: true });
    try {
      // Log-like text (random 4-letter noise would take zlib ~8 s per 16 MiB at the default level).
      const line = (i: number) => `{"seq":${i},"event":"tick","value":${(i * 7919) % 10007}}\n`;
      const big = Buffer.alloc(16 * 1024 * 1024);
      for (let at = 0, i = 0; at < big.length; i++) at += big.write(line(i), at);
      await ws.send(big);
      const echoed = (await ws.recv()) as Buffer;
      // Compared with Buffer.equals: a deep equality over 16 Mi elements is slow.
      expect(echoed.length).toBe(big.length);
      expect(echoed.equals(big)).toBe(true);
    } finally {
      await ws.close();
    }
  }, 20_000);

  it('below the threshold messages go uncompressed; the server still reads them', async () => {
    const seen: boolean[] = [];
    const server = await startWsServer(
      (peer, request) => {
        void request;
        peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary, compress: false }));
      },
      { perMessageDeflate: { threshold: 0 } },
    );
    servers.set('threshold', server);
    const ws = await createConnection(server.url, { perMessageDeflate: { threshold: 100 } });
    try {
      for (const size of [99, 100, 101]) {
        const text = 'x'.repeat(size);
        await ws.send(text);
        const frame = await ws.recvFrame();
        seen.push(frame.rsv1 === 1);
        expect(Buffer.from(frame.data as Uint8Array).toString()).toBe(text);
      }
      expect(seen).toEqual([false, false, false]);
    } finally {
      await ws.close();
    }
  });

  it('a server without permessage-deflate declines it and messages flow uncompressed', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: false });
    servers.set('declined', server);
    const lines: string[] = [];
    enableTrace(true, (line) => lines.push(line));
    const ws = await createConnection(server.url, { perMessageDeflate: true });
    enableTrace(false);
    try {
      expect(server.requests[0].headers['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
      expect(lines).toContain('--- permessage-deflate: declined by the server');
      await ws.send('x'.repeat(5000));
      expect(await ws.recv()).toBe('x'.repeat(5000));
    } finally {
      await ws.close();
    }
  });

  it('enableTrace shows the agreed parameters', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: { serverMaxWindowBits: 11, clientNoContextTakeover: true } });
    servers.set('trace', server);
    const lines: string[] = [];
    enableTrace(true, (line) => lines.push(line));
    const ws = await createConnection(server.url, { perMessageDeflate: { threshold: 64 } });
    enableTrace(false);
    await ws.close();
    expect(lines).toContain(
      '--- permessage-deflate: server_no_context_takeover=false client_no_context_takeover=true server_max_window_bits=11 client_max_window_bits=15 threshold=64',
    );
  });
});

describe('hostile or broken servers (raw peer)', () => {
  let server: Awaited<ReturnType<typeof startRawServer>>;
  let answer: (peer: Parameters<Parameters<typeof startRawServer>[0] & object>[0]) => Promise<unknown> = async () => {};
  beforeAll(async () => {
    server = await startRawServer((peer) => answer(peer));
  });
  afterAll(() => server.close());

  it('a 64 KiB message inflating to 1 GiB is stopped at maxPayload with 1009, memory near the limit', async () => {
    // Built in 64 MiB steps: 1 GiB of zeros deflates to ~1 MiB, streamed once per connection.
    const chunk = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: zlib.constants.Z_FULL_FLUSH });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => chunk));
    answer = async (peer) => {
      await peer.accept(['Sec-WebSocket-Extensions: permessage-deflate']);
      await peer.play([serverFrame(ABNF.OPCODE_BINARY, bomb, { rsv1: true })]);
    };
    const before = process.memoryUsage();
    const ws = await createConnection(server.url, { perMessageDeflate: true, maxPayload: 4 * 1024 * 1024 });
    const error = await ws.recv().then(
      () => null,
      (e: unknown) => e,
    );
    const after = process.memoryUsage();
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1009);
    expect((error as Error).message).toContain('inflates to more than 4194304 bytes');
    // Generous: far below the 1 GiB the message would inflate to.
    expect(after.rss - before.rss).toBeLessThan(256 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    const peer = server.peers.at(-1);
    const frames = await peer!.waitFor((f) => f.some((x) => x.opcode === ABNF.OPCODE_CLOSE));
    expect(frames.find((x) => x.opcode === ABNF.OPCODE_CLOSE)?.closeCode).toBe(1009);
    await ws.close();
  }, 20_000);

  it.each([
    ['parameters never offered', 'permessage-deflate; server_max_window_bits=10; client_max_window_bits=16', 'expected client_max_window_bits to be an integer 8-15 without leading zeros, got "16"'],
    ['an unknown parameter', 'permessage-deflate; mem_level=9', 'got unknown parameter mem_level'],
    ['an extension not offered', 'permessage-deflate, x-webkit-deflate-frame', 'got extension "x-webkit-deflate-frame" that was not offered'],
    ['server_no_context_takeover not echoed', 'permessage-deflate', 'expected server_no_context_takeover in the answer since it was offered'],
  ])('a server answering with %s is refused with a clear message and the socket closed', async (_name, header, message) => {
    answer = (peer) => peer.accept([`Sec-WebSocket-Extensions: ${header}`]);
    const options = header === 'permessage-deflate' ? { serverNoContextTakeover: true } : true;
    const attempt = createConnection(server.url, { perMessageDeflate: options });
    await expect(attempt).rejects.toThrow(WebSocketProtocolException);
    await expect(attempt).rejects.toThrow(message);
    await server.peers.at(-1)!.ended;
  });

  it('rsv1 on a continuation frame fails the connection with 1002', async () => {
    const hello = Buffer.from('f248cdc9c90700', 'hex');
    answer = async (peer) => {
      await peer.accept(['Sec-WebSocket-Extensions: permessage-deflate']);
      await peer.play([
        serverFrame(ABNF.OPCODE_TEXT, hello, { rsv1: true }),
        serverFrame(ABNF.OPCODE_TEXT, hello.subarray(0, 3), { rsv1: true, fin: false }),
        serverFrame(ABNF.OPCODE_CONT, hello.subarray(3), { rsv1: true }),
        serverFrame(ABNF.OPCODE_CLOSE, closePayload(1000)),
      ]);
    };
    const ws = await createConnection(server.url, { perMessageDeflate: true });
    expect(await ws.recv()).toBe('Hello');
    const error = await ws.recv().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect((error as WebSocketProtocolException).closeCode).toBe(1002);
    await ws.close();
  });
});
