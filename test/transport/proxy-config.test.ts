import { describe, expect, it } from 'vitest';
import { WebSocketProxyException } from '../../src/exceptions.js';
import { isNoProxy, parseProxyUrl, resolveProxy, splitNoProxy } from '../../src/transport/proxy-config.js';

describe('isNoProxy', () => {
  // [host, port, entries, expected]
  const cases: [string, number, string[], boolean][] = [
    ['example.com', 80, [], false],
    ['anything.at.all', 80, ['*'], true],
    ['10.1.2.3', 80, ['*'], true],
    ['example.com', 80, ['example.com'], true],
    ['EXAMPLE.com', 80, ['example.COM'], true],
    ['example.com.', 80, ['example.com'], true],
    ['a.example.com', 80, ['example.com'], true],
    ['a.example.com', 80, ['.example.com'], true],
    ['a.b.example.com', 80, ['*.example.com'], true],
    ['example.com', 80, ['.example.com'], true],
    ['badexample.com', 80, ['example.com'], false],
    ['badexample.com', 80, ['.example.com'], false],
    ['example.com.evil', 80, ['example.com'], false],
    ['example.org', 80, ['example.com', 'other.net'], false],
    ['example.com', 8080, ['example.com:8080'], true],
    ['example.com', 8081, ['example.com:8080'], false],
    ['a.example.com', 443, ['.example.com:443'], true],
    ['127.0.0.1', 80, ['127.0.0.1'], true],
    ['127.0.0.2', 80, ['127.0.0.1'], false],
    ['127.0.0.1', 9000, ['127.0.0.1:9000'], true],
    ['127.0.0.1', 9001, ['127.0.0.1:9000'], false],
    ['127.5.6.7', 80, ['127.0.0.0/8'], true],
    ['128.0.0.1', 80, ['127.0.0.0/8'], false],
    ['192.168.1.77', 80, ['192.168.1.0/24'], true],
    ['192.168.2.77', 80, ['192.168.1.0/24'], false],
    ['10.0.0.1', 80, ['0.0.0.0/0'], true],
    ['10.0.0.1', 80, ['10.0.0.0/33'], false],
    ['::1', 80, ['::1'], true],
    ['[::1]', 80, ['::1'], true],
    ['::1', 80, ['[::1]'], true],
    ['::1', 8080, ['[::1]:8080'], true],
    ['::1', 8081, ['[::1]:8080'], false],
    ['0:0:0:0:0:0:0:1', 80, ['::1'], true],
    ['2001:db8::42', 80, ['2001:db8::/32'], true],
    ['2001:db8::42', 80, ['[2001:db8::]/32'], true],
    ['2001:db9::42', 80, ['2001:db8::/32'], false],
    ['2001:db8::42', 80, ['2001:db8::/129'], false],
    ['10.0.0.1', 80, ['::/0'], false],
    ['::1', 80, ['127.0.0.0/8'], false],
    ['localhost', 80, ['127.0.0.1'], false],
    ['10.0.0.1', 80, ['10.0.0.1.example'], false],
    ['example.com', 80, ['  example.com  '], true],
    ['example.com', 80, ['', ' '], false],
  ];
  it.each(cases)('%s:%d with %j -> %s', (host, port, entries, expected) => {
    expect(isNoProxy(host, port, entries)).toBe(expected);
  });
});

describe('splitNoProxy', () => {
  it('splits on commas and drops blanks and spaces', () => {
    expect(splitNoProxy(' a.com, .b.org ,,127.0.0.0/8 ,')).toEqual(['a.com', '.b.org', '127.0.0.0/8']);
    expect(splitNoProxy('')).toEqual([]);
  });
});

describe('parseProxyUrl', () => {
  const cases: [string, object][] = [
    ['http://proxy:3128', { type: 'http', host: 'proxy', port: 3128 }],
    ['proxy.local:3128', { type: 'http', host: 'proxy.local', port: 3128 }],
    ['proxy.local', { type: 'http', host: 'proxy.local', port: 80 }],
    ['https://proxy', { type: 'https', host: 'proxy', port: 443 }],
    ['HTTP://proxy:1', { type: 'http', host: 'proxy', port: 1 }],
    ['socks4://s:1081', { type: 'socks4', host: 's', port: 1081 }],
    ['socks4a://s', { type: 'socks4a', host: 's', port: 1080 }],
    ['socks5://s', { type: 'socks5', host: 's', port: 1080 }],
    ['socks5h://[::1]:9050', { type: 'socks5h', host: '::1', port: 9050 }],
    ['http://[2001:db8::1]:8080/', { type: 'http', host: '2001:db8::1', port: 8080 }],
    ['  http://p:8080  ', { type: 'http', host: 'p', port: 8080 }],
    ['http://john%40example.com:p%3Aw%20d@p:8080', { type: 'http', host: 'p', port: 8080, auth: ['john@example.com', 'p:w d'] }],
    ['socks5://user@p', { type: 'socks5', host: 'p', port: 1080, auth: ['user', ''] }],
    ['http://%E2%82%AC:x@p', { type: 'http', host: 'p', port: 80, auth: ['€', 'x'] }],
  ];
  it.each(cases)('%s', (url, expected) => {
    expect(parseProxyUrl(url)).toEqual(expected);
  });

  const bad: [string, RegExp][] = [
    ['ftp://p:21', /unknown scheme 'ftp'/],
    ['http://p:0', /port 0 is out of range/],
    ['socks5://p:70000', /does not parse/],
    ['http://', /does not parse|host is missing/],
    ['http://user:%zz@p', /not valid percent-encoding/],
    ['http://[::1', /does not parse/],
  ];
  it.each(bad)('%s is refused', (url, message) => {
    let caught: unknown;
    try {
      parseProxyUrl(url, 'https_proxy');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebSocketProxyException);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^https_proxy: expected a proxy URL/);
    expect((caught as Error)).toMatchObject({ code: 'WS_ERR_INVALID_PROXY_OPTION' });
  });

  it('never puts the password in the message', () => {
    expect(() => parseProxyUrl('ftp://user:hunter2@p')).toThrow(/'ftp:\/\/\*\*\*@p'/);
    expect(() => parseProxyUrl('ftp://user:hunter2@p')).not.toThrow(/hunter2/);
  });
});

describe('resolveProxy', () => {
  const ws = { host: 'echo.example', port: 80, secure: false };
  const wss = { host: 'echo.example', port: 443, secure: true };

  it('gives null with no options and no environment', () => {
    expect(resolveProxy(ws, {}, {})).toBeNull();
    expect(resolveProxy(wss, {}, {})).toBeNull();
  });

  // [target, env, expected]
  const envCases: [string, typeof ws, Record<string, string>, object | null][] = [
    ['ws uses http_proxy', ws, { http_proxy: 'http://a:1' }, { type: 'http', host: 'a', port: 1 }],
    ['ws falls back to HTTP_PROXY', ws, { HTTP_PROXY: 'http://b:2' }, { type: 'http', host: 'b', port: 2 }],
    ['lower case wins', ws, { http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2' }, { type: 'http', host: 'a', port: 1 }],
    ['ws ignores https_proxy', ws, { https_proxy: 'http://c:3' }, null],
    ['wss uses https_proxy', wss, { https_proxy: 'http://c:3', http_proxy: 'http://a:1' }, { type: 'http', host: 'c', port: 3 }],
    ['wss falls back to HTTPS_PROXY', wss, { HTTPS_PROXY: 'https://d' }, { type: 'https', host: 'd', port: 443 }],
    ['wss ignores http_proxy', wss, { http_proxy: 'http://a:1' }, null],
    ['all_proxy is the fallback', wss, { all_proxy: 'socks5h://s:9' }, { type: 'socks5h', host: 's', port: 9 }],
    ['ALL_PROXY is the fallback', ws, { ALL_PROXY: 'socks4://s' }, { type: 'socks4', host: 's', port: 1080 }],
    ['the scheme proxy beats all_proxy', ws, { all_proxy: 'socks5://s', http_proxy: 'http://a:1' }, { type: 'http', host: 'a', port: 1 }],
    ['blank values are unset', ws, { http_proxy: '  ', HTTP_PROXY: 'http://b:2' }, { type: 'http', host: 'b', port: 2 }],
    ['credentials are decoded', ws, { http_proxy: 'http://u%3A1:p%40ss@a:1' }, { type: 'http', host: 'a', port: 1, auth: ['u:1', 'p@ss'] }],
    ['no_proxy skips the proxy', ws, { http_proxy: 'http://a:1', no_proxy: 'foo, .example' }, null],
    ['NO_PROXY skips the proxy', ws, { http_proxy: 'http://a:1', NO_PROXY: 'echo.example' }, null],
    ['no_proxy applies to socks too', ws, { all_proxy: 'socks5://s', no_proxy: '*' }, null],
    ['a non-matching no_proxy', ws, { http_proxy: 'http://a:1', no_proxy: 'badecho.example,example.org' }, { type: 'http', host: 'a', port: 1 }],
  ];
  it.each(envCases)('%s', (_name, target, env, expected) => {
    expect(resolveProxy(target, {}, env)).toEqual(expected);
  });

  it('no_proxy matches the target port and IP ranges', () => {
    const env = { http_proxy: 'http://a:1', no_proxy: '10.0.0.0/8,echo.example:8080' };
    expect(resolveProxy({ host: '10.9.9.9', port: 80, secure: false }, {}, env)).toBeNull();
    expect(resolveProxy({ host: 'echo.example', port: 8080, secure: false }, {}, env)).toBeNull();
    expect(resolveProxy({ host: 'echo.example', port: 80, secure: false }, {}, env)).not.toBeNull();
  });

  it('explicit options win over the environment', () => {
    const env = { http_proxy: 'http://a:1', all_proxy: 'socks5://s' };
    expect(resolveProxy(ws, { httpProxyHost: 'opt', httpProxyPort: 3128 }, env)).toEqual({ type: 'http', host: 'opt', port: 3128 });
  });

  it('fills in the defaults of explicit options per type', () => {
    expect(resolveProxy(ws, { httpProxyHost: 'p' }, {})).toEqual({ type: 'http', host: 'p', port: 80 });
    expect(resolveProxy(ws, { httpProxyHost: 'p', proxyType: 'https' }, {})).toEqual({ type: 'https', host: 'p', port: 443 });
    expect(resolveProxy(ws, { httpProxyHost: 'p', proxyType: 'socks5h' }, {})).toEqual({ type: 'socks5h', host: 'p', port: 1080 });
    expect(resolveProxy(ws, { httpProxyHost: '[::1]', proxyType: 'socks4' }, {})).toEqual({ type: 'socks4', host: '::1', port: 1080 });
  });

  it('carries auth and, for https proxies only, the TLS options', () => {
    const tlsOptions = { rejectUnauthorized: false };
    expect(
      resolveProxy(ws, { httpProxyHost: 'p', proxyType: 'https', httpProxyAuth: ['u', 'p'], proxySslopt: tlsOptions }, {}),
    ).toEqual({ type: 'https', host: 'p', port: 443, auth: ['u', 'p'], tlsOptions });
    expect(resolveProxy(ws, { httpProxyHost: 'p', proxySslopt: tlsOptions }, {})).toEqual({ type: 'http', host: 'p', port: 80 });
  });

  it('httpNoProxy replaces the environment no_proxy and applies to explicit proxies', () => {
    const env = { no_proxy: 'echo.example' };
    expect(resolveProxy(ws, { httpProxyHost: 'p' }, env)).toBeNull();
    expect(resolveProxy(ws, { httpProxyHost: 'p', httpNoProxy: ['other'] }, env)).toEqual({ type: 'http', host: 'p', port: 80 });
    expect(resolveProxy(ws, { httpProxyHost: 'p', httpNoProxy: ['.example'] }, {})).toBeNull();
  });

  it('refuses bad explicit options with a ProxyException', () => {
    const bad: [object, RegExp][] = [
      [{ httpProxyHost: 'p', httpProxyPort: 0 }, /^expected httpProxyPort to be an integer from 1 to 65535, got 0$/],
      [{ httpProxyHost: 'p', httpProxyPort: 65536 }, /got 65536/],
      [{ httpProxyHost: 'p', httpProxyPort: 1.5 }, /got 1.5/],
      [{ httpProxyHost: 'p', proxyType: 'socks6' }, /^expected proxyType to be one of "http", "https", "socks4", "socks4a", "socks5", "socks5h", got "socks6"$/],
      [{ httpProxyHost: 'p', httpProxyAuth: ['only-user'] }, /^expected httpProxyAuth to be a \[user, password\] pair of strings, got \[a string\]$/],
    ];
    for (const [options, message] of bad) {
      expect(() => resolveProxy(ws, options, {})).toThrow(WebSocketProxyException);
      expect(() => resolveProxy(ws, options, {})).toThrow(message);
    }
  });

  it('names the variable of a bad proxy URL', () => {
    expect(() => resolveProxy(wss, {}, { HTTPS_PROXY: 'gopher://x' })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_PROXY_OPTION' }));
    expect(() => resolveProxy(ws, {}, { all_proxy: 'http://x:0' })).toThrow(WebSocketProxyException);
  });

  it('reads process.env by default', () => {
    const saved = process.env.http_proxy;
    process.env.http_proxy = 'http://from-process-env:1';
    try {
      expect(resolveProxy({ host: 'unlisted.example', port: 80, secure: false }, { httpNoProxy: [] })).toEqual({
        type: 'http',
        host: 'from-process-env',
        port: 1,
      });
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
    }
  });
});
