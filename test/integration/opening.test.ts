/**
 * The opening sequence end to end against raw peers: bad statuses with
 * headers and body, every bad 101, redirects, timeouts, DNS and refused ports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  WebSocket,
  WebSocketAddressException,
  WebSocketBadStatusException,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketProtocolException,
  WebSocketTimeoutException,
  createConnection,
  getDefaultTimeout,
  setDefaultTimeout,
} from '../../src/index.js';
import { findClosedPort, startSilentServer } from '../helpers/servers.js';
import { startRawServer, type RawPeer, type RawServer } from '../helpers/raw-server.js';
import { rejectionOf } from '../helpers/outcome.js';
import { settlesAt, useFakeClock } from '../helpers/fake-clock.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of servers.splice(0)) await s.close();
  setDefaultTimeout(null);
});

async function raw(onPeer: (peer: RawPeer) => unknown): Promise<RawServer & { errors: unknown[] }> {
  const server = await startRawServer(onPeer);
  servers.push(server);
  return server;
}

describe('bad status', () => {
  for (const [code, text] of [
    [403, 'Forbidden'],
    [404, 'Not Found'],
    [500, 'Internal Server Error'],
  ] as const) {
    it(`${code} ${text} with headers and a Content-Length body`, async () => {
      const body = `{"error":"${text}"}`;
      const server = await raw(async (peer) => {
        await peer.request();
        await peer.play([
          `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nX-Reason: nope\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        ]);
      });
      const error = await rejectionOf(createConnection(server.url, { timeout: 3000 }));
      expect(error).toBeInstanceOf(WebSocketBadStatusException);
      const e = error as WebSocketBadStatusException;
      expect(e.statusCode).toBe(code);
      expect(e.statusMessage).toBe(text);
      expect(e.respHeaders?.['x-reason']).toBe('nope');
      expect(e.respHeaders?.['content-type']).toBe('application/json');
      expect(e.respBody?.toString()).toBe(body);
      expect(e.message).toContain(`${code} ${text}`);
      expect(e.message).toContain('expected 101 Switching Protocols');
    });
  }

  it('a body read until the server closes', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\nlogin ', { delay: 30 }, 'first', 'end']);
    });
    const e = (await rejectionOf(createConnection(server.url, { timeout: 3000 }))) as WebSocketBadStatusException;
    expect(e).toBeInstanceOf(WebSocketBadStatusException);
    expect(e.statusCode).toBe(401);
    expect(e.respHeaders?.['www-authenticate']).toBe('Basic');
    expect(e.respBody?.toString()).toBe('login first');
  });
});

describe('a non-101 body on a connection the server keeps open', () => {
  /** The connection's outcome, or 'still waiting' after 8 s (a hang). */
  async function outcome(url: string): Promise<{ error: unknown; elapsed: number }> {
    const started = Date.now();
    const error = await Promise.race([
      rejectionOf(createConnection(url, { timeout: null })),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 8000)),
    ]);
    return { error, elapsed: Date.now() - started };
  }

  it('no Content-Length, no chunking: the body is read for about 1 s, then BadStatus with what came', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nnot allowed here\n', { delay: 100 }, 'second part']);
    });
    const { error, elapsed } = await outcome(server.url);
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    const e = error as WebSocketBadStatusException;
    expect(e.statusCode).toBe(403);
    expect(e.respBody?.toString()).toBe('not allowed here\nsecond part');
    expect(e.message).toBe('Handshake status 403 Forbidden: expected 101 Switching Protocols; body: "not allowed here"');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(6000);
    // The connection is closed, not leaked.
    await (await server.peer()).ended;
  });

  it('a Content-Length body that stalls is reported the same way', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000\r\n\r\npartial']);
    });
    const { error, elapsed } = await outcome(server.url);
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    expect((error as WebSocketBadStatusException).respBody?.toString()).toBe('partial');
    expect(elapsed).toBeLessThan(6000);
  });
});

describe('bad 101 responses', () => {
  const cases: Array<{ name: string; respond: (peer: RawPeer) => Promise<string>; message: RegExp; options?: object }> = [
    { name: 'wrong accept key', respond: (p) => p.upgradeResponse([], { accept: 'dGhlIHNhbXBsZSBub25jZQ==' }), message: /Sec-WebSocket-Accept/ },
    { name: 'missing accept key', respond: (p) => p.upgradeResponse([], { accept: null }), message: /no Sec-WebSocket-Accept/ },
    { name: 'missing Upgrade', respond: (p) => p.upgradeResponse([], { upgrade: null }), message: /Upgrade: websocket/ },
    { name: 'wrong Upgrade', respond: (p) => p.upgradeResponse([], { upgrade: 'h2c' }), message: /h2c/ },
    { name: 'missing Connection', respond: (p) => p.upgradeResponse([], { connection: null }), message: /Connection: Upgrade/ },
    { name: 'Connection: keep-alive', respond: (p) => p.upgradeResponse([], { connection: 'keep-alive' }), message: /keep-alive/ },
    { name: 'unoffered subprotocol', respond: (p) => p.upgradeResponse(['Sec-WebSocket-Protocol: chat']), message: /subprotocol "chat".*none was offered/ },
    {
      name: 'subprotocol not among those offered',
      respond: (p) => p.upgradeResponse(['Sec-WebSocket-Protocol: mqtt']),
      message: /"mqtt".*expected one of "chat"/,
      options: { subprotocols: ['chat'] },
    },
    {
      name: 'unoffered extension',
      respond: (p) => p.upgradeResponse(['Sec-WebSocket-Extensions: permessage-deflate']),
      message: /Sec-WebSocket-Extensions: permessage-deflate/,
    },
    {
      name: 'headers over 16 KiB',
      respond: async (p) => (await p.upgradeResponse(Array.from({ length: 20 }, (_, i) => `X-Pad-${i}: ${'a'.repeat(1000)}`))),
      message: /16384|16 KiB/,
    },
    { name: 'garbage status line', respond: async () => 'SSH-2.0-OpenSSH_9.6\r\n\r\n', message: /HTTP/ },
    {
      name: 'an otherwise valid 101 over HTTP/1.0',
      respond: async (p) => (await p.upgradeResponse()).replace(/^HTTP\/1\.1/, 'HTTP/1.0'),
      message: /expected an HTTP\/1\.1 101 response \(RFC 6455 §4\.1 requires HTTP\/1\.1\), got "HTTP\/1\.0 101 Switching Protocols"/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> WebSocketProtocolException`, async () => {
      const server = await raw(async (peer) => peer.play([await c.respond(peer)]));
      const error = await rejectionOf(createConnection(server.url, { timeout: 3000, ...c.options }));
      expect(error).toBeInstanceOf(WebSocketProtocolException);
      expect((error as Error).message).toMatch(c.message);
      // The failed socket is closed, not leaked.
      await (await server.peer()).ended;
    });
  }

  it('a valid 101 with the offered subprotocol connects', async () => {
    const server = await raw(async (peer) => {
      await peer.accept(['Sec-WebSocket-Protocol: chat']);
    });
    const ws = await createConnection(server.url, { timeout: 3000, subprotocols: ['superchat', 'chat'] });
    expect(ws.subprotocol).toBe('chat');
    expect((await (await server.peer()).request()).headers['sec-websocket-protocol']).toBe('superchat, chat');
    ws.abort();
  });

  it('the server closing before answering -> ConnectionClosed naming the handshake', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 101 Swi', 'end']);
    });
    const error = await rejectionOf(createConnection(server.url, { timeout: 3000 }));
    expect(error).toBeInstanceOf(WebSocketException);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_CLOSED_DURING_HANDSHAKE' });
  });

  it('over a unix socket, the message names the socket path (no port)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-opening-'));
    const socketPath = path.join(dir, 's.sock');
    const server = net.createServer((socket) => socket.once('data', () => socket.end()));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const error = await rejectionOf(createConnection(`ws+unix:${socketPath}`, { timeout: 3000 }));
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      expect(error.message).toContain(`connection closed by ${socketPath} during the opening handshake after 0 bytes`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('redirects', () => {
  it('follows a relative Location on the same host', async () => {
    const server = await raw(async (peer) => {
      const request = await peer.request();
      if (request.path === '/old') await peer.play(['HTTP/1.1 301 Moved Permanently\r\nLocation: /new?q=1\r\nContent-Length: 0\r\n\r\n']);
      else await peer.accept();
    });
    const ws = await createConnection(`${server.url}/old`, { timeout: 3000, cookie: 'a=b', header: { Authorization: 'Bearer t' } });
    const second = await (await server.peer(1)).request();
    expect(second.path).toBe('/new?q=1');
    // Same host: credentials follow.
    expect(second.headers['cookie']).toBe('a=b');
    expect(second.headers['authorization']).toBe('Bearer t');
    ws.abort();
  });

  it('cross-host redirect strips Authorization, Cookie and userinfo', async () => {
    const target = await raw(async (peer) => peer.accept());
    const origin = await raw(async (peer) => {
      await peer.request();
      await peer.play([`HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:${target.port}/there\r\n\r\n`]);
    });
    const ws = await createConnection(`ws://user:pw@127.0.0.1:${origin.port}/here`, {
      timeout: 3000,
      cookie: 'secret=1',
      header: ['Authorization: Bearer t', 'X-Keep: yes'],
    });
    const first = await (await origin.peer()).request();
    expect(first.headers['authorization']).toBe('Bearer t');
    const seen = await (await target.peer()).request();
    expect(seen.path).toBe('/there');
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seen.headers['cookie']).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('yes');
    expect(seen.headers['host']).toBe(`localhost:${target.port}`);
    ws.abort();
  });

  it('a redirect to another origin drops Authorization, Cookie, Proxy-Authorization and the Host override; other headers follow', async () => {
    const target = await raw(async (peer) => peer.accept());
    const origin = await raw(async (peer) => {
      await peer.request();
      await peer.play([`HTTP/1.1 302 Found\r\nLocation: ws://localhost:${target.port}/there\r\nContent-Length: 0\r\n\r\n`]);
    });
    const ws = await createConnection(`ws://127.0.0.1:${origin.port}/here`, {
      timeout: 3000,
      host: 'virtual.example',
      origin: 'https://app.example',
      header: { 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', 'X-Keep': 'yes' },
    });
    const first = await (await origin.peer()).request();
    expect(first.headers['proxy-authorization']).toBe('Basic cHJveHk6c2VjcmV0');
    expect(first.headers['host']).toBe('virtual.example');
    const seen = await (await target.peer()).request();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['host']).toBe(`localhost:${target.port}`);
    expect(seen.headers['x-keep']).toBe('yes');
    expect(seen.headers['origin']).toBe('https://app.example');
    ws.abort();
  });

  it('a user Host header is dropped on a cross-origin redirect too (list form)', async () => {
    const target = await raw(async (peer) => peer.accept());
    const origin = await raw(async (peer) => {
      await peer.request();
      await peer.play([`HTTP/1.1 307 Temporary Redirect\r\nLocation: ws://localhost:${target.port}/\r\n\r\n`]);
    });
    const ws = await createConnection(`ws://127.0.0.1:${origin.port}/`, { timeout: 3000, header: ['Host: virtual.example', 'proxy-authorization: Bearer p'] });
    expect((await (await origin.peer()).request()).headers['host']).toBe('virtual.example');
    const seen = await (await target.peer()).request();
    expect(seen.headers['host']).toBe(`localhost:${target.port}`);
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    ws.abort();
  });

  it('A -> B/x -> B/y: credentials dropped on the cross-origin hop do not come back on the same-origin hop', async () => {
    const b = await raw(async (peer) => {
      const request = await peer.request();
      if (request.path === '/x') await peer.play(['HTTP/1.1 302 Found\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n']);
      else await peer.accept();
    });
    const a = await raw(async (peer) => {
      await peer.request();
      await peer.play([`HTTP/1.1 302 Found\r\nLocation: ws://localhost:${b.port}/x\r\nContent-Length: 0\r\n\r\n`]);
    });
    const ws = await createConnection(`ws://user:pw@127.0.0.1:${a.port}/`, {
      timeout: 3000,
      cookie: 'sid=1',
      host: 'virtual.example',
      header: { Authorization: 'Bearer t', 'Proxy-Authorization': 'Basic cDpw', 'X-Keep': 'yes' },
    });
    const first = await (await a.peer()).request();
    expect(first.headers['authorization']).toBe('Bearer t');
    expect(first.headers['cookie']).toBe('sid=1');
    for (const n of [0, 1]) {
      const request = await (await b.peer(n)).request();
      expect(request.path).toBe(n === 0 ? '/x' : '/y');
      expect(request.headers['authorization']).toBeUndefined();
      expect(request.headers['cookie']).toBeUndefined();
      expect(request.headers['proxy-authorization']).toBeUndefined();
      expect(request.headers['host']).toBe(`localhost:${b.port}`);
      expect(request.headers['x-keep']).toBe('yes');
    }
    ws.abort();
  });

  it('a redirect loop past redirectLimit -> BadStatus', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n']);
    });
    const error = await rejectionOf(createConnection(server.url, { timeout: 3000, redirectLimit: 2 }));
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    expect((error as WebSocketBadStatusException).statusCode).toBe(302);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_TOO_MANY_REDIRECTS' });
    expect(server.peers.length).toBe(3);
  });

  it('redirectLimit 0 refuses the first redirect', async () => {
    const server = await raw(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 308 Permanent Redirect\r\nLocation: /x\r\n\r\n']);
    });
    const error = await rejectionOf(createConnection(server.url, { timeout: 3000, redirectLimit: 0 }));
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    expect(server.peers.length).toBe(1);
  });

  it('a wss -> ws downgrade is refused', async () => {
    const plain = await raw(async (peer) => peer.accept());
    const tlsLike = await startTlsRedirector(`ws://127.0.0.1:${plain.port}/plain`);
    servers.push(tlsLike);
    const error = await rejectionOf(createConnection(tlsLike.url, { timeout: 3000, sslopt: { rejectUnauthorized: false } }));
    expect(error).toBeInstanceOf(WebSocketBadStatusException);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_BAD_REDIRECT' });
    expect(plain.peers.length).toBe(0);
  });
});

describe('timeouts and addresses', () => {
  it('a silent server -> Timeout in about the time asked', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    useFakeClock();
    const pending = rejectionOf(createConnection(`ws://127.0.0.1:${silent.port}`, { timeout: 300 }));
    await silent.accepted();
    const error = await settlesAt(pending, 300, 'the timeout');
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect((error as Error).message).toMatch(/300 ms/);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_OPEN_TIMEOUT' });
  });

  it('createConnection uses getDefaultTimeout() when no timeout is given', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    setDefaultTimeout(200);
    expect(getDefaultTimeout()).toBe(200);
    useFakeClock();
    const pending = rejectionOf(createConnection(`ws://127.0.0.1:${silent.port}`));
    await silent.accepted();
    const error = await settlesAt(pending, 200, 'the default timeout');
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect((error as Error).message).toMatch(/200 ms/);
  });

  it('connect() without a timeout also uses the default; an explicit null waits', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    setDefaultTimeout(150);
    const ws = new WebSocket();
    expect(ws.timeout).toBe(150);
    await expect(ws.connect(`ws://127.0.0.1:${silent.port}`)).rejects.toBeInstanceOf(WebSocketTimeoutException);
    const controller = new AbortController();
    const pending = new WebSocket().connect(`ws://127.0.0.1:${silent.port}`, { timeout: null, signal: controller.signal });
    const early = await Promise.race([pending.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).toBe('waiting');
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Error);
  });

  it('setDefaultTimeout refuses a negative value', () => {
    expect(() => setDefaultTimeout(-1)).toThrow(WebSocketException);
  });

  it('nonexistent.invalid -> Address', async () => {
    const error = await rejectionOf(createConnection('ws://nonexistent.invalid/', { timeout: 5000 }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect((error as Error).message).toMatch(/nonexistent\.invalid/);
    expect((error as Error)).toMatchObject({ code: 'WS_ERR_HOST_NOT_RESOLVED' });
  });

  it('a closed port -> the ECONNREFUSED system error', async () => {
    const port = await findClosedPort();
    const error = await rejectionOf(createConnection(`ws://127.0.0.1:${port}`, { timeout: 3000 }));
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('a bad URL -> Address naming it', async () => {
    const error = await rejectionOf(createConnection('http//nope', { timeout: 1000 }));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect((error as Error).message).toContain('http//nope');
  });
});

// A TLS server (self-signed) that answers every handshake with a redirect to `location`.
async function startTlsRedirector(location: string): Promise<{ url: string; close(): Promise<void> }> {
  const { makeTestCertificates } = await import('../helpers/tls-cert.js');
  const { startTlsServer } = await import('../helpers/servers.js');
  const certs = await makeTestCertificates();
  const server = await startTlsServer({ key: certs.selfSignedKeyPem, cert: certs.selfSignedCertPem }, (socket) => {
    socket.once('data', () => socket.write(`HTTP/1.1 301 Moved\r\nLocation: ${location}\r\n\r\n`));
  });
  return {
    url: `wss://127.0.0.1:${server.port}/secure`,
    close: async () => {
      await server.close();
      await certs.remove();
    },
  };
}
