import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketAddressException, WebSocketProxyException } from '../../src/exceptions.js';
import {
  HttpConnectHandshake,
  MAX_CONNECT_REPLY_HEAD,
  Socks4Handshake,
  Socks5Handshake,
  describeBytes,
  ipv6Bytes,
  type ProxyHandshake,
} from '../../src/transport/proxy-handshake.js';

type Outcome =
  | { kind: 'done'; writes: string; rest: string }
  | { kind: 'wait'; writes: string }
  | { kind: 'error'; name: string; code: string; message: string };

/** Feeds `input` split at `cuts` (sorted positions); records writes and the end state. */
function drive(handshake: ProxyHandshake, input: Uint8Array, cuts: number[] = []): Outcome {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length];
  const writes: Buffer[] = [];
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const chunk = input.subarray(bounds[i], bounds[i + 1]);
      if (chunk.length === 0) continue;
      const step = handshake.feed(chunk);
      if (step.kind === 'write') writes.push(step.data);
      if (step.kind === 'done') {
        if (step.data !== undefined) writes.push(step.data);
        const rest = Buffer.concat([step.rest, input.subarray(bounds[i + 1])]);
        return { kind: 'done', writes: Buffer.concat(writes).toString('hex'), rest: rest.toString('hex') };
      }
    }
    return { kind: 'wait', writes: Buffer.concat(writes).toString('hex') };
  } catch (error) {
    const { name, code, message } = error as WebSocketProxyException;
    return { kind: 'error', name, code, message };
  }
}

const bytes = (...parts: (string | number[] | Buffer)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function errorOf(handshake: ProxyHandshake, input: Uint8Array): Error & { code: string } {
  const outcome = drive(handshake, input);
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  expect(outcome.name).toBe('WebSocketProxyException');
  return Object.assign(new Error(outcome.message), { code: outcome.code });
}

describe('describeBytes', () => {
  it('quotes printable text and shows other bytes in hex, cut at the limit', () => {
    expect(describeBytes(Buffer.from('HTTP/1.1 200'))).toBe('"HTTP/1.1 200"');
    expect(describeBytes(Buffer.of(5, 0xff))).toBe('0x05 0xFF');
    expect(describeBytes(Buffer.alloc(20, 0x41), 4)).toBe('"AAAA"…');
  });
});

describe('ipv6Bytes', () => {
  it.each([
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::ff00:42:8329', '20010db8000000000000ff0000428329'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ['::ffff:192.0.2.128', '00000000000000000000ffffc0000280'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1::', '00010000000000000000000000000000'],
  ])('%s', (address, hex) => {
    expect(ipv6Bytes(address).toString('hex')).toBe(hex);
  });
});

describe('HTTP CONNECT', () => {
  const target = { host: 'echo.example', port: 8080 };

  it('writes the request line, Host and Basic auth', () => {
    expect(new HttpConnectHandshake(target).start().toString('latin1')).toBe(
      'CONNECT echo.example:8080 HTTP/1.1\r\nHost: echo.example:8080\r\n\r\n',
    );
    expect(new HttpConnectHandshake(target, ['Aladdin', 'open sesame']).start().toString('latin1')).toBe(
      'CONNECT echo.example:8080 HTTP/1.1\r\nHost: echo.example:8080\r\n' +
        'Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
    );
    expect(new HttpConnectHandshake(target, ['usér', 'pa:ss']).start().toString('latin1')).toContain(
      `Basic ${Buffer.from('usér:pa:ss', 'utf8').toString('base64')}\r\n`,
    );
  });

  it('puts IPv6 targets in brackets', () => {
    expect(new HttpConnectHandshake({ host: '::1', port: 443 }).start().toString('latin1')).toBe(
      'CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n',
    );
    // RFC 6874: a zone id is written %25 inside the brackets, as in the URL and the Host header.
    expect(new HttpConnectHandshake({ host: 'fe80::1%eth0', port: 80 }).start().toString('latin1')).toBe(
      'CONNECT [fe80::1%25eth0]:80 HTTP/1.1\r\nHost: [fe80::1%25eth0]:80\r\n\r\n',
    );
  });

  it('refuses targets that would break the request', () => {
    for (const host of ['a b', 'a\r\nX: y', '', 'a/b']) {
      expect(() => new HttpConnectHandshake({ host, port: 80 })).toThrow(WebSocketAddressException);
    }
    expect(() => new HttpConnectHandshake({ host: 'a', port: 0 })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_TARGET' }));
  });

  it('opens on any 2xx and keeps the bytes after the head', () => {
    const out = drive(new HttpConnectHandshake(target), bytes('HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nHELLO'));
    expect(out).toEqual({ kind: 'done', writes: '', rest: Buffer.from('HELLO').toString('hex') });
    expect(drive(new HttpConnectHandshake(target), bytes('HTTP/1.0 204 OK\n\n')).kind).toBe('done');
    expect(drive(new HttpConnectHandshake(target), bytes('HTTP/1.1 299\r\n\r\n')).kind).toBe('done');
  });

  it('waits until the empty line', () => {
    expect(drive(new HttpConnectHandshake(target), bytes('HTTP/1.1 200 OK\r\nA: b\r\n')).kind).toBe('wait');
  });

  it('refuses every other status, with statusCode and statusMessage', () => {
    for (const [line, code] of [['HTTP/1.1 403 Forbidden', 403], ['HTTP/1.1 502 Bad Gateway', 502], ['HTTP/1.1 101 Switching Protocols', 101], ['HTTP/1.1 302 Found', 302]] as const) {
      let caught: unknown;
      try {
        new HttpConnectHandshake(target).feed(bytes(`${line}\r\nContent-Length: 0\r\n\r\n`));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WebSocketProxyException);
      expect(caught).toMatchObject({ statusCode: code, statusMessage: line.slice(13) });
      expect((caught as Error).message).toBe(`proxy refused CONNECT to echo.example:8080: expected a 2xx status, got ${line.slice(9)}`);
    }
  });

  it('says what a 407 means, with and without credentials', () => {
    const reply = bytes('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n');
    expect(errorOf(new HttpConnectHandshake(target), reply).message).toMatch(/got 407 Proxy Authentication Required \(the proxy requires authentication/);
    expect(errorOf(new HttpConnectHandshake(target), reply)).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
    expect(errorOf(new HttpConnectHandshake(target, ['u', 'p']), reply)).toMatchObject({ code: 'WS_ERR_PROXY_AUTH' });
  });

  it('refuses a reply that is not HTTP, at once', () => {
    expect(errorOf(new HttpConnectHandshake(target), Buffer.of(5, 0, 0, 1, 0)).message).toBe(
      'expected an HTTP status line from the proxy, got 0x05 0x00 0x00 0x01 0x00',
    );
    expect(errorOf(new HttpConnectHandshake(target), bytes('SSH-2.0-OpenSSH')).message).toMatch(/got "SSH-2"/);
    expect(errorOf(new HttpConnectHandshake(target), bytes('SSH-2.0-OpenSSH'))).toMatchObject({ code: 'WS_ERR_PROXY_BAD_REPLY' });
  });

  it('refuses a malformed status line', () => {
    for (const line of ['HTTP/2 200 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1200 OK', 'HTTP/']) {
      expect(errorOf(new HttpConnectHandshake(target), bytes(`${line}\r\n\r\n`)).message).toBe(
        `expected an HTTP/1.x status line such as "HTTP/1.1 200 Connection established" from the proxy, got ${JSON.stringify(line)}`,
      );
    }
  });

  it(`refuses a head longer than ${MAX_CONNECT_REPLY_HEAD} bytes`, () => {
    const head = bytes('HTTP/1.1 200 OK\r\n', 'X: '.padEnd(MAX_CONNECT_REPLY_HEAD, 'y'));
    expect(errorOf(new HttpConnectHandshake(target), head)).toMatchObject({ code: 'WS_ERR_PROXY_BAD_REPLY' });
    const fits = bytes('HTTP/1.1 200 OK\r\n', 'X: '.padEnd(MAX_CONNECT_REPLY_HEAD - 21, 'y'), '\r\n\r\n');
    expect(fits.length).toBe(MAX_CONNECT_REPLY_HEAD);
    expect(drive(new HttpConnectHandshake(target), fits).kind).toBe('done');
  });

  it('refuses to be fed after it finished', () => {
    const handshake = new HttpConnectHandshake(target);
    handshake.feed(bytes('HTTP/1.1 200 OK\r\n\r\n'));
    expect(() => handshake.feed(bytes('x'))).toThrow(expect.objectContaining({ code: 'WS_ERR_PROXY_HANDSHAKE_FINISHED' }));
  });

  it('property: any chunking of a 2xx reply gives the same rest', () => {
    const header = fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.stringMatching(/^[ -~]{0,30}$/));
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 299 }),
        fc.array(header, { maxLength: 5 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.nat(400)),
        (code, headers, crlf, rest, cuts) => {
          const eol = crlf ? '\r\n' : '\n';
          const head = [`HTTP/1.1 ${code} Fine`, ...headers.map(([k, v]) => `${k}: ${v}`)].join(eol) + eol + eol;
          const input = bytes(head, Buffer.from(rest));
          const expected = { kind: 'done', writes: '', rest: Buffer.from(rest).toString('hex') };
          expect(drive(new HttpConnectHandshake(target), input, cuts)).toEqual(expected);
          expect(drive(new HttpConnectHandshake(target), input, [...input.keys()])).toEqual(expected);
        },
      ),
    );
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  it('writes VN, CD, port, IPv4 and the user id', () => {
    expect(new Socks4Handshake({ host: '10.1.2.3', port: 0x1f90 }, false).start()).toEqual(
      Buffer.of(4, 1, 0x1f, 0x90, 10, 1, 2, 3, 0),
    );
    expect(new Socks4Handshake({ host: '10.1.2.3', port: 80 }, false, 'bob').start()).toEqual(
      bytes([4, 1, 0, 80, 10, 1, 2, 3], 'bob', [0]),
    );
  });

  it('SOCKS4a sends 0.0.0.1 and the host name after the user id', () => {
    expect(new Socks4Handshake({ host: 'echo.example', port: 80 }, true, 'u').start()).toEqual(
      bytes([4, 1, 0, 80, 0, 0, 0, 1], 'u', [0], 'echo.example', [0]),
    );
    // An IPv4 target needs no remote lookup.
    expect(new Socks4Handshake({ host: '127.0.0.1', port: 80 }, true).start()).toEqual(Buffer.of(4, 1, 0, 80, 127, 0, 0, 1, 0));
  });

  it('refuses what SOCKS4 cannot carry', () => {
    expect(() => new Socks4Handshake({ host: '::1', port: 80 }, false)).toThrow(expect.objectContaining({ code: 'WS_ERR_PROXY_UNSUPPORTED_TARGET' }));
    expect(() => new Socks4Handshake({ host: '::1', port: 80 }, true)).toThrow(WebSocketProxyException);
    expect(() => new Socks4Handshake({ host: 'name.example', port: 80 }, false)).toThrow(WebSocketAddressException);
    expect(() => new Socks4Handshake({ host: '1.2.3.4', port: 80 }, false, 'a\0b')).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_PROXY_OPTION' }));
    expect(() => new Socks4Handshake({ host: '1.2.3.4', port: 70000 }, false)).toThrow(WebSocketAddressException);
  });

  it('opens on 0x5A (reply version 0 or 4) and keeps the bytes after it', () => {
    const handshake = () => new Socks4Handshake({ host: '1.2.3.4', port: 80 }, false);
    expect(drive(handshake(), Buffer.of(0, 0x5a, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb))).toEqual({ kind: 'done', writes: '', rest: 'aabb' });
    expect(drive(handshake(), Buffer.of(4, 0x5a, 0, 80, 1, 2, 3, 4)).kind).toBe('done');
    expect(drive(handshake(), Buffer.of(0, 0x5a, 0, 0, 0)).kind).toBe('wait');
  });

  it.each([
    [0x5b, 'request rejected or failed (0x5B)'],
    [0x5c, 'request rejected because the SOCKS server cannot connect to identd on the client (0x5C)'],
    [0x5d, 'request rejected because the client program and identd report different user ids (0x5D)'],
    [0x00, 'unknown reply code (0x0)'],
    [0x5e, 'unknown reply code (0x5E)'],
  ])('reply code %#x', (code, meaning) => {
    const handshake = new Socks4Handshake({ host: '1.2.3.4', port: 80 }, false);
    expect(errorOf(handshake, Buffer.of(0, code)).message).toBe(`SOCKS4 proxy refused CONNECT to 1.2.3.4:80: ${meaning}`);
  });

  it('refuses a reply with another version, and hints at HTTP', () => {
    const handshake = () => new Socks4Handshake({ host: '1.2.3.4', port: 80 }, false);
    expect(errorOf(handshake(), Buffer.of(5, 0)).message).toBe('expected SOCKS4 reply version 0, got 0x05');
    expect(errorOf(handshake(), bytes('HTTP/1.1 400')).message).toMatch(/got 0x48 \(it looks like an HTTP reply/);
    expect(errorOf(handshake(), bytes('HTTP/1.1 400'))).toMatchObject({ code: 'WS_ERR_PROXY_BAD_REPLY' });
  });

  it('property: any chunking of a granted reply gives the same rest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ maxLength: 30 }), fc.array(fc.nat(40)), (tail, rest, cuts) => {
        const input = bytes([0, 0x5a], Buffer.from(tail), Buffer.from(rest));
        expect(drive(new Socks4Handshake({ host: 'h.example', port: 1 }, true), input, cuts)).toEqual({
          kind: 'done',
          writes: '',
          rest: Buffer.from(rest).toString('hex'),
        });
      }),
    );
  });
});

describe('SOCKS5', () => {
  const connectTo = (host: string, port = 80) => new Socks5Handshake({ host, port });
  const granted = (address: number[] = [1, 0, 0, 0, 0], port = [0, 0]) => [5, 0, 0, ...address, ...port];

  it('greets with no-auth only, or no-auth and username/password', () => {
    expect(connectTo('a').start()).toEqual(Buffer.of(5, 1, 0));
    expect(new Socks5Handshake({ host: 'a', port: 1 }, ['u', 'p']).start()).toEqual(Buffer.of(5, 2, 0, 2));
  });

  it.each([
    ['1.2.3.4', [1, 1, 2, 3, 4]],
    ['::1', [4, ...Array(15).fill(0), 1]],
    ['echo.example', [3, 12, ...Buffer.from('echo.example')]],
  ])('sends the CONNECT request for %s with the right address type', (host, address) => {
    const out = drive(connectTo(host, 0x1234), Buffer.of(5, 0));
    expect(out).toEqual({ kind: 'wait', writes: Buffer.of(5, 1, 0, ...address, 0x12, 0x34).toString('hex') });
  });

  it('authenticates with RFC 1929 when the proxy picks username/password', () => {
    const handshake = new Socks5Handshake({ host: '1.2.3.4', port: 80 }, ['bob', 'secret']);
    const auth = bytes([1, 3], 'bob', [6], 'secret');
    const connect = Buffer.of(5, 1, 0, 1, 1, 2, 3, 4, 0, 80);
    expect(drive(handshake, bytes([5, 2, 1, 0], granted(), 'rest'))).toEqual({
      kind: 'done',
      writes: bytes(auth, connect).toString('hex'),
      rest: Buffer.from('rest').toString('hex'),
    });
  });

  it('skips authentication when the proxy picks no-auth although credentials were given', () => {
    const out = drive(new Socks5Handshake({ host: '1.2.3.4', port: 80 }, ['bob', 'x']), bytes([5, 0], granted()));
    expect(out).toEqual({ kind: 'done', writes: Buffer.of(5, 1, 0, 1, 1, 2, 3, 4, 0, 80).toString('hex'), rest: '' });
  });

  it('says auth rejected when the credentials are refused', () => {
    const handshake = new Socks5Handshake({ host: '1.2.3.4', port: 80 }, ['bob', 'bad']);
    expect(errorOf(handshake, Buffer.of(5, 2, 1, 1)).message).toBe(
      'SOCKS5 proxy auth rejected: the username/password was refused (status 0x01)',
    );
  });

  it('refuses an auth reply with a bad version', () => {
    const handshake = new Socks5Handshake({ host: '1.2.3.4', port: 80 }, ['bob', 'x']);
    expect(errorOf(handshake, Buffer.of(5, 2, 5, 0)).message).toBe('expected SOCKS version 1 in the username/password reply, got 0x05');
  });

  it('says when no method was acceptable', () => {
    expect(errorOf(connectTo('a'), Buffer.of(5, 0xff)).message).toBe(
      'SOCKS5 proxy accepted none of the offered authentication methods (no authentication; the proxy may require credentials)',
    );
    expect(errorOf(new Socks5Handshake({ host: 'a', port: 1 }, ['u', 'p']), Buffer.of(5, 0xff)).message).toMatch(
      /\(no authentication, username\/password\)$/,
    );
  });

  it('refuses a method that was not offered', () => {
    expect(errorOf(connectTo('a'), Buffer.of(5, 2)).message).toBe('expected SOCKS5 method 0x00 (offered), got 0x02');
    expect(errorOf(new Socks5Handshake({ host: 'a', port: 1 }, ['u', 'p']), Buffer.of(5, 1)).message).toBe(
      'expected SOCKS5 method 0x00 or 0x02 (offered), got 0x01',
    );
  });

  it('refuses an HTTP answer to the greeting', () => {
    expect(errorOf(connectTo('a'), bytes('HTTP/1.1 400 Bad Request\r\n\r\n')).message).toBe(
      'expected SOCKS version 5 in reply, got 0x48 (it looks like an HTTP reply: is this an HTTP proxy?)',
    );
    expect(errorOf(connectTo('a'), Buffer.of(4, 0)).message).toBe('expected SOCKS version 5 in reply, got 0x04');
  });

  it.each([
    [1, 'general SOCKS server failure'],
    [2, 'connection not allowed by ruleset'],
    [3, 'network unreachable'],
    [4, 'host unreachable'],
    [5, 'connection refused by destination'],
    [6, 'TTL expired'],
    [7, 'command not supported'],
    [8, 'address type not supported'],
    [9, 'unassigned reply code'],
    [0xff, 'unassigned reply code'],
  ])('reply code %d', (code, meaning) => {
    const hexCode = `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
    expect(errorOf(connectTo('echo.example', 443), Buffer.of(5, 0, 5, code)).message).toBe(
      `SOCKS5 proxy refused CONNECT to echo.example:443: ${meaning} (${hexCode})`,
    );
  });

  it('refuses a CONNECT reply with a bad version or address type', () => {
    expect(errorOf(connectTo('a'), Buffer.of(5, 0, 4, 0)).message).toBe('expected SOCKS version 5 in the CONNECT reply, got 0x04');
    expect(errorOf(connectTo('a'), Buffer.of(5, 0, 5, 0, 0, 7)).message).toBe(
      'expected address type 0x01, 0x03 or 0x04 in the SOCKS5 CONNECT reply, got 0x07',
    );
  });

  it('reads bound addresses of every type before the rest', () => {
    for (const address of [[1, 9, 9, 9, 9], [4, ...Array(16).fill(7)], [3, 3, 0x61, 0x62, 0x63], [3, 0]]) {
      expect(drive(connectTo('a'), bytes([5, 0], granted(address, [1, 2]), [0xee]))).toMatchObject({ kind: 'done', rest: 'ee' });
      expect(drive(connectTo('a'), bytes([5, 0], granted(address, [1])))).toMatchObject({ kind: 'wait' });
    }
  });

  it('refuses host names and credentials longer than 255 bytes', () => {
    expect(() => connectTo('a'.repeat(256))).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_TARGET' }));
    expect(() => new Socks5Handshake({ host: 'a', port: 1 }, ['u'.repeat(256), ''])).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_PROXY_OPTION' }));
    expect(() => new Socks5Handshake({ host: 'a', port: 1 }, ['u', 'p'.repeat(300)])).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_PROXY_OPTION' }));
  });

  it('says what it waits for at each phase', () => {
    const handshake = new Socks5Handshake({ host: 'a', port: 1 }, ['u', 'p']);
    expect(handshake.waitingFor).toMatch(/method selection/);
    handshake.feed(Buffer.of(5, 2));
    expect(handshake.waitingFor).toMatch(/username\/password reply/);
    handshake.feed(Buffer.of(1, 0, 5));
    expect(handshake.waitingFor).toMatch(/CONNECT reply/);
    expect(handshake.pending).toBe(1);
    handshake.feed(Buffer.of(0, 0, 1, 0, 0, 0, 0, 0, 0));
    expect(() => handshake.feed(Buffer.of(0))).toThrow(expect.objectContaining({ code: 'WS_ERR_PROXY_HANDSHAKE_FINISHED' }));
  });

  it('property: any chunking of a full transcript gives the same writes and rest', () => {
    const address = fc.oneof(
      fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => [1, ...a]),
      fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => [4, ...a]),
      fc.uint8Array({ maxLength: 20 }).map((a) => [3, a.length, ...a]),
    );
    fc.assert(
      fc.property(fc.boolean(), address, fc.uint8Array({ maxLength: 30 }), fc.array(fc.nat(80)), (withAuth, bound, rest, cuts) => {
        const make = () => new Socks5Handshake({ host: 'echo.example', port: 80 }, withAuth ? ['u', 'p'] : undefined);
        const input = bytes(withAuth ? [5, 2, 1, 0] : [5, 0], [5, 0, 0, ...bound, 0, 80], Buffer.from(rest));
        const whole = drive(make(), input);
        expect(whole).toMatchObject({ kind: 'done', rest: Buffer.from(rest).toString('hex') });
        expect(drive(make(), input, cuts)).toEqual(whole);
        expect(drive(make(), input, [...input.keys()])).toEqual(whole);
      }),
    );
  });
});

describe('fuzz: any bytes in any chunks', () => {
  const makers: [string, () => ProxyHandshake][] = [
    ['http', () => new HttpConnectHandshake({ host: 'h', port: 1 }, ['u', 'p'])],
    ['socks4', () => new Socks4Handshake({ host: '1.2.3.4', port: 1 }, false)],
    ['socks4a', () => new Socks4Handshake({ host: 'h', port: 1 }, true, 'id')],
    ['socks5', () => new Socks5Handshake({ host: 'h', port: 1 })],
    ['socks5 auth', () => new Socks5Handshake({ host: '::1', port: 1 }, ['u', 'p'])],
  ];
  it.each(makers)('%s: only ProxyExceptions, and the same outcome for every chunking', (_name, make) => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Mostly-valid prefixes reach the later states.
      fc.tuple(fc.constantFrom(Buffer.of(5, 2, 1, 0, 5, 0, 0), Buffer.of(0, 0x5a), Buffer.from('HTTP/1.1 200 OK\r\n')), fc.uint8Array({ maxLength: 40 }))
        .map(([a, b]) => new Uint8Array(Buffer.concat([a, b]))),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(64)), (data, cuts) => {
        const whole = drive(make(), data);
        if (whole.kind === 'error') expect(whole.name).toBe('WebSocketProxyException');
        expect(drive(make(), data, cuts)).toEqual(whole);
      }),
    );
  });
});
