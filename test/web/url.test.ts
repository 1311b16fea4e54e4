/**
 * The constructor's checks (WHATWG WebSockets § The WebSocket interface,
 * constructor steps): URL scheme mapping and fragments, and subprotocol tokens,
 * as properties over generated input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProtocols, parseWebSocketUrl } from '../../src/web/url.js';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });

function syntaxErrorOf(action: () => unknown): string | null {
  try {
    action();
    return null;
  } catch (error) {
    return error instanceof DOMException ? error.name : 'other';
  }
}

describe('checkProtocols', () => {
  it('accepts any list of distinct tokens, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(token, { maxLength: 6 }), (list) => {
        expect(checkProtocols(list)).toEqual(list);
      }),
    );
  });

  it('rejects a protocol with any character outside tchar, or an empty one, with SyntaxError', () => {
    const bad = fc
      .tuple(token, fc.string({ minLength: 1, maxLength: 3 }).filter((s) => [...s].some((c) => !TCHARS.includes(c))), token)
      .map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(bad, (protocol) => {
        expect(syntaxErrorOf(() => checkProtocols(['ok', protocol]))).toBe('SyntaxError');
      }),
    );
    expect(syntaxErrorOf(() => checkProtocols(''))).toBe('SyntaxError');
  });

  it('rejects a repeated protocol with SyntaxError, and compares exactly (case matters)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(token, { minLength: 1, maxLength: 5 }), fc.nat(), (list, at) => {
        const repeated = [...list, list[at % list.length]];
        expect(syntaxErrorOf(() => checkProtocols(repeated))).toBe('SyntaxError');
      }),
    );
    expect(checkProtocols(['Chat', 'chat'])).toEqual(['Chat', 'chat']);
  });
});

describe('parseWebSocketUrl', () => {
  const path = fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { maxLength: 3 }).map((parts) => `/${parts.join('/')}`);
  const query = fc.option(fc.stringMatching(/^[a-z0-9=&]{0,8}$/), { nil: undefined }).map((q) => (q === undefined ? '' : `?${q}`));

  it('turns http: into ws: and https: into wss:, keeping host, port, path and query', () => {
    fc.assert(
      fc.property(fc.constantFrom('http', 'https', 'ws', 'wss'), fc.integer({ min: 1, max: 65535 }), path, query, (scheme, port, p, q) => {
        const url = parseWebSocketUrl(`${scheme}://127.0.0.1:${port}${p}${q}`);
        const expected = new URL(`${scheme.replace(/^http/, 'ws')}://127.0.0.1:${port}${p}${q}`);
        expect(url.href).toBe(expected.href);
      }),
    );
  });

  it('rejects any fragment and any other scheme with SyntaxError', () => {
    fc.assert(
      fc.property(path, fc.stringMatching(/^[a-z0-9]{0,5}$/), (p, fragment) => {
        expect(syntaxErrorOf(() => parseWebSocketUrl(`ws://127.0.0.1${p}#${fragment}`))).toBe('SyntaxError');
      }),
    );
    for (const url of ['ftp://h/', 'file:///x', 'mailto:a@b', 'javascript:1', 'not a url', '']) {
      expect(syntaxErrorOf(() => parseWebSocketUrl(url)), url).toBe('SyntaxError');
    }
  });
});
