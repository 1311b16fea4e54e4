import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketProtocolException } from '../../src/exceptions.js';
import { redactHead, redactHeaderLine, redactHeaderValue } from '../../src/handshake/redact.js';
import { buildHandshakeRequest } from '../../src/handshake/request.js';
import { HandshakeResponseParser } from '../../src/handshake/response.js';
import { parseUrl, redactUrl } from '../../src/url.js';
import { thrownBy } from '../helpers/outcome.js';

describe('redactHeaderValue', () => {
  it.each([
    ['Authorization', 'Basic YWxpY2U6cHc=', 'Basic ***'],
    ['authorization', 'Bearer eyJhbGciOi.x.y', 'Bearer ***'],
    ['Proxy-Authorization', 'Digest username="a", response="b"', 'Digest ***'],
    ['Authorization', 'justatoken', '***'],
    ['Cookie', 'a=1; b=two', 'a=***; b=***'],
    ['Cookie', 'lonely', '***'],
    ['Set-Cookie', 'sid=abc; Path=/; HttpOnly', 'sid=***; Path=/; HttpOnly'],
    ['set-cookie', 'a=1\nb=2; Secure', 'a=***\nb=***; Secure'],
    ['X-Other', 'visible', 'visible'],
  ])('%s: %s -> %s', (name, value, shown) => {
    expect(redactHeaderValue(name, value)).toBe(shown);
  });
});

describe('redactHeaderLine and redactHead', () => {
  it('keeps the start line and other headers', () => {
    expect(redactHead('GET /x HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nAuthorization:Basic x')).toBe(
      'GET /x HTTP/1.1\nHost: h\nCookie: a=***\nAuthorization:Basic ***',
    );
  });
  it('a line without a colon that starts with a secret header name', () => {
    expect(redactHeaderLine('Authorization Bearer tok')).toBe('Authorization ***');
    expect(redactHeaderLine('X-Plain words')).toBe('X-Plain words');
  });
});

describe('redactUrl', () => {
  it.each([
    ['ws://u:p@h/', 'ws://***@h/'],
    ['http://user:SE/CRET@p:99999', 'http://***@p:99999'],
    ['ws:\\\\u:p@h', 'ws:\\\\***@h'],
    ['ws://h/no-userinfo', 'ws://h/no-userinfo'],
    ['ws://a@b@c/', 'ws://***@c/'],
  ])('%s -> %s', (text, shown) => {
    expect(redactUrl(text)).toBe(shown);
  });

  it('never leaves text between "//" and the last "@" (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (secret, rest) => {
        const after = rest.replace(/@/g, '');
        const shown = redactUrl(`ws://${secret}@${after}`);
        // Slashes right after "ws://" are kept, as the URL Standard skips them before the userinfo.
        const slashes = /^[/\\]*/.exec(secret)![0];
        expect(shown).toBe(`ws://${slashes}***@${after}`);
      }),
    );
  });
});

describe('handshake messages hide credential values', () => {
  it('a control character in an Authorization header is reported without its value', () => {
    const error = thrownBy(() => buildHandshakeRequest({ url: parseUrl('ws://h/'), header: { Authorization: 'Bearer S3cret\r\nX: y' } }));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.message).toContain('got 0x0d in "Bearer ***"');
    expect(error.message).not.toContain('S3cret');
  });

  it('a header list entry without ":" that starts with Cookie', () => {
    const error = thrownBy(() => buildHandshakeRequest({ url: parseUrl('ws://h/'), header: ['Cookie sid=S3cret'] }));
    expect(error.message).toContain('"Cookie ***"');
  });

  it('a malformed Set-Cookie line in a response is quoted without its value', () => {
    const error = thrownBy(() => new HandshakeResponseParser().push(Buffer.from('HTTP/1.1 101 OK\r\nSet-Cookie: sid=S3cret\0x\r\n\r\n')));
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect(error.message).toContain('"Set-Cookie: sid=***"');
  });
});
