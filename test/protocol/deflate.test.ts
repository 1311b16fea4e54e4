/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the option check, the
 * offer string, the Sec-WebSocket-Extensions tokenizer and the check of the
 * server's answer, as tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketException, WebSocketProtocolException } from '../../src/exceptions.js';
import {
  acceptDeflateResponse,
  deflateConfig,
  deflateOffer,
  describeDeflateParams,
  type DeflateOptions,
  type DeflateParams,
} from '../../src/protocol/deflate.js';
import { parseExtensions } from '../../src/protocol/extension-header.js';
import { params } from './helpers.js';

const config = (options: DeflateOptions | true = true) => {
  const c = deflateConfig(options);
  if (c === null) throw new Error('expected a config');
  return c;
};


describe('deflateConfig', () => {
  it('is off for undefined and false, defaults for true', () => {
    expect(deflateConfig(undefined)).toBeNull();
    expect(deflateConfig(false)).toBeNull();
    expect(deflateConfig(true)).toEqual({
      clientNoContextTakeover: false,
      serverNoContextTakeover: false,
      clientMaxWindowBits: true,
      serverMaxWindowBits: null,
      threshold: 1024,
    });
  });

  it.each([
    [{ clientMaxWindowBits: 7 }, 'expected perMessageDeflate.clientMaxWindowBits to be an integer from 8 to 15, or a boolean, got 7'],
    [{ clientMaxWindowBits: 16 }, 'clientMaxWindowBits to be an integer from 8 to 15, or a boolean, got 16'],
    [{ clientMaxWindowBits: 9.5 }, 'clientMaxWindowBits to be an integer from 8 to 15, or a boolean, got 9.5'],
    [{ serverMaxWindowBits: 7 }, 'expected perMessageDeflate.serverMaxWindowBits to be an integer from 8 to 15, got 7'],
    [{ serverMaxWindowBits: true as unknown as number }, 'serverMaxWindowBits to be an integer from 8 to 15, got true'],
    [{ threshold: -1 }, 'expected perMessageDeflate.threshold to be an integer >= 0, got -1'],
    [{ threshold: 1.5 }, 'threshold to be an integer >= 0, got 1.5'],
    [{ clientNoContextTakeover: 'yes' as unknown as boolean }, 'expected perMessageDeflate.clientNoContextTakeover to be a boolean, got "yes"'],
    [{ serverNoContextTakeover: 1 as unknown as boolean }, 'serverNoContextTakeover to be a boolean, got 1'],
  ])('refuses %o', (options, message) => {
    expect(() => deflateConfig(options)).toThrow(WebSocketException);
    expect(() => deflateConfig(options)).toThrow(message);
  });

  it('refuses a value that is not an object', () => {
    expect(() => deflateConfig(3 as unknown as boolean)).toThrow('expected perMessageDeflate to be true, false or an object, got 3');
  });
});

describe('deflateOffer', () => {
  it.each<[DeflateOptions | true, string]>([
    [true, 'permessage-deflate; client_max_window_bits'],
    [{ clientMaxWindowBits: false }, 'permessage-deflate'],
    [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
    [{ clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover; client_max_window_bits'],
    [{ serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover; client_max_window_bits'],
    [{ serverMaxWindowBits: 8 }, 'permessage-deflate; server_max_window_bits=8; client_max_window_bits'],
    [
      { clientNoContextTakeover: true, serverNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 9, threshold: 0 },
      'permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits=9',
    ],
  ])('%o offers %s', (options, offer) => {
    expect(deflateOffer(config(options))).toBe(offer);
  });

  it('every offer is read back by the tokenizer as one permessage-deflate element', () => {
    fc.assert(
      fc.property(
        fc.record({
          clientNoContextTakeover: fc.boolean(),
          serverNoContextTakeover: fc.boolean(),
          clientMaxWindowBits: fc.oneof(fc.boolean(), fc.integer({ min: 8, max: 15 })),
          serverMaxWindowBits: fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
        }),
        (options) => {
          const [element, ...rest] = parseExtensions(deflateOffer(config(options)));
          expect(rest).toEqual([]);
          expect(element.name).toBe('permessage-deflate');
        },
      ),
    );
  });
});

describe('parseExtensions (RFC 6455 §9.1)', () => {
  it.each<[string, ReturnType<typeof parseExtensions>]>([
    ['permessage-deflate', [{ name: 'permessage-deflate', params: [] }]],
    ['a;b', [{ name: 'a', params: [{ name: 'b', value: null }] }]],
    [' a ; b = 1 ; c ,  d ', [{ name: 'a', params: [{ name: 'b', value: '1' }, { name: 'c', value: null }] }, { name: 'd', params: [] }]],
    ['a;b="12"', [{ name: 'a', params: [{ name: 'b', value: '12' }] }]],
    ['a;b="1\\2"', [{ name: 'a', params: [{ name: 'b', value: '12' }] }]],
    ['\ta\t;\tb=x', [{ name: 'a', params: [{ name: 'b', value: 'x' }] }]],
    [', ,a,, b,', [{ name: 'a', params: [] }, { name: 'b', params: [] }]],
    ['a;b=1;b=2', [{ name: 'a', params: [{ name: 'b', value: '1' }, { name: 'b', value: '2' }] }]],
  ])('%j', (header, expected) => {
    expect(parseExtensions(header)).toEqual(expected);
  });

  it.each([
    ['', 'expected at least one extension'],
    [' , ', 'expected at least one extension'],
    ['a;', 'expected a parameter name at offset 2, got the end'],
    ['a;;b', "expected a parameter name at offset 2, got ';'"],
    ['a b', "expected ';', ',' or the end at offset 2, got 'b'"],
    ['a;b=', 'expected a parameter value (a token or a quoted string) at offset 4, got the end'],
    ['a;b==1', "expected a parameter value (a token or a quoted string) at offset 4, got '='"],
    ['a;b="1', 'expected a quoted-string character or the closing \'"\' at offset 6, got the end'],
    ['a;b="1\\', 'expected an escaped character at offset 7, got the end'],
    ['a;b=""', 'expected the quoted value ending at offset 5 to be a token once unescaped, got ""'],
    ['a;b="1 2"', 'to be a token once unescaped, got "1 2"'],
    ['a;b=1"', "expected a value character, ';', ',' or the end at offset 5, got '\"'"],
    ['=a', "expected an extension name at offset 0, got '='"],
    ['a/b', "expected an extension name character, ';' or ',' at offset 1, got '/'"],
    ['a;b c', "expected '=', ';', ',' or the end at offset 4, got 'c'"],
    ['a;b\u0007', 'at offset 3, got byte 0x07'],
    ['a;b="\u0000"', 'got byte 0x00'],
    ['a\u0100', 'got byte 0x100'],
  ])('%j is refused: %s', (header, message) => {
    expect(() => parseExtensions(header)).toThrow(WebSocketProtocolException);
    expect(() => parseExtensions(header)).toThrow(message);
  });

  it('the message quotes the whole header', () => {
    expect(() => parseExtensions('a;')).toThrow('invalid Sec-WebSocket-Extensions "a;": expected a parameter name');
  });

  it('optional whitespace anywhere around separators never changes the result', () => {
    const ows = fc.stringMatching(/^[ \t]{0,3}$/);
    fc.assert(
      fc.property(fc.array(ows, { minLength: 12, maxLength: 12 }), (s) => {
        const header = `${s[0]}permessage-deflate${s[1]};${s[2]}server_max_window_bits${s[3]}=${s[4]}10${s[5]};${s[6]}client_no_context_takeover${s[7]},${s[8]}x${s[9]};${s[10]}y="z"${s[11]}`;
        expect(parseExtensions(header)).toEqual([
          { name: 'permessage-deflate', params: [{ name: 'server_max_window_bits', value: '10' }, { name: 'client_no_context_takeover', value: null }] },
          { name: 'x', params: [{ name: 'y', value: 'z' }] },
        ]);
      }),
    );
  });

  it('any string either parses or throws WebSocketProtocolException', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '1', ' ', '\t', ',', ';', '=', '"', '\\', '/', '\u0001', '\u00e9') }), (header) => {
        try {
          const list = parseExtensions(header);
          expect(list.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(WebSocketProtocolException);
        }
      }),
    );
  });
});

describe('acceptDeflateResponse: valid answers (RFC 7692 §7.1)', () => {
  it.each<[string, DeflateOptions | true, string | null, DeflateParams | null]>([
    ['no header: declined', true, null, null],
    ['bare acceptance', true, 'permessage-deflate', params()],
    ['server_no_context_takeover not offered (§7.1.1.1 allows it)', true, 'permessage-deflate; server_no_context_takeover', params({ serverNoContextTakeover: true })],
    ['server_no_context_takeover offered and echoed', { serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover', params({ serverNoContextTakeover: true })],
    ['client_no_context_takeover imposed by the server (§7.1.1.2)', true, 'permessage-deflate; client_no_context_takeover', params({ clientNoContextTakeover: true })],
    ['client_no_context_takeover offered, not echoed: the client still resets', { clientNoContextTakeover: true }, 'permessage-deflate', params({ clientNoContextTakeover: true })],
    ['server_max_window_bits not offered (§7.1.2.1 allows it)', true, 'permessage-deflate; server_max_window_bits=9', params({ serverMaxWindowBits: 9 })],
    ['server_max_window_bits offered, same value', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10', params({ serverMaxWindowBits: 10 })],
    ['server_max_window_bits offered, smaller value', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=8', params({ serverMaxWindowBits: 8 })],
    ['client_max_window_bits offered without value, chosen by the server', true, 'permessage-deflate; client_max_window_bits=8', params({ clientMaxWindowBits: 8 })],
    ['client_max_window_bits offered with a value, not answered', { clientMaxWindowBits: 11 }, 'permessage-deflate', params({ clientMaxWindowBits: 11 })],
    ['client_max_window_bits offered with a value, smaller answer', { clientMaxWindowBits: 11 }, 'permessage-deflate; client_max_window_bits=9', params({ clientMaxWindowBits: 9 })],
    ['quoted value', true, 'permessage-deflate; server_max_window_bits="12"', params({ serverMaxWindowBits: 12 })],
    [
      'everything at once, any order, whitespace',
      { serverNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 13 },
      'permessage-deflate ;client_max_window_bits=13;  server_max_window_bits=11 ; server_no_context_takeover; client_no_context_takeover',
      params({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 13 }),
    ],
  ])('%s', (_name, options, header, expected) => {
    expect(acceptDeflateResponse(header, config(options))).toEqual(expected);
  });
});

describe('acceptDeflateResponse: refused answers', () => {
  it.each<[string, DeflateOptions | true, string, string]>([
    ['unknown parameter', true, 'permessage-deflate; foo', 'got unknown parameter foo (RFC 7692 §7)'],
    ['unknown parameter with a value', true, 'permessage-deflate; level=9', 'got unknown parameter level'],
    ['duplicate parameter', true, 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'expected each parameter at most once, got server_no_context_takeover twice'],
    ['duplicate window bits', true, 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10', 'got server_max_window_bits twice'],
    ['value on server_no_context_takeover', true, 'permessage-deflate; server_no_context_takeover=1', 'expected server_no_context_takeover without a value, got "1"'],
    ['value on client_no_context_takeover', true, 'permessage-deflate; client_no_context_takeover="x"', 'expected client_no_context_takeover without a value, got "x"'],
    ['window bits 7', true, 'permessage-deflate; server_max_window_bits=7', 'expected server_max_window_bits to be an integer 8-15 without leading zeros, got "7"'],
    ['window bits 16', true, 'permessage-deflate; client_max_window_bits=16', 'expected client_max_window_bits to be an integer 8-15 without leading zeros, got "16"'],
    ['window bits with a leading zero', true, 'permessage-deflate; server_max_window_bits=010', 'got "010"'],
    ['window bits 09', true, 'permessage-deflate; server_max_window_bits=09', 'got "09"'],
    ['window bits not a number', true, 'permessage-deflate; server_max_window_bits=abc', 'got "abc"'],
    ['window bits 1e1', true, 'permessage-deflate; server_max_window_bits=1e1', 'got "1e1"'],
    ['server_max_window_bits without a value', true, 'permessage-deflate; server_max_window_bits', 'expected server_max_window_bits to have a value 8-15, got none'],
    ['client_max_window_bits without a value', true, 'permessage-deflate; client_max_window_bits', 'expected client_max_window_bits to have a value 8-15, got none'],
    ['server_max_window_bits larger than offered', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=11', 'expected server_max_window_bits <= 10 as offered, got 11'],
    ['server_max_window_bits offered, not answered', { serverMaxWindowBits: 10 }, 'permessage-deflate', 'expected server_max_window_bits in the answer since 10 was offered'],
    ['server_no_context_takeover offered, not answered', { serverNoContextTakeover: true }, 'permessage-deflate', 'expected server_no_context_takeover in the answer since it was offered'],
    ['client_max_window_bits answered without being offered', { clientMaxWindowBits: false }, 'permessage-deflate; client_max_window_bits=10', 'expected no client_max_window_bits since the offer did not include it'],
    ['client_max_window_bits larger than offered', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=12', 'expected client_max_window_bits <= 10 as offered, got 12'],
    ['extension not offered', true, 'x-webkit-deflate-frame', 'expected only permessage-deflate, got extension "x-webkit-deflate-frame" that was not offered'],
    ['another extension next to it', true, 'permessage-deflate, foo', 'got extension "foo" that was not offered'],
    ['two permessage-deflate entries', true, 'permessage-deflate, permessage-deflate; server_no_context_takeover', 'expected permessage-deflate at most once, got it 2 times (RFC 7692 §5)'],
    ['name in another case', true, 'Permessage-Deflate', 'got extension "Permessage-Deflate" that was not offered'],
    ['malformed header', true, 'permessage-deflate; =', "expected a parameter name at offset 20, got '='"],
  ])('%s', (_name, options, header, message) => {
    const attempt = () => acceptDeflateResponse(header, config(options));
    expect(attempt).toThrow(WebSocketProtocolException);
    expect(attempt).toThrow(message);
  });

  it('names the answer in the message', () => {
    expect(() => acceptDeflateResponse('permessage-deflate; foo', config())).toThrow(
      'permessage-deflate refused: server answered Sec-WebSocket-Extensions "permessage-deflate; foo": expected only',
    );
  });
});

describe('describeDeflateParams', () => {
  it('names every agreed parameter for the trace', () => {
    expect(describeDeflateParams(params({ serverNoContextTakeover: true, clientMaxWindowBits: 9 }), 1024)).toBe(
      'permessage-deflate: server_no_context_takeover=true client_no_context_takeover=false server_max_window_bits=15 client_max_window_bits=9 threshold=1024',
    );
  });
});
