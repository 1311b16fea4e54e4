/**
 * The opening handshake's readers under hostile responses: the head parser
 * (HandshakeResponseParser) throws only Protocol errors, never accepts more
 * than 16 KiB of head or 100 header lines, gives the same result under any
 * chunking and a `headers` object that holds exactly what came (also for
 * names such as `constructor` or `__proto__`); validateUpgradeResponse throws
 * only Protocol or BadStatus errors; ResponseBodyCollector never throws and
 * never keeps more than its limit.
 */
import fc from 'fast-check';
import { WebSocketBadStatusException, WebSocketProtocolException } from '../../src/exceptions.js';
import {
  HandshakeResponseParser,
  MAX_HEAD_BYTES,
  MAX_HEADER_LINES,
  ResponseBodyCollector,
  validateUpgradeResponse,
  type HandshakeResponse,
} from '../../src/handshake/response.js';
import { chunk, cutsArb, describeError, ensure, fingerprint, hostileBytes, timed, type FuzzTarget } from '../support.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='; // RFC 6455 §1.3

const statusLineArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('HTTP/1.1 101 Switching Protocols') },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('1.1', '1.0', '2', '1.1 '), fc.constantFrom(101, 200, 204, 301, 302, 304, 400, 403, 404, 500, 503, 999, 100), fc.constantFrom('', 'OK', 'Forbidden', ' x'))
      .map(([v, code, reason]) => `HTTP/${v} ${code}${reason === '' ? '' : ` ${reason}`}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
);

const NAMES = [
  'Upgrade', 'Connection', 'Sec-WebSocket-Accept', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions',
  'Content-Length', 'Transfer-Encoding', 'Set-Cookie', 'Location', 'Server',
  // Names that are also properties of every JavaScript object.
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf',
];

const VALUES = ['websocket', 'WebSocket', 'Upgrade', 'keep-alive, Upgrade', ACCEPT, 'chat', 'permessage-deflate', '0', '5', '5, 5', '-1', '99999999999999999999', 'chunked', 'gzip, chunked', 'a=b; c=d', ''];

const headerLineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), fc.constantFrom(': ', ':', ' : ', ':\t')).map(([n, v, sep]) => `${n}${sep}${v}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.string({ unit: 'binary-ascii', maxLength: 30 })).map(([n, v]) => `${n}: ${v}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((v) => ` ${v}`) }, // obsolete line folding
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 17_000 }).map((n) => `X-Long: ${'a'.repeat(n)}`) },
);

const chunkedBodyArb = fc
  .array(fc.uint8Array({ maxLength: 60 }), { maxLength: 4 })
  .map((parts) => Buffer.concat([...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), Buffer.from(p), Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]));

const responseArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    leadingBlank: fc.nat({ max: 2 }),
    status: statusLineArb,
    headers: fc.oneof({ weight: 6, arbitrary: fc.array(headerLineArb, { maxLength: 12 }) }, { weight: 1, arbitrary: fc.array(headerLineArb, { minLength: 95, maxLength: 110 }) }),
    eol: fc.constantFrom('\r\n', '\n'),
    body: fc.oneof(fc.uint8Array({ maxLength: 300 }), chunkedBodyArb),
  })
  .map(({ leadingBlank, status, headers, eol, body }) =>
    Buffer.concat([Buffer.from(`${eol.repeat(leadingBlank)}${status}${eol}${headers.map((h) => `${h}${eol}`).join('')}${eol}`, 'latin1'), body]),
  );

const limitArb = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constant(64 * 1024));

function parse(pieces: Buffer[]): { log: string[]; done: { response: HandshakeResponse; rest: Buffer; consumed: number; index: number } | null } {
  const parser = new HandshakeResponseParser();
  let fed = 0;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index];
    let result: ReturnType<HandshakeResponseParser['push']>;
    try {
      result = parser.push(piece);
    } catch (error) {
      return { log: [`E ${describeError(error, [WebSocketProtocolException], 'HandshakeResponseParser.push')}`], done: null };
    }
    fed += piece.length;
    if (result !== null) {
      const consumed = fed - result.rest.length;
      return { log: [`head ${consumed} ${JSON.stringify(result.response)}`], done: { ...result, consumed, index } };
    }
  }
  return { log: ['incomplete'], done: null };
}

function checkResponse(response: HandshakeResponse, consumed: number): void {
  ensure(consumed <= MAX_HEAD_BYTES, () => `a head of ${consumed} bytes was accepted: expected at most ${MAX_HEAD_BYTES}`);
  ensure(response.rawHeaders.length <= MAX_HEADER_LINES, () => `${response.rawHeaders.length} header lines accepted`);
  const joined = new Map<string, string[]>();
  for (const [name, value] of response.rawHeaders) {
    const key = name.toLowerCase();
    joined.set(key, [...(joined.get(key) ?? []), value]);
  }
  ensure(Object.keys(response.headers).length === joined.size, () => `headers has keys ${JSON.stringify(Object.keys(response.headers))}, raw names ${JSON.stringify([...joined.keys()])}`);
  for (const [key, values] of joined) {
    const expected = values.join(key === 'set-cookie' ? '\n' : ', ');
    ensure(Object.hasOwn(response.headers, key) && response.headers[key] === expected, () => `headers[${JSON.stringify(key)}] is ${JSON.stringify(response.headers[key])}: expected ${JSON.stringify(expected)}`);
  }
}

function collectBody(response: HandshakeResponse, pieces: Buffer[], limit: number): string {
  const collector = new ResponseBodyCollector(response, limit);
  for (const piece of pieces) {
    const done = collector.push(piece);
    ensure(collector.body.length <= limit, () => `body collector kept ${collector.body.length} bytes: expected at most ${limit}`);
    if (done) break;
  }
  collector.end();
  ensure(collector.push(Buffer.from('more')), () => 'a finished body collector accepted more bytes');
  return `body ${collector.truncated ? 'truncated' : 'whole'} ${fingerprint(collector.body)}`;
}

function run(bytes: Buffer, cuts: number[], limit: number, subprotocols: string[]): string[] {
  const pieces = chunk(bytes, cuts);
  const { log, done } = parse(pieces);
  if (done === null) return log;
  checkResponse(done.response, done.consumed);
  try {
    validateUpgradeResponse(done.response, { key: KEY, subprotocols, extensionsOffered: subprotocols.length > 0 });
    log.push('valid 101');
  } catch (error) {
    log.push(describeError(error, [WebSocketProtocolException, WebSocketBadStatusException], 'validateUpgradeResponse'));
  }
  if (done.response.statusCode !== 101) log.push(collectBody(done.response, [done.rest, ...pieces.slice(done.index + 1)], limit));
  return log;
}

export const handshakeTarget: FuzzTarget = {
  name: 'handshake',
  what: 'HandshakeResponseParser, validateUpgradeResponse, ResponseBodyCollector: status lines, header lines (many, long, folded, odd names), bodies; mutated, chunked',
  property: fc.property(hostileBytes(responseArb), cutsArb, limitArb, fc.constantFrom<string[]>([], ['chat'], ['chat', 'superchat']), (bytes, cuts, limit, subprotocols) => {
    const whole = timed('handshake readers (one chunk)', () => run(bytes, [], limit, subprotocols));
    const pieces = timed('handshake readers (chunked)', () => run(bytes, cuts, limit, subprotocols));
    ensure(JSON.stringify(whole) === JSON.stringify(pieces), () => `chunking changed the result:\n${whole.join('\n')}\n---\n${pieces.join('\n')}`);
  }),
};
