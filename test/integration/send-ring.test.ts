/**
 * Frames of 4 KiB to 1 MiB are built in the frame ring (src/frame/frame-ring.ts)
 * and given back once the socket is done with them. Against a real `ws`
 * server: every byte arrives intact and in order while frames are reused,
 * over two connections sharing the ring, and over TLS; nothing stays lent after sends settle, time out, or the socket dies;
 * and a socket the user passes in never gets ring frames.
 */
import https from 'node:https';
import * as net from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { createConnection, WebSocketTimeoutException } from '../../src/index.js';
import { frameRing } from '../../src/frame/frame-ring.js';
import { makeTestCertificates } from '../helpers/tls-cert.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const SIZE = 64 * 1024;
const MESSAGES = 160; // 10 MiB per connection: the 4 MiB ring wraps several times

/** Message `n`: SIZE bytes that differ from every other message's. */
function message(n: number): Buffer {
  const bytes = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4) bytes.writeUInt32LE((n * 2654435761 + i) >>> 0, i);
  return bytes;
}

let server: WsTestServer;
/** Messages the server got, per connection (by the `?c=` of the request). */
const received = new Map<string, Buffer[]>();

beforeAll(async () => {
  server = await startWsServer((peer, request) => {
    const list: Buffer[] = [];
    received.set(request.url ?? '', list);
    peer.on('message', (data: Buffer) => list.push(data));
  });
});

afterAll(async () => {
  await server.close();
});

function waitFor(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (condition()) resolve();
      else if (Date.now() - started > 5000) reject(new Error(`expected ${what} within 5 s`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

it('two connections sending bursts share the ring: every message arrives intact, in order, and the ring ends empty', async () => {
  const lend = vi.spyOn(frameRing!, 'lend');
  try {
    const a = await createConnection(`${server.url}/?c=a`);
    const b = await createConnection(`${server.url}/?c=b`);
    const payloads = Array.from({ length: MESSAGES }, (_, n) => message(n));
    const copies = payloads.map((p) => Buffer.from(p));
    const sends: Promise<number>[] = [];
    // Bursts of 16 sends without waiting, the two connections interleaved.
    for (let n = 0; n < MESSAGES; n += 16) {
      for (let k = n; k < n + 16; k++) {
        sends.push(a.send(payloads[k]));
        sends.push(b.send(payloads[MESSAGES - 1 - k]));
      }
      await Promise.all(sends.slice(-32));
    }
    expect((await Promise.all(sends)).every((length) => length === SIZE + 14)).toBe(true);
    expect(lend.mock.calls.length).toBe(2 * MESSAGES);
    expect(frameRing!.lent).toBe(0);
    await waitFor(() => received.get('/?c=a')?.length === MESSAGES && received.get('/?c=b')?.length === MESSAGES, 'all messages at the server');
    const gotA = received.get('/?c=a')!;
    const gotB = received.get('/?c=b')!;
    for (let n = 0; n < MESSAGES; n++) {
      expect(gotA[n].equals(copies[n])).toBe(true);
      expect(gotB[n].equals(copies[MESSAGES - 1 - n])).toBe(true);
    }
    // The caller's buffers were never modified.
    expect(payloads.every((p, n) => p.equals(copies[n]))).toBe(true);
    await Promise.all([a.close(), b.close()]);
  } finally {
    lend.mockRestore();
  }
});

it('frames of a send that timed out go back when the socket is dropped', async () => {
  // A server that completes the handshake and then never reads.
  const silent = await startWsServer((peer) => {
    (peer as unknown as { _socket: net.Socket })._socket.pause();
  });
  try {
    const ws = await createConnection(silent.url, { timeout: 200 });
    const payload = message(1);
    const sends: Promise<number>[] = [];
    for (let n = 0; n < 200 && ws.bufferedAmount < 8 * 1024 * 1024; n++) sends.push(ws.send(payload));
    const outcomes = await Promise.allSettled(sends);
    const timedOut = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof WebSocketTimeoutException);
    expect(timedOut.length).toBeGreaterThan(0);
    expect(frameRing!.lent).toBeGreaterThan(0); // still queued on the socket
    ws.shutdown();
    await waitFor(() => frameRing!.lent === 0, 'every lent frame back after the socket is gone');
  } finally {
    await silent.close();
  }
});

it('a socket passed in by the user never gets frames from the ring', async () => {
  const lend = vi.spyOn(frameRing!, 'lend');
  try {
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const ws = await createConnection(`${server.url}/?c=user`, { socket });
    expect(await ws.send(message(7))).toBe(SIZE + 14);
    expect(lend).not.toHaveBeenCalled();
    await waitFor(() => received.get('/?c=user')?.length === 1, 'the message at the server');
    expect(received.get('/?c=user')![0].equals(message(7))).toBe(true);
    await ws.close();
  } finally {
    lend.mockRestore();
  }
});

it('over TLS too: a burst of ring frames is echoed back intact and in order', async () => {
  const certs = await makeTestCertificates();
  const httpsServer = https.createServer({ key: certs.keyPem, cert: certs.certPem });
  const wss = new WebSocketServer({ server: httpsServer });
  wss.on('connection', (peer) => {
    peer.on('error', () => {});
    peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  try {
    const port = (httpsServer.address() as net.AddressInfo).port;
    const ws = await createConnection(`wss://127.0.0.1:${port}`, { sslopt: { ca: certs.caPem }, timeout: 5000 });
    const count = 48;
    const sends = Array.from({ length: count }, (_, n) => ws.send(message(n)));
    for (let n = 0; n < count; n++) expect((await ws.recv() as Buffer).equals(message(n))).toBe(true);
    await Promise.all(sends);
    expect(frameRing!.lent).toBe(0);
    await ws.close();
  } finally {
    for (const client of wss.clients) client.terminate();
    wss.close();
    httpsServer.closeAllConnections();
    await new Promise((resolve) => httpsServer.close(resolve));
    await certs.remove();
  }
});
