/**
 * No password, token or cookie value in any exception message or trace line:
 * URL userinfo (timeouts, address errors, redirects), proxy URLs whose password
 * holds "/" and other URL-special characters, and the handshake trace
 * (Authorization, Proxy-Authorization, Cookie, Set-Cookie). Real servers on
 * 127.0.0.1; a fast-check property generates the credentials.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WebSocketAddressException,
  WebSocketBadStatusException,
  WebSocketProxyException,
  WebSocketTimeoutException,
  createConnection,
  enableTrace,
} from '../../src/index.js';
import { parseProxyUrl, resolveProxy } from '../../src/transport/proxy.js';
import { parseUrl } from '../../src/url.js';
import { startSilentServer } from '../helpers/servers.js';
import { startRawServer, type RawServer } from '../helpers/raw-server.js';
import { rejectionOf, thrownBy } from '../helpers/outcome.js';

let lines: string[] = [];
afterEach(() => enableTrace(false));

function traceInto(): void {
  lines = [];
  enableTrace(true, (line) => lines.push(line));
}

/** Every message of an error and its causes. */
function messages(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) out.push(e.message);
  return out;
}

/**
 * Every form a secret could take in text: as given, percent-encoded (both ways
 * URLs are written), in a Basic token with its user, and its first 4 characters
 * (a marker no message contains by itself, so a secret cut at a "/" or "#" is
 * still caught).
 */
function forms(secret: string, user?: string): string[] {
  const out = [secret, encodeURIComponent(secret), secret.slice(0, 4)];
  if (user !== undefined) out.push(Buffer.from(`${user}:${secret}`, 'utf8').toString('base64'));
  return out;
}

function expectNone(texts: string[], secrets: string[]): void {
  for (const text of texts) {
    for (const secret of secrets) expect(text, `a secret in ${JSON.stringify(text)}`).not.toContain(secret);
  }
}

describe('URL userinfo never reaches a message', () => {
  it('a handshake timeout names the URL without its password', async () => {
    const silent = await startSilentServer();
    try {
      const error = await rejectionOf(createConnection(`ws://alice:S3cretPw@127.0.0.1:${silent.port}/chat?room=1`, { timeout: 100 }));
      expect(error).toBeInstanceOf(WebSocketTimeoutException);
      expect(error.message).toBe(`opening handshake with ws://127.0.0.1:${silent.port}/chat?room=1 timed out after 100 ms`);
    } finally {
      await silent.close();
    }
  });

  it('an address error for a bad port hides the userinfo', () => {
    const error = thrownBy(() => parseUrl('ws://alice:S3cretPw@127.0.0.1:99999/'));
    expect(error).toBeInstanceOf(WebSocketAddressException);
    expect(error.message).toBe('invalid WebSocket URL "ws://***@127.0.0.1:99999/": expected a port from 1 to 65535, got "99999"');
  });

  it('a redirect that cannot be followed hides the userinfo of the Location', async () => {
    const server = await startRawServer(async (peer) => {
      await peer.request();
      await peer.play(['HTTP/1.1 302 Found\r\nLocation: ws://bob:T0kenX@127.0.0.1:99999/\r\nContent-Length: 0\r\n\r\n']);
    });
    try {
      traceInto();
      const error = await rejectionOf(createConnection(server.url, { timeout: 3000 }));
      expect(error).toBeInstanceOf(WebSocketBadStatusException);
      expect(error.message).toContain('"ws://***@127.0.0.1:99999/"');
      expect(lines.join('\n')).toContain('location: ws://***@127.0.0.1:99999/');
      expectNone([...messages(error), ...lines], ['T0kenX', 'bob']);
    } finally {
      await server.close();
    }
  });
});

describe('proxy URLs', () => {
  it('a password with "/" is hidden when the proxy URL is refused', () => {
    const error = thrownBy(() => parseProxyUrl('http://user:SE/CRET@p:99999'));
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).not.toContain('SE');
    expect(error.message).not.toContain('CRET');
    expect(error.message).toContain("'http://***@p:99999'");
  });

  it('from the environment too, naming the variable', () => {
    const error = thrownBy(() => resolveProxy({ host: 'h', port: 80, secure: false }, {}, { http_proxy: 'http://u:a#b?c/d@proxy:0' }));
    expect(error.message).toMatch(/^http_proxy: /);
    expectNone([error.message], ['a#b', 'b?c', 'c/d']);
  });

  it('httpProxyAuth of the wrong shape is described, not echoed', async () => {
    const error = await rejectionOf(
      createConnection('ws://127.0.0.1:1/', { timeout: 1000, httpProxyHost: '127.0.0.1', httpProxyAuth: ['u', 'S3cretPw', 'x'] as unknown as [string, string] }),
    );
    expect(error).toBeInstanceOf(WebSocketProxyException);
    expect(error.message).toBe('expected httpProxyAuth to be a [user, password] pair of strings, got [a string, a string, a string]');
    expect(error.message).not.toContain('S3cretPw');
  });
});

describe('enableTrace hides credential header values', () => {
  it('Set-Cookie of the response, and the Authorization, Proxy-Authorization and Cookie sent', async () => {
    const server = await startRawServer(async (peer) => {
      await peer.request();
      await peer.play([
        'HTTP/1.1 403 Forbidden\r\nSet-Cookie: sid=C00kieVal; Path=/; HttpOnly\r\nSet-Cookie: other=C00kie2\r\nContent-Length: 0\r\n\r\n',
      ]);
    });
    try {
      traceInto();
      const error = await rejectionOf(
        createConnection(server.url, {
          timeout: 3000,
          cookie: 'mine=C00kie3',
          header: { Authorization: 'Bearer T0ken1', 'Proxy-Authorization': 'Basic T0ken2' },
        }),
      );
      expect(error).toBeInstanceOf(WebSocketBadStatusException);
      const all = lines.join('\n');
      expect(all).toContain('set-cookie: sid=***; Path=/; HttpOnly\nset-cookie: other=***');
      expect(all).toContain('Authorization: Bearer ***');
      expect(all).toContain('Proxy-Authorization: Basic ***');
      expect(all).toContain('Cookie: mine=***');
      expectNone([...lines, ...messages(error)], ['C00kie', 'T0ken']);
    } finally {
      await server.close();
    }
  });
});

describe('credentials with every URL-special character (property)', () => {
  const special = ':/?#[]@!$&\'()*+,;=%\\ "<>^`{|}~.-_é';
  const tail = fc.array(fc.constantFrom(...special.split(''), 'a', 'Z', '0'), { minLength: 1, maxLength: 10 }).map((a) => a.join(''));
  // Each secret starts with a marker (S3 / U7 / C9) that no message holds by itself.
  const password = tail.map((t) => `S3${t}`);
  const user = tail.map((t) => `U7${t}`);
  // RFC 6265 §4.1.1 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon, backslash.
  const cookie = fc
    .array(fc.constantFrom(...':/?#[]@!$&\'()*+=%^`{|}~.-_aZ0'.split('')), { minLength: 1, maxLength: 10 })
    .map((a) => `C9${a.join('')}`);

  let silent: { port: number; close(): Promise<void> };
  let server: RawServer;
  let answer = '';
  beforeAll(async () => {
    silent = await startSilentServer();
    server = await startRawServer(async (peer) => {
      await peer.request();
      await peer.play([answer]);
    });
  });
  afterAll(async () => {
    await silent.close();
    await server.close();
  });

  it('no message and no trace line holds the user name, the password, a token or a cookie value', async () => {
    await fc.assert(
      fc.asyncProperty(user, password, cookie, async (u, p, c) => {
        const secrets = [...forms(p, u), ...forms(u), ...forms(c)];
        const texts: string[] = [];
        const userinfo = `${encodeURIComponent(u)}:${encodeURIComponent(p)}`;
        traceInto();

        // A timeout while the server stays silent, with the request traced.
        const timedOut = await rejectionOf(createConnection(`ws://${userinfo}@127.0.0.1:${silent.port}/x`, { timeout: 30 }));
        expect(timedOut).toBeInstanceOf(WebSocketTimeoutException);
        texts.push(...messages(timedOut));

        // Address errors, percent-encoded and raw (a raw one that still parses means another URL: nothing to refuse).
        texts.push(...messages(thrownBy(() => parseUrl(`ws://${userinfo}@127.0.0.1:99999/`))));
        for (const text of [`ws://${u}:${p}@127.0.0.1:99999/`, `wss://${u}:${p}@[::1/`]) {
          try {
            parseUrl(text);
          } catch (error) {
            texts.push(...messages(error));
          }
        }

        // Proxy URLs, raw and encoded, from options and from the environment.
        for (const text of [`http://${u}:${p}@proxy.example:99999`, `socks5://${userinfo}@proxy.example:0`, `${u}:${p}@proxy.example:70000`]) {
          try {
            parseProxyUrl(text, 'all_proxy');
          } catch (error) {
            texts.push(...messages(error));
          }
        }

        // A refusal with cookies, then a redirect to a URL with userinfo past redirectLimit.
        const headers = { Authorization: `Bearer ${p}`, 'Proxy-Authorization': `Basic ${u}` };
        answer = `HTTP/1.1 401 Unauthorized\r\nSet-Cookie: sid=${c}; Path=/\r\nSet-Cookie: n2=${c}; Secure\r\nContent-Length: 0\r\n\r\n`;
        const refused = await rejectionOf(createConnection(server.url, { timeout: 3000, cookie: `a=${c}`, header: headers }));
        expect(refused).toBeInstanceOf(WebSocketBadStatusException);
        texts.push(...messages(refused));
        answer = `HTTP/1.1 302 Found\r\nLocation: ws://${userinfo}@127.0.0.1:${server.port}/again\r\nContent-Length: 0\r\n\r\n`;
        const redirected = await rejectionOf(createConnection(server.url, { timeout: 3000, redirectLimit: 0, header: headers }));
        expect(redirected).toBeInstanceOf(WebSocketBadStatusException);
        texts.push(...messages(redirected));

        enableTrace(false);
        expect(lines.length).toBeGreaterThan(3);
        expectNone([...texts, ...lines], secrets);
      }),
      { numRuns: 25 },
    );
  });
});
