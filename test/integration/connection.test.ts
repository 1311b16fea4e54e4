/**
 * The WebSocket class after the handshake, against raw peers that script
 * crafted bytes: glued and torn frames, failing and closing, backpressure,
 * ping floods, timeouts, resets, raw frames and tracing.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ABNF,
  WebSocket,
  WebSocketConnectionClosedException,
  WebSocketPayloadException,
  WebSocketProtocolException,
  WebSocketTimeoutException,
  enableTrace,
} from '../../src/index.js';
import { ARENA_BYTES, READ_BUFFER_BYTES } from '../../src/transport/large-reads.js';
import { closePayload, serverFrame } from '../helpers/raw-server.js';
import { usePeers } from '../helpers/peers.js';
import { settlesAt, settlesWithoutTimers, until, useFakeClock } from '../helpers/fake-clock.js';

const { raw, open } = usePeers();
afterEach(() => {
  vi.useRealTimers();
  enableTrace(false);
});

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('frames around the handshake', () => {
  it('frames glued to the 101 in the same write are not lost', async () => {
    const server = await raw(async (peer) => {
      const head = await peer.upgradeResponse();
      await peer.play([Buffer.concat([Buffer.from(head), serverFrame(TEXT, 'first'), serverFrame(BINARY, Buffer.from([1, 2]))])]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('first');
    expect(await ws.recv()).toEqual(Buffer.from([1, 2]));
  });

  it('a frame split over many writes is reassembled', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      const frame = serverFrame(TEXT, 'byte by byte');
      await peer.play([...frame].flatMap((b) => [Buffer.from([b]), { delay: 1 }]));
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('byte by byte');
  });

  it('an abrupt close mid-message: complete messages delivered, then ConnectionClosed', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      const second = serverFrame(TEXT, 'never complete');
      await peer.play([serverFrame(TEXT, 'complete'), second.subarray(0, 6), { delay: 20 }, 'destroy']);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('complete');
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect(error).toMatchObject({ code: 'WS_ERR_CONNECTION_LOST' });
    expect(ws.connected).toBe(false);
    const refused = await ws.send('x').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WebSocketConnectionClosedException);
    // The refusal keeps the code of the end it reports.
    expect(refused).toMatchObject({ code: 'WS_ERR_CONNECTION_LOST' });
  });

  it('a reset after the handshake with no pending recv() does not crash; later calls reject', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await sleep(20);
      peer.socket.resetAndDestroy();
    });
    const ws = await open(server.url);
    await until(() => !ws.connected, 'the reset to reach the client');
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    await expect(ws.send('x')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    await ws.close();
  });
});

describe('failing the connection', () => {
  it('a violation right behind good messages: the echo of them precedes the 1002 close', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'echo me'), serverFrame(BINARY, 'me too'), serverFrame(TEXT, 'bad', { rsv2: true })])]);
    });
    const ws = await open(server.url);
    const errors: unknown[] = [];
    for (;;) {
      try {
        await ws.send(await ws.recv());
      } catch (error) {
        errors.push(error);
        break;
      }
    }
    const peer = await server.peer();
    const frames = await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.map((f) => f.opcode)).toEqual([TEXT, BINARY, CLOSE]);
    expect(frames[0]?.payload.toString()).toBe('echo me');
    expect(frames[1]?.payload.toString()).toBe('me too');
    expect(frames[2]?.closeCode).toBe(1002);
    expect(errors[0]).toBeInstanceOf(WebSocketProtocolException);
    expect(errors[0]).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002 });
    expect((errors[0] as Error).message).toBe('rsv2 set but no extension negotiated it (RFC 6455 §5.2)');
    // The client closes its side after failing.
    await peer.ended;
  });

  it('the messages before a violation are delivered even when read late', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'a'), serverFrame(TEXT, 'b'), Buffer.from([0x83, 0x00])])]);
    });
    const ws = await open(server.url);
    await sleep(50);
    expect(await ws.recv()).toBe('a');
    await ws.send('reply to a');
    expect(await ws.recv()).toBe('b');
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.map((f) => f.opcode)).toEqual([TEXT, CLOSE]);
    await expect(ws.send('too late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
  });

  it('close() during the hold-back window sends the failing close frame at once', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'unread'), serverFrame(PONG, 'x'.repeat(126))])]);
    });
    // Faked before the hold-back window's timer starts: it never passes here.
    useFakeClock();
    const ws = await open(server.url);
    // The bad pong is in: the failing close is held back while 'unread' waits to be read.
    await until(() => !ws.connected, 'the violation to reach the client');
    const closing = ws.close({ timeout: 500 });
    // At once: the close frame comes with the clock standing still (not after the hold-back window nor the timeout).
    const peer = await server.peer();
    const frames = await settlesWithoutTimers(peer.waitFor((f) => f.some((x) => x.opcode === CLOSE)), 'the close frame');
    expect(frames.map((f) => [f.opcode, f.closeCode])).toEqual([[CLOSE, 1002]]);
    await vi.advanceTimersByTimeAsync(500);
    await settlesWithoutTimers(closing, 'close() to return');
    // The message before the violation is still there to read, then the failure.
    expect(await ws.recv()).toBe('unread');
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketProtocolException);
  });

  it('invalid UTF-8 -> Payload exception, close 1007', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(TEXT, Buffer.from([0x68, 0xff, 0x69]))]);
    });
    const ws = await open(server.url);
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1007);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.at(-1)?.closeCode).toBe(1007);
  });

  it('a message over maxPayload -> Payload exception, close 1009', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(BINARY, Buffer.alloc(2000))]);
    });
    const ws = await open(server.url, { maxPayload: 1000 });
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect((error as WebSocketPayloadException).closeCode).toBe(1009);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.at(-1)?.closeCode).toBe(1009);
  });

  it('a message of more than maxFragments frames -> Payload exception, close 1009', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([
        serverFrame(BINARY, 'a', { fin: false }),
        serverFrame(0x0, 'b', { fin: false }),
        serverFrame(0x0, 'c', { fin: false }),
        serverFrame(0x0, 'd'),
      ]);
    });
    expect(() => new WebSocket({ maxFragments: 0 })).toThrow(/expected maxFragments to be an integer >= 1, got 0/);
    const ws = await open(server.url, { maxFragments: 3 });
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketPayloadException);
    expect(error).toMatchObject({ code: 'WS_ERR_TOO_MANY_FRAGMENTS', closeCode: 1009 });
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.at(-1)?.closeCode).toBe(1009);
  });
});

describe('closing', () => {
  it('a received close is echoed with the same code; recv() rejects without waiting for TCP to close', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(TEXT, 'last words'), serverFrame(CLOSE, closePayload(4000, 'done'))]);
      // Keep TCP open: the client must not wait for it.
    });
    // Faked before the server's close starts the close timeout: it never passes here.
    useFakeClock();
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('last words');
    // The server holds TCP open: waiting for it would take the 3 s close timeout, which never passes here.
    const error = await settlesWithoutTimers(ws.recv().catch((e: unknown) => e), 'recv() to reject');
    expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    expect((error as Error).message).toContain('4000');
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.at(-1)?.closeCode).toBe(4000);
  });

  it('messages right before the server\'s close: their echo precedes the close reply', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([Buffer.concat([serverFrame(TEXT, 'one'), serverFrame(TEXT, 'two'), serverFrame(CLOSE, closePayload(1001))])]);
    });
    const ws = await open(server.url);
    for await (const message of ws) await ws.send(message);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.map((f) => [f.opcode, f.payload.subarray(f.opcode === CLOSE ? 2 : 0).toString(), f.closeCode])).toEqual([
      [TEXT, 'one', undefined],
      [TEXT, 'two', undefined],
      [CLOSE, '', 1001],
    ]);
  });

  it('an empty close frame is answered with an empty one', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(CLOSE)]);
    });
    const ws = await open(server.url);
    await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    const frames = await (await server.peer()).waitFor((f) => f.some((x) => x.opcode === CLOSE));
    expect(frames.at(-1)?.payload.length).toBe(0);
  });

  it('close() against a server that never answers returns after about its timeout', async () => {
    const server = await raw();
    const ws = await open(server.url);
    const peer = await server.peer();
    useFakeClock();
    const closing = ws.close({ status: 1001, reason: 'leaving', timeout: 300 });
    await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
    await settlesAt(closing, 300, 'close() to return at its timeout');
    vi.useRealTimers();
    expect(peer.frames().at(-1)).toMatchObject({ opcode: CLOSE, closeCode: 1001, closeReason: 'leaving' });
    await peer.ended;
    // A second close() is a no-op.
    await ws.close();
  });

  it('close() completes as soon as the server answers and closes TCP', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
      await peer.play([serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = await open(server.url);
    useFakeClock();
    await settlesWithoutTimers(ws.close({ timeout: 2000 }), 'close() to return without its timeout');
  });

  it('the server ends TCP without a close frame: our side ends too (RFC 6455 §7.1.1), on a socket we made and on a half-open socket the user made', async () => {
    for (const userSocket of [false, true]) {
      let clientEnded: Promise<void> | null = null;
      const server = await raw(async (peer) => {
        clientEnded = new Promise<void>((resolve) => peer.socket.once('end', () => resolve()));
        await peer.accept();
        await peer.play(['end']);
      });
      const options = userSocket ? { socket: net.connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true }) } : {};
      const ws = await open(server.url, options);
      await expect(ws.recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
      // The server's socket sees our FIN: the client did not leave its half open.
      await clientEnded;
      expect(ws.connected).toBe(false);
    }
  });

  it('close() with a code that may not be sent -> Protocol exception, connection still open', async () => {
    const server = await raw();
    const ws = await open(server.url);
    await expect(ws.close({ status: 1005 })).rejects.toBeInstanceOf(WebSocketProtocolException);
    expect(ws.connected).toBe(true);
  });

  it('abort() rejects a pending recv() and later sends', async () => {
    const server = await raw();
    const ws = await open(server.url);
    const pending = ws.recv();
    ws.abort();
    // The user's own drop is a close, not a lost connection.
    await expect(pending).rejects.toMatchObject({ name: 'WebSocketConnectionClosedException', code: 'WS_ERR_CONNECTION_CLOSED' });
    await expect(ws.send('x')).rejects.toMatchObject({ name: 'WebSocketConnectionClosedException', code: 'WS_ERR_CONNECTION_CLOSED' });
  });

  it('shutdown() drops unread messages', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(TEXT, 'unread')]);
    });
    const ws = await open(server.url);
    await sleep(50);
    ws.shutdown();
    await expect(ws.recv()).rejects.toMatchObject({ name: 'WebSocketConnectionClosedException', code: 'WS_ERR_CONNECTION_CLOSED' });
  });
});

describe('timeouts', () => {
  it('a recv() that times out leaves the connection usable', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === TEXT));
      await peer.play([serverFrame(TEXT, 'now')]);
    });
    const ws = await open(server.url);
    ws.timeout = 100;
    const started = Date.now();
    const error = await ws.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error).toMatchObject({ code: 'WS_ERR_RECV_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(ws.connected).toBe(true);
    ws.timeout = 2000;
    await ws.send('go');
    expect(await ws.recv()).toBe('now');
  });

  it('a send that cannot flush within the timeout rejects; the frame still goes out whole', async () => {
    // The server reads nothing until the send has timed out, however slow the machine.
    let resumeServer = (): void => {};
    const timedOut = new Promise<void>((resolve) => (resumeServer = resolve));
    const server = await raw(async (peer) => {
      await peer.accept();
      peer.socket.pause();
      await timedOut;
      peer.socket.resume();
    });
    const ws = await open(server.url);
    ws.timeout = 150;
    const big = Buffer.alloc(32 * 1024 * 1024, 1);
    const error = await ws.send(big).catch((e: unknown) => e);
    resumeServer();
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error).toMatchObject({ code: 'WS_ERR_SEND_TIMEOUT' });
    expect((error as Error).message).toMatch(/send timed out after 150 ms/);
    ws.timeout = null;
    await ws.send('after');
    const frames = await (await server.peer()).waitFor((f) => f.length === 2, 10_000);
    expect(frames[0]?.payload.length).toBe(big.length);
    expect(frames[1]?.payload.toString()).toBe('after');
  });

  it('timeout rejects invalid values', async () => {
    const ws = new WebSocket();
    expect(() => {
      ws.timeout = -5;
    }).toThrow(/timeout/);
  });
});

describe('large messages in bulk reads', () => {
  it('64 KiB messages come out as views of the read arenas, split ones included, and stay intact while later reads arrive', async () => {
    const count = 300;
    const server = await raw(async (peer) => {
      await peer.accept();
      const frames: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        const payload = Buffer.alloc(64 * 1024, i & 0xff);
        payload.writeUInt32BE(i, 0);
        frames.push(serverFrame(BINARY, payload));
      }
      // Written at once: the client's reads are long (bulk mode) and most cut a message in two.
      peer.socket.write(Buffer.concat(frames));
    });
    const ws = await open(server.url);
    const kept: Buffer[] = [];
    for (let i = 0; i < count; i++) kept.push((await ws.recv()) as Buffer);
    // Every message read earlier is unchanged by the reads that came after it.
    for (const [i, message] of kept.entries()) {
      expect(message.length).toBe(64 * 1024);
      expect(message.readUInt32BE(0)).toBe(i);
      expect(message.subarray(4).every((byte) => byte === (i & 0xff))).toBe(true);
    }
    const views = kept.filter((message) => message.buffer.byteLength === ARENA_BYTES).length;
    if (ARENA_BYTES >= 4 * READ_BUFFER_BYTES) {
      // Reads into an arena lie end to end, so a message two reads split is one view as well: about 9 in 10
      // here; without holding split messages as views, about 7 in 10 (those inside one read).
      expect(views).toBeGreaterThan(count * 0.8);
    } else {
      // An arena of one read buffer (before V8 13): the messages inside one read, about 7 in 10.
      expect(views).toBeGreaterThan(count * 0.5);
    }
  });
});

describe('backpressure and ping floods', () => {
  it('unread messages past maxQueue pause reading; reading resumes it; all arrive in order', async () => {
    const count = 200;
    const payload = Buffer.alloc(64 * 1024, 7);
    let serverBacklog = -1;
    const server = await raw(async (peer) => {
      await peer.accept();
      for (let i = 0; i < count; i++) {
        payload.writeUInt32BE(i, 0);
        peer.socket.write(serverFrame(BINARY, payload));
      }
      // Time for the client to read what it would (a slower client reads less, leaving more here).
      await sleep(300);
      serverBacklog = peer.socket.writableLength;
    });
    const ws = await open(server.url, { maxQueue: 4 });
    await until(() => serverBacklog >= 0, 'the server to measure its backlog');
    // The client stopped reading: most of the 12.5 MiB is still on the server side.
    expect(serverBacklog).toBeGreaterThan(4 * 1024 * 1024);
    for (let i = 0; i < count; i++) {
      const message = (await ws.recv()) as Buffer;
      expect(message.readUInt32BE(0)).toBe(i);
    }
  });

  it('close() with reading paused by maxQueue still completes the handshake at once', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      const messages = Array.from({ length: 40 }, (_, i) => serverFrame(BINARY, Buffer.alloc(64 * 1024, i)));
      for (const m of messages) peer.socket.write(m);
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE), 5000);
      await peer.play([serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = await open(server.url, { maxQueue: 2 });
    await sleep(100);
    useFakeClock();
    await settlesWithoutTimers(ws.close({ timeout: 2000 }), 'close() to return without its timeout');
    vi.useRealTimers();
    // What was queued before the close can still be read.
    expect(((await ws.recv()) as Buffer)[0]).toBe(0);
  });

  it('a ping flood while the user does not read: pongs coalesce, the connection survives, memory stays bounded', async () => {
    const pings = 40_000;
    const server = await raw(async (peer) => {
      await peer.accept();
      peer.socket.pause(); // do not read the pongs: the client's socket congests
      const batch: Buffer[] = [];
      for (let i = 0; i < pings; i++) {
        const body = Buffer.alloc(125, 0x61);
        body.writeUInt32BE(i, 0);
        batch.push(serverFrame(PING, body));
        if (batch.length === 1000) peer.socket.write(Buffer.concat(batch.splice(0)));
      }
      peer.socket.write(serverFrame(TEXT, 'after the flood'));
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('after the flood');
    expect(ws.connected).toBe(true);
    expect(ws.bufferedAmount).toBeLessThan(16 * 1024 * 1024);
    const peer = await server.peer();
    peer.socket.resume();
    const frames = await peer.waitFor((f) => f.some((x) => x.opcode === PONG && x.payload.readUInt32BE(0) === pings - 1), 5000);
    const pongs = frames.filter((f) => f.opcode === PONG);
    expect(pongs.length).toBeLessThan(pings);
    // Each pong answers a ping, in order.
    const ids = pongs.map((p) => p.payload.readUInt32BE(0));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true);
  });
});

describe('ping flood with nobody reading', () => {
  it('pings are answered while the user reads nothing; unread pings stay bounded; the message after them arrives', async () => {
    const pings = 5000;
    const server = await raw(async (peer) => {
      await peer.accept();
      const batch: Buffer[] = [];
      for (let i = 0; i < pings; i++) {
        const body = Buffer.alloc(8);
        body.writeUInt32BE(i, 0);
        batch.push(serverFrame(PING, body));
      }
      batch.push(serverFrame(TEXT, 'read me'));
      await peer.play([Buffer.concat(batch)]);
    });
    const ws = await open(server.url);
    const peer = await server.peer();
    // Nobody calls recv(): every ping is still answered (the socket is not congested here).
    const frames = await peer.waitFor((f) => f.filter((x) => x.opcode === PONG).length === pings, 5000);
    expect(frames.filter((x) => x.opcode === PONG).at(-1)?.payload.readUInt32BE(0)).toBe(pings - 1);
    // recvData(true) sees at most maxQueue (16) of the unread pings: the latest ones.
    const [opcode, data] = await ws.recvData(true);
    expect(opcode).toBe(PING);
    expect(data.readUInt32BE(0)).toBe(pings - 16);
    expect(await ws.recv()).toBe('read me');
  });
});

describe('async iterator', () => {
  it('ends cleanly when the user closes inside the loop', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(TEXT, '1'), serverFrame(TEXT, '2')]);
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
      await peer.play([serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = await open(server.url);
    const seen: unknown[] = [];
    for await (const message of ws) {
      seen.push(message);
      if (message === '2') await ws.close();
    }
    expect(seen).toEqual(['1', '2']);
  });

  it('throws when the connection is lost', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(TEXT, '1'), { delay: 20 }, 'destroy']);
    });
    const ws = await open(server.url);
    const seen: unknown[] = [];
    const run = async () => {
      for await (const message of ws) seen.push(message);
    };
    await expect(run()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    expect(seen).toEqual(['1']);
  });

  it('throws the failure of a failed connection', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(0x3, 'reserved opcode')]);
    });
    const ws = await open(server.url);
    const run = async () => {
      for await (const message of ws) void message;
    };
    await expect(run()).rejects.toBeInstanceOf(WebSocketProtocolException);
  });
});

describe('close() with a pending recv()', () => {
  it('the pending recv() rejects with ConnectionClosed once the handshake completes', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.waitFor((f) => f.some((x) => x.opcode === CLOSE));
      await peer.play([serverFrame(TEXT, 'ignored after our close'), serverFrame(CLOSE, closePayload(1000)), 'end']);
    });
    const ws = await open(server.url);
    const pending = ws.recv().catch((e: unknown) => e);
    await ws.close();
    expect(await pending).toBeInstanceOf(WebSocketConnectionClosedException);
  });
});

describe('sending', () => {
  it('bufferedAmount counts bytes not yet written and drops to 0 once flushed', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      peer.socket.pause();
      await sleep(200);
      peer.socket.resume();
    });
    const ws = await open(server.url);
    expect(ws.bufferedAmount).toBe(0);
    const big = Buffer.alloc(8 * 1024 * 1024);
    const sending = ws.send(big);
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    expect(await sending).toBe(big.length + 14);
    expect(ws.bufferedAmount).toBe(0);
  });

  it('sendFrame sends rule-breaking frames as described; ping/pong/close opcodes', async () => {
    const server = await raw();
    const ws = await open(server.url);
    await ws.sendFrame(new ABNF({ fin: 1, rsv1: 1, opcode: ABNF.OPCODE_TEXT, data: 'odd' }));
    await ws.sendFrame(new ABNF({ fin: 0, opcode: ABNF.OPCODE_BINARY, mask: 0, data: Buffer.from([5]) }));
    await ws.ping('are you there');
    await ws.pong('unsolicited');
    const frames = await (await server.peer()).waitFor((f) => f.length === 4);
    expect(frames[0]).toMatchObject({ fin: true, rsv: 4, opcode: TEXT, masked: true });
    expect(frames[0]?.payload.toString()).toBe('odd');
    expect(frames[1]).toMatchObject({ fin: false, rsv: 0, opcode: BINARY, masked: false });
    expect(frames[2]).toMatchObject({ opcode: PING });
    expect(frames[2]?.payload.toString()).toBe('are you there');
    expect(frames[3]?.payload.toString()).toBe('unsolicited');
  });

  it('a ping over 125 bytes is refused', async () => {
    const server = await raw();
    const ws = await open(server.url);
    await expect(ws.ping('x'.repeat(126))).rejects.toBeInstanceOf(WebSocketProtocolException);
  });

  it('fragmentSize splits sent messages', async () => {
    const server = await raw();
    const ws = await open(server.url, { fragmentSize: 4 });
    await ws.send('0123456789');
    const frames = await (await server.peer()).waitFor((f) => f.length === 3);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [TEXT, false, '0123'],
      [0, false, '4567'],
      [0, true, '89'],
    ]);
  });

  it('a send before connect() rejects with ConnectionClosed', async () => {
    await expect(new WebSocket().send('x')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    await expect(new WebSocket().recv()).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
  });
});

describe('receiving frames', () => {
  const fragmented = () => [
    serverFrame(TEXT, 'frag', { fin: false }),
    serverFrame(PING, 'mid'),
    serverFrame(0, 'mented'),
  ];

  it('recv() reassembles fragments; recvFrame() shows each frame', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play([...fragmented()]);
      await peer.waitFor((f) => f.some((x) => x.opcode === TEXT));
      await peer.play([...fragmented()]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('fragmented');
    await ws.send('next');
    const first = await ws.recvFrame();
    expect([first.opcode, first.fin, Buffer.from(first.data as Uint8Array).toString()]).toEqual([TEXT, 0, 'frag']);
    const ping = await ws.recvFrame();
    expect(ping.opcode).toBe(PING);
    const last = await ws.recvFrame();
    expect([last.opcode, last.fin, Buffer.from(last.data as Uint8Array).toString()]).toEqual([0, 1, 'mented']);
  });

  it('fireContFrame delivers fragments through recvData', async () => {
    const server = await raw(async (peer) => {
      await peer.accept();
      await peer.play(fragmented());
    });
    const ws = await open(server.url, { fireContFrame: true });
    expect(await ws.recvData()).toEqual([TEXT, Buffer.from('frag')]);
    expect(await ws.recvData()).toEqual([0, Buffer.from('mented')]);
  });
});

describe('enableTrace', () => {
  it('prints the request, the response headers and each frame', async () => {
    const lines: string[] = [];
    enableTrace(true, (line) => lines.push(line));
    const server = await raw(async (peer) => {
      await peer.accept(['X-Server: raw']);
      await peer.play([serverFrame(TEXT, 'hello trace'), serverFrame(PING, 'pp')]);
    });
    const ws = await open(server.url);
    expect(await ws.recv()).toBe('hello trace');
    await ws.send(Buffer.from([0xde, 0xad]));
    await ws.close({ timeout: 100 });
    enableTrace(false);
    const all = lines.join('\n');
    expect(all).toMatch(/GET \/ HTTP\/1\.1/);
    expect(all).toMatch(/Sec-WebSocket-Key: /);
    expect(all).toMatch(/101 Switching Protocols/);
    expect(all).toMatch(/x-server: raw/);
    expect(all).toMatch(/text.*hello trace/);
    expect(all).toMatch(/ping/);
    expect(all).toMatch(/binary|opcode=2/);
    expect(all).toMatch(/close/);
    const count = lines.length;
    const ws2 = await open(server.url);
    ws2.abort();
    expect(lines.length).toBe(count);
  });

  it('never prints the Authorization or Cookie values of the request', async () => {
    const lines: string[] = [];
    enableTrace(true, (line) => lines.push(line));
    const server = await raw();
    const ws = await open(server.url.replace('ws://', 'ws://user:s3cret@'), { cookie: 'sid=t0ken' });
    ws.abort();
    enableTrace(false);
    const all = lines.join('\n');
    expect(all).toMatch(/Authorization: Basic \*\*\*/);
    expect(all).toMatch(/Cookie: sid=\*\*\*/);
    expect(all).not.toMatch(/t0ken/);
    expect(all).not.toContain(Buffer.from('user:s3cret').toString('base64'));
    const request = await (await server.peer()).request();
    expect(request.head).toContain('sid=t0ken');
  });
});
