import { describe, expect, it } from 'vitest';
import { WebSocketAddressException, WebSocketBadStatusException } from '../../src/exceptions.js';
import { redirectTarget } from '../../src/handshake/redirect.js';
import type { HandshakeResponse } from '../../src/handshake/response.js';

function answer(location: string | undefined, statusCode = 302, statusMessage = 'Found'): HandshakeResponse {
  const headers: Record<string, string> = location === undefined ? {} : { location };
  return { httpVersion: '1.1', statusCode, statusMessage, headers, rawHeaders: Object.entries(headers) };
}

const table: Array<[base: string, location: string, url: string, sameOrigin: boolean]> = [
  ['ws://h/a/b?x=1', 'c', 'ws://h/a/c', true],
  ['ws://h/a/b?x=1', './c/', 'ws://h/a/c/', true],
  ['ws://h/a/b?x=1', '../c', 'ws://h/c', true],
  ['ws://h/a/b?x=1', '../../../c', 'ws://h/c', true],
  ['ws://h/a/b?x=1', '/c?y=2', 'ws://h/c?y=2', true],
  ['ws://h/a/b?x=1', '/c/./d/../e', 'ws://h/c/e', true],
  ['ws://h/a/b?x=1', '?y=2', 'ws://h/a/b?y=2', true],
  ['ws://h/a/b?x=1', '#frag', 'ws://h/a/b?x=1', true],
  ['ws://h/a/b?x=1#old', 'c#new', 'ws://h/a/c', true],
  ['ws://h:8080/a', 'b', 'ws://h:8080/b', true],
  ['ws://h', 'b', 'ws://h/b', true],
  ['ws://h?q', '?r', 'ws://h/?r', true],
  ['ws://h/a', '//other:81/p', 'ws://other:81/p', false],
  ['wss://h/a', '//other/p', 'wss://other/p', false],
  ['ws://h/a', 'http://other/p?q', 'ws://other/p?q', false],
  ['ws://h/a', 'HTTP://h/p', 'ws://h/p', true],
  ['ws://h/a', 'https://h/p', 'wss://h/p', false],
  // Another scheme is another origin, even on the same host and port.
  ['ws://h/a', 'wss://h:80/p', 'wss://h:80/p', false],
  ['ws://h/a', 'http:other', 'ws://other/', false],
  // Resolved as browsers and fetch resolve them: backslashes are slashes in ws/http URLs.
  ['ws://h/a', '\\\\evil.example\\x', 'ws://evil.example/x', false],
  ['ws://h/a', '/\\evil.example/', 'ws://evil.example/', false],
  ['ws://h/a', 'x\\..\\y', 'ws://h/y', true],
  ['ws://h/a', 'https://h:443/p', 'wss://h/p', false],
  ['ws://h/a', 'http://h:443/p', 'ws://h:443/p', false],
  ['ws://h/a', 'ws://H:80/p', 'ws://h/p', true],
  ['ws://h/a', 'ws://h:8080/p', 'ws://h:8080/p', false],
  ['wss://h/a', 'https://h/b', 'wss://h/b', true],
  ['wss://h/a', 'wss://other/b', 'wss://other/b', false],
  ['ws://u:p@h/a', 'b', 'ws://u:p@h/b', true],
  ['ws://u:p@h/a', '//h2/b', 'ws://h2/b', false],
  ['ws://[::1]:8080/a/b', 'c', 'ws://[::1]:8080/a/c', true],
  ['ws://[::1]:8080/a/b', 'ws://[::1]:8081/', 'ws://[::1]:8081/', false],
  ['ws+unix:/tmp/s.sock:/a/b?q', 'c', 'ws+unix:/tmp/s.sock:/a/c', true],
  ['ws+unix:/tmp/s.sock:/a/b', '../../../x', 'ws+unix:/tmp/s.sock:/x', true],
  ['ws+unix:/tmp/s.sock:/a/b?q', '?r', 'ws+unix:/tmp/s.sock:/a/b?r', true],
  ['wss+unix:/tmp/s.sock', '/x', 'wss+unix:/tmp/s.sock:/x', true],
  ['ws+unix:/tmp/s.sock:/a', '//h/x', 'ws://h/x', false],
  ['ws+unix:/tmp/s.sock:/a', 'http://localhost/x', 'ws://localhost/x', false],
];

describe('redirectTarget resolves the Location', () => {
  it.each(table)('%s + %s -> %s', (base, location, url, sameOrigin) => {
    expect(redirectTarget(base, answer(location))).toEqual({ url, sameOrigin });
  });

  it.each([301, 302, 303, 307, 308])('follows %i', (status) => {
    expect(redirectTarget('ws://h/', answer('/x', status))).toEqual({ url: 'ws://h/x', sameOrigin: true });
  });

  it.each([101, 200, 300, 304, 305, 400, 403, 500])('ignores %i', (status) => {
    expect(redirectTarget('ws://h/', answer('/x', status))).toBeNull();
  });

  it('trims spaces around the Location', () => {
    expect(redirectTarget('ws://h/', answer('  /x  '))?.url).toBe('ws://h/x');
  });
});

describe('redirectTarget refuses', () => {
  const refused: Array<[string, string, string | undefined, string]> = [
    ['no Location', 'ws://h/', undefined, 'Handshake status 302 Found: cannot follow the redirect: expected a Location header, got none'],
    ['an empty Location', 'ws://h/', '  ', 'expected a Location header, got none'],
    ['a downgrade to ws:', 'wss://h/', 'ws://h/', 'expected a wss: or https: Location after a wss: request, got a downgrade to "ws://h/"'],
    ['a downgrade to http:', 'wss://h/', 'http://h/x', 'got a downgrade to "http://h/x"'],
    ['a downgrade from wss+unix', 'wss+unix:/tmp/s', 'ws://localhost/', 'downgrade'],
    ['another scheme', 'ws://h/', 'ftp://h/x', 'expected a Location with the scheme ws, wss, http or https, got "ftp://h/x"'],
    ['a unix socket target', 'ws://h/', 'ws+unix:/var/run/docker.sock:/x', 'got "ws+unix:/var/run/docker.sock:/x"'],
    ['javascript:', 'ws://h/', 'javascript:alert(1)', 'got "javascript:alert(1)"'],
    ['an empty host', 'ws://h/', 'http://:8080/x', 'expected a usable WebSocket URL in Location, got "http://:8080/x"'],
    ['a bad port', 'ws://h/', '//h:99999/', 'expected a usable WebSocket URL in Location, got "//h:99999/"'],
    ['a host the URL Standard refuses', 'ws://h/', 'http://1.2.3.999/', 'usable WebSocket URL'],
  ];
  it.each(refused)('%s', (_, base, location, message) => {
    const response = answer(location);
    let caught: unknown;
    try {
      redirectTarget(base, response);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WebSocketBadStatusException);
    const e = caught as WebSocketBadStatusException;
    expect(e.message).toMatch(/^Handshake status 302 Found: cannot follow the redirect: /);
    expect(e).toMatchObject({ code: 'WS_ERR_BAD_REDIRECT' });
    expect(e.message).toContain(message);
    expect(e.statusCode).toBe(302);
    expect(e.statusMessage).toBe('Found');
    expect(e.respHeaders).toBe(response.headers);
  });

  it('an unusable Location carries the Address error as cause', () => {
    try {
      redirectTarget('ws://h/', answer('ws://h:0/'));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).cause).toBeInstanceOf(WebSocketAddressException);
      expect(((e as Error).cause as Error).message).toContain('port from 1 to 65535');
    }
  });
});
