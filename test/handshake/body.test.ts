import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketBadStatusException } from '../../src/exceptions.js';
import { MAX_BODY_BYTES, ResponseBodyCollector, badStatusError } from '../../src/handshake/body.js';
import type { HandshakeResponse } from '../../src/handshake/response.js';

function response(statusCode: number, headers: Record<string, string> = {}, statusMessage = 'Forbidden'): HandshakeResponse {
  return { httpVersion: '1.1', statusCode, statusMessage, headers, rawHeaders: Object.entries(headers) };
}

/** Pushes `bytes` in pieces cut at `cuts`; returns the collector and whether it finished. */
function collect(r: HandshakeResponse, bytes: Buffer, cuts: number[] = [], limit?: number) {
  const c = new ResponseBodyCollector(r, limit);
  let from = 0;
  let complete = c.done;
  for (const cut of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (complete) break;
    complete = c.push(bytes.subarray(from, cut));
    from = cut;
  }
  return { c, complete };
}

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + Math.max(1, size));
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    at += piece.length;
  }
  if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('ResponseBodyCollector', () => {
  it('reads exactly Content-Length bytes and ignores what follows', () => {
    const { c, complete } = collect(response(403, { 'content-length': '5' }), Buffer.from('nope!extra'), [2, 3]);
    expect(complete).toBe(true);
    expect(c.body.toString()).toBe('nope!');
    expect(c.truncated).toBe(false);
    expect(c.push(Buffer.from('more'))).toBe(true);
    expect(c.body.toString()).toBe('nope!');
  });

  it('a Content-Length of 0, 204 and 304 are complete at once', () => {
    for (const r of [response(403, { 'content-length': '0' }), response(204), response(304), response(100)]) {
      const c = new ResponseBodyCollector(r);
      expect(c.done).toBe(true);
      expect(c.body).toHaveLength(0);
    }
  });

  it('repeated identical Content-Length values count once', () => {
    expect(collect(response(403, { 'content-length': '3, 3' }), Buffer.from('abcdef')).c.body.toString()).toBe('abc');
  });

  it('an invalid Content-Length is read until close', () => {
    for (const value of ['3, 4', '-1', 'abc', '']) {
      const { c, complete } = collect(response(403, { 'content-length': value }), Buffer.from('abcdef'));
      expect(complete).toBe(false);
      c.end();
      expect(c.body.toString()).toBe('abcdef');
      expect(c.truncated).toBe(false);
    }
  });

  it('without framing, reads until close', () => {
    const { c, complete } = collect(response(500), Buffer.from('boom'), [1]);
    expect(complete).toBe(false);
    expect(c.done).toBe(false);
    c.end();
    expect(c.done).toBe(true);
    expect(c.truncated).toBe(false);
    expect(c.body.toString()).toBe('boom');
  });

  it('a close before Content-Length is reached marks the body truncated', () => {
    const { c } = collect(response(403, { 'content-length': '10' }), Buffer.from('abc'));
    c.end();
    expect(c.body.toString()).toBe('abc');
    expect(c.truncated).toBe(true);
  });

  it('decodes chunked transfer coding, with chunk extensions and upper-case hex', () => {
    const wire = Buffer.from('4;name=x\r\nWiki\r\n5 ; a="b"\r\npedia\r\n0E\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n');
    const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked' }), wire);
    expect(complete).toBe(true);
    expect(c.body.toString()).toBe('Wikipedia in\r\n\r\nchunks.');
    expect(c.truncated).toBe(false);
  });

  it('tolerates bare LF in chunked framing', () => {
    const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked' }), Buffer.from('3\nabc\n0\n\n'));
    expect(complete).toBe(true);
    expect(c.body.toString()).toBe('abc');
  });

  it('a transfer coding other than chunked last is read until close', () => {
    const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked, gzip', 'content-length': '2' }), Buffer.from('3\r\nabc'));
    expect(complete).toBe(false);
    c.end();
    expect(c.body.toString()).toBe('3\r\nabc');
  });

  it('Transfer-Encoding wins over Content-Length (RFC 7230 §3.3.3)', () => {
    const { c } = collect(response(403, { 'transfer-encoding': 'Chunked', 'content-length': '2' }), Buffer.from('3\r\nabc\r\n0\r\n\r\n'));
    expect(c.body.toString()).toBe('abc');
  });

  it.each([
    ['a size that is not hex', 'zz\r\nabc\r\n'],
    ['a missing CRLF after the data', '3\r\nabcX\r\n0\r\n\r\n'],
    ['an endless size line', `${'1'.repeat(2000)}`],
    ['an empty size line', '\r\nabc'],
  ])('malformed chunking (%s) ends collection with truncated set', (_, wire) => {
    const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked' }), Buffer.from(wire));
    expect(complete).toBe(true);
    expect(c.truncated).toBe(true);
  });

  it('a close in the middle of a chunk keeps what came, truncated', () => {
    const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked' }), Buffer.from('a\r\nabc'));
    expect(complete).toBe(false);
    c.end();
    expect(c.body.toString()).toBe('abc');
    expect(c.truncated).toBe(true);
  });

  describe(`keeps at most ${MAX_BODY_BYTES} bytes`, () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1000, 0x61);
    it.each([
      ['Content-Length', { 'content-length': String(big.length) }, big],
      ['until close', {}, big],
      ['chunked', { 'transfer-encoding': 'chunked' }, chunked(big, [30000, 30000, 30000])],
    ])('%s', (_, headers, wire) => {
      const { c, complete } = collect(response(403, headers), wire, [1000, 40000, 65535, 65536, 65537]);
      expect(complete).toBe(true);
      expect(c.body).toHaveLength(MAX_BODY_BYTES);
      expect(c.truncated).toBe(true);
    });

    it('a body of exactly the limit is whole', () => {
      const exact = big.subarray(0, MAX_BODY_BYTES);
      const { c } = collect(response(403, { 'content-length': String(MAX_BODY_BYTES) }), exact, [7]);
      expect(c.body).toHaveLength(MAX_BODY_BYTES);
      expect(c.truncated).toBe(false);
      const untilClose = collect(response(403), exact).c;
      untilClose.end();
      expect(untilClose.truncated).toBe(false);
    });

    it('a custom limit', () => {
      const { c, complete } = collect(response(403), Buffer.from('abcdef'), [], 4);
      expect(complete).toBe(true);
      expect(c.body.toString()).toBe('abcd');
    });
  });

  it('property: chunked bodies decode to the same bytes under any chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat({ max: 500 }), { maxLength: 10 }),
        (body, sizes, trailing, cuts) => {
          const wire = Buffer.concat([chunked(Buffer.from(body), sizes), trailing]);
          const { c, complete } = collect(response(403, { 'transfer-encoding': 'chunked' }), wire, cuts);
          expect(complete).toBe(true);
          expect(c.truncated).toBe(false);
          expect(c.body).toEqual(Buffer.from(body));
        },
      ),
    );
  });

  it('property: Content-Length bodies are the first N bytes under any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 300 }), fc.array(fc.nat({ max: 300 })), (bytes, n, cuts) => {
        const length = Math.min(n, bytes.length);
        const { c, complete } = collect(response(403, { 'content-length': String(length) }), Buffer.from(bytes), cuts);
        expect(complete).toBe(true);
        expect(c.body).toEqual(Buffer.from(bytes.subarray(0, length)));
      }),
    );
  });
});

describe('badStatusError', () => {
  it('names the status and carries code, message, headers and body', () => {
    const headers = { 'content-type': 'text/plain' };
    const e = badStatusError(response(403, headers), Buffer.from('nope!'));
    expect(e).toBeInstanceOf(WebSocketBadStatusException);
    expect(e.message).toBe('Handshake status 403 Forbidden: expected 101 Switching Protocols; body: "nope!"');
    expect(e.statusCode).toBe(403);
    expect(e.statusMessage).toBe('Forbidden');
    expect(e.respHeaders).toBe(headers);
    expect(e.respBody?.toString()).toBe('nope!');
  });

  it('without a body, or with an empty one, says nothing about it', () => {
    expect(badStatusError(response(404, {}, 'Not Found')).message).toBe('Handshake status 404 Not Found: expected 101 Switching Protocols');
    expect(badStatusError(response(404, {}, ''), Buffer.alloc(0)).message).toBe('Handshake status 404: expected 101 Switching Protocols');
  });

  it('quotes only the first line of a textual body, truncated', () => {
    const e = badStatusError(response(500, {}, 'Internal Server Error'), Buffer.from(`\r\n  ${'x'.repeat(300)}\nsecond line`));
    expect(e.message).toBe(`Handshake status 500 Internal Server Error: expected 101 Switching Protocols; body: "${'x'.repeat(120)}…"`);
    expect(badStatusError(response(500), Buffer.from('<h1>Erreur serveur é</h1>\r\n<p>x</p>')).message).toContain('; body: "<h1>Erreur serveur é</h1>"');
  });

  it('leaves out binary, invalid UTF-8 and very long first lines', () => {
    for (const body of [Buffer.from([0x00, 0x01, 0x02]), Buffer.from([0xff, 0xfe, 0x41]), Buffer.alloc(2000, 0x61)]) {
      const e = badStatusError(response(403), body);
      expect(e.message).toBe('Handshake status 403 Forbidden: expected 101 Switching Protocols');
      expect(e.respBody).toBe(body);
    }
  });

  it('takes another expectation text', () => {
    expect(badStatusError(response(302, {}, 'Found'), undefined, 'redirect without a Location header').message).toBe(
      'Handshake status 302 Found: redirect without a Location header',
    );
  });
});
