import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketBadStatusException, WebSocketException, WebSocketProtocolException } from '../../src/exceptions.js';
import { computeAcceptKey } from '../../src/handshake/request.js';
import {
  HandshakeResponseParser,
  MAX_HEAD_BYTES,
  MAX_HEADER_LINES,
  validateUpgradeResponse,
  type HandshakeResponse,
} from '../../src/handshake/response.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function parseAll(text: string | Buffer, cuts: number[] = []): { response: HandshakeResponse; rest: Buffer } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const parser = new HandshakeResponseParser();
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const result = parser.push(bytes.subarray(from, cut));
    if (result !== null) {
      // Everything not consumed by the head is in rest, followed by chunks not pushed yet.
      return { response: result.response, rest: Buffer.concat([result.rest, bytes.subarray(cut)]) };
    }
    from = cut;
  }
  throw new Error('head never completed');
}

function parseError(text: string | Buffer, chunkSize?: number): Error {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const parser = new HandshakeResponseParser();
  const step = chunkSize ?? bytes.length;
  try {
    for (let i = 0; i < bytes.length; i += step) {
      if (parser.push(bytes.subarray(i, i + step)) !== null) break;
    }
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}

const OK_101 =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  `Sec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`;

describe('HandshakeResponseParser', () => {
  it('parses a 101 and keeps the frame bytes glued to it', () => {
    const frame = Buffer.from([0x81, 0x02, 0x68, 0x69]);
    const { response, rest } = parseAll(Buffer.concat([Buffer.from(OK_101), frame]));
    expect(response).toEqual({
      httpVersion: '1.1',
      statusCode: 101,
      statusMessage: 'Switching Protocols',
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': ACCEPT },
      rawHeaders: [
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Accept', ACCEPT],
      ],
    });
    expect(rest).toEqual(frame);
  });

  it('returns null while the head is incomplete, byte by byte', () => {
    const parser = new HandshakeResponseParser();
    const bytes = Buffer.from(OK_101);
    for (let i = 0; i < bytes.length - 1; i++) expect(parser.push(bytes.subarray(i, i + 1))).toBeNull();
    const done = parser.push(bytes.subarray(bytes.length - 1));
    expect(done?.response.statusCode).toBe(101);
    expect(done?.rest).toHaveLength(0);
  });

  it('accepts bare LF line ends, HTTP/1.0, no reason phrase, leading blank lines', () => {
    const { response } = parseAll('\r\n\nHTTP/1.0 403\nX-A: 1\n\n');
    expect(response).toMatchObject({ httpVersion: '1.0', statusCode: 403, statusMessage: '', headers: { 'x-a': '1' } });
  });

  it('trims values, tolerates space before the colon, joins obsolete folding with a space', () => {
    const { response } = parseAll('HTTP/1.1 200 OK\r\nX-A :  a b \t\r\nX-Fold: one\r\n  two\r\n\tthree\r\nX-Empty:\r\n\r\n');
    expect(response.headers).toEqual({ 'x-a': 'a b', 'x-fold': 'one two three', 'x-empty': '' });
    expect(response.rawHeaders[0]).toEqual(['X-A', 'a b']);
  });

  it('joins repeated headers with ", " and set-cookie with a newline', () => {
    const { response } = parseAll(
      'HTTP/1.1 403 Forbidden\r\nVary: a\r\nvary: b\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\nset-cookie: b=2\r\n\r\n',
    );
    expect(response.headers['vary']).toBe('a, b');
    expect(response.headers['set-cookie']).toBe('a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2');
    expect(response.rawHeaders).toHaveLength(4);
  });

  it('decodes header bytes as latin1 (one char per byte)', () => {
    const { response } = parseAll(Buffer.from('HTTP/1.1 200 Ok\xe9\r\nX-A: caf\xe9\r\n\r\n', 'latin1'));
    expect(response.statusMessage).toBe('Ok\u00e9');
    expect(response.headers['x-a']).toBe('caf\u00e9');
  });

  it('refuses a push after the head is complete', () => {
    const parser = new HandshakeResponseParser();
    parser.push(Buffer.from(OK_101));
    expect(() => parser.push(Buffer.from('x'))).toThrow(WebSocketException);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', /expected a status line like "HTTP\/1.1 101 Switching Protocols", got "SSH-2.0-OpenSSH_9.6"/],
    ['HTTP/2', 'HTTP/2 101 Switching\r\n\r\n', /status line.*got "HTTP\/2 101 Switching"/],
    ['HTTP/1.2', 'HTTP/1.2 101 x\r\n\r\n', /status line/],
    ['a 4-digit status', 'HTTP/1.1 1010 x\r\n\r\n', /status line/],
    ['a 2-digit status', 'HTTP/1.1 10 x\r\n\r\n', /status line/],
    ['two spaces', 'HTTP/1.1  101 x\r\n\r\n', /status line/],
    ['lower-case http', 'http/1.1 101 x\r\n\r\n', /status line/],
    ['a header without a colon', 'HTTP/1.1 101 x\r\nUpgrade websocket\r\n\r\n', /"Name: value" with a token name, got "Upgrade websocket"/],
    ['an empty header name', 'HTTP/1.1 101 x\r\n: v\r\n\r\n', /got ": v"/],
    ['a space inside the name', 'HTTP/1.1 101 x\r\nBad Name: v\r\n\r\n', /token name, got "Bad Name: v"/],
    ['NUL in a value', 'HTTP/1.1 101 x\r\nX: a\0b\r\n\r\n', /expected no NUL inside a response line, got "X: a\\u0000b"/],
    ['a bare CR', 'HTTP/1.1 101 x\r\nX: a\rb\r\n\r\n', /no bare CR/],
    ['a continuation line first', 'HTTP/1.1 101 x\r\n folded\r\n\r\n', /continuation line first/],
  ];
  it.each(malformed)('refuses %s, quoting the line, under any chunking', (_, text, message) => {
    for (const chunk of [undefined, 1, 3]) {
      const e = parseError(text, chunk);
      expect(e).toBeInstanceOf(WebSocketProtocolException);
      expect(e).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_RESPONSE' });
      expect(e.message).toMatch(message);
    }
  });

  it('truncates a long bad line in the message', () => {
    const e = parseError(`${'x'.repeat(5000)}\r\n\r\n`);
    expect(e.message.length).toBeLessThan(300);
    expect(e.message).toContain(`"${'x'.repeat(80)}…"`);
  });
});

describe('HandshakeResponseParser limits', () => {
  const status = 'HTTP/1.1 101 Switching Protocols\r\n';
  function headWithSize(total: number): string {
    // One header padded so that status + header + blank line is exactly `total` bytes.
    const fixed = status.length + 'X-Pad: \r\n'.length + 2;
    return `${status}X-Pad: ${'p'.repeat(total - fixed)}\r\n\r\n`;
  }

  it(`accepts a head of exactly ${MAX_HEAD_BYTES} bytes, with the bytes after it`, () => {
    const head = headWithSize(MAX_HEAD_BYTES);
    expect(head.length).toBe(MAX_HEAD_BYTES);
    const { response, rest } = parseAll(`${head}tail`);
    expect(response.headers['x-pad']).toHaveLength(MAX_HEAD_BYTES - status.length - 11);
    expect(rest.toString()).toBe('tail');
    expect(parseAll(`${head}tail`, [MAX_HEAD_BYTES - 1, MAX_HEAD_BYTES + 2]).rest.toString()).toBe('tail');
  });

  it(`refuses a head of ${MAX_HEAD_BYTES + 1} bytes whatever the chunking`, () => {
    const head = headWithSize(MAX_HEAD_BYTES + 1);
    for (const chunk of [undefined, 1000, 4096, 1]) {
      const e = parseError(head, chunk);
      expect(e).toBeInstanceOf(WebSocketProtocolException);
      expect(e.message).toBe(
        `invalid handshake response: expected the response head (status line and headers) within ${MAX_HEAD_BYTES} bytes, got ${MAX_HEAD_BYTES} bytes without the blank line that ends it, starting "HTTP/1.1 101 Switching Protocols"`,
      );
    }
  });

  it('refuses an endless stream without line breaks', () => {
    const parser = new HandshakeResponseParser();
    const chunk = Buffer.alloc(1000, 0x41);
    let error: unknown;
    for (let i = 0; i < 100 && error === undefined; i++) {
      try {
        parser.push(chunk);
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(WebSocketProtocolException);
    expect((error as Error).message).toContain(`"${'A'.repeat(60)}…"`);
  });

  it(`accepts ${MAX_HEADER_LINES} header lines and refuses ${MAX_HEADER_LINES + 1}`, () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(Object.keys(parseAll(`${status}${lines(MAX_HEADER_LINES)}\r\n`).response.headers)).toHaveLength(MAX_HEADER_LINES);
    for (const chunk of [undefined, 7]) {
      const e = parseError(`${status}${lines(MAX_HEADER_LINES + 1)}\r\n`, chunk);
      expect(e).toBeInstanceOf(WebSocketProtocolException);
      expect(e.message).toBe(
        `invalid handshake response: expected at most ${MAX_HEADER_LINES} header lines, got more; line 101 is "X-100: v"`,
      );
    }
  });
});

describe('HandshakeResponseParser under any chunking (property)', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
  const value = fc.stringMatching(/^([\x21-\x7e\xa0-\xff]([\x20-\x7e\xa0-\xff]{0,20}[\x21-\x7e\xa0-\xff])?)?$/);
  const eol = fc.constantFrom('\r\n', '\n');
  const response = fc.record({
    version: fc.constantFrom('1.0', '1.1'),
    code: fc.integer({ min: 100, max: 599 }),
    reason: fc.stringMatching(/^[\x20-\x7e]{0,20}$/),
    headers: fc.array(fc.tuple(fc.oneof(token, fc.constantFrom('Set-Cookie', 'set-cookie', 'Vary')), value, eol), { maxLength: 20 }),
    statusEol: eol,
    endEol: eol,
    extra: fc.uint8Array({ maxLength: 64 }),
  });

  it('gives the same response and the same rest wherever the input is cut', () => {
    fc.assert(
      fc.property(response, fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }), (r, cuts) => {
        const head =
          `HTTP/${r.version} ${r.code}${r.reason === '' ? '' : ` ${r.reason}`}${r.statusEol}` +
          r.headers.map(([n, v, e]) => `${n}: ${v}${e}`).join('') +
          r.endEol;
        const bytes = Buffer.concat([Buffer.from(head, 'latin1'), r.extra]);
        const { response: got, rest } = parseAll(bytes, cuts);
        expect(rest).toEqual(Buffer.from(r.extra));
        expect(got.httpVersion).toBe(r.version);
        expect(got.statusCode).toBe(r.code);
        expect(got.statusMessage).toBe(r.reason);
        expect(got.rawHeaders).toEqual(r.headers.map(([n, v]) => [n, v]));
        // A Map: fast-check also generates names such as `__proto__` and `constructor`.
        const expected = new Map<string, string>();
        for (const [n, v] of r.headers) {
          const k = n.toLowerCase();
          const previous = expected.get(k);
          expected.set(k, previous === undefined ? v : `${previous}${k === 'set-cookie' ? '\n' : ', '}${v}`);
        }
        expect(got.headers).toEqual(Object.fromEntries(expected));
      }),
    );
  });
});

describe('validateUpgradeResponse', () => {
  function response(headers: Record<string, string>, statusCode = 101): HandshakeResponse {
    return { httpVersion: '1.1', statusCode, statusMessage: 'Switching Protocols', headers, rawHeaders: Object.entries(headers) };
  }
  const good = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': ACCEPT };

  it('accepts a correct 101', () => {
    expect(validateUpgradeResponse(response(good), { key: KEY })).toEqual({ subprotocol: null, extensions: null });
  });

  it('accepts case variants of Upgrade and a Connection token list', () => {
    expect(() =>
      validateUpgradeResponse(response({ ...good, upgrade: 'WebSocket', connection: 'keep-alive, UPGRADE' }), { key: KEY }),
    ).not.toThrow();
  });

  it('returns the selected subprotocol and the extensions answer', () => {
    expect(
      validateUpgradeResponse(
        response({ ...good, 'sec-websocket-protocol': 'superchat', 'sec-websocket-extensions': 'permessage-deflate' }),
        { key: KEY, subprotocols: ['chat', 'superchat'], extensionsOffered: true },
      ),
    ).toEqual({ subprotocol: 'superchat', extensions: 'permessage-deflate' });
  });

  it('an offered subprotocol the server did not select gives null', () => {
    expect(validateUpgradeResponse(response(good), { key: KEY, subprotocols: ['chat'], extensionsOffered: true })).toEqual({
      subprotocol: null,
      extensions: null,
    });
  });

  const bad: Array<[string, Record<string, string>, { subprotocols?: string[]; extensionsOffered?: boolean }, string]> = [
    ['no Upgrade', { connection: 'Upgrade', 'sec-websocket-accept': ACCEPT }, {}, 'expected "Upgrade: websocket", got no Upgrade header'],
    ['Upgrade: h2c', { ...good, upgrade: 'h2c' }, {}, 'expected "Upgrade: websocket", got "Upgrade: h2c"'],
    ['Upgrade: websocket, h2c', { ...good, upgrade: 'websocket, h2c' }, {}, 'got "Upgrade: websocket, h2c"'],
    ['no Connection', { upgrade: 'websocket', 'sec-websocket-accept': ACCEPT }, {}, 'expected "Connection: Upgrade", got no Connection header'],
    ['Connection: keep-alive', { ...good, connection: 'keep-alive' }, {}, 'expected "Connection: Upgrade", got "Connection: keep-alive"'],
    ['Connection: upgraded', { ...good, connection: 'upgraded' }, {}, 'got "Connection: upgraded"'],
    ['no Accept', { upgrade: 'websocket', connection: 'Upgrade' }, {}, `expected "Sec-WebSocket-Accept: ${ACCEPT}", got no Sec-WebSocket-Accept header`],
    ['a wrong Accept', { ...good, 'sec-websocket-accept': computeAcceptKey('other') }, {}, `got "Sec-WebSocket-Accept: ${computeAcceptKey('other')}"`],
    ['an Accept in other case', { ...good, 'sec-websocket-accept': ACCEPT.toLowerCase() }, {}, `got "Sec-WebSocket-Accept: ${ACCEPT.toLowerCase()}"`],
    ['two Accepts', { ...good, 'sec-websocket-accept': `${ACCEPT}, ${ACCEPT}` }, {}, 'got "Sec-WebSocket-Accept: s3p'],
    ['a subprotocol not offered', { ...good, 'sec-websocket-protocol': 'chat' }, {}, 'the server selected the subprotocol "chat", but none was offered'],
    [
      'a subprotocol outside the offer',
      { ...good, 'sec-websocket-protocol': 'mqtt' },
      { subprotocols: ['chat', 'superchat'] },
      'the server selected the subprotocol "mqtt", but expected one of "chat", "superchat"',
    ],
    ['a subprotocol in another case', { ...good, 'sec-websocket-protocol': 'CHAT' }, { subprotocols: ['chat'] }, '"CHAT", but expected one of "chat"'],
    ['two subprotocols', { ...good, 'sec-websocket-protocol': 'chat, superchat' }, { subprotocols: ['chat', 'superchat'] }, '"chat, superchat"'],
    [
      'extensions not offered',
      { ...good, 'sec-websocket-extensions': 'permessage-deflate' },
      { extensionsOffered: false },
      'expected no Sec-WebSocket-Extensions since none was offered, got "Sec-WebSocket-Extensions: permessage-deflate"',
    ],
  ];
  it.each(bad)('refuses %s', (_, headers, offer, message) => {
    let caught: unknown;
    try {
      validateUpgradeResponse(response(headers), { key: KEY, ...offer });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WebSocketProtocolException);
    expect((caught as Error).message).toMatch(/^invalid handshake response: /);
    expect((caught as Error)).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_RESPONSE' });
    expect((caught as Error).message).toContain(message);
  });

  it('refuses an HTTP/1.0 101: RFC 6455 §4.1 requires an HTTP/1.1 response', () => {
    const r = { ...response(good), httpVersion: '1.0' };
    expect(() => validateUpgradeResponse(r, { key: KEY })).toThrow(WebSocketProtocolException);
    expect(() => validateUpgradeResponse(r, { key: KEY })).toThrow(
      'invalid handshake response: expected an HTTP/1.1 101 response (RFC 6455 §4.1 requires HTTP/1.1), got "HTTP/1.0 101 Switching Protocols"',
    );
  });

  it('given another status than 101, throws BadStatus', () => {
    const r = { ...response(good, 200), statusMessage: 'OK' };
    expect(() => validateUpgradeResponse(r, { key: KEY })).toThrow(WebSocketBadStatusException);
    expect(() => validateUpgradeResponse(r, { key: KEY })).toThrow('Handshake status 200 OK: expected 101 Switching Protocols');
  });
});
