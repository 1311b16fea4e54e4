/**
 * WebSocketApp against a real `ws` server: callback order and arguments,
 * close codes, stopping from a callback or a timer, binary and fragmented
 * messages, failing callbacks, send/runForever misuse and option validation.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ABNF,
  WebSocketApp,
  WebSocketConnectionClosedException,
  WebSocketException,
} from '../../src/index.js';
import { settlesWithoutTimers, until, useFakeClock } from '../helpers/fake-clock.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const servers: WsTestServer[] = [];
async function server(...args: Parameters<typeof startWsServer>): Promise<WsTestServer> {
  const s = await startWsServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Run an app with a hard bound, so that a bug fails the test instead of hanging it. */
function bounded<T>(promise: Promise<T>, ms = 4000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`app still running after ${ms} ms`)), ms).unref()),
  ]);
}

describe('WebSocketApp callbacks', () => {
  it('calls onOpen, onData then onMessage, and onClose once with the code the server echoed', async () => {
    const s = await server();
    const events: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: (a) => {
        events.push(['open', a === app, a.ready()]);
        void a.send('hello');
      },
      onData: (_a, data, opcode, fin) => events.push(['data', data, opcode, fin]),
      onMessage: (a, message) => {
        events.push(['message', message]);
        void a.close();
      },
      onError: (_a, error) => events.push(['error', error]),
      onClose: (a, code, reason) => events.push(['close', code, reason, a.sock]),
    });
    expect(await bounded(app.runForever())).toBe(false);
    expect(events).toEqual([
      ['open', true, true],
      ['data', 'hello', ABNF.OPCODE_TEXT, true],
      ['message', 'hello'],
      ['close', 1000, '', null],
    ]);
    expect(app.ready()).toBe(false);
  });

  it('gives onClose the server code and reason (4001 "bye") and does not reconnect after a close handshake', async () => {
    const s = await server((peer) => peer.close(4001, 'bye'));
    const onClose = vi.fn();
    const onError = vi.fn();
    const onOpen = vi.fn();
    const app = new WebSocketApp(s.url, { onOpen, onClose, onError });
    expect(await bounded(app.runForever({ reconnect: 50 }))).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(onClose.mock.calls).toEqual([[app, 4001, 'bye']]);
    expect(onError).not.toHaveBeenCalled();
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(s.requests).toHaveLength(1);
  });

  it('stops cleanly when app.close() is called from onMessage, sending the given status', async () => {
    const serverSaw: Array<[number, string]> = [];
    const s = await server((peer) => {
      peer.on('close', (code, reason) => serverSaw.push([code, reason.toString()]));
      for (const m of ['one', 'two', 'three']) peer.send(m);
    });
    const messages: unknown[] = [];
    const onClose = vi.fn();
    const app = new WebSocketApp(s.url, {
      onMessage: (a, m) => {
        messages.push(m);
        if (messages.length === 1) void a.close({ status: 4000, reason: 'done' });
      },
      onClose,
    });
    expect(await bounded(app.runForever({ reconnect: 50 }))).toBe(false);
    expect(messages[0]).toBe('one');
    expect(onClose.mock.calls).toEqual([[app, 4000, 'done']]);
    await vi.waitFor(() => expect(serverSaw).toEqual([[4000, 'done']]));
    expect(s.requests).toHaveLength(1);
  });

  it('stops cleanly when app.close() is called from a timer on an idle connection', async () => {
    const s = await server(() => {});
    const onClose = vi.fn();
    let opened = false;
    useFakeClock();
    const app = new WebSocketApp(s.url, {
      onOpen: () => {
        opened = true;
        setTimeout(() => void app.close(), 100);
      },
      onClose,
    });
    const running = app.runForever();
    await until(() => opened, 'the open');
    await vi.advanceTimersByTimeAsync(100);
    // The closing handshake ends it with the clock standing still: no close timeout waited out.
    expect(await settlesWithoutTimers(running, 'runForever to end')).toBe(false);
    expect(onClose.mock.calls).toEqual([[app, 1000, '']]);
  });

  it('delivers binary messages as Buffers with opcode 2', async () => {
    const s = await server((peer) => peer.send(Buffer.from([1, 2, 3]), { binary: true }));
    const events: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onData: (_a, data, opcode, fin) => events.push(['data', data, opcode, fin]),
      onMessage: (a, m) => {
        events.push(['message', m]);
        void a.close();
      },
    });
    await bounded(app.runForever());
    expect(events).toEqual([
      ['data', Buffer.from([1, 2, 3]), ABNF.OPCODE_BINARY, true],
      ['message', Buffer.from([1, 2, 3])],
    ]);
  });

  function sendFragmented(peer: import('ws').WebSocket): void {
    peer.send('hé', { fin: false });
    peer.send('l', { fin: false });
    peer.send('lo', { fin: true });
    peer.send('after');
  }

  it('reassembles a fragmented message when onContMessage is not set', async () => {
    const s = await server(sendFragmented);
    const events: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onData: (_a, data, opcode, fin) => events.push(['data', data, opcode, fin]),
      onMessage: (a, m) => {
        events.push(['message', m]);
        if (m === 'after') void a.close();
      },
    });
    await bounded(app.runForever());
    expect(events).toEqual([
      ['data', 'héllo', ABNF.OPCODE_TEXT, true],
      ['message', 'héllo'],
      ['data', 'after', ABNF.OPCODE_TEXT, true],
      ['message', 'after'],
    ]);
  });

  it('with onContMessage, delivers each fragment as it comes: the first to onMessage, the rest to onContMessage', async () => {
    const s = await server(sendFragmented);
    const events: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onData: (_a, data, opcode, fin) => events.push(['data', data, opcode, fin]),
      onMessage: (a, m) => {
        events.push(['message', m]);
        if (m === 'after') void a.close();
      },
      onContMessage: (_a, data, fin) => events.push(['cont', data, fin]),
    });
    await bounded(app.runForever());
    expect(events).toEqual([
      ['data', Buffer.from('hé'), ABNF.OPCODE_TEXT, false],
      ['message', Buffer.from('hé')],
      ['data', Buffer.from('l'), ABNF.OPCODE_CONT, false],
      ['cont', Buffer.from('l'), false],
      ['data', Buffer.from('lo'), ABNF.OPCODE_CONT, true],
      ['cont', Buffer.from('lo'), true],
      ['data', 'after', ABNF.OPCODE_TEXT, true],
      ['message', 'after'],
    ]);
  });

  it('hands server pings and pongs to onPing and onPong (the ping already answered)', async () => {
    const pongsAtServer: string[] = [];
    const s = await server((peer) => {
      peer.on('pong', (data) => {
        pongsAtServer.push(data.toString());
        peer.pong(Buffer.from('unsolicited'));
      });
      peer.ping(Buffer.from('are you there'));
    });
    const events: unknown[][] = [];
    const app = new WebSocketApp(s.url, {
      onPing: (_a, data) => events.push(['ping', data.toString()]),
      onPong: (a, data) => {
        events.push(['pong', data.toString()]);
        void a.close();
      },
    });
    await bounded(app.runForever());
    expect(events).toEqual([
      ['ping', 'are you there'],
      ['pong', 'unsolicited'],
    ]);
    expect(pongsAtServer).toEqual(['are you there']);
  });

  it('sends with sendText and sendBytes and send(data, opcode)', async () => {
    const s = await server();
    const got: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: async (a) => {
        expect(await a.sendText('t')).toBeGreaterThan(0);
        await a.sendBytes(new Uint8Array([9]));
        await a.send('as binary', ABNF.OPCODE_BINARY);
      },
      onMessage: (a, m) => {
        got.push(m);
        if (got.length === 3) void a.close();
      },
    });
    await bounded(app.runForever());
    expect(got).toEqual(['t', Buffer.from([9]), Buffer.from('as binary')]);
  });
});

describe('WebSocketApp failing callbacks', () => {
  it('passes what onOpen throws to onError and keeps running', async () => {
    const s = await server((peer) => peer.send('still here'));
    const boom = new Error('boom');
    const errors: unknown[] = [];
    const messages: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: () => {
        throw boom;
      },
      onError: (_a, e) => errors.push(e),
      onMessage: (a, m) => {
        messages.push(m);
        void a.close();
      },
    });
    expect(await bounded(app.runForever())).toBe(false);
    expect(errors).toEqual([boom]);
    expect(messages).toEqual(['still here']);
  });

  it('passes a rejection of an async onMessage to onError', async () => {
    const s = await server((peer) => {
      peer.send('a');
      peer.send('b');
    });
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onMessage: async (a, m) => {
        await new Promise((r) => setTimeout(r, 5));
        if (m === 'b') void a.close();
        throw new Error(`rejected ${String(m)}`);
      },
      onError: (_a, e) => errors.push((e as Error).message),
    });
    await bounded(app.runForever());
    await vi.waitFor(() => expect(errors).toEqual(['rejected a', 'rejected b']));
  });

  it('logs an onError that throws with console.error and never calls onError for it', async () => {
    const s = await server((peer) => peer.send('x'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    let onErrorCalls = 0;
    const app = new WebSocketApp(s.url, {
      onMessage: (a) => {
        void a.close();
        throw new Error('from onMessage');
      },
      onError: () => {
        onErrorCalls += 1;
        throw new Error('from onError');
      },
    });
    expect(await bounded(app.runForever())).toBe(false);
    expect(onErrorCalls).toBe(1);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toContain('onError callback failed');
    expect((logged.mock.calls[0]?.[1] as Error).message).toBe('from onError');
  });

  it('logs a failing callback with console.error when there is no onError', async () => {
    const s = await server((peer) => peer.send('x'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const app = new WebSocketApp(s.url, {
      onMessage: (a) => {
        void a.close();
        throw new Error('nobody listens');
      },
    });
    await bounded(app.runForever());
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toContain('onMessage callback failed');
  });

  it('passes what onClose throws to onError after the loop ended', async () => {
    const s = await server((peer) => peer.close(1000));
    const errors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onClose: () => {
        throw new Error('in onClose');
      },
      onError: (_a, e) => errors.push((e as Error).message),
    });
    expect(await bounded(app.runForever())).toBe(false);
    expect(errors).toEqual(['in onClose']);
  });
});

describe('WebSocketApp misuse and validation', () => {
  it('rejects send, sendText and sendBytes with ConnectionClosed when not connected', async () => {
    const app = new WebSocketApp('ws://127.0.0.1:1');
    await expect(app.send('x')).rejects.toThrow(WebSocketConnectionClosedException);
    await expect(app.sendText('x')).rejects.toThrow(expect.objectContaining({ code: 'WS_ERR_NOT_CONNECTED' }));
    await expect(app.sendBytes(new Uint8Array(1))).rejects.toBeInstanceOf(WebSocketConnectionClosedException);

    const s = await server((peer) => peer.close());
    const after = new WebSocketApp(s.url);
    await bounded(after.runForever());
    await expect(after.send('late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
  });

  it('refuses runForever while it runs, and runs again after it resolved', async () => {
    const s = await server();
    let opens = 0;
    const app = new WebSocketApp(s.url, { onOpen: (a) => void (++opens, a.close()) });
    const first = app.runForever();
    await expect(app.runForever()).rejects.toThrow(WebSocketException);
    await expect(app.runForever()).rejects.toThrow(expect.objectContaining({ code: 'WS_ERR_ALREADY_RUNNING' }));
    expect(await bounded(first)).toBe(false);
    expect(await bounded(app.runForever())).toBe(false);
    expect(opens).toBe(2);
  });

  it.each([
    [{ pingTimeout: 0 }, 'expected pingTimeout to be a number of milliseconds above 0 and at most 2147483647, or null to wait forever, got 0'],
    [{ pingTimeout: -5 }, /expected pingTimeout to be a number of milliseconds above 0 .*, got -5$/],
    [{ pingInterval: -1 }, 'expected pingInterval to be a number of milliseconds from 0 to 2147483647, got -1'],
    [{ pingInterval: Number.NaN }, /expected pingInterval to be .*, got NaN$/],
    [{ pingInterval: 2 ** 31 }, /expected pingInterval to be .*, got 2147483648$/],
    [{ pingInterval: 100, pingTimeout: 100 }, 'expected pingInterval to be greater than pingTimeout (100), got 100'],
    [{ pingInterval: 100, pingTimeout: 200 }, 'expected pingInterval to be greater than pingTimeout (200), got 100'],
    [{ pingPayload: 'x'.repeat(126) }, 'expected pingPayload to be a string or bytes of at most 125 bytes (RFC 6455 §5.5), got 126 bytes'],
    [{ reconnect: -1 }, 'expected reconnect to be a number of milliseconds from 0 to 2147483647, got -1'],
    [{ reconnectMax: 0 }, 'expected reconnectMax to be a number of milliseconds above 0 and at most 2147483647, got 0'],
    [{ maxReconnects: 1.5 }, 'expected maxReconnects to be an integer >= 0, or Infinity, got 1.5'],
    [{ timeout: '5' as never }, 'expected timeout to be a number of milliseconds from 0 to 2147483647, or null to wait forever, got "5"'],
    [{ maxQueue: 0 }, 'expected maxQueue to be an integer >= 1, got 0'],
  ])('rejects runForever(%o) with WebSocketException', async (options, message) => {
    const app = new WebSocketApp('ws://127.0.0.1:1');
    const run = app.runForever(options);
    await expect(run).rejects.toBeInstanceOf(WebSocketException);
    await expect(run).rejects.toThrow(message);
  });

  it('accepts pingTimeout without pingInterval, and pingInterval 0', async () => {
    const s = await server((peer) => peer.close());
    const app = new WebSocketApp(s.url);
    expect(await bounded(app.runForever({ pingTimeout: 50 }))).toBe(false);
    expect(await bounded(app.runForever({ pingInterval: 0, pingTimeout: 50 }))).toBe(false);
  });

  it('rejects close() with a status that may not be sent, and still stops the app', async () => {
    const s = await server(() => {});
    const closeErrors: unknown[] = [];
    const app = new WebSocketApp(s.url, {
      onOpen: (a) => void a.close({ status: 1005 }).catch((e: unknown) => closeErrors.push(e)),
    });
    expect(await bounded(app.runForever({ reconnect: 50 }))).toBe(false);
    expect(closeErrors).toHaveLength(1);
    expect(closeErrors[0]).toBeInstanceOf(WebSocketException);
    expect(String(closeErrors[0])).toMatch(/1005/);
    expect(s.requests).toHaveLength(1);
  });

  it('treats a read timeout on an idle connection as no error', async () => {
    const s = await server((peer) => setTimeout(() => peer.send('late'), 250));
    const errors: unknown[] = [];
    let opened = false;
    // On a fake clock the 50 ms timeout bounds each read, never the opening (real I/O that takes no fake time).
    useFakeClock();
    const app = new WebSocketApp(s.url, {
      onOpen: () => (opened = true),
      onMessage: (a, m) => void (m === 'late' && a.close()),
      onError: (_a, e) => errors.push(e),
    });
    const running = app.runForever({ timeout: 50 });
    await until(() => opened, 'the open');
    // Five read timeouts pass, then the message comes.
    await vi.advanceTimersByTimeAsync(250);
    expect(await settlesWithoutTimers(running, 'runForever to end')).toBe(false);
    expect(errors).toEqual([]);
  });

  it('stops when the signal given to runForever aborts', async () => {
    const s = await server(() => {});
    const controller = new AbortController();
    const onClose = vi.fn();
    const app = new WebSocketApp(s.url, { onOpen: () => controller.abort(), onClose });
    expect(await bounded(app.runForever({ signal: controller.signal }))).toBe(false);
    expect(onClose.mock.calls).toEqual([[app, 1000, '']]);
  });

  it('sends constructor header, cookie and subprotocols, and callbacks assigned after construction are used', async () => {
    const s = await server(undefined, { handleProtocols: (protocols) => [...protocols][1] ?? false });
    const app = new WebSocketApp(s.url, {
      header: { 'X-Token': 'abc' },
      cookie: 'a=1',
      subprotocols: ['one', 'two'],
    });
    const opened: unknown[] = [];
    app.onOpen = (a) => {
      opened.push(a.sock?.subprotocol);
      void a.close();
    };
    await bounded(app.runForever());
    expect(opened).toEqual(['two']);
    expect(s.requests[0]?.headers['x-token']).toBe('abc');
    expect(s.requests[0]?.headers.cookie).toBe('a=1');
  });
});
