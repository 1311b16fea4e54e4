import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketAddressException } from '../src/exceptions.js';
import { bareHost, displayUrl, formatHostPort, parseUrl, redactUrl, type ParsedUrl } from '../src/url.js';

const good: Array<[string, ParsedUrl]> = [
  ['ws://example.com', { secure: false, host: 'example.com', port: 80, resource: '/' }],
  ['wss://example.com', { secure: true, host: 'example.com', port: 443, resource: '/' }],
  ['ws://example.com:8080/', { secure: false, host: 'example.com', port: 8080, resource: '/' }],
  ['wss://example.com:80/chat', { secure: true, host: 'example.com', port: 80, resource: '/chat' }],
  ['ws://example.com:/x', { secure: false, host: 'example.com', port: 80, resource: '/x' }],
  ['WS://EXAMPLE.com/Path', { secure: false, host: 'example.com', port: 80, resource: '/Path' }],
  ['ws://h/a/b?x=1&y=2', { secure: false, host: 'h', port: 80, resource: '/a/b?x=1&y=2' }],
  ['ws://h?x=1', { secure: false, host: 'h', port: 80, resource: '/?x=1' }],
  ['ws://h/a#frag', { secure: false, host: 'h', port: 80, resource: '/a' }],
  ['ws://h/a?q#frag?x', { secure: false, host: 'h', port: 80, resource: '/a?q' }],
  ['ws://h#frag', { secure: false, host: 'h', port: 80, resource: '/' }],
  ['ws://h/a b/é', { secure: false, host: 'h', port: 80, resource: '/a%20b/%C3%A9' }],
  ['ws://h/a%20b?c=%7C', { secure: false, host: 'h', port: 80, resource: '/a%20b?c=%7C' }],
  ['ws://h/{x}|"<>', { secure: false, host: 'h', port: 80, resource: '/%7Bx%7D|%22%3C%3E' }],
  ['ws://h/?', { secure: false, host: 'h', port: 80, resource: '/?' }],
  ['ws://h/a\\b/../c?x\\y', { secure: false, host: 'h', port: 80, resource: '/a/c?x\\y' }],
  ['ws://h/\uD800', { secure: false, host: 'h', port: 80, resource: '/%EF%BF%BD' }],
  // As WHATWG URL reads them: a backslash is a slash, so the host is 127.0.0.1.
  ['ws://127.0.0.1\\@evil.example/', { secure: false, host: '127.0.0.1', port: 80, resource: '/@evil.example/' }],
  ['ws:example.com', { secure: false, host: 'example.com', port: 80, resource: '/' }],
  ['ws:/example.com', { secure: false, host: 'example.com', port: 80, resource: '/' }],
  ['ws:///path', { secure: false, host: 'path', port: 80, resource: '/' }],
  ['ws://0x7f.1/', { secure: false, host: '127.0.0.1', port: 80, resource: '/' }],
  ['ws://h%41/', { secure: false, host: 'ha', port: 80, resource: '/' }],
  ['ws://exa*mple.com/', { secure: false, host: 'exa*mple.com', port: 80, resource: '/' }],
  ['ws://127.0.0.1:9001/runCase?case=1', { secure: false, host: '127.0.0.1', port: 9001, resource: '/runCase?case=1' }],
  ['ws://[::1]/', { secure: false, host: '::1', port: 80, resource: '/' }],
  ['ws://[::1]:8080/x', { secure: false, host: '::1', port: 8080, resource: '/x' }],
  ['wss://[2001:DB8::1]', { secure: true, host: '2001:db8::1', port: 443, resource: '/' }],
  ['ws://my_host-1.local:65535', { secure: false, host: 'my_host-1.local', port: 65535, resource: '/' }],
  ['ws://bücher.example/', { secure: false, host: 'xn--bcher-kva.example', port: 80, resource: '/' }],
  ['ws://user:pass@h/', { secure: false, host: 'h', port: 80, resource: '/', auth: { user: 'user', pass: 'pass' } }],
  ['ws://user@h:81/', { secure: false, host: 'h', port: 81, resource: '/', auth: { user: 'user', pass: '' } }],
  [
    'ws://john%40example.com:p%3Ass%20w%C3%B6rd@h/',
    { secure: false, host: 'h', port: 80, resource: '/', auth: { user: 'john@example.com', pass: 'p:ss wörd' } },
  ],
  ['ws://a:b:c@h/', { secure: false, host: 'h', port: 80, resource: '/', auth: { user: 'a', pass: 'b:c' } }],
  ['ws://a@b@h/', { secure: false, host: 'h', port: 80, resource: '/', auth: { user: 'a@b', pass: '' } }],
  ['ws://@h/', { secure: false, host: 'h', port: 80, resource: '/' }],
  ['ws+unix:/tmp/app.sock', { secure: false, host: '', port: 80, resource: '/', unixPath: '/tmp/app.sock' }],
  ['ws+unix:/tmp/app.sock:/chat?room=1', { secure: false, host: '', port: 80, resource: '/chat?room=1', unixPath: '/tmp/app.sock' }],
  ['ws+unix:///tmp/app.sock:/x', { secure: false, host: '', port: 80, resource: '/x', unixPath: '/tmp/app.sock' }],
  ['wss+unix:/run/s:?q', { secure: true, host: '', port: 443, resource: '/?q', unixPath: '/run/s' }],
  ['ws+unix:relative.sock:/', { secure: false, host: '', port: 80, resource: '/', unixPath: 'relative.sock' }],
];

describe('parseUrl accepts', () => {
  it.each(good)('%s', (url, expected) => {
    expect(parseUrl(url)).toEqual(expected);
  });
});

const badUrls: Array<[string, RegExp]> = [
  ['', /expected a scheme/],
  ['example.com/chat', /expected a scheme/],
  ['//example.com/', /expected a scheme/],
  ['http://example.com/', /expected the scheme ws, wss, ws\+unix or wss\+unix, got "http"/],
  ['https://example.com/', /got "https"/],
  ['ftp://example.com/', /got "ftp"/],
  ['ws://', /empty host/],
  ['ws:///', /empty host/],
  ['ws://h:0/', /port from 1 to 65535, got "0"/],
  ['ws://[fe80::1%25eth0]:9/', /IPv6 address without a zone identifier/],
  ['ws://1.2.3.999/', /host name or an IPv4 address that the URL Standard accepts, got "1.2.3.999"/],
  ['ws://ex%2Fample/', /host name or an IPv4 address/],
  ['ws://u:pa/ss@h:99999/', /a "\/", "\\", "\?", "#" or "@" in a user name or password must be percent-encoded/],
  ['ws://:8080/', /empty host/],
  ['ws://user@/', /empty host/],
  ['ws://h:65536/', /port from 1 to 65535, got "65536"/],
  ['ws://h:123456/', /got "123456"/],
  ['ws://h:-1/', /got "-1"/],
  ['ws://h:80a/', /got "80a"/],
  ['ws://h: 80/', /got " 80"/],
  ['ws://h:0x50/', /got "0x50"/],
  ['ws://::1/', /IPv6 address in brackets/],
  ['ws://[::1/', /"\]" to close/],
  ['ws://[::1]x/', /":port" or nothing after "\]", got "x"/],
  ['ws://[nothex]/', /IPv6 address between the brackets, got "nothex"/],
  ['ws://[127.0.0.1]/', /IPv6 address between the brackets/],
  ['ws://[::1]:0/', /port from 1 to 65535/],
  ['ws://exa mple.com/', /host name or an IPv4 address that the URL Standard accepts, got "exa mple.com"/],
  ['ws://exa<mple.com/', /host name or an IPv4 address/],
  ['ws://h\r\nHost: evil/', /control characters, got 0x0d at index 6/],
  ['ws://h/\u0000', /got 0x00/],
  ['ws://h/\t', /got 0x09/],
  [' ws://h/', /leading or trailing spaces/],
  ['ws://h/ ', /leading or trailing spaces/],
  ['ws://%E0%A4%A@h/', /percent-encoded UTF-8/],
  ['ws+unix:', /socket path/],
  ['ws+unix::/x', /socket path/],
  ['ws+unix://host/tmp/s:/x', /no host in a unix socket URL.*got "host"/],
  ['ws+unix:/tmp/s:chat', /start with "\/", got "chat"/],
];

describe('parseUrl refuses', () => {
  it.each(badUrls)('%j', (url, message) => {
    let caught: unknown;
    try {
      parseUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WebSocketAddressException);
    const text = (caught as Error).message;
    expect(text).toContain(JSON.stringify(redactUrl(url)));
    expect(text).toMatch(message);
  });

  it('a value that is not a string', () => {
    expect(() => parseUrl(42 as unknown as string)).toThrow(
      new WebSocketAddressException('invalid WebSocket URL: expected a string, got number', { code: 'WS_ERR_INVALID_URL' }),
    );
  });
});

describe('displayUrl', () => {
  it.each([
    ['ws://alice:S3cret@example.com/chat?room=1#top', 'ws://example.com/chat?room=1'],
    ['wss://u@[::1]:8443/', 'wss://[::1]:8443/'],
    ['wss://example.com:443', 'wss://example.com/'],
    ['ws+unix:/run/app.sock:/api?v=2', 'ws+unix:/run/app.sock:/api?v=2'],
  ])('%s -> %s (never the userinfo)', (url, shown) => {
    expect(displayUrl(parseUrl(url))).toBe(shown);
  });
});

describe('formatHostPort', () => {
  it('brackets IPv6 and writes the zone as %25', () => {
    expect(formatHostPort('::1', 8080)).toBe('[::1]:8080');
    expect(formatHostPort('fe80::1%eth0', 80, true)).toBe('[fe80::1%25eth0]');
    expect(formatHostPort('example.com', 443, true)).toBe('example.com');
    expect(formatHostPort('10.0.0.1', 9001)).toBe('10.0.0.1:9001');
  });
});

describe('parseUrl round trip (property)', () => {
  // A name whose last label is a number is an IPv4 address to the URL Standard: labels start with a letter.
  const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
  const ipv6 = fc.ipV6();
  const segment = fc
    .stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,8}$/)
    .filter((s) => !/%(?![0-9A-F]{2})/.test(s) && !/^(\.|%2e){1,2}$/i.test(s));
  const query = fc.option(fc.stringMatching(/^[A-Za-z0-9=&/?:@._~-]{0,12}$/), { nil: undefined });

  it('a URL built from parts parses back to those parts', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.oneof(hostName, ipv6),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.array(segment, { maxLength: 4 }),
        query,
        fc.option(fc.stringMatching(/^[\x21-\x7e]{0,10}$/), { nil: undefined }),
        (secure, host, port, segments, q, fragment) => {
          const path = segments.map((s) => `/${s}`).join('');
          const url =
            `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}` +
            `${port === undefined ? '' : `:${port}`}${path}${q === undefined ? '' : `?${q}`}` +
            `${fragment === undefined ? '' : `#${fragment}`}`;
          const parsed = parseUrl(url);
          expect(parsed.secure).toBe(secure);
          expect(parsed.host).toBe(host.includes(':') ? bareHost(new URL(`ws://[${host}]/`).hostname) : host.toLowerCase());
          expect(parsed.port).toBe(port ?? (secure ? 443 : 80));
          expect(parsed.resource).toBe(`${path === '' ? '/' : path}${q === undefined ? '' : `?${q}`}`);
          expect(parsed.auth).toBeUndefined();
        },
      ),
    );
  });
});

describe('IPv6 literals', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::8', '1::8'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('accepts [%s] as the URL Standard writes it', (literal, host) => {
    expect(parseUrl(`ws://[${literal}]/`).host).toBe(host);
  });
  it.each(['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '1:', '12345::', 'g::', '::1.2.3', '::1.2.3.256', '1:2:3:4:5:6:7:1.2.3.4', '::1%', '::1%a/b', '::1:', 'fe80::1%25eth0'])(
    'refuses [%s]',
    (literal) => {
      expect(() => parseUrl(`ws://[${literal}]/`)).toThrow(WebSocketAddressException);
    },
  );
});
