/**
 * The client against the `ws` server on 127.0.0.1: echo at the frame length
 * boundaries and 16 MiB, subprotocols, request headers as the server sees
 * them, close codes both ways, server pings, ordered concurrent sends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ABNF, WebSocket, WebSocketConnectionClosedException, createConnection } from '../../src/index.js';
import { WebSocketServer } from 'ws';
import { settlesWithoutTimers, until, useFakeClock } from '../helpers/fake-clock.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

afterEach(() => {
  vi.useRealTimers();
});

let echoServer: WsTestServer;

beforeAll(async () => {
  echoServer = await startWsServer(undefined, { maxPayload: 32 * 1024 * 1024 });
});
afterAll(async () => {
  await echoServer.close();
});

describe('echo through the ws server', () => {
  for (const size of [0, 125, 126, 65535, 65536]) {
    it(`text and binary of ${size} bytes come back identical`, async () => {
      const ws = await createConnection(echoServer.url, { timeout: 5000 });
      const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'a' : '');
      expect(Buffer.byteLength(text)).toBe(size);
      const bytes = randomBytes(size);
      await ws.send(text);
      expect(await ws.recv()).toBe(text);
      await ws.sendBinary(bytes);
      const back = await ws.recv();
      expect(Buffer.isBuffer(back)).toBe(true);
      expect(Buffer.compare(back as Buffer, bytes)).toBe(0);
      await ws.close();
      expect(ws.connected).toBe(false);
    });
  }

  it('a 16 MiB binary message and a 16 MiB text message', async () => {
    const ws = await createConnection(echoServer.url, { timeout: 10_000 });
    const bytes = randomBytes(16 * 1024 * 1024);
    const sent = await ws.send(bytes);
    expect(sent).toBe(bytes.length + 14);
    const back = (await ws.recv()) as Buffer;
    expect(back.length).toBe(bytes.length);
    expect(back.equals(bytes)).toBe(true);
    const text = 'x'.repeat(16 * 1024 * 1024);
    await ws.send(text);
    expect(await ws.recv()).toBe(text);
    await ws.close();
  });

  it('send resolves with the frame length; sendText/sendBinary/sendBytes/opcode override', async () => {
    const ws = await createConnection(echoServer.url, { timeout: 5000 });
    expect(await ws.sendText('hi')).toBe(2 + 4 + 2);
    expect(await ws.sendBytes(Buffer.from([1, 2, 3]))).toBe(2 + 4 + 3);
    expect(await ws.send('as binary', ABNF.OPCODE_BINARY)).toBe(2 + 4 + 9);
    expect(await ws.recv()).toBe('hi');
    expect(await ws.recv()).toEqual(Buffer.from([1, 2, 3]));
    expect(await ws.recv()).toEqual(Buffer.from('as binary'));
    await ws.sendBinary(new Uint8Array([9]));
    expect(await ws.recvData()).toEqual([ABNF.OPCODE_BINARY, Buffer.from([9])]);
    await ws.send('frame');
    const [opcode, frame] = await ws.recvDataFrame();
    expect(opcode).toBe(ABNF.OPCODE_TEXT);
    expect(frame.data).toEqual(Buffer.from('frame'));
    await ws.close();
  });

  it('1000 concurrent send() calls arrive intact and in order', async () => {
    const ws = await createConnection(echoServer.url, { timeout: 5000 });
    const messages = Array.from({ length: 1000 }, (_, i) => `message ${i} ${'z'.repeat(i % 300)}`);
    const results = await Promise.all(messages.map((m) => ws.send(m)));
    expect(results.every((n) => n > 0)).toBe(true);
    for (const expected of messages) expect(await ws.recv()).toBe(expected);
    await ws.close();
  });

  it('concurrent recv() calls are served in call order', async () => {
    const ws = await createConnection(echoServer.url, { timeout: 5000 });
    const reads = [ws.recv(), ws.recv(), ws.recv()];
    await Promise.all(['a', 'b', 'c'].map((m) => ws.send(m)));
    expect(await Promise.all(reads)).toEqual(['a', 'b', 'c']);
    await ws.close();
  });

  it('the async iterator yields messages and ends on a normal close', async () => {
    const server = await startWsServer((peer) => {
      peer.send('one');
      peer.send('two');
      peer.close(1000, 'done');
    });
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      const seen: Array<string | Buffer> = [];
      for await (const message of ws) seen.push(message);
      expect(seen).toEqual(['one', 'two']);
    } finally {
      await server.close();
    }
  });

  it('properties after the handshake: status, headers, isSsl, connected', async () => {
    const ws = new WebSocket();
    expect(ws.connected).toBe(false);
    await ws.connect(echoServer.url, { timeout: 5000 });
    expect(ws.status).toBe(101);
    expect(ws.headers['upgrade']).toBe('websocket');
    expect(ws.isSsl()).toBe(false);
    expect(ws.connected).toBe(true);
    expect(ws.subprotocol).toBeNull();
    expect(ws.timeout).toBe(5000);
    await ws.close();
    expect(ws.connected).toBe(false);
  });
});

describe('connecting in other ways', () => {
  it('the same WebSocket reconnects after a close', async () => {
    const ws = new WebSocket();
    await ws.connect(echoServer.url, { timeout: 5000 });
    await ws.send('first life');
    expect(await ws.recv()).toBe('first life');
    await ws.close();
    await expect(ws.connect(echoServer.url)).resolves.toBeUndefined();
    await ws.send('second life');
    expect(await ws.recv()).toBe('second life');
    await expect(ws.connect(echoServer.url)).rejects.toThrow(/already connected/);
    await ws.close();
  });

  it('over a socket the caller connected', async () => {
    const socket = net.connect(echoServer.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const ws = await createConnection(`${echoServer.url}/given`, { timeout: 5000, socket });
    await ws.send('via given socket');
    expect(await ws.recv()).toBe('via given socket');
    expect(echoServer.requests.at(-1)?.url).toBe('/given');
    await ws.close();
    expect(socket.destroyed).toBe(true);
  });

  it('ws+unix: a server on a unix socket', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-ws-unix-'));
    const socketPath = path.join(dir, 'ws.sock');
    const httpServer = http.createServer();
    const server = new WebSocketServer({ server: httpServer });
    server.on('connection', (peer, request) => peer.send(`path ${request.url}`));
    await new Promise<void>((resolve) => httpServer.listen(socketPath, resolve));
    try {
      const ws = await createConnection(`ws+unix:${socketPath}:/over/unix?x=1`, { timeout: 5000 });
      expect(await ws.recv()).toBe('path /over/unix?x=1');
      await ws.close();
    } finally {
      server.close();
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what the server sees', () => {
  it('subprotocol chosen from the offer', async () => {
    const server = await startWsServer(undefined, { handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false) });
    try {
      const ws = await createConnection(server.url, { timeout: 5000, subprotocols: ['chat.v1', 'chat.v2'] });
      expect(ws.subprotocol).toBe('chat.v2');
      expect(server.requests[0]?.headers['sec-websocket-protocol']).toBe('chat.v1, chat.v2');
      await ws.close();
    } finally {
      await server.close();
    }
  });

  it('headers (object and list), origin, cookie, path and query', async () => {
    const ws = await createConnection(`${echoServer.url}/room/1?x=y#frag`, {
      timeout: 5000,
      header: { 'X-Token': 'abc' },
      origin: 'https://app.example',
      cookie: 'session=42; theme=dark',
    });
    await ws.close();
    const seen = echoServer.requests.at(-1);
    expect(seen?.url).toBe('/room/1?x=y');
    expect(seen?.headers['x-token']).toBe('abc');
    expect(seen?.headers['origin']).toBe('https://app.example');
    expect(seen?.headers['cookie']).toBe('session=42; theme=dark');
    expect(seen?.headers['sec-websocket-version']).toBe('13');

    const ws2 = await createConnection(echoServer.url, { timeout: 5000, header: ['X-A: 1', 'X-B: two'], suppressOrigin: true });
    await ws2.close();
    const seen2 = echoServer.requests.at(-1);
    expect(seen2?.headers['x-a']).toBe('1');
    expect(seen2?.headers['x-b']).toBe('two');
    expect(seen2?.headers['origin']).toBeUndefined();
  });

  it('default origin is http://host:port', async () => {
    const ws = await createConnection(echoServer.url, { timeout: 5000 });
    await ws.close();
    expect(echoServer.requests.at(-1)?.headers['origin']).toBe(`http://127.0.0.1:${echoServer.port}`);
  });
});

describe('closing handshake with the ws server', () => {
  it('client close code and reason reach the server', async () => {
    let seen: { code: number; reason: string } | null = null;
    const server = await startWsServer((peer) => peer.on('close', (code, reason) => (seen = { code, reason: reason.toString() })));
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      useFakeClock();
      // The ws server answers and closes TCP: no close timeout is waited out.
      await settlesWithoutTimers(ws.close({ status: 4001, reason: 'bye now' }), 'close() to return');
      vi.useRealTimers();
      await until(() => seen !== null, 'the server to see the close');
      expect(seen).toEqual({ code: 4001, reason: 'bye now' });
      await expect(ws.send('late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
      await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    } finally {
      await server.close();
    }
  });

  it('server close code is echoed, messages before it are delivered, then recv rejects', async () => {
    let echoedCode: number | null = null;
    const server = await startWsServer((peer) => {
      peer.on('close', (code) => (echoedCode = code));
      peer.send('before');
      peer.close(4321, 'server says bye');
    });
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      expect(await ws.recv()).toBe('before');
      const error = await ws.recv().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      expect((error as Error).message).toContain('4321');
      expect((error as Error).message).toContain('server says bye');
      await until(() => echoedCode !== null, 'the server to see the echoed close');
      expect(echoedCode).toBe(4321);
      expect(ws.connected).toBe(false);
      await ws.close();
    } finally {
      await server.close();
    }
  });

  it('recvData(true) shows the close frame with its payload', async () => {
    const server = await startWsServer((peer) => peer.close(1001, 'going'));
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      const [opcode, data] = await ws.recvData(true);
      expect(opcode).toBe(ABNF.OPCODE_CLOSE);
      expect(data.readUInt16BE(0)).toBe(1001);
      expect(data.subarray(2).toString()).toBe('going');
    } finally {
      await server.close();
    }
  });
});

describe('pings', () => {
  it('server pings are answered with the same payload; recvData(true) sees them', async () => {
    const pongs: string[] = [];
    const server = await startWsServer((peer) => {
      peer.on('pong', (data) => pongs.push(data.toString()));
      peer.ping('p1');
      peer.ping('p2');
      peer.send('after pings');
    });
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      expect(await ws.recvData(true)).toEqual([ABNF.OPCODE_PING, Buffer.from('p1')]);
      expect(await ws.recvData(true)).toEqual([ABNF.OPCODE_PING, Buffer.from('p2')]);
      expect(await ws.recv()).toBe('after pings');
      await until(() => pongs.length >= 2, 'the two pongs at the server');
      expect(pongs).toEqual(['p1', 'p2']);
      await ws.close();
    } finally {
      await server.close();
    }
  });

  it('recv() skips pings; client ping gets the server pong via recvData(true)', async () => {
    const server = await startWsServer((peer) => {
      peer.ping('skip me');
      peer.send('message');
    });
    try {
      const ws = await createConnection(server.url, { timeout: 5000 });
      expect(await ws.recv()).toBe('message');
      await ws.ping('hello?');
      expect(await ws.recvData(true)).toEqual([ABNF.OPCODE_PONG, Buffer.from('hello?')]);
      await ws.close();
    } finally {
      await server.close();
    }
  });
});
