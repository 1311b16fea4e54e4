/** openTunnel against a raw fake proxy: exact request bytes, crafted replies, failures and deadlines. */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  WebSocketAddressException,
  WebSocketException,
  WebSocketProxyException,
  WebSocketTimeoutException,
} from '../../src/exceptions.js';
import type { HostLookup } from '../../src/transport/connect.js';
import { openTunnel } from '../../src/transport/proxy.js';
import type { ProxyConfig } from '../../src/transport/proxy-config.js';
import { startFakeProxy, type FakeConnection, type FakeProxy } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/proxies.js';
import { rejectionOf } from '../helpers/outcome.js';
import { settlesWithoutTimers, until, useFakeClock } from '../helpers/fake-clock.js';

let fake: FakeProxy | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await fake?.stop();
  fake = undefined;
});

async function withFake(script: (conn: FakeConnection) => Promise<void>): Promise<FakeProxy> {
  fake = await startFakeProxy(script);
  return fake;
}

/** Reads `length` bytes from the tunnel socket (which openTunnel returns paused). */
function readFrom(socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= length) {
        socket.off('data', onData);
        socket.pause();
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.resume();
  });
}

/** After the handshake the fake echoes what the client writes. */
async function echo(conn: FakeConnection, length: number): Promise<void> {
  await conn.write(await conn.read(length));
}

describe('openTunnel through a fake proxy', () => {
  it('HTTP CONNECT: exact request, reply in 1-byte writes, bytes after the reply kept', async () => {
    const proxy = await withFake(async (conn) => {
      const head = await conn.readUntil('\r\n\r\n');
      expect(head.toString('latin1')).toBe(
        'CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dTpw\r\n\r\n',
      );
      await conn.write('HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\n\r\n', true);
      await conn.write('EARLY');
      await echo(conn, 4);
    });
    const config: ProxyConfig = { type: 'http', host: '127.0.0.1', port: proxy.port, auth: ['u', 'p'] };
    const socket = await openTunnel(config, { host: '::1', port: 8443 }, { timeout: 2000 });
    try {
      expect(socket.listenerCount('data')).toBe(0);
      expect((await readFrom(socket, 5)).toString()).toBe('EARLY');
      socket.write('ping');
      expect((await readFrom(socket, 4)).toString()).toBe('ping');
      expect(proxy.errors).toEqual([]);
    } finally {
      socket.destroy();
    }
  });

  it('HTTP CONNECT: bytes in the same segment as the reply are kept', async () => {
    const proxy = await withFake(async (conn) => {
      await conn.readUntil('\r\n\r\n');
      await conn.write('HTTP/1.1 200 OK\r\n\r\n\x81\x05hello');
    });
    const socket = await openTunnel({ type: 'http', host: '127.0.0.1', port: proxy.port }, { host: 'a.example', port: 80 }, { timeout: 2000 });
    try {
      expect(await readFrom(socket, 7)).toEqual(Buffer.from('\x81\x05hello', 'latin1'));
    } finally {
      socket.destroy();
    }
  });

  it('HTTP CONNECT: a refusal carries the status and destroys the socket', async () => {
    let closed: Promise<void> | undefined;
    const proxy = await withFake(async (conn) => {
      closed = new Promise((resolve) => conn.socket.once('close', () => resolve()));
      await conn.readUntil('\r\n\r\n');
      await conn.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="r"\r\n\r\n');
    });
    const error = await rejectionOf(openTunnel({ type: 'http', host: '127.0.0.1', port: proxy.port }, { host: 'a.example', port: 80 }, { timeout: 2000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error).toMatchObject({ statusCode: 407, statusMessage: 'Proxy Authentication Required' });
    expect(error.message).toMatch(/expected a 2xx status, got 407 Proxy Authentication Required \(the proxy requires authentication/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
    await closed;
  });

  it('SOCKS5 with auth: exact bytes, replies in 1-byte writes, bytes after the reply kept', async () => {
    const proxy = await withFake(async (conn) => {
      expect(await conn.read(4)).toEqual(Buffer.of(5, 2, 0, 2));
      await conn.write(Buffer.of(5, 2), true);
      expect(await conn.read(10)).toEqual(Buffer.from('\x01\x03bob\x04pass', 'latin1'));
      await conn.write(Buffer.of(1, 0), true);
      expect(await conn.read(17)).toEqual(Buffer.from('\x05\x01\x00\x03\x0aws.example\x01\xbb', 'latin1'));
      await conn.write(Buffer.of(5, 0, 0, 4, ...Array(16).fill(0), 0, 0, 0x2a), true);
      await echo(conn, 3);
    });
    const config: ProxyConfig = { type: 'socks5h', host: '127.0.0.1', port: proxy.port, auth: ['bob', 'pass'] };
    const socket = await openTunnel(config, { host: 'ws.example', port: 443 }, { timeout: 3000 });
    try {
      expect(await readFrom(socket, 1)).toEqual(Buffer.of(0x2a));
      socket.write('abc');
      expect((await readFrom(socket, 3)).toString()).toBe('abc');
      expect(proxy.errors).toEqual([]);
    } finally {
      socket.destroy();
    }
  });

  it('SOCKS4a: the host name goes to the proxy; bytes after the reply kept', async () => {
    const proxy = await withFake(async (conn) => {
      expect(await conn.read(8 + 4 + 10)).toEqual(Buffer.from('\x04\x01\x1f\x90\x00\x00\x00\x01joe\x00localhost\x00', 'latin1'));
      await conn.write(Buffer.of(0, 0x5a, 0, 0, 0, 0, 0, 0, 0x99), true);
    });
    const socket = await openTunnel({ type: 'socks4a', host: '127.0.0.1', port: proxy.port, auth: ['joe', 'ignored'] }, { host: 'localhost', port: 8080 }, { timeout: 2000 });
    try {
      expect(await readFrom(socket, 1)).toEqual(Buffer.of(0x99));
      expect(proxy.errors).toEqual([]);
    } finally {
      socket.destroy();
    }
  });

  it('socks5 and socks4 resolve the target locally', async () => {
    const lookup: HostLookup = async (name) => {
      if (name === 'svc.test') return [{ address: '::1', family: 6 }, { address: '10.0.0.7', family: 4 }];
      if (name === 'v6only.test') return [{ address: '::2', family: 6 }];
      return net.isIP(name) ? [{ address: name, family: net.isIP(name) }] : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    };
    const seen: Buffer[] = [];
    const proxy = await withFake(async (conn) => {
      const first = await conn.read(1);
      if (first[0] === 5) {
        await conn.read(2);
        await conn.write(Buffer.of(5, 0));
        seen.push(await conn.read(4 + 16 + 2));
        await conn.write(Buffer.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
      } else {
        seen.push(Buffer.concat([first, await conn.read(8)]));
        await conn.write(Buffer.of(0, 0x5a, 0, 0, 0, 0, 0, 0));
      }
    });
    const base = { host: '127.0.0.1', port: proxy.port };
    (await openTunnel({ type: 'socks5', ...base }, { host: 'svc.test', port: 80 }, { timeout: 2000, lookup })).destroy();
    (await openTunnel({ type: 'socks4', ...base }, { host: 'svc.test', port: 80 }, { timeout: 2000, lookup })).destroy();
    expect(seen[0]).toEqual(Buffer.of(5, 1, 0, 4, ...Array(15).fill(0), 1, 0, 80));
    expect(seen[1]).toEqual(Buffer.of(4, 1, 0, 80, 10, 0, 0, 7, 0));

    const noV4 = await rejectionOf(openTunnel({ type: 'socks4', ...base }, { host: 'v6only.test', port: 80 }, { timeout: 2000, lookup }));
    expect(noV4).toBeInstanceOf(WebSocketAddressException);
    expect(noV4.message).toBe('cannot resolve target host v6only.test: expected an IPv4 address (SOCKS4 carries no other), got none');
    const unknown = await rejectionOf(openTunnel({ type: 'socks5', ...base }, { host: 'nx.test', port: 80 }, { timeout: 2000, lookup }));
    expect(unknown).toBeInstanceOf(WebSocketAddressException);
    expect(unknown.message).toBe('cannot resolve target host nx.test: ENOTFOUND');
    expect(unknown.cause).toMatchObject({ code: 'ENOTFOUND' });
  });

  it.each([
    [5, 'connection refused by destination'],
    [1, 'general SOCKS server failure'],
    [4, 'host unreachable'],
  ])('SOCKS5 reply %d becomes a ProxyException through the socket', async (code, meaning) => {
    const proxy = await withFake(async (conn) => {
      await conn.read(3);
      await conn.write(Buffer.of(5, 0));
      await conn.read(10);
      await conn.write(Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0));
    });
    const error = await rejectionOf(openTunnel({ type: 'socks5', host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe(`SOCKS5 proxy refused CONNECT to 127.0.0.1:9: ${meaning} (0x0${code})`);
  });

  it('SOCKS4 0x5B becomes a ProxyException through the socket', async () => {
    const proxy = await withFake(async (conn) => {
      await conn.read(9);
      await conn.write(Buffer.of(0, 0x5b, 0, 0, 0, 0, 0, 0));
    });
    const error = await rejectionOf(openTunnel({ type: 'socks4', host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe('SOCKS4 proxy refused CONNECT to 127.0.0.1:9: request rejected or failed (0x5B)');
  });

  it('garbled replies say what was expected', async () => {
    const proxy = await withFake(async (conn) => {
      const first = await conn.read(1);
      await conn.write(first[0] === 5 ? 'HTTP/1.1 400 Bad Request\r\n\r\n' : '\x05\x00garbage');
    });
    const base = { host: '127.0.0.1', port: proxy.port };
    const socks = await rejectionOf(openTunnel({ type: 'socks5', ...base }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(socks).toBeInstanceOf(WebSocketProxyException);
    expect(socks.message).toBe('expected SOCKS version 5 in reply, got 0x48 (it looks like an HTTP reply: is this an HTTP proxy?)');
    const http = await rejectionOf(openTunnel({ type: 'http', ...base }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(http).toBeInstanceOf(WebSocketProxyException);
    expect(http.message).toBe('expected an HTTP status line from the proxy, got 0x05 0x00 0x67 0x61 0x72');
  });

  it('an early close says what was awaited', async () => {
    const proxy = await withFake(async (conn) => {
      const first = await conn.read(1);
      if (first[0] === 5) {
        await conn.read(2);
        await conn.write(Buffer.of(5));
      } else {
        await conn.readUntil('\r\n\r\n');
        await conn.write('HTTP/1.1 200 OK\r\n');
      }
      conn.socket.end();
    });
    const base = { host: '127.0.0.1', port: proxy.port };
    const socks = await rejectionOf(openTunnel({ type: 'socks5', ...base }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(socks).toBeInstanceOf(WebSocketProxyException);
    expect(socks.message).toBe(
      `the socks5 proxy 127.0.0.1:${proxy.port} closed the connection while we waited for the SOCKS5 method selection reply (2 bytes), after 1 bytes of it`,
    );
    const http = await rejectionOf(openTunnel({ type: 'http', ...base }, { host: '127.0.0.1', port: 9 }, { timeout: 2000 }));
    expect(http.message).toMatch(/closed the connection while we waited for the HTTP CONNECT reply, after 17 bytes of it$/);
    expect(http).toMatchObject({ code: 'WS_ERR_PROXY_CONNECTION_LOST' });
  });

  it('a proxy that never answers times out in about the time asked', async () => {
    const proxy = await withFake(async (conn) => {
      await conn.read(3);
    });
    const started = performance.now();
    const error = await rejectionOf(openTunnel({ type: 'socks5', host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 9 }, { timeout: 300 }));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toBe(
      `tunnel through the socks5 proxy 127.0.0.1:${proxy.port} timed out after 300 ms waiting for the SOCKS5 method selection reply (2 bytes)`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // A bound on a hang: ten times the time asked.
    expect(elapsed).toBeLessThan(3000);
  });

  it('the deadline covers every SOCKS5 phase', async () => {
    let credentialsRead = false;
    const proxy = await withFake(async (conn) => {
      await conn.read(4);
      await conn.write(Buffer.of(5, 2));
      await conn.read(5);
      credentialsRead = true;
    });
    // On a fake clock the deadline passes in the phase under test, however slow the phases before it were.
    useFakeClock();
    const pending = rejectionOf(
      openTunnel({ type: 'socks5', host: '127.0.0.1', port: proxy.port, auth: ['u', 'p'] }, { host: '127.0.0.1', port: 9 }, { timeout: 200 }),
    );
    await until(() => credentialsRead, 'the proxy to read the credentials');
    await vi.advanceTimersByTimeAsync(200);
    const error = await settlesWithoutTimers(pending, 'the timeout');
    expect(error).toBeInstanceOf(WebSocketTimeoutException);
    expect(error.message).toMatch(/waiting for the SOCKS5 username\/password reply \(2 bytes\)$/);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_TIMEOUT' });
  });

  it('an abort rejects with the signal reason', async () => {
    const proxy = await withFake(async (conn) => {
      await conn.read(3);
    });
    const controller = new AbortController();
    const reason = new WebSocketException('stop it');
    setTimeout(() => controller.abort(reason), 50);
    const error = await rejectionOf(
      openTunnel({ type: 'socks5', host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 9 }, { signal: controller.signal }),
    );
    expect(error).toBe(reason);
  });

  it('a proxy that is down is a ProxyException with the refusal as cause', async () => {
    const port = await freePort();
    const error = await rejectionOf(openTunnel({ type: 'http', host: '127.0.0.1', port }, { host: 'a.example', port: 80 }, { timeout: 2000 }));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe(`cannot reach the http proxy 127.0.0.1:${port}: TCP connect failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a proxy host that does not resolve is a ProxyException with the Address error as cause', async () => {
    const lookup: HostLookup = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const error = await rejectionOf(
      openTunnel({ type: 'socks5h', host: 'proxy.invalid', port: 1080 }, { host: 'a.example', port: 80 }, { timeout: 2000, lookup }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe('cannot reach the socks5h proxy proxy.invalid:1080: TCP connect failed: cannot resolve host proxy.invalid: ENOTFOUND');
    expect(error.cause).toBeInstanceOf(WebSocketAddressException);
  });

  it('traces the exchange with the credentials redacted', async () => {
    const proxy = await withFake(async (conn) => {
      const first = await conn.read(1);
      if (first[0] === 5) {
        await conn.read(3);
        await conn.write(Buffer.of(5, 2));
        await conn.read(10);
        await conn.write(Buffer.of(1, 0));
        await conn.read(10);
        await conn.write(Buffer.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
      } else {
        await conn.readUntil('\r\n\r\n');
        await conn.write('HTTP/1.1 200 OK\r\n\r\n');
      }
    });
    const lines: string[] = [];
    const options = { timeout: 2000, trace: (line: string) => lines.push(line) };
    const base = { host: '127.0.0.1', port: proxy.port, auth: ['bob', 'hunter2'] as [string, string] };
    (await openTunnel({ type: 'socks5', ...base }, { host: '10.0.0.1', port: 80 }, options)).destroy();
    expect(lines).toEqual([
      `proxy: connected to the socks5 proxy 127.0.0.1:${proxy.port}, opening a tunnel to 10.0.0.1:80`,
      'proxy > 05 02 00 02',
      'proxy < 05 02',
      'proxy > [username/password request, redacted]',
      'proxy < 01 00',
      'proxy > 05 01 00 01 0a 00 00 01 00 50',
      'proxy < 05 00 00 01 00 00 00 00 00 00',
      `proxy: tunnel open through the socks5 proxy 127.0.0.1:${proxy.port}`,
    ]);
    lines.length = 0;
    (await openTunnel({ type: 'http', ...base }, { host: 'a.example', port: 443 }, options)).destroy();
    expect(lines[1]).toBe('proxy > "CONNECT a.example:443 HTTP/1.1\\r\\nHost: a.example:443\\r\\nProxy-Authorization: Basic ***\\r\\n\\r\\n"');
    expect(lines[2]).toBe('proxy < "HTTP/1.1 200 OK\\r\\n\\r\\n"');
    expect(lines.join('\n')).not.toMatch(/hunter2|Ym9iOmh1bnRlcjI/);
  });

  it('checks the timeout option and the target before connecting', async () => {
    const config: ProxyConfig = { type: 'http', host: '127.0.0.1', port: 1 };
    await expect(openTunnel(config, { host: 'a', port: 80 }, { timeout: -1 })).rejects.toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_OPTION' }));
    await expect(openTunnel(config, { host: 'a b', port: 80 })).rejects.toBeInstanceOf(WebSocketAddressException);
    await expect(openTunnel({ ...config, type: 'socks4' }, { host: '::1', port: 80 })).rejects.toThrow(expect.objectContaining({ code: 'WS_ERR_PROXY_UNSUPPORTED_TARGET' }));
    await expect(openTunnel({ ...config, type: 'gopher' as 'http' }, { host: 'a', port: 80 })).rejects.toThrow(
      /proxy type: expected http, https, socks4, socks4a, socks5 or socks5h, got gopher/,
    );
  });
});
