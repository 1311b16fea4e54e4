import fc from 'fast-check';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FrameDescriber, describeBinary, describeClose, describeError, opcodeName } from '../../src/cli/format.js';
import {
  WebSocketAddressException,
  WebSocketBadStatusException,
  WebSocketTimeoutException,
} from '../../src/index.js';

describe('describeBinary', () => {
  it('shows gzip, zlib and raw deflate data as the UTF-8 text inside', () => {
    expect(describeBinary(gzipSync('héllo'))).toBe('[gzip] héllo');
    expect(describeBinary(deflateSync('héllo'))).toBe('[zlib] héllo');
    expect(describeBinary(deflateRawSync('héllo'))).toBe('[zlib] héllo');
  });

  it('shows everything else as hex', () => {
    expect(describeBinary(Uint8Array.of(1, 2, 0xff))).toBe('[hex] 0102ff');
    expect(describeBinary(new Uint8Array(0))).toBe('[hex]');
    // The gzip magic alone, or a gzip stream of bytes that are not UTF-8.
    expect(describeBinary(Uint8Array.of(0x1f, 0x8b, 0))).toBe('[hex] 1f8b00');
    expect(describeBinary(gzipSync(Uint8Array.of(0xc3, 0x28)))).toMatch(/^\[hex\] 1f8b/);
    // Compressed non-UTF-8, and a stream followed by extra bytes.
    expect(describeBinary(deflateSync(Uint8Array.of(0xff)))).toMatch(/^\[hex\] /);
    const trailing = Buffer.concat([deflateRawSync('x'), Buffer.from([9])]);
    expect(describeBinary(trailing)).toBe(`[hex] ${trailing.toString('hex')}`);
  });

  it('does not inflate a decompression bomb: past 16 MiB it shows hex', () => {
    const bomb = deflateSync(Buffer.alloc(17 * 1024 * 1024, 0x61));
    expect(describeBinary(bomb)).toBe(`[hex] ${bomb.toString('hex')}`);
  });

  it('property: any text compressed by gzip, zlib or raw deflate comes back; other bytes show as exact hex', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(describeBinary(gzipSync(text))).toBe(`[gzip] ${text}`);
        expect(describeBinary(deflateSync(text))).toBe(`[zlib] ${text}`);
        expect(describeBinary(deflateRawSync(text))).toBe(`[zlib] ${text}`);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const shown = describeBinary(bytes);
        if (shown.startsWith('[hex]')) expect(Buffer.from(shown.slice(6), 'hex')).toEqual(Buffer.from(bytes));
        else expect(shown).toMatch(/^\[(gzip|zlib)\] /);
      }),
    );
  });
});

describe('describeClose', () => {
  it('shows the code and the reason', () => {
    expect(describeClose(Uint8Array.of(0x03, 0xe8))).toBe('1000');
    expect(describeClose(Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('see you')]))).toBe('4000 see you');
    expect(describeClose(new Uint8Array(0))).toBe('no status code');
  });
});

describe('FrameDescriber', () => {
  it('decodes a fragmented text message frame by frame, a character split between frames included', () => {
    const describer = new FrameDescriber();
    const bytes = Buffer.from('aé€');
    expect(describer.describe({ fin: 0, opcode: 1, data: bytes.subarray(0, 2) })).toBe('a');
    expect(describer.describe({ fin: 0, opcode: 0, data: bytes.subarray(2, 4) })).toBe('é');
    expect(describer.describe({ fin: 1, opcode: 0, data: bytes.subarray(4) })).toBe('€');
    // The next message starts clean.
    expect(describer.describe({ fin: 1, opcode: 1, data: Buffer.from('next') })).toBe('next');
  });

  it('shows fragments of a binary message as hex, whole binary messages through describeBinary', () => {
    const describer = new FrameDescriber();
    expect(describer.describe({ fin: 0, opcode: 2, data: Uint8Array.of(1) })).toBe('[hex] 01');
    expect(describer.describe({ fin: 1, opcode: 0, data: Uint8Array.of(2) })).toBe('[hex] 02');
    expect(describer.describe({ fin: 1, opcode: 2, data: deflateSync('z') })).toBe('[zlib] z');
  });

  it('shows control payloads: close code and reason, ping/pong text or hex', () => {
    const describer = new FrameDescriber();
    expect(describer.describe({ fin: 1, opcode: 8, data: Uint8Array.of(0x03, 0xe9) })).toBe('1001');
    expect(describer.describe({ fin: 1, opcode: 9, data: 'are you there' })).toBe('are you there');
    expect(describer.describe({ fin: 1, opcode: 10, data: Uint8Array.of(0xff) })).toBe('[hex] ff');
  });

  it('property: any text cut into any fragments reads back whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...points, bytes.length];
        const describer = new FrameDescriber();
        let out = '';
        for (let i = 0; i + 1 < bounds.length; i++) {
          const last = i + 2 === bounds.length;
          out += describer.describe({ fin: last ? 1 : 0, opcode: i === 0 ? 1 : 0, data: bytes.subarray(bounds[i], bounds[i + 1]) });
        }
        expect(out).toBe(text);
      }),
    );
  });
});

describe('opcodeName', () => {
  it('names the RFC 6455 opcodes and numbers the others', () => {
    expect([0, 1, 2, 8, 9, 10, 3].map(opcodeName)).toEqual(['cont', 'text', 'binary', 'close', 'ping', 'pong', 'opcode 3']);
  });
});

describe('describeError', () => {
  it('shows the class, the error code (ours or Node\'s) and the message', () => {
    expect(describeError(new WebSocketTimeoutException('opening timed out after 5 ms'))).toBe(
      'WebSocketTimeoutException [WS_ERR_TIMEOUT]: opening timed out after 5 ms',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toBe('Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:9');
    expect(describeError('plain')).toBe('error: plain');
  });

  it('adds causes not already in the message', () => {
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' });
    expect(describeError(new WebSocketAddressException('cannot resolve host x.invalid', { cause }))).toBe(
      'WebSocketAddressException [WS_ERR_ADDRESS]: cannot resolve host x.invalid\ncaused by Error [ENOTFOUND]: getaddrinfo ENOTFOUND x.invalid',
    );
    expect(describeError(new WebSocketAddressException('lookup: getaddrinfo ENOTFOUND x.invalid', { cause }))).toBe(
      'WebSocketAddressException [WS_ERR_ADDRESS]: lookup: getaddrinfo ENOTFOUND x.invalid',
    );
  });

  it('shows a bad status with the status line, headers and body (text or hex)', () => {
    const error = new WebSocketBadStatusException('Handshake status 403 Forbidden', 403, 'Forbidden', { 'x-a': '1' }, Buffer.from('no'));
    expect(describeError(error)).toBe(
      'WebSocketBadStatusException [WS_ERR_BAD_STATUS]: Handshake status 403 Forbidden\nstatus: 403 Forbidden\nheaders:\n  x-a: 1\nbody (2 bytes):\nno',
    );
    const binary = new WebSocketBadStatusException('Handshake status 500', 500, undefined, {}, Buffer.from([0xff, 0]));
    expect(describeError(binary)).toBe(
      'WebSocketBadStatusException [WS_ERR_BAD_STATUS]: Handshake status 500\nstatus: 500\nheaders: (none)\nbody (2 bytes):\n[hex] ff00',
    );
    const empty = new WebSocketBadStatusException('Handshake status 404 Not Found', 404, 'Not Found');
    expect(describeError(empty)).toContain('\nheaders: (none)\nbody: (empty)');
  });
});
