/**
 * The sending side around the end of a connection, against real peers: no
 * send after the user was told the connection ended, the words and fields of
 * ConnectionClosed, close() against a server that holds its half of TCP open,
 * concurrent connect() calls, and compression asked for on connect().
 */
import { describe, expect, it } from 'vitest';
import {
  WebSocket,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketProtocolException,
} from '../../src/index.js';
import { startHalfOpenServer } from '../helpers/half-open-server.js';
import { closePayload, serverFrame } from '../helpers/raw-server.js';
import { usePeers } from '../helpers/peers.js';
import { startWsServer } from '../helpers/ws-server.js';

const { servers, sockets, raw, open } = usePeers();

const TEXT = 0x1;
const CONT = 0x0;
const CLOSE = 0x8;

describe('no send once the user was told the connection ended', () => {
  it('after recv() reported the server\'s close, send() rejects and the close reply is already on the wire', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([
        Buffer.concat([
          serverFrame(TEXT, 'a'),
          serverFrame(TEXT, 'b', { fin: false }),
          serverFrame(CONT, 'c'),
          serverFrame(CLOSE, closePayload(1000)),
        ]),
      ]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('a');
    expect(await ws.recv()).toBe('bc');
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    const late = await ws.send('late').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(late).toBeInstanceOf(WebSocketConnectionClosedException);
    expect((late as Error).message).toContain('closed by the server with code 1000');
    const peer = await server.peer();
    // Written before recv() rejected: the server has it without any further turn of the client.
    const frames = await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE), 5000);
    expect(frames.map((f) => f.opcode)).toEqual([CLOSE]);
    expect(frames[0]?.closeCode).toBe(1000);
    // Nothing after it either.
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.frames().map((f) => f.opcode)).toEqual([CLOSE]);
  });

  it('the close reply is written before recv() rejects: abort() right after it still delivers it', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'a'), serverFrame(CLOSE, closePayload(1000))])]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('a');
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    ws.abort();
    const peer = await server.peer();
    await peer.ended;
    expect(peer.frames().map((f) => f.closeCode ?? f.opcode)).toEqual([1000]);
  });

  it('replies to the messages before the close still precede the close reply (the hold-back window)', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'a'), serverFrame(TEXT, 'b'), serverFrame(CLOSE, closePayload(1001))])]);
    });
    const ws = await open(server.url);
    await ws.send(`echo ${String(await ws.recv())}`);
    await ws.send(`echo ${String(await ws.recv())}`);
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    await expect(ws.send('late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.map((f) => (f.opcode === CLOSE ? f.closeCode : f.payload.toString()))).toEqual(['echo a', 'echo b', 1001]);
  });

  it('after recv() reported a failure, send() rejects and the failing close is already on the wire', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'a'), serverFrame(TEXT, 'x', { rsv2: true })])]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('a');
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketProtocolException);
    await expect(ws.send('late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    const peer = await server.peer();
    const frames = await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE), 5000);
    expect(frames.map((f) => f.closeCode ?? f.opcode)).toEqual([1002]);
  });
});

describe('the server\'s close code and reason as fields', () => {
  it('recv() and send() reject with peerCloseCode/peerCloseReason; closeCode stays for failures; the WebSocket keeps them', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === TEXT));
      await peer.play([serverFrame(CLOSE, closePayload(4001, 'server-bye'))]);
    });
    const ws = await open(server.url);
    expect(ws.peerCloseCode).toBeUndefined();
    expect(ws.peerCloseReason).toBeUndefined();
    await ws.send('go');
    const error = (await ws.recv().catch((e: unknown) => e)) as WebSocketConnectionClosedException;
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error.peerCloseCode).toBe(4001);
    expect(error.peerCloseReason).toBe('server-bye');
    expect(error.closeCode).toBeUndefined();
    const sendError = (await ws.send('x').catch((e: unknown) => e)) as WebSocketConnectionClosedException;
    expect(sendError).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(sendError.peerCloseCode).toBe(4001);
    expect(sendError.peerCloseReason).toBe('server-bye');
    expect(ws.peerCloseCode).toBe(4001);
    expect(ws.peerCloseReason).toBe('server-bye');
  });

  it('an empty close frame: peerCloseCode null, peerCloseReason empty', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(CLOSE)]);
    });
    const ws = await open(server.url);
    const error = (await ws.recv().catch((e: unknown) => e)) as WebSocketConnectionClosedException;
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error.peerCloseCode).toBeNull();
    expect(error.peerCloseReason).toBe('');
    expect(ws.peerCloseCode).toBeNull();
  });

  it('a connection lost without a close frame carries no peer fields', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play(['destroy']);
    });
    const ws = await open(server.url);
    const error = (await ws.recv().catch((e: unknown) => e)) as WebSocketConnectionClosedException;
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error.peerCloseCode).toBeUndefined();
    expect(error.peerCloseReason).toBeUndefined();
    expect(ws.peerCloseCode).toBeUndefined();
  });
});

describe('words after the user\'s own close()', () => {
  it('send() and recv() after close() name close(), not the server', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
      await peer.play([serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = await open(server.url);
    await ws.close({ timeout: 2000 });
    const sendError = (await ws.send('x').catch((e: unknown) => e)) as WebSocketConnectionClosedException;
    expect(sendError).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(sendError.message).toBe('cannot send a message: connection closed by close(); the server answered with code 1000');
    expect(sendError.peerCloseCode).toBe(1000);
    const recvError = (await ws.recv().catch((e: unknown) => e)) as Error;
    expect(recvError).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(recvError.message).toBe('connection closed by close(); the server answered with code 1000');
  });

  it('a send while close() waits for the server\'s answer names close()', async () => {
    const server = await raw();
    const ws = await open(server.url);
    const closing = ws.close({ timeout: 300 });
    const error = (await ws.send('x').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error.message).toBe('cannot send a message: connection closed by close()');
    await closing;
  });
});

describe('close() against a server that keeps its half of TCP open', () => {
  it('returns after about its timeout: the socket is destroyed, not half-closed', async () => {
    const server = await startHalfOpenServer();
    servers.push(server);
    const ws = await open(server.url);
    const started = Date.now();
    // A half-close would wait for the server's FIN, which never comes.
    let hang: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ws.close({ timeout: 200 }).then(() => 'returned'),
      new Promise((resolve) => (hang = setTimeout(() => resolve('still waiting after 5 s'), 5000))),
    ]);
    clearTimeout(hang);
    const elapsed = Date.now() - started;
    expect(outcome).toBe('returned');
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(3000);
    expect(ws.connected).toBe(false);
  }, 10_000);
});

describe('concurrent connect()', () => {
  it('a second connect() while the first runs rejects at once and opens nothing; close() leaves no socket', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
      await peer.play([serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = new WebSocket();
    sockets.push(ws);
    const first = ws.connect(server.url, { timeout: 3000 });
    const second = await ws.connect(server.url, { timeout: 3000 }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(WebSocketException);
    expect(second).toMatchObject({ code: 'WS_ERR_ALREADY_CONNECTED' });
    expect((second as Error).message).toContain('still running');
    await first;
    expect(ws.connected).toBe(true);
    const third = await ws.connect(server.url).catch((e: unknown) => e);
    expect(third).toMatchObject({ code: 'WS_ERR_ALREADY_CONNECTED' });
    expect((third as Error).message).toContain('already connected');
    await ws.close({ timeout: 2000 });
    // Only the first connect() reached the server, and its connection is closed.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.peers.length).toBe(1);
    await Promise.race([
      Promise.all(server.peers.map((p) => p.ended)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('a connection was left open')), 2000)),
    ]);
  });

  it('after a failed connect(), connect() may be called again', async () => {
    const server = await raw();
    const ws = new WebSocket();
    sockets.push(ws);
    await expect(ws.connect('ws://127.0.0.1:1/', { timeout: 2000 })).rejects.toBeDefined();
    await ws.connect(server.url, { timeout: 3000 });
    expect(ws.connected).toBe(true);
  });
});

describe('perMessageDeflate as a connect() option', () => {
  it('ws.connect(url, { perMessageDeflate: true }) offers and uses compression', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: { threshold: 0 } });
    servers.push(server);
    const ws = new WebSocket();
    sockets.push(ws);
    await ws.connect(server.url, { timeout: 3000, perMessageDeflate: true });
    expect(server.requests[0]?.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    expect(ws.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    const big = 'compress me '.repeat(500);
    await ws.send(big);
    expect(await ws.recv()).toBe(big);
  });

  it('the connect() option overrides the constructor\'s, and a bad value is refused before any socket opens', async () => {
    const server = await raw();
    const ws = new WebSocket({ perMessageDeflate: true });
    sockets.push(ws);
    await expect(ws.connect(server.url, { perMessageDeflate: { serverMaxWindowBits: 99 } })).rejects.toBeInstanceOf(WebSocketException);
    expect(server.peers.length).toBe(0);
    await ws.connect(server.url, { timeout: 3000, perMessageDeflate: false });
    const request = await (await server.peer()).request();
    expect(request.headers['sec-websocket-extensions']).toBeUndefined();
  });
});
