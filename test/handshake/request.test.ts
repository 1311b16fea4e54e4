import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketProtocolException } from '../../src/exceptions.js';
import { buildHandshakeRequest, computeAcceptKey, type HandshakeRequestOptions } from '../../src/handshake/request.js';
import { parseUrl } from '../../src/url.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function build(url: string, options: Omit<HandshakeRequestOptions, 'url'> = {}): string {
  return buildHandshakeRequest({ key: KEY, ...options, url: parseUrl(url) }).request.toString('utf8');
}

function lines(...l: string[]): string {
  return `${l.join('\r\n')}\r\n\r\n`;
}

describe('computeAcceptKey', () => {
  it('matches the RFC 6455 §1.3 example', () => {
    expect(computeAcceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('buildHandshakeRequest: exact bytes', () => {
  it('the minimal request', () => {
    expect(build('ws://example.com/chat?x=1#frag')).toBe(
      lines(
        'GET /chat?x=1 HTTP/1.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Host: example.com',
        'Origin: http://example.com',
        `Sec-WebSocket-Key: ${KEY}`,
        'Sec-WebSocket-Version: 13',
      ),
    );
  });

  it('wss with a non-default port, subprotocols, extensions, headers, cookie and userinfo', () => {
    expect(
      build('wss://alice:s%C3%A9same@Example.com:8443', {
        subprotocols: ['chat', 'superchat'],
        extensions: 'permessage-deflate; client_max_window_bits',
        header: { 'X-Trace': 'abc', 'X-Skipped': undefined as unknown as string, 'User-Agent': 'test/1' },
        cookie: 'a=1; b=2',
      }),
    ).toBe(
      lines(
        'GET / HTTP/1.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Host: example.com:8443',
        'Origin: https://example.com:8443',
        `Sec-WebSocket-Key: ${KEY}`,
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: chat, superchat',
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
        'X-Trace: abc',
        'User-Agent: test/1',
        'Cookie: a=1; b=2',
        `Authorization: Basic ${Buffer.from('alice:sésame').toString('base64')}`,
      ),
    );
  });

  it('IPv6 in brackets, the port kept when it is not the scheme default', () => {
    expect(build('ws://[::1]:443/')).toContain('\r\nHost: [::1]:443\r\nOrigin: http://[::1]:443\r\n');
    expect(build('wss://[::1]:80/')).toContain('\r\nHost: [::1]:80\r\nOrigin: https://[::1]:80\r\n');
    expect(build('ws://[::1]/')).toContain('\r\nHost: [::1]\r\n');
    expect(build('wss://[::1]:443/')).toContain('\r\nHost: [::1]\r\n');
  });

  it('host and origin overrides, suppressOrigin, list headers', () => {
    expect(
      build('ws://10.0.0.1:9000/x', {
        host: 'virtual.example',
        origin: 'https://app.example',
        header: ['X-A: 1', 'X-B:2', 'X-Empty:'],
      }),
    ).toBe(
      lines(
        'GET /x HTTP/1.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Host: virtual.example',
        'Origin: https://app.example',
        `Sec-WebSocket-Key: ${KEY}`,
        'Sec-WebSocket-Version: 13',
        'X-A: 1',
        'X-B: 2',
        'X-Empty: ',
      ),
    );
    expect(build('ws://h/', { suppressOrigin: true, origin: 'ignored' })).not.toContain('Origin');
  });

  it('a unix socket URL sends Host: localhost', () => {
    expect(build('wss+unix:/tmp/s.sock:/api?v=2')).toBe(
      lines(
        'GET /api?v=2 HTTP/1.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Host: localhost',
        'Origin: https://localhost',
        `Sec-WebSocket-Key: ${KEY}`,
        'Sec-WebSocket-Version: 13',
      ),
    );
  });

  it('a user header replaces the generated one of the same name, case-insensitively', () => {
    const { request, key } = buildHandshakeRequest({
      url: parseUrl('ws://u:p@h/'),
      key: KEY,
      cookie: 'from=option',
      header: { origin: 'null', 'Sec-WebSocket-Key': 'userkey==', AUTHORIZATION: 'Bearer t', cookie: 'from=header' },
    });
    expect(key).toBe('userkey==');
    expect(request.toString()).toBe(
      lines(
        'GET / HTTP/1.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Host: h',
        'Sec-WebSocket-Version: 13',
        'origin: null',
        'Sec-WebSocket-Key: userkey==',
        'AUTHORIZATION: Bearer t',
        'cookie: from=header',
      ),
    );
  });

  it('empty subprotocol list, empty cookie and empty extensions send nothing', () => {
    const text = build('ws://h/', { subprotocols: [], cookie: '', extensions: '' });
    expect(text).not.toMatch(/Protocol|Cookie|Extensions/);
  });

  it('UTF-8 header values are sent as UTF-8 bytes', () => {
    const { request } = buildHandshakeRequest({ url: parseUrl('ws://h/'), key: KEY, header: { 'X-Name': 'Zoë' } });
    expect(request.includes(Buffer.from('X-Name: Zo\u00eb', 'utf8'))).toBe(true);
  });
});

describe('buildHandshakeRequest: keys', () => {
  it('a fresh random 16-byte key each time', () => {
    const a = buildHandshakeRequest({ url: parseUrl('ws://h/') });
    const b = buildHandshakeRequest({ url: parseUrl('ws://h/') });
    expect(Buffer.from(a.key, 'base64')).toHaveLength(16);
    expect(a.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a.key).not.toBe(b.key);
    expect(a.request.toString()).toContain(`\r\nSec-WebSocket-Key: ${a.key}\r\n`);
  });
});

describe('buildHandshakeRequest: refuses what must not reach the wire', () => {
  const cases: Array<[string, Omit<HandshakeRequestOptions, 'url'>, RegExp]> = [
    ['CRLF in a header value', { header: { 'X-A': 'v\r\nX-Evil: 1' } }, /value of X-A .*0x0d/],
    ['LF in a header value', { header: { 'X-A': 'v\nX-Evil: 1' } }, /0x0a/],
    ['NUL in a header value', { header: { 'X-A': 'a\0b' } }, /0x00/],
    ['another control character', { header: { 'X-A': 'a\x1bb' } }, /0x1b/],
    ['DEL', { header: { 'X-A': 'a\x7f' } }, /0x7f/],
    ['CRLF in a header name', { header: { 'X-A\r\nX-Evil': 'v' } }, /header name made of RFC 7230 token characters/],
    ['a space in a header name', { header: { 'X A': 'v' } }, /token characters, got "X A"/],
    ['an empty header name', { header: { '': 'v' } }, /token characters, got ""/],
    ['a colon in a header name', { header: { 'X:A': 'v' } }, /token/],
    ['non-ASCII in a header name', { header: { 'Xé': 'v' } }, /token/],
    ['a list entry without a colon', { header: ['X-A 1'] }, /expected a header line "Name: value", got "X-A 1"/],
    ['a list entry with CRLF', { header: ['X-A: 1\r\nX-Evil: 2'] }, /0x0d/],
    ['a list entry whose name has a space', { header: ['X-A : 1'] }, /token/],
    ['CRLF in the cookie', { cookie: 'a=1\r\nX-Evil: 2' }, /value of Cookie/],
    ['CRLF in the origin', { origin: 'http://a\r\n' }, /value of Origin/],
    ['CRLF in the host override', { host: 'h\r\nX: 1' }, /value of Host/],
    ['CRLF in the extensions', { extensions: 'x\r\n' }, /value of Sec-WebSocket-Extensions/],
    ['CRLF in the key', { key: 'k\r\n' }, /value of Sec-WebSocket-Key/],
    ['a subprotocol with a space', { subprotocols: ['a b'] }, /subprotocol to be an RFC 7230 token, got "a b"/],
    ['a subprotocol with a comma', { subprotocols: ['a,b'] }, /token/],
    ['an empty subprotocol', { subprotocols: [''] }, /token, got ""/],
    ['a subprotocol offered twice', { subprotocols: ['chat', 'chat'] }, /unique subprotocols, got "chat" twice/],
  ];
  it.each(cases)('%s', (_, options, message) => {
    let caught: unknown;
    try {
      build('ws://h/', options);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WebSocketProtocolException);
    expect((caught as Error).message).toMatch(/^cannot send the handshake request: /);
    expect((caught as Error)).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_REQUEST' });
    expect((caught as Error).message).toMatch(message);
  });

  it('a hand-built URL with a raw space or CRLF in the resource', () => {
    for (const resource of ['/a b', '/a\r\nX: 1', '']) {
      expect(() =>
        buildHandshakeRequest({ url: { secure: false, host: 'h', port: 80, resource }, key: KEY }),
      ).toThrow(WebSocketProtocolException);
    }
  });

  it('property: any header map is either sent line for line or refused, never split into more lines', () => {
    const unit = fc.constantFrom('a', 'Z', '-', '\r', '\n', '\0', ' ', ':', '\t', 'é', '\x7f');
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit, minLength: 1, maxLength: 6 }), fc.string({ unit, maxLength: 10 }), { maxKeys: 4 }),
        (header) => {
          let text: string;
          try {
            text = build('ws://h/', { header });
          } catch (e) {
            expect(e).toBeInstanceOf(WebSocketProtocolException);
            return;
          }
          const headLines = text.slice(0, -4).split('\r\n');
          for (const line of headLines) expect(line).not.toMatch(/[\0\r\n]/);
          for (const [name, value] of Object.entries(header)) {
            expect(headLines).toContain(`${name}: ${value}`);
          }
          expect(headLines).toHaveLength(1 + 6 + Object.keys(header).length - dropped(header));
        },
      ),
    );
  });
});

function dropped(header: Record<string, string>): number {
  const generated = ['upgrade', 'connection', 'host', 'origin', 'sec-websocket-key', 'sec-websocket-version'];
  return generated.filter((g) => Object.keys(header).some((k) => k.toLowerCase() === g)).length;
}
