/**
 * The Sec-WebSocket-Extensions tokenizer and the permessage-deflate answer
 * check under hostile header values: only WebSocketProtocolException; a
 * parsed list holds tokens only and parses back to itself once written out;
 * an accepted answer gives window bits 8-15, never more than offered.
 */
import fc from 'fast-check';
import { WebSocketProtocolException } from '../../src/exceptions.js';
import { acceptDeflateResponse, deflateConfig, type DeflateOptions } from '../../src/protocol/deflate.js';
import { parseExtensions, type ExtensionElement } from '../../src/protocol/extension-header.js';
import { describeError, ensure, timed, type FuzzTarget } from '../support.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const nameArb = fc.constantFrom('permessage-deflate', 'permessage-deflate', 'x-webkit-deflate-frame', 'foo', 'PerMessage-Deflate');
const paramNameArb = fc.constantFrom('server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits', 'unknown');
const valueArb = fc.oneof(
  fc.constant(null),
  fc.constantFrom('8', '9', '15', '16', '7', '08', '0', '', 'abc', '1e1').map((v) => v),
  fc.constantFrom('"10"', '"1\\5"', '"a b"', '"x', '"\\"', '""', '"\\\\"'),
);
const owsArb = fc.constantFrom('', ' ', '\t', '  ');

const structuredArb: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(nameArb, fc.array(fc.tuple(paramNameArb, valueArb, owsArb), { maxLength: 4 }), owsArb),
    { maxLength: 3 },
  )
  .map((elements) =>
    elements
      .map(([name, params, ows]) => name + params.map(([p, v, w]) => `${w};${w}${p}${v === null ? '' : `${w}=${w}${v}`}`).join('') + ows)
      .join(', '),
  );

const headerArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: structuredArb },
  {
    weight: 3,
    arbitrary: fc
      .tuple(structuredArb, fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), fc.nat({ max: 3 })), { minLength: 1, maxLength: 3 }))
      .map(([s, edits]) => edits.reduce((text, [at, insert, cut]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + insert + text.slice(i + cut);
      }, s)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

const optionsArb: fc.Arbitrary<DeflateOptions> = fc.record(
  {
    clientNoContextTakeover: fc.boolean(),
    serverNoContextTakeover: fc.boolean(),
    clientMaxWindowBits: fc.oneof(fc.boolean(), fc.integer({ min: 8, max: 15 })),
    serverMaxWindowBits: fc.integer({ min: 8, max: 15 }),
  },
  { requiredKeys: [] },
);

function serialize(list: ExtensionElement[]): string {
  return list.map((e) => e.name + e.params.map((p) => `; ${p.name}${p.value === null ? '' : `=${p.value}`}`).join('')).join(', ');
}

export const extensionsTarget: FuzzTarget = {
  name: 'extensions',
  what: 'parseExtensions and acceptDeflateResponse: structured Sec-WebSocket-Extensions answers, edited, random (any UTF-16)',
  property: fc.property(headerArb, optionsArb, (header, options) => {
    timed('extension header readers', () => {
      let list: ExtensionElement[] | null = null;
      try {
        list = parseExtensions(header);
      } catch (error) {
        describeError(error, [WebSocketProtocolException], 'parseExtensions');
      }
      if (list !== null) {
        ensure(list.length > 0, () => 'an empty extension list was accepted');
        for (const e of list) {
          ensure(TOKEN.test(e.name), () => `extension name ${JSON.stringify(e.name)} is not a token`);
          for (const p of e.params) {
            ensure(TOKEN.test(p.name) && (p.value === null || TOKEN.test(p.value)), () => `parameter ${JSON.stringify(p)} is not made of tokens`);
          }
        }
        const again = parseExtensions(serialize(list));
        ensure(JSON.stringify(again) === JSON.stringify(list), () => `written out and parsed again, ${JSON.stringify(list)} became ${JSON.stringify(again)}`);
      }
      const config = deflateConfig(options)!;
      try {
        const params = acceptDeflateResponse(header, config);
        ensure(params !== null, () => 'a present header gave no parameters');
        const bits = [params.serverMaxWindowBits, params.clientMaxWindowBits];
        ensure(bits.every((b) => Number.isInteger(b) && b >= 8 && b <= 15), () => `window bits ${bits} outside 8-15`);
        if (config.serverMaxWindowBits !== null) ensure(params.serverMaxWindowBits <= config.serverMaxWindowBits, () => 'server window larger than offered');
        if (typeof config.clientMaxWindowBits === 'number') ensure(params.clientMaxWindowBits <= config.clientMaxWindowBits, () => 'client window larger than offered');
      } catch (error) {
        describeError(error, [WebSocketProtocolException], 'acceptDeflateResponse');
      }
    });
  }),
};
