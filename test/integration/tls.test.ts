/**
 * wss against a `ws` server on https.createServer with certificates made at
 * test time: verification on by default, `ca`, `rejectUnauthorized: false`,
 * wrong host names.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createConnection } from '../../src/index.js';
import { WRONG_HOST, makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';

let certs: TestCertificates;
const servers: Array<{ url: string; close(): Promise<void> }> = [];

async function startWssServer(key: string, cert: string): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const httpsServer = https.createServer({ key, cert });
  const wss = new WebSocketServer({ server: httpsServer });
  wss.on('connection', (peer) => {
    peer.on('error', () => {});
    peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
  });
  httpsServer.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  const port = (httpsServer.address() as AddressInfo).port;
  const handle = {
    url: `wss://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        httpsServer.closeAllConnections();
        httpsServer.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

let good: { url: string; port: number };
let wrongHost: { url: string; port: number };
let selfSigned: { url: string; port: number };

beforeAll(async () => {
  certs = await makeTestCertificates();
  good = await startWssServer(certs.keyPem, certs.certPem);
  wrongHost = await startWssServer(certs.wrongHostKeyPem, certs.wrongHostCertPem);
  selfSigned = await startWssServer(certs.selfSignedKeyPem, certs.selfSignedCertPem);
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  await certs?.remove();
});

async function echoOnce(url: string, options: Parameters<typeof createConnection>[1]): Promise<string | Buffer> {
  const ws = await createConnection(url, { timeout: 3000, ...options });
  try {
    expect(ws.isSsl()).toBe(true);
    await ws.send('over tls');
    return await ws.recv();
  } finally {
    await ws.close();
  }
}

describe('wss', () => {
  it('an unknown CA is rejected by default with the TLS error code', async () => {
    const error = await createConnection(good.url, { timeout: 3000 }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it('a self-signed certificate is rejected by default', async () => {
    const error = await createConnection(selfSigned.url, { timeout: 3000 }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('accepted with the CA in sslopt.ca', async () => {
    expect(await echoOnce(good.url, { sslopt: { ca: certs.caPem } })).toBe('over tls');
  });

  it('accepted with the CA for the localhost name', async () => {
    expect(await echoOnce(`wss://localhost:${good.port}/path`, { sslopt: { ca: certs.caPem } })).toBe('over tls');
  });

  it('accepted with rejectUnauthorized: false', async () => {
    expect(await echoOnce(selfSigned.url, { sslopt: { rejectUnauthorized: false } })).toBe('over tls');
  });

  it('a certificate for another host name is rejected even with the right CA', async () => {
    const error = await createConnection(wrongHost.url, { timeout: 3000, sslopt: { ca: certs.caPem } }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('the wrong-host certificate is accepted when servername names its host', async () => {
    expect(await echoOnce(wrongHost.url, { sslopt: { ca: certs.caPem, servername: WRONG_HOST } })).toBe('over tls');
  });

  it('a 64 KiB binary round trip over TLS', async () => {
    const ws = await createConnection(good.url, { timeout: 3000, sslopt: { ca: certs.caPem } });
    const bytes = Buffer.alloc(65536, 3);
    await ws.send(bytes);
    expect(((await ws.recv()) as Buffer).equals(bytes)).toBe(true);
    await ws.close();
  });
});
