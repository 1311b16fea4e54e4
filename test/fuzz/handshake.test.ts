/** A short slice of the handshake response fuzz target (the long run is `npm run fuzz`), and what it found. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeResponseParser } from '../../src/handshake/response.js';
import { handshakeTarget } from '../../fuzz/targets/handshake.js';

describe('fuzz slice: handshake response', () => {
  it(handshakeTarget.what, () => {
    fc.assert(handshakeTarget.property, { numRuns: 500 });
  });

  it('keeps headers named like Object.prototype properties as sent (found by the fuzzer)', () => {
    const head = 'HTTP/1.1 403 Forbidden\r\n__proto__: a\r\nconstructor: b\r\ntoString: c\r\nconstructor: d\r\n\r\n';
    const parsed = new HandshakeResponseParser().push(Buffer.from(head, 'latin1'));
    expect(parsed).not.toBeNull();
    const headers = parsed!.response.headers;
    expect(Object.keys(headers)).toEqual(['__proto__', 'constructor', 'tostring']);
    expect(Object.hasOwn(headers, '__proto__')).toBe(true);
    expect(headers['__proto__']).toBe('a');
    expect(headers['constructor']).toBe('b, d');
    expect(headers['tostring']).toBe('c');
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  });
});
