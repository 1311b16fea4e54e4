/**
 * Connections cut by the server — TCP resets and FINs, over plain TCP and
 * TLS — in the middle of the opening handshake, of a frame and of the
 * closing handshake: the right exception comes out, and each message is
 * delivered once or not at all, never twice, never in part.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketConnectionClosedException, WebSocketException } from '../../src/exceptions.js';
import { WebSocket } from '../../src/websocket.js';
import { frame, startHostileServer, type HostileConnection, type HostileServer } from '../helpers/hostile-server.js';
import { startTcpServer, type TestServer } from '../helpers/servers.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeTestCertificates();
});
afterAll(async () => {
  await certs.remove();
});

let server: HostileServer | null = null;
let tcpServer: TestServer | null = null;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const ws of clients.splice(0)) ws.abort();
  await server?.close();
  await tcpServer?.close();
  expect(server?.errors ?? []).toEqual([]);
  server = null;
  tcpServer = null;
});

const MESSAGES = Array.from({ length: 20 }, (_, i) => `message ${i} ${'#'.repeat(i * 50)}`);

function client(secure: boolean): WebSocket {
  const ws = new WebSocket(secure ? { sslopt: { ca: certs.caPem } } : {});
  clients.push(ws);
  return ws;
}

/** Reads until recv() rejects; returns what came and the error. */
async function drain(ws: WebSocket): Promise<{ got: (string | Buffer)[]; error: unknown }> {
  const got: (string | Buffer)[] = [];
  for (let i = 0; i < 1000; i++) {
    try {
      got.push(await ws.recv());
    } catch (error) {
      return { got, error };
    }
  }
  throw new Error('recv() never ended');
}

/** Every message at most once, in order, whole: what came is a prefix of what was sent. */
function expectPrefix(got: (string | Buffer)[], sent: string[]): void {
  expect(got).toEqual(sent.slice(0, got.length));
}

function summary(error: unknown): { name: string; code?: string; message: string } {
  const e = error as NodeJS.ErrnoException;
  return { name: e.name, code: e.code, message: e.message };
}

function expectLost(error: unknown): void {
  expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
  expect((error as Error).message).toMatch(/^connection to remote host was lost/);
}

async function start(secure: boolean, script: (conn: HostileConnection) => Promise<void>): Promise<string> {
  server = await startHostileServer(script, secure ? { tls: { key: certs.keyPem, cert: certs.certPem } } : {});
  return server.url;
}

for (const secure of [false, true]) {
  const label = secure ? 'TLS' : 'TCP';

  describe(`${label} cut by the server`, () => {
    it('reset mid-handshake (half a status line): the Node reset error', async () => {
      const url = await start(secure, async (conn) => {
        await conn.request();
        await conn.write('HTTP/1.1 101 Swi');
        await new Promise((r) => setTimeout(r, 20));
        conn.tcp.resetAndDestroy();
      });
      const error = await client(secure).connect(url, { timeout: 10_000 }).catch((e: unknown) => e);
      expect(summary(error)).toMatchObject({ code: 'ECONNRESET' });
    });

    it('closed mid-handshake (half the headers): ConnectionClosed saying how far it got', async () => {
      const url = await start(secure, async (conn) => {
        await conn.request();
        await conn.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n');
        conn.socket.end();
      });
      const error = await client(secure).connect(url, { timeout: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
      expect((error as Error).message).toMatch(/during the opening handshake after 54 bytes: expected an HTTP\/1\.1 101 response$/);
    });

    it('reset mid-frame: the messages before arrive once each, then ConnectionClosed; the cut one never', async () => {
      const url = await start(secure, async (conn) => {
        await conn.upgrade();
        conn.collect();
        const cut = frame(0x1, 'never delivered '.repeat(100));
        await conn.write(Buffer.concat([...MESSAGES.map((m) => frame(0x1, m)), cut.subarray(0, 700)]));
        await new Promise((r) => setTimeout(r, 50));
        conn.tcp.resetAndDestroy();
      });
      const ws = client(secure);
      await ws.connect(url, { timeout: 10_000 });
      const { got, error } = await drain(ws);
      expectPrefix(got, MESSAGES);
      expectLost(error);
      expect(ws.connected).toBe(false);
      await expect(ws.send('late')).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    });

    it('closed (FIN) mid-frame: the messages before arrive whole and once, then ConnectionClosed', async () => {
      const url = await start(secure, async (conn) => {
        await conn.upgrade();
        conn.collect();
        const cut = frame(0x2, Buffer.alloc(5000, 7));
        await conn.write(Buffer.concat([...MESSAGES.map((m) => frame(0x1, m)), cut.subarray(0, 2500)]));
        conn.socket.end();
      });
      const ws = client(secure);
      await ws.connect(url, { timeout: 10_000 });
      const { got, error } = await drain(ws);
      expect(got).toEqual(MESSAGES);
      expectLost(error);
    });

    it('reset mid-close (the server reads our close frame and resets): close() returns at once, recv() gets ConnectionClosed', async () => {
      const url = await start(secure, async (conn) => {
        await conn.upgrade();
        conn.collect();
        await conn.write(Buffer.concat(MESSAGES.slice(0, 3).map((m) => frame(0x1, m))));
        await conn.waitFor((f) => f.some((x) => x.opcode === 0x8));
        conn.tcp.resetAndDestroy();
      });
      const ws = client(secure);
      await ws.connect(url, { timeout: 10_000 });
      expect(await ws.recv()).toBe(MESSAGES[0]);
      const started = Date.now();
      // At once: well under the 60 s close timeout it could have waited out.
      await ws.close({ timeout: 60_000 });
      expect(Date.now() - started).toBeLessThan(6000);
      const { got, error } = await drain(ws);
      // Messages that arrived before the close are still readable, each once.
      expectPrefix(got, MESSAGES.slice(1));
      expect(error).toBeInstanceOf(WebSocketConnectionClosedException);
    });

    it('reset in the middle of the server\'s close frame: the close is not reported, the connection is lost', async () => {
      const url = await start(secure, async (conn) => {
        await conn.upgrade();
        conn.collect();
        const close = frame(0x8, Buffer.concat([Buffer.of(0x03, 0xe8), Buffer.from('going away for good')]));
        await conn.write(Buffer.concat([frame(0x1, MESSAGES[0]), close.subarray(0, 6)]));
        await new Promise((r) => setTimeout(r, 50));
        conn.tcp.resetAndDestroy();
      });
      const ws = client(secure);
      await ws.connect(url, { timeout: 10_000 });
      const { got, error } = await drain(ws);
      expectPrefix(got, [MESSAGES[0]]);
      expectLost(error);
      await expect(ws.recvData(true)).rejects.toBeInstanceOf(WebSocketConnectionClosedException);
    });
  });
}

describe('TLS aborted before it is up', () => {
  it('a reset right after the ClientHello: the Node reset error, no hang', async () => {
    tcpServer = await startTcpServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    const started = Date.now();
    // No hang: well under the 60 s timeout.
    const error = await client(true).connect(`wss://localhost:${tcpServer.port}/`, { timeout: 60_000 }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('a server that answers the ClientHello in plain HTTP: a TLS error, not a WebSocket one', async () => {
    tcpServer = await startTcpServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    const error = await client(true).connect(`wss://localhost:${tcpServer.port}/`, { timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(WebSocketException);
    expect((error as NodeJS.ErrnoException).code).toMatch(/^ERR_SSL_|^ECONNRESET$/);
  });

  it('a server that accepts TCP and closes before any TLS byte: an error at once', async () => {
    tcpServer = await startTcpServer((socket: net.Socket) => socket.end());
    const started = Date.now();
    // No hang: well under the 60 s timeout.
    const error = await client(true).connect(`wss://localhost:${tcpServer.port}/`, { timeout: 60_000 }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
