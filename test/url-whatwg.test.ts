/**
 * parseUrl against the WHATWG URL Standard (Node's global `URL`, what
 * applications use to allow-list hosts): on generated ws:/wss: URLs with
 * userinfo, IPv4 in odd notations, IPv6, ports, backslashes, percent-encoding
 * and odd characters, both give the same host, port, path and query, or both
 * refuse. parseUrl's documented extra refusals (control characters, white space at
 * either end, port 0, malformed %-escapes in the userinfo) are part of the oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketAddressException } from '../src/exceptions.js';
import { parseUrl } from '../src/url.js';

type Verdict =
  | { kind: 'refuse' }
  | { kind: 'accept'; secure: boolean; host: string; port: number; resource: string };

/** What parseUrl must answer, computed from `new URL()` alone. */
function oracle(text: string): Verdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'refuse' };
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return { kind: 'refuse' };
  if (/[\x00-\x1f\x7f]/.test(text) || text !== text.trim() || url.port === '0') return { kind: 'refuse' };
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return { kind: 'refuse' };
  }
  const secure = url.protocol === 'wss:';
  const fragment = url.href.indexOf('#');
  const withoutFragment = fragment < 0 ? url.href : url.href.slice(0, fragment);
  return {
    kind: 'accept',
    secure,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    resource: url.pathname + url.search + (url.search === '' && withoutFragment.endsWith('?') ? '?' : ''),
  };
}

function verdictOf(text: string): Verdict {
  try {
    const parsed = parseUrl(text);
    return { kind: 'accept', secure: parsed.secure, host: parsed.host, port: parsed.port, resource: parsed.resource };
  } catch (error) {
    expect(error).toBeInstanceOf(WebSocketAddressException);
    return { kind: 'refuse' };
  }
}

const pick = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars.split('')), { maxLength }).map((a) => a.join(''));
const escape = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
  fc.constantFrom('%', '%4', '%zz', '%2e', '%2E', '%2f', '%5C', '%40', '%3A', '%25'),
);
// Characters that change the meaning of a URL, plus a few that do not.
const odd = '/\\?#@:[]%. !"$&\'()*+,;=<>^`{|}~-_\t';
const soup = (maxLength: number) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: pick('ab09', 1) }, { weight: 3, arbitrary: pick(odd, 1) }, escape, fc.constantFrom('é', 'ß', '\u3000', '\uFF0E', 'xn--', '..')), {
    maxLength,
  }).map((a) => a.join(''));

const scheme = fc.constantFrom('ws:', 'wss:', 'WS:', 'wSs:');
const slashes = fc.constantFrom('//', '//', '//', '/', '', '\\\\', '/\\', '///', '\\/');
const userinfo = fc.option(
  fc.tuple(soup(6), fc.option(soup(6), { nil: undefined })).map(([u, p]) => `${u}${p === undefined ? '' : `:${p}`}@`),
  { nil: '' },
);
const host = fc.oneof(
  fc.constantFrom('example.com', 'EXAMPLE.com', '127.0.0.1', 'localhost', 'a.b.c', 'bücher.example', 'xn--bcher-kva.example'),
  fc.constantFrom('0x7f.1', '2130706433', '0177.0.0.1', '127.1', '1.2.3.256', '1.2.3.4.5', '0x', '09.1'),
  fc.constantFrom('[::1]', '[2001:DB8::1]', '[::ffff:1.2.3.4]', '[fe80::1%25eth0]', '[::1', '::1', '[1::2::3]', '[]'),
  soup(8),
  fc.constant(''),
);
const port = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 0, max: 70000 }).map((p) => `:${p}`),
  fc.constantFrom(':', ':0', ':080', ':65535', ':65536', ':1a', ': 1', ':+1', ':99999999999'),
);
const rest = fc.tuple(soup(10), fc.option(soup(8), { nil: undefined }), fc.option(soup(4), { nil: undefined })).map(
  ([path, query, fragment]) => `${path}${query === undefined ? '' : `?${query}`}${fragment === undefined ? '' : `#${fragment}`}`,
);
const wsUrl = fc
  .tuple(scheme, slashes, userinfo, host, port, fc.constantFrom('', '/', '\\'), rest)
  .map(([s, sl, u, h, p, sep, r]) => `${s}${sl}${u}${h}${p}${sep}${r}`);

describe('parseUrl agrees with WHATWG URL (differential property)', () => {
  it('same host, port, path and query, or both refuse', () => {
    fc.assert(
      fc.property(wsUrl, (text) => {
        expect(verdictOf(text)).toEqual(oracle(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on hand-picked URLs where parsers have disagreed', () => {
    const cases = [
      'ws://127.0.0.1\\@evil.example/',
      'ws://127.0.0.1\\\\@evil.example/',
      'ws://evil.example\\@127.0.0.1/',
      'ws://a@b@127.0.0.1/',
      'ws://user:pa\\ss@127.0.0.1/',
      'ws://127.0.0.1#@evil.example/',
      'ws://127.0.0.1?@evil.example/',
      'ws://127.0.0.1%2F@evil.example/',
      'ws://127.0.0.1%40evil.example/',
      'ws://127.0.0.1:80@evil.example/',
      'ws:\\\\127.0.0.1\\x',
      'ws://0x7f000001/',
      'ws://127.0.0.1./',
      'ws://[::ffff:127.0.0.1]/',
      'ws://ex%61mple.com/',
      'ws://example.com:0080/',
      'ws://example.com/a/%2e%2E/b/./c?d=../e',
    ];
    for (const text of cases) expect([text, verdictOf(text)]).toEqual([text, oracle(text)]);
    expect(parseUrl('ws://127.0.0.1\\@evil.example/').host).toBe('127.0.0.1');
  });
});
