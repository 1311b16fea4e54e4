/**
 * rfc6455/web's own behaviour beyond the differential scenarios: the Node-style
 * options (headers, TLS, every proxy kind and the proxy environment variables,
 * permessage-deflate, maxPayload, handshake timeout, signal), binaryType
 * 'nodebuffer', the `on…` attributes, and the error event's `error`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import {
  WebSocketBadStatusException,
  WebSocketException,
  WebSocketPayloadException,
  WebSocketTimeoutException,
} from '../../src/exceptions.js';
import { CloseEvent, ErrorEvent, WebSocket, type WebSocketInit } from '../../src/web/index.js';
import { listenLocal, stopLocal } from './local-server.js';
import { makeCertificate, startDanted, startMicrosocks, startTinyproxy, startTlsFront, type RunningServer } from '../helpers/proxies.js';

interface Outcome {
  events: string[];
  messages: unknown[];
  error?: ErrorEvent;
  close?: CloseEvent;
  ws: WebSocket;
}

/** Open, optionally send, collect events until close (bounded at 10 s). */
function run(ws: WebSocket, onOpen: (ws: WebSocket) => void = (socket) => socket.close()): Promise<Outcome> {
  const outcome: Outcome = { events: [], messages: [], ws };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close event within 10 s: ${outcome.events.join(', ')}`)), 10_000);
    ws.addEventListener('open', () => {
      outcome.events.push('open');
      onOpen(ws);
    });
    ws.addEventListener('message', (event) => {
      outcome.events.push('message');
      outcome.messages.push((event as MessageEvent).data);
    });
    ws.addEventListener('error', (event) => {
      outcome.events.push('error');
      outcome.error = event as ErrorEvent;
    });
    ws.addEventListener('close', (event) => {
      clearTimeout(timer);
      outcome.events.push('close');
      outcome.close = event as CloseEvent;
      resolve(outcome);
    });
  });
}

/** Echo the first message, then close. */
const echoOnce = (ws: WebSocket): void => {
  ws.addEventListener('message', () => ws.close(1000), { once: true });
  ws.send('ping');
};

describe('rfc6455/web options', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let port: number;
  const upgrades: http.IncomingMessage[] = [];
  const serverSockets: WsSocket[] = [];

  beforeAll(async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server, perMessageDeflate: true, handleProtocols: (offered) => (offered.has('chat') ? 'chat' : false) });
    wss.on('connection', (socket, request) => {
      upgrades.push(request);
      serverSockets.push(socket);
      const path = request.url ?? '/';
      if (path.startsWith('/big')) socket.send(Buffer.alloc(2000));
      if (path.startsWith('/kill')) socket.send('last words', () => socket.terminate());
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    port = await listenLocal(server);
  });

  afterAll(() => stopLocal(server, wss));

  afterEach(() => {
    upgrades.length = 0;
    serverSockets.length = 0;
  });

  it('sends headers and Origin, and takes an options object in place of protocols', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/h`, { protocols: 'chat', headers: { 'X-Token': 'abc' }, origin: 'https://app.example' });
    const outcome = await run(ws, echoOnce);
    expect(outcome.events).toEqual(['open', 'message', 'close']);
    expect(ws.protocol).toBe('chat');
    expect(upgrades[0].headers['x-token']).toBe('abc');
    expect(upgrades[0].headers.origin).toBe('https://app.example');
  });

  it('takes protocols and options as second and third arguments', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/h`, ['other', 'chat'], { headers: { 'X-Two': '2' } });
    await run(ws);
    expect(ws.protocol).toBe('chat');
    expect(upgrades[0].headers['x-two']).toBe('2');
  });

  it('perMessageDeflate negotiates permessage-deflate and reports it in extensions', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/z`, undefined, { perMessageDeflate: true });
    const outcome = await run(ws, echoOnce);
    expect(outcome.messages).toEqual(['ping']);
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    expect(serverSockets[0].extensions).toMatch(/^permessage-deflate/);
    const plain = new WebSocket(`ws://127.0.0.1:${port}/z`);
    await run(plain);
    expect(plain.extensions).toBe('');
  });

  it('maxPayload: a larger message fails the connection (error with a Payload exception, then close 1006)', async () => {
    const serverClose = new Promise<number>((resolve) => wss.once('connection', (socket) => socket.once('close', (code) => resolve(code))));
    const outcome = await run(new WebSocket(`ws://127.0.0.1:${port}/big`, undefined, { maxPayload: 1000 }), () => undefined);
    expect(outcome.events).toEqual(['open', 'error', 'close']);
    expect(outcome.error?.error).toBeInstanceOf(WebSocketPayloadException);
    expect(outcome.close).toMatchObject({ code: 1006, wasClean: false });
    expect(await serverClose).toBe(1009);
  });

  it('a connection lost without a closing handshake: the message before it, then error and close 1006', async () => {
    const outcome = await run(new WebSocket(`ws://127.0.0.1:${port}/kill`), () => undefined);
    expect(outcome.events).toEqual(['open', 'message', 'error', 'close']);
    expect(outcome.messages).toEqual(['last words']);
    expect(outcome.error?.error).toBeInstanceOf(WebSocketException);
    expect(outcome.error?.error).toMatchObject({ code: 'WS_ERR_CONNECTION_LOST' });
    expect(outcome.close).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(outcome.ws.readyState).toBe(WebSocket.CLOSED);
  });

  it("binaryType 'nodebuffer' hands out Buffers", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/b`);
    ws.binaryType = 'nodebuffer';
    const outcome = await run(ws, (socket) => {
      socket.addEventListener('message', () => socket.close(), { once: true });
      socket.send(new Uint8Array([9, 8, 7]));
    });
    expect(Buffer.isBuffer(outcome.messages[0])).toBe(true);
    expect([...(outcome.messages[0] as Buffer)]).toEqual([9, 8, 7]);
  });

  it('a refused handshake: the error event carries the BadStatus exception with the status', async () => {
    const refusing = http.createServer();
    refusing.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await run(new WebSocket(`ws://127.0.0.1:${(refusing.address() as net.AddressInfo).port}/`));
      expect(outcome.events).toEqual(['error', 'close']);
      expect(outcome.error).toBeInstanceOf(ErrorEvent);
      expect(outcome.error?.error).toBeInstanceOf(WebSocketBadStatusException);
      expect((outcome.error?.error as WebSocketBadStatusException).statusCode).toBe(403);
      expect(outcome.error?.message).toMatch(/403/);
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('handshakeTimeout bounds a server that never answers the upgrade', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const ws = new WebSocket(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`, undefined, { handshakeTimeout: 200 });
      const outcome = await run(ws);
      expect(outcome.events).toEqual(['error', 'close']);
      expect(outcome.error?.error).toBeInstanceOf(WebSocketTimeoutException);
      // Loose bound for a loaded machine: the default would wait forever.
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('an aborted signal cancels the connection attempt like close() while connecting', async () => {
    const controller = new AbortController();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/s`, undefined, { signal: controller.signal });
    controller.abort();
    const outcome = await run(ws);
    expect(outcome.events).toEqual(['error', 'close']);
    expect(outcome.close).toMatchObject({ code: 1006, wasClean: false });
  });

  it('rejects an unknown option and a bad value with a WebSocketException naming it', () => {
    expect(() => new WebSocket(`ws://127.0.0.1:${port}/`, undefined, { header: {} } as unknown as WebSocketInit)).toThrow(
      /unknown WebSocket option "header": expected one of protocols, headers/,
    );
    expect(() => new WebSocket(`ws://127.0.0.1:${port}/`, undefined, { handshakeTimeout: -1 })).toThrow(WebSocketException);
    for (const init of [{ header: {} }, { handshakeTimeout: -1 }, { headers: ['X: y'] }, { proxy: 42 }] as unknown as WebSocketInit[]) {
      let error: unknown;
      try {
        new WebSocket(`ws://127.0.0.1:${port}/`, undefined, init);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(init)).toMatchObject({ code: 'WS_ERR_INVALID_OPTION' });
    }
    expect(() => new WebSocket(`ws://127.0.0.1:${port}/`, undefined, { headers: ['X: y'] as unknown as Record<string, string> })).toThrow(
      /expected headers to be an object of header names to values, got an array/,
    );
    expect(() => new WebSocket(`ws://127.0.0.1:${port}/`, undefined, { proxy: 'gopher://p:1' })).toThrow(/unknown scheme 'gopher'/);
  });

  it('on… attributes: one listener each, replaced in place, removed by null, alongside addEventListener', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/on`);
    const calls: string[] = [];
    ws.onmessage = () => calls.push('first handler');
    ws.addEventListener('message', () => calls.push('listener'));
    ws.onmessage = function (this: WebSocket, event) {
      calls.push(`second handler ${String(event.data)} ${this === ws}`);
    };
    expect(ws.onmessage).toBeTypeOf('function');
    ws.onerror = () => calls.push('error handler');
    ws.onerror = null;
    expect(ws.onerror).toBeNull();
    ws.onopen = () => ws.send('m1');
    const closed = new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
    ws.addEventListener('message', () => ws.close(), { once: true });
    const event = await closed;
    // The handler keeps the position of the first assignment, before the listener.
    expect(calls).toEqual(['second handler m1 true', 'listener']);
    expect(event).toBeInstanceOf(CloseEvent);
    expect(event).toMatchObject({ code: 1005, wasClean: true });
  });

  describe('TLS', () => {
    const certificate = makeCertificate();
    let secure: https.Server;
    let securePort: number;

    beforeAll(async () => {
      secure = https.createServer({ key: certificate.key, cert: certificate.cert });
      const secureWss = new WebSocketServer({ server: secure });
      secureWss.on('connection', (socket) => socket.on('message', (data) => socket.send(data, { binary: false })));
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      securePort = (secure.address() as net.AddressInfo).port;
    });

    afterAll(async () => {
      secure.closeAllConnections();
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    });

    it('tls.ca trusts a self-signed server; without it the certificate is refused', async () => {
      const trusted = await run(new WebSocket(`wss://127.0.0.1:${securePort}/`, undefined, { tls: { ca: certificate.cert } }), echoOnce);
      expect(trusted.events).toEqual(['open', 'message', 'close']);
      const refused = await run(new WebSocket(`wss://127.0.0.1:${securePort}/`));
      expect(refused.events).toEqual(['error', 'close']);
      expect((refused.error?.error as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    });

    it('https: URLs become wss:', async () => {
      const ws = new WebSocket(`https://127.0.0.1:${securePort}/x`, undefined, { tls: { ca: certificate.cert } });
      expect(ws.url).toBe(`wss://127.0.0.1:${securePort}/x`);
      expect((await run(ws)).close).toMatchObject({ wasClean: true });
    });
  });

  describe('proxies', () => {
    const running: RunningServer[] = [];
    const certificate = makeCertificate();
    const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy };

    afterAll(async () => {
      await Promise.all(running.map((proxy) => proxy.stop()));
    });

    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    async function start(proxy: Promise<RunningServer>): Promise<RunningServer> {
      const started = await proxy;
      running.push(started);
      return started;
    }

    it('reaches the server through every proxy kind: http, https, socks4, socks4a, socks5, socks5h with auth', async () => {
      const tinyproxy = await start(startTinyproxy());
      const httpsFront = await start(startTlsFront(tinyproxy.port, certificate));
      const danted = await start(startDanted());
      const microsocks = await start(startMicrosocks(['user', 'p@ss']));
      const cases: Array<[string, WebSocketInit]> = [
        [`http://127.0.0.1:${tinyproxy.port}`, {}],
        [`https://127.0.0.1:${httpsFront.port}`, { proxyTls: { ca: certificate.cert } }],
        [`socks4://127.0.0.1:${danted.port}`, {}],
        [`socks4a://127.0.0.1:${danted.port}`, {}],
        [`socks5://127.0.0.1:${danted.port}`, {}],
        [`socks5h://user:p%40ss@127.0.0.1:${microsocks.port}`, {}],
      ];
      for (const [proxy, extra] of cases) {
        const outcome = await run(new WebSocket(`ws://127.0.0.1:${port}/p`, undefined, { proxy, ...extra }), echoOnce);
        expect(outcome.events, proxy).toEqual(['open', 'message', 'close']);
      }
    }, 60_000);

    it('follows http_proxy from the environment, and proxy: false ignores it', async () => {
      const requests: string[] = [];
      const recording = net.createServer((client) => {
        client.on('error', () => undefined);
        client.once('data', (head: Buffer) => {
          const line = head.toString('latin1').split('\r\n')[0];
          requests.push(line);
          const [, target] = line.split(' ');
          const [host, targetPort] = target.split(':');
          const upstream = net.connect(Number(targetPort), host, () => {
            client.write('HTTP/1.1 200 Connection established\r\n\r\n');
            client.pipe(upstream).pipe(client);
          });
          upstream.on('error', () => client.destroy());
        });
      });
      await new Promise<void>((resolve) => recording.listen(0, '127.0.0.1', resolve));
      try {
        process.env.http_proxy = `http://127.0.0.1:${(recording.address() as net.AddressInfo).port}`;
        delete process.env.no_proxy;
        expect((await run(new WebSocket(`ws://127.0.0.1:${port}/env`), echoOnce)).events).toEqual(['open', 'message', 'close']);
        expect(requests).toEqual([`CONNECT 127.0.0.1:${port} HTTP/1.1`]);
        expect((await run(new WebSocket(`ws://127.0.0.1:${port}/env`, undefined, { proxy: false }), echoOnce)).events).toEqual([
          'open',
          'message',
          'close',
        ]);
        expect(requests).toHaveLength(1);
      } finally {
        await new Promise<void>((resolve) => recording.close(() => resolve()));
      }
    });
  });
});
