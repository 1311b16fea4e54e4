/**
 * The proxy handshakes (HTTP CONNECT, SOCKS4/4a, SOCKS5 with and without
 * RFC 1929 auth) under hostile proxy replies: only WebSocketProxyException,
 * bytes held while waiting stay under the reply's bound (16 KiB for CONNECT,
 * 8 bytes for SOCKS4, 262 for SOCKS5), and the outcome — bytes written,
 * bytes past the reply, or the error — does not depend on the chunking.
 */
import fc from 'fast-check';
import { WebSocketProxyException } from '../../src/exceptions.js';
import {
  HttpConnectHandshake,
  MAX_CONNECT_REPLY_HEAD,
  Socks4Handshake,
  Socks5Handshake,
  type ProxyHandshake,
} from '../../src/transport/proxy-handshake.js';
import { chunk, cutsArb, describeError, ensure, fingerprint, hostileBytes, timed, type FuzzTarget } from '../support.js';

type Kind = 'http' | 'http-auth' | 'socks4' | 'socks4a' | 'socks5' | 'socks5-auth';

/** Largest SOCKS5 CONNECT reply: VER REP RSV ATYP, a 255-byte name with its length byte, the port. */
const MAX_SOCKS5_REPLY = 4 + 1 + 255 + 2;

function make(kind: Kind, host: string): ProxyHandshake {
  switch (kind) {
    case 'http':
      return new HttpConnectHandshake({ host, port: 443 });
    case 'http-auth':
      return new HttpConnectHandshake({ host, port: 443 }, ['user', 'pass']);
    case 'socks4':
      return new Socks4Handshake({ host: '10.1.2.3', port: 80 }, false);
    case 'socks4a':
      return new Socks4Handshake({ host: 'example.test', port: 80 }, true, 'me');
    case 'socks5':
      return new Socks5Handshake({ host, port: 443 });
    case 'socks5-auth':
      return new Socks5Handshake({ host, port: 443 }, ['user', 'pass']);
  }
}

function bound(kind: Kind): number {
  if (kind.startsWith('http')) return MAX_CONNECT_REPLY_HEAD;
  return kind.startsWith('socks4') ? 8 : MAX_SOCKS5_REPLY;
}

const httpReplyArb = fc
  .record({
    status: fc.oneof(
      fc.constantFrom('HTTP/1.1 200 Connection established', 'HTTP/1.0 200 OK', 'HTTP/1.1 407 Proxy Authentication Required', 'HTTP/1.1 502 Bad Gateway', 'HTTP/1.1 200', 'HTTP/2 200', 'SSH-2.0-x'),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    ),
    headers: fc.oneof(
      { weight: 5, arbitrary: fc.array(fc.string({ unit: 'binary-ascii', maxLength: 40 }), { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.constant<string[]>([`X-Big: ${'b'.repeat(17_000)}`]) },
    ),
    eol: fc.constantFrom('\r\n', '\n'),
    rest: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ status, headers, eol, rest }) => Buffer.concat([Buffer.from(`${status}${eol}${headers.map((h) => h + eol).join('')}${eol}`, 'latin1'), rest]));

const socks4ReplyArb = fc
  .tuple(fc.constantFrom(0, 0, 4, 5, 0x48), fc.constantFrom(0x5a, 0x5a, 0x5b, 0x5c, 0x5d, 0x00), fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ maxLength: 20 }))
  .map(([vn, cd, rest6, after]) => Buffer.concat([Buffer.of(vn, cd), rest6, after]));

const socks5ReplyArb = fc
  .record({
    method: fc.constantFrom(0x00, 0x02, 0xff, 0x01, 0x80),
    authStatus: fc.constantFrom(0, 0, 1, 0xff),
    rep: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    atyp: fc.constantFrom(1, 3, 4, 0, 2, 5),
    name: fc.uint8Array({ maxLength: 255 }),
    rest: fc.uint8Array({ maxLength: 20 }),
  })
  .map(({ method, authStatus, rep, atyp, name, rest }) => {
    const address = atyp === 1 ? Buffer.alloc(4, 7) : atyp === 4 ? Buffer.alloc(16, 9) : atyp === 3 ? Buffer.concat([Buffer.of(name.length), name]) : Buffer.alloc(0);
    const parts: Uint8Array[] = [Buffer.of(5, method)];
    if (method === 0x02) parts.push(Buffer.of(1, authStatus));
    parts.push(Buffer.of(5, rep, 0, atyp), address, Buffer.of(0x1f, 0x90), rest);
    return Buffer.concat(parts);
  });

function run(kind: Kind, host: string, pieces: Buffer[]): string {
  const handshake = make(kind, host);
  const writes: Buffer[] = [handshake.start()];
  try {
    for (const piece of pieces) {
      const step = handshake.feed(piece);
      if (step.kind === 'write') writes.push(step.data);
      if (step.kind === 'done') {
        if (step.data !== undefined) writes.push(step.data);
        // The rest of the stream belongs to the tunnel: count it in.
        const rest = Buffer.concat([step.rest, ...pieces.slice(pieces.indexOf(piece) + 1)]);
        return `done wrote ${fingerprint(Buffer.concat(writes))} rest ${fingerprint(rest)}`;
      }
      ensure(handshake.pending < bound(kind), () => `${kind} holds ${handshake.pending} bytes while waiting: expected fewer than ${bound(kind)}`);
    }
  } catch (error) {
    return `E ${describeError(error, [WebSocketProxyException], `${kind} handshake feed`)}`;
  }
  return `waiting (${handshake.waitingFor}) wrote ${fingerprint(Buffer.concat(writes))}`;
}

export const proxyTarget: FuzzTarget = {
  name: 'proxy',
  what: 'HTTP CONNECT / SOCKS4 / SOCKS4a / SOCKS5 reply parsers: structured replies, mutated, random, chunked',
  property: fc.property(
    fc.constantFrom<Kind>('http', 'http-auth', 'socks4', 'socks4a', 'socks5', 'socks5-auth'),
    fc.constantFrom('example.test', '127.0.0.1', '::1'),
    hostileBytes(fc.oneof(httpReplyArb, socks4ReplyArb, socks5ReplyArb)),
    cutsArb,
    (kind, host, bytes, cuts) => {
      const whole = timed('proxy handshake (one chunk)', () => run(kind, host, [Buffer.from(bytes)]));
      const pieces = timed('proxy handshake (chunked)', () => run(kind, host, chunk(bytes, cuts)));
      ensure(whole === pieces, () => `chunking changed the outcome:\n${whole}\n---\n${pieces}`);
    },
  ),
};
