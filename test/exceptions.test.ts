import { describe, expect, it } from 'vitest';
import {
  WebSocketAddressException,
  WebSocketBadStatusException,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketPayloadException,
  WebSocketProxyException,
} from '../src/index.js';
import * as exceptions from '../src/exceptions.js';

/** Every subclass of WebSocketException the module exports that takes `(message, options?)`: all but BadStatus. */
const EXCEPTION_SUBCLASSES = Object.values(exceptions).filter(
  (value): value is typeof exceptions.WebSocketProtocolException =>
    typeof value === 'function' && value.prototype instanceof WebSocketException && value !== WebSocketBadStatusException,
);

describe('exception hierarchy', () => {
  it('finds the six subclasses that take (message, options?)', () => {
    expect(EXCEPTION_SUBCLASSES.map((c) => c.name).sort()).toEqual([
      'WebSocketAddressException',
      'WebSocketConnectionClosedException',
      'WebSocketPayloadException',
      'WebSocketProtocolException',
      'WebSocketProxyException',
      'WebSocketTimeoutException',
    ]);
  });

  it.each(EXCEPTION_SUBCLASSES.map((c) => [c.name, c] as const))('%s is a WebSocketException with its own name', (_, Cls) => {
    const e = new Cls('boom');
    expect(e).toBeInstanceOf(Cls);
    expect(e).toBeInstanceOf(WebSocketException);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe(Cls.name);
    expect(e.message).toBe('boom');
    expect(e.cause).toBeUndefined();
    expect(e.closeCode).toBeUndefined();
    expect(String(e)).toBe(`${Cls.name}: boom`);
  });

  it('carries the wrapped error as cause and the close code sent', () => {
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' });
    const e = new WebSocketAddressException('cannot resolve x', { cause });
    expect(e.cause).toBe(cause);
    const p = new WebSocketPayloadException('invalid UTF-8', { closeCode: 1007 });
    expect(p.closeCode).toBe(1007);
  });

  it('BadStatus keeps status, reason, headers and body', () => {
    const body = Buffer.from('nope');
    const e = new WebSocketBadStatusException('expected 101, got 403 Forbidden', 403, 'Forbidden', { 'x-a': 'b' }, body);
    expect(e).toBeInstanceOf(WebSocketException);
    expect(e.name).toBe('WebSocketBadStatusException');
    expect(e.statusCode).toBe(403);
    expect(e.statusMessage).toBe('Forbidden');
    expect(e.respHeaders).toEqual({ 'x-a': 'b' });
    expect(e.respBody).toBe(body);
    const bare = new WebSocketBadStatusException('m', 500);
    expect(bare.statusMessage).toBeUndefined();
    expect(bare.respHeaders).toBeUndefined();
  });

  it('Proxy carries the status of a refused CONNECT, and nothing for other failures', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const refused = new WebSocketProxyException('expected a 2xx status, got 407 Proxy Authentication Required', {
      statusCode: 407,
      statusMessage: 'Proxy Authentication Required',
      cause,
    });
    expect(refused).toBeInstanceOf(WebSocketException);
    expect(refused.name).toBe('WebSocketProxyException');
    expect(refused.statusCode).toBe(407);
    expect(refused.statusMessage).toBe('Proxy Authentication Required');
    expect(refused.cause).toBe(cause);
    const noReason = new WebSocketProxyException('got 502', { statusCode: 502, statusMessage: '' });
    expect(noReason.statusMessage).toBe('');
    const other = new WebSocketProxyException('SOCKS5 proxy auth rejected');
    expect(other.statusCode).toBeUndefined();
    expect(other.statusMessage).toBeUndefined();
  });

  it('ConnectionClosed carries the server\'s close code and reason, and nothing when the server sent no close', () => {
    const closed = new WebSocketConnectionClosedException('connection closed by the server with code 4001 (bye)', {
      peerCloseCode: 4001,
      peerCloseReason: 'bye',
    });
    expect(closed.peerCloseCode).toBe(4001);
    expect(closed.peerCloseReason).toBe('bye');
    expect(closed.closeCode).toBeUndefined();
    const empty = new WebSocketConnectionClosedException('connection closed by the server', { peerCloseCode: null, peerCloseReason: '' });
    expect(empty.peerCloseCode).toBeNull();
    expect(empty.peerCloseReason).toBe('');
    const lost = new WebSocketConnectionClosedException('connection to remote host was lost');
    expect(lost.peerCloseCode).toBeUndefined();
    expect(lost.peerCloseReason).toBeUndefined();
  });

  it('instanceof works from the compiled output', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', 'node_modules/.cache/exc-dist'], { stdio: 'pipe' });
    const mod = await import('../node_modules/.cache/exc-dist/index.js' as string);
    const e = new mod.WebSocketTimeoutException('t');
    expect(e instanceof mod.WebSocketException).toBe(true);
    expect(e instanceof Error).toBe(true);
    expect(e.name).toBe('WebSocketTimeoutException');
  });
});
