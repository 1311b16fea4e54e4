import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createError, ERROR_CODES, type ErrorCode } from '../src/exceptions.js';
import {
  ABNF,
  CloseCode,
  WebSocketAddressException,
  WebSocketBadStatusException,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketPayloadException,
  WebSocketProtocolException,
  WebSocketProxyException,
  WebSocketTimeoutException,
} from '../src/index.js';

const defaults = [
  [WebSocketException, 'WS_ERR_GENERIC'],
  [WebSocketProtocolException, 'WS_ERR_PROTOCOL'],
  [WebSocketPayloadException, 'WS_ERR_PAYLOAD'],
  [WebSocketConnectionClosedException, 'WS_ERR_CONNECTION_CLOSED'],
  [WebSocketTimeoutException, 'WS_ERR_TIMEOUT'],
  [WebSocketProxyException, 'WS_ERR_PROXY'],
  [WebSocketAddressException, 'WS_ERR_ADDRESS'],
] as const;

/** The rows of docs/errors.md's tables: code, class, and the close code column where there is one. */
function documented(): Map<string, { type: string; closeCode: number | null }> {
  const rows = new Map<string, { type: string; closeCode: number | null }>();
  for (const line of readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').split('\n')) {
    const m = /^\| `(WS_ERR_[A-Z0-9_]+)` \| `(\w+)` \| (?:(\d{4}) \| )?/.exec(line);
    if (m === null) continue;
    expect(rows.has(m[1]!), `${m[1]} is documented twice`).toBe(false);
    rows.set(m[1]!, { type: m[2]!, closeCode: m[3] === undefined ? null : Number(m[3]) });
  }
  return rows;
}

describe('error codes', () => {
  it.each(defaults.map(([Cls, code]) => [Cls.name, Cls, code] as const))('%s carries its class default code', (_, Cls, code) => {
    expect(new Cls('boom').code).toBe(code);
    expect(Cls.defaultCode).toBe(code);
    expect(new Cls('boom', { code: 'WS_ERR_ABORTED' }).code).toBe('WS_ERR_ABORTED');
  });

  it('BadStatus defaults to WS_ERR_BAD_STATUS either way it is built', () => {
    expect(new WebSocketBadStatusException('m', 403).code).toBe('WS_ERR_BAD_STATUS');
    expect(new WebSocketBadStatusException('m', { statusCode: 403 }).code).toBe('WS_ERR_BAD_STATUS');
  });

  it('docs/errors.md lists every code once, with the class and close code it is thrown with', () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const error = createError(code, 'm', { statusCode: 400 } as never);
      expect(error.code).toBe(code);
      expect(error.name, code).toBe(rows.get(code)!.type);
      expect(error.closeCode ?? null, code).toBe(rows.get(code)!.closeCode);
    }
  });

  it('createError binds the class and the close code sent to the code, and keeps the options given', () => {
    const cause = new Error('zlib: invalid distance');
    const inflate = createError('WS_ERR_INVALID_COMPRESSED_DATA', 'bad stream', { cause });
    expect(inflate).toBeInstanceOf(WebSocketProtocolException);
    expect(inflate).toMatchObject({ code: 'WS_ERR_INVALID_COMPRESSED_DATA', closeCode: CloseCode.PROTOCOL_ERROR, message: 'bad stream', cause });
    expect(createError('WS_ERR_MESSAGE_TOO_BIG', 'big')).toMatchObject({ closeCode: 1009 });
    expect(createError('WS_ERR_INVALID_UTF8', 'text')).toBeInstanceOf(WebSocketPayloadException);
    // A refusal to send is not the peer's fault: nothing is sent for it.
    expect(createError('WS_ERR_UNSENDABLE_CLOSE_CODE', 'no').closeCode).toBeUndefined();
    const refused = createError('WS_ERR_PROXY_REFUSED', 'got 502', { statusCode: 502, statusMessage: 'Bad Gateway' });
    expect(refused).toBeInstanceOf(WebSocketProxyException);
    expect(refused).toMatchObject({ statusCode: 502, statusMessage: 'Bad Gateway' });
  });

  it('codes are WS_ERR_ and upper case, so they can be matched and grepped', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^WS_ERR_[A-Z0-9_]+$/);
    const typed: ErrorCode = 'WS_ERR_PING_TIMEOUT';
    expect(ERROR_CODES).toContain(typed);
  });
});

describe('WebSocketBadStatusException constructors', () => {
  it('the options object gives the same exception as websocket-client\'s positional arguments', () => {
    const body = Buffer.from('nope');
    const cause = new Error('under');
    const positional = new WebSocketBadStatusException('403', 403, 'Forbidden', { 'x-a': 'b' }, body, { cause });
    const named = new WebSocketBadStatusException('403', {
      statusCode: 403,
      statusMessage: 'Forbidden',
      respHeaders: { 'x-a': 'b' },
      respBody: body,
      cause,
    });
    for (const e of [positional, named]) {
      expect(e).toMatchObject({ statusCode: 403, statusMessage: 'Forbidden', respHeaders: { 'x-a': 'b' }, respBody: body, cause });
    }
    expect(named).toEqual(positional);
    expect(new WebSocketBadStatusException('m', { statusCode: 500, code: 'WS_ERR_TOO_MANY_REDIRECTS' }).code).toBe('WS_ERR_TOO_MANY_REDIRECTS');
  });
});

describe('CloseCode', () => {
  it('names the codes ABNF.STATUS_* has under websocket-client\'s names', () => {
    expect(ABNF.STATUS_NORMAL).toBe(CloseCode.NORMAL);
    expect(ABNF.STATUS_PROTOCOL_ERROR).toBe(1002);
    expect(ABNF.STATUS_INVALID_EXTENSION).toBe(CloseCode.MANDATORY_EXTENSION);
    expect(ABNF.STATUS_TLS_HANDSHAKE_ERROR).toBe(CloseCode.TLS_HANDSHAKE);
    expect(Object.values(CloseCode)).toEqual([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015]);
  });
});
