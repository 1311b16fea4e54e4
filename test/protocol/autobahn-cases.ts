/**
 * Byte-level cases mirroring the Autobahn|Testsuite client sections
 * (1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes, 5 fragmentation,
 * 6 UTF-8, 7 closing, 9 sizes, 10 misc). Each gives the server's bytes and
 * the exact events, including the bytes the client writes back.
 * Autobahn's "chopped" and "delayed" variants are covered by feeding every
 * case under random chunkings.
 */
import type { SessionOptions } from '../../src/protocol/session.js';
import { BINARY, CLOSE, CONT, PING, PONG, TEXT, closePayload, ev, frame } from './helpers.js';

export interface SessionCase {
  name: string;
  input: Buffer;
  events: string[];
  options?: SessionOptions;
  /** Index in `input` of the byte whose arrival must report the failure (not earlier, not later). */
  failAt?: number;
}

const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const kosme = Buffer.from('κόσμε', 'utf8');
const PROTOCOL = ev.fail('protocol', 1002);
const INVALID_UTF8 = ev.fail('payload', 1007);
const TOO_BIG = ev.fail('payload', 1009);

export const cases: SessionCase[] = [];
const add = (c: SessionCase): void => {
  cases.push(c);
};

// 1.x: framing, text and binary of every length encoding (7-bit, 16-bit, 64-bit).
const sizes = [0, 125, 126, 127, 128, 65535, 65536];
sizes.forEach((n, i) => {
  const text = '*'.repeat(n);
  add({ name: `1.1.${i + 1} text message of ${n} bytes`, input: frame(TEXT, text), events: [ev.text(text)] });
});
add({ name: '1.1.8 text message of 65536 bytes (fed in chops)', input: frame(TEXT, 'x'.repeat(65536)), events: [ev.text('x'.repeat(65536))] });
sizes.forEach((n, i) => {
  const data = Buffer.alloc(n, 0xfe);
  add({ name: `1.2.${i + 1} binary message of ${n} bytes`, input: frame(BINARY, data), events: [ev.binary(data)] });
});

// 2.x: pings are answered with the same payload, written before the ping is reported; pongs are reported.
const binaryPing = hex('00 ff fe fd fc fb 00 ff');
const ping125 = Buffer.alloc(125, 0xfe);
add({ name: '2.1 ping without payload', input: frame(PING), events: [ev.writePong(), ev.ping()] });
add({ name: '2.2 ping with small text payload', input: frame(PING, 'Hello, world!'), events: [ev.writePong('Hello, world!'), ev.ping('Hello, world!')] });
add({ name: '2.3 ping with small binary payload', input: frame(PING, binaryPing), events: [ev.writePong(binaryPing), ev.ping(binaryPing)] });
add({ name: '2.4 ping with 125-byte payload', input: frame(PING, ping125), events: [ev.writePong(ping125), ev.ping(ping125)] });
add({ name: '2.5 ping with 126-byte payload', input: frame(PING, Buffer.alloc(126, 0xfe)), events: [PROTOCOL], failAt: 3 });
add({ name: '2.6 ping with 125-byte payload (fed in chops)', input: frame(PING, ping125), events: [ev.writePong(ping125), ev.ping(ping125)] });
add({ name: '2.7 unsolicited pong without payload', input: frame(PONG), events: [ev.pong()] });
add({ name: '2.8 unsolicited pong with payload', input: frame(PONG, 'unsolicited pong payload'), events: [ev.pong('unsolicited pong payload')] });
add({
  name: '2.9 unsolicited pong, then ping',
  input: cat(frame(PONG, 'unsolicited pong payload'), frame(PING, 'ping payload')),
  events: [ev.pong('unsolicited pong payload'), ev.writePong('ping payload'), ev.ping('ping payload')],
});
{
  const pings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
  add({
    name: '2.10 ten pings, each answered in order',
    input: cat(...pings.map((p) => frame(PING, p))),
    events: pings.flatMap((p) => [ev.writePong(p), ev.ping(p)]),
  });
}

// 3.x: a reserved bit without a negotiated extension fails with 1002; what came before is delivered.
const hello = 'Hello, world!';
add({ name: '3.1 text with rsv3 set', input: frame(TEXT, hello, { rsv3: true }), events: [PROTOCOL], failAt: 1 });
{
  const first = frame(TEXT, hello);
  add({
    name: '3.2 text, then text with rsv2, then ping',
    input: cat(first, frame(TEXT, hello, { rsv2: true }), frame(PING, hello)),
    events: [ev.text(hello), PROTOCOL],
    failAt: first.length + 1,
  });
  add({
    name: '3.3 text, then text with rsv2+rsv3, then ping',
    input: cat(first, frame(TEXT, hello, { rsv2: true, rsv3: true }), frame(PING, hello)),
    events: [ev.text(hello), PROTOCOL],
    failAt: first.length + 1,
  });
  add({
    name: '3.4 text, then text with rsv1, then ping',
    input: cat(first, frame(TEXT, hello, { rsv1: true }), frame(PING, hello)),
    events: [ev.text(hello), PROTOCOL],
    failAt: first.length + 1,
  });
}
add({ name: '3.5 binary with rsv1+rsv3', input: frame(BINARY, Buffer.from([0, 1, 2]), { rsv1: true, rsv3: true }), events: [PROTOCOL], failAt: 1 });
add({ name: '3.6 ping with rsv1+rsv2', input: frame(PING, hello, { rsv1: true, rsv2: true }), events: [PROTOCOL], failAt: 1 });
add({ name: '3.7 close with all rsv bits', input: frame(CLOSE, closePayload(1000), { rsv1: true, rsv2: true, rsv3: true }), events: [PROTOCOL], failAt: 1 });

// 4.x: reserved opcodes fail with 1002.
for (const [section, opcodes] of [['4.1', [3, 4, 5, 6, 7]], ['4.2', [11, 12, 13, 14, 15]]] as const) {
  opcodes.forEach((opcode, i) => {
    const payload = i % 2 === 1 ? 'reserved opcode payload' : '';
    if (i < 2) {
      add({ name: `${section}.${i + 1} reserved opcode ${opcode}`, input: frame(opcode, payload), events: [PROTOCOL], failAt: 1 });
    } else {
      const first = frame(TEXT, hello);
      add({
        name: `${section}.${i + 1} text, then reserved opcode ${opcode}, then ping`,
        input: cat(first, frame(opcode, payload), frame(PING, hello)),
        events: [ev.text(hello), PROTOCOL],
        failAt: first.length + 1,
      });
    }
  });
}

// 5.x: fragmentation.
add({ name: '5.1 ping in 2 fragments', input: cat(frame(PING, 'fragment1', { fin: false }), frame(CONT, 'fragment2')), events: [PROTOCOL], failAt: 1 });
add({ name: '5.2 pong in 2 fragments', input: cat(frame(PONG, 'fragment1', { fin: false }), frame(CONT, 'fragment2')), events: [PROTOCOL], failAt: 1 });
for (const [n, what] of [['5.3', ''], ['5.4', ' (fed in chops)'], ['5.5', ' (fed byte by byte)']]) {
  add({
    name: `${n} text in 2 fragments${what}`,
    input: cat(frame(TEXT, 'fragment1', { fin: false }), frame(CONT, 'fragment2')),
    events: [ev.text('fragment1fragment2')],
  });
}
for (const n of ['5.6', '5.7', '5.8']) {
  add({
    name: `${n} text in 2 fragments with a ping between`,
    input: cat(frame(TEXT, 'fragment1', { fin: false }), frame(PING, 'ping payload'), frame(CONT, 'fragment2')),
    events: [ev.writePong('ping payload'), ev.ping('ping payload'), ev.text('fragment1fragment2')],
  });
}
for (const n of ['5.9', '5.10', '5.11']) {
  add({
    name: `${n} continuation (fin=1) with nothing to continue, then text`,
    input: cat(frame(CONT, 'non-continuation payload'), frame(TEXT, hello)),
    events: [PROTOCOL],
    failAt: 1,
  });
}
for (const n of ['5.12', '5.13', '5.14']) {
  add({
    name: `${n} continuation (fin=0) with nothing to continue, then text`,
    input: cat(frame(CONT, 'non-continuation payload', { fin: false }), frame(TEXT, hello)),
    events: [PROTOCOL],
    failAt: 1,
  });
}
{
  const good = cat(frame(TEXT, 'fragment1', { fin: false }), frame(CONT, 'fragment2'));
  add({
    name: '5.15 text in 2 fragments, then continuation with nothing to continue, then text',
    input: cat(good, frame(CONT, 'fragment3', { fin: false }), frame(TEXT, 'fragment4')),
    events: [ev.text('fragment1fragment2'), PROTOCOL],
    failAt: good.length + 1,
  });
}
for (const [n, fin] of [['5.16', false], ['5.17', true]] as const) {
  const round = cat(frame(CONT, 'fragment1', { fin }), frame(TEXT, 'fragment2', { fin: false }), frame(CONT, 'fragment3'));
  add({ name: `${n} continuation (fin=${fin ? 1 : 0}) first, twice over`, input: cat(round, round), events: [PROTOCOL], failAt: 1 });
}
{
  const first = frame(TEXT, 'fragment1', { fin: false });
  add({
    name: '5.18 text (fin=0), then a new text instead of a continuation',
    input: cat(first, frame(TEXT, 'fragment2')),
    events: [PROTOCOL],
    failAt: first.length + 1,
  });
}
for (const n of ['5.19', '5.20']) {
  add({
    name: `${n} text in 5 fragments with 2 pings between`,
    input: cat(
      frame(TEXT, 'fragment1', { fin: false }),
      frame(CONT, 'fragment2', { fin: false }),
      frame(PING, 'pongme 1!'),
      frame(CONT, 'fragment3', { fin: false }),
      frame(CONT, 'fragment4', { fin: false }),
      frame(PING, 'pongme 2!'),
      frame(CONT, 'fragment5'),
    ),
    events: [ev.writePong('pongme 1!'), ev.ping('pongme 1!'), ev.writePong('pongme 2!'), ev.ping('pongme 2!'), ev.text('fragment1fragment2fragment3fragment4fragment5')],
  });
}

// 6.x: UTF-8. Text is checked as it arrives: the failure is reported by the byte that proves it invalid.
add({ name: '6.1.1 empty text', input: frame(TEXT), events: [ev.text('')] });
add({ name: '6.1.2 empty text in 3 empty fragments', input: cat(frame(TEXT, '', { fin: false }), frame(CONT, '', { fin: false }), frame(CONT)), events: [ev.text('')] });
add({
  name: '6.1.3 text in 3 fragments, first and last empty',
  input: cat(frame(TEXT, '', { fin: false }), frame(CONT, 'middle frame payload', { fin: false }), frame(CONT)),
  events: [ev.text('middle frame payload')],
});

/** One frame per byte: TEXT then CONT frames, the last with fin. */
function perOctet(payload: Buffer): Buffer {
  return cat(...[...payload].map((b, i) => frame(i === 0 ? TEXT : CONT, Buffer.of(b), { fin: i === payload.length - 1 })));
}

const helloUtf8 = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
add({ name: '6.2.1 valid UTF-8 in one frame', input: frame(TEXT, helloUtf8), events: [ev.text(helloUtf8.toString())] });
{
  const cut = Buffer.from('Hello-µ@ßö', 'utf8').length;
  add({
    name: '6.2.2 valid UTF-8 in 2 fragments split on a character boundary',
    input: cat(frame(TEXT, helloUtf8.subarray(0, cut), { fin: false }), frame(CONT, helloUtf8.subarray(cut))),
    events: [ev.text(helloUtf8.toString())],
  });
}
add({ name: '6.2.3 valid UTF-8, one fragment per byte', input: perOctet(helloUtf8), events: [ev.text(helloUtf8.toString())] });
add({ name: '6.2.4 κόσμε, one fragment per byte', input: perOctet(kosme), events: [ev.text('κόσμε')] });
{
  const bad = cat(kosme, hex('ed a0 80'), Buffer.from('edited'));
  const at = kosme.length + 1; // ED A0: a surrogate, proven at A0
  add({ name: '6.3.1 invalid UTF-8 (surrogate) in one frame', input: frame(TEXT, bad), events: [INVALID_UTF8], failAt: 2 + at });
  add({ name: '6.3.2 invalid UTF-8 (surrogate), one fragment per byte', input: perOctet(bad), events: [INVALID_UTF8], failAt: 3 * at + 2 });
}
{
  // 6.4.x: fail fast. F4 90 is above U+10FFFF, proven at 90, before the rest of the message arrives.
  const frag1 = frame(TEXT, kosme, { fin: false });
  add({
    name: '6.4.1 fail fast: valid fragment, then a fragment starting F4 90 80 80, then more',
    input: cat(frag1, frame(CONT, hex('f4 90 80 80'), { fin: false }), frame(CONT, 'edited')),
    events: [INVALID_UTF8],
    failAt: frag1.length + 2 + 1,
  });
  const frag1b = frame(TEXT, cat(kosme, hex('f4')), { fin: false });
  add({
    name: '6.4.2 fail fast: fragment ending in F4, then a fragment starting 90',
    input: cat(frag1b, frame(CONT, hex('90 80 80'), { fin: false }), frame(CONT, 'edited')),
    events: [INVALID_UTF8],
    failAt: frag1b.length + 2,
  });
  const whole = cat(kosme, hex('f4 90 80 80'), Buffer.from('edited'));
  add({
    name: '6.4.3 fail fast inside one frame whose tail has not arrived',
    input: frame(TEXT, whole),
    events: [INVALID_UTF8],
    failAt: 2 + kosme.length + 1,
  });
  add({
    name: '6.4.4 fail fast inside one frame, F4 and 90 in separate chops',
    input: frame(TEXT, whole),
    events: [INVALID_UTF8],
    failAt: 2 + kosme.length + 1,
  });
}

/** A UTF-8 case: valid (`bad` null), invalid at payload byte `bad`, or cut off at the end. */
function utf8Case(name: string, payload: Buffer, bad: number | 'end' | null): void {
  if (bad === null) {
    add({ name, input: frame(TEXT, payload), events: [ev.text(payload.toString('utf8'))] });
    add({ name: `${name}, one fragment per byte`, input: perOctet(payload), events: [ev.text(payload.toString('utf8'))] });
    return;
  }
  const index = bad === 'end' ? payload.length - 1 : bad;
  add({ name, input: frame(TEXT, payload), events: [INVALID_UTF8], failAt: 2 + index });
  add({ name: `${name}, one fragment per byte`, input: perOctet(payload), events: [INVALID_UTF8], failAt: 3 * index + 2 });
}

const valid: [string, string][] = [
  ['6.5.1 κόσμε', 'ce ba e1 bd b9 cf 83 ce bc ce b5'],
  ['6.6.x U+0000', '00'],
  ['6.6.x U+0080, first 2-byte', 'c2 80'],
  ['6.6.x U+0800, first 3-byte', 'e0 a0 80'],
  ['6.6.x U+10000, first 4-byte', 'f0 90 80 80'],
  ['6.7.x U+007F, last 1-byte', '7f'],
  ['6.7.x U+07FF, last 2-byte', 'df bf'],
  ['6.7.x U+FFFF, last 3-byte', 'ef bf bf'],
  ['6.10.x U+D7FF, before the surrogates', 'ed 9f bf'],
  ['6.10.x U+E000, after the surrogates', 'ee 80 80'],
  ['6.10.x U+FFFD', 'ef bf bd'],
  ['6.10.x U+10FFFF, last code point', 'f4 8f bf bf'],
  ['6.22.x noncharacters U+FFFE and U+1FFFE', 'ef bf be f0 9f bf be'],
];
for (const [name, h] of valid) utf8Case(`${name} is valid`, hex(h), null);

const invalid: [string, string, number | 'end'][] = [
  ['6.8.1 5-byte sequence F8 88 80 80 80', 'f8 88 80 80 80', 0],
  ['6.8.2 6-byte sequence FC 84 80 80 80 80', 'fc 84 80 80 80 80', 0],
  ['6.9.1 U+1FFFFF F7 BF BF BF', 'f7 bf bf bf', 0],
  ['6.9.x U+110000 F4 90 80 80', 'f4 90 80 80', 1],
  ['6.12.1 lone continuation 80', '80', 0],
  ['6.12.2 lone continuation BF after ASCII', '41 bf', 1],
  ['6.13.1 lonely start C2 then space', 'c2 20', 1],
  ['6.13.2 lonely start E1 then space', 'e1 20', 1],
  ['6.14.1 2-byte sequence missing its last byte', 'df', 'end'],
  ['6.14.2 3-byte sequence missing its last byte', 'e1 80', 'end'],
  ['6.14.3 4-byte sequence missing its last byte', 'f1 80 80', 'end'],
  ['6.15.1 incomplete sequences concatenated', 'e1 80 c2 80', 2],
  ['6.16.1 impossible byte FE', 'fe', 0],
  ['6.16.2 impossible byte FF', '41 ff', 1],
  ['6.17.1 overlong slash C0 AF', 'c0 af', 0],
  ['6.17.2 overlong slash E0 80 AF', 'e0 80 af', 1],
  ['6.17.3 overlong slash F0 80 80 AF', 'f0 80 80 af', 1],
  ['6.18.1 maximum overlong C1 BF', 'c1 bf', 0],
  ['6.18.2 maximum overlong E0 9F BF', 'e0 9f bf', 1],
  ['6.18.3 maximum overlong F0 8F BF BF', 'f0 8f bf bf', 1],
  ['6.19.1 overlong NUL E0 80 80', 'e0 80 80', 1],
  ['6.20.1 single surrogate U+D800', 'ed a0 80', 1],
  ['6.20.7 single surrogate U+DFFF', 'ed bf bf', 1],
  ['6.21.1 surrogate pair U+D800 U+DC00', 'ed a0 80 ed b0 80', 1],
];
for (const [name, h, bad] of invalid) utf8Case(`${name} is invalid`, hex(h), bad);

// 7.x: closing.
add({ name: '7.1.1 text, then close', input: cat(frame(TEXT, 'Hello World!'), frame(CLOSE, closePayload(1000))), events: [ev.text('Hello World!'), ev.writeClose(1000), ev.close(1000)] });
add({ name: '7.1.2 close, then close again (ignored)', input: cat(frame(CLOSE, closePayload(1000)), frame(CLOSE, closePayload(1001))), events: [ev.writeClose(1000), ev.close(1000)] });
add({ name: '7.1.3 close, then ping (ignored)', input: cat(frame(CLOSE, closePayload(1000)), frame(PING, hello)), events: [ev.writeClose(1000), ev.close(1000)] });
add({ name: '7.1.4 close, then text (ignored)', input: cat(frame(CLOSE, closePayload(1000)), frame(TEXT, hello)), events: [ev.writeClose(1000), ev.close(1000)] });
add({
  name: '7.1.5 text fragment, close, then the last fragment (never delivered)',
  input: cat(frame(TEXT, 'fragment1', { fin: false }), frame(CLOSE, closePayload(1000)), frame(CONT, 'fragment2')),
  events: [ev.writeClose(1000), ev.close(1000)],
});
add({ name: '7.1.6 close followed by garbage (ignored)', input: cat(frame(CLOSE, closePayload(1000)), hex('ff ff ff ff')), events: [ev.writeClose(1000), ev.close(1000)] });
{
  const big = 'B'.repeat(65536);
  add({
    name: '7.1.6 large text, close, then ping (ignored)',
    input: cat(frame(TEXT, big), frame(CLOSE, closePayload(1000)), frame(PING, hello)),
    events: [ev.text(big), ev.writeClose(1000), ev.close(1000)],
  });
}
add({ name: '7.3.1 close with empty payload: empty close reply', input: frame(CLOSE), events: [ev.writeClose(null), ev.close(null)] });
add({ name: '7.3.2 close with a 1-byte payload', input: frame(CLOSE, hex('03')), events: [PROTOCOL], failAt: 2 });
add({ name: '7.3.3 close with code only', input: frame(CLOSE, closePayload(1000)), events: [ev.writeClose(1000), ev.close(1000)] });
add({ name: '7.3.4 close with code and reason', input: frame(CLOSE, closePayload(1000, 'Hello World!')), events: [ev.writeClose(1000), ev.close(1000, 'Hello World!')] });
add({ name: '7.3.5 close with a 123-byte reason', input: frame(CLOSE, closePayload(1000, '*'.repeat(123))), events: [ev.writeClose(1000), ev.close(1000, '*'.repeat(123))] });
add({ name: '7.3.6 close with a 124-byte reason (payload 126 bytes)', input: frame(CLOSE, closePayload(1000, '*'.repeat(124))), events: [PROTOCOL], failAt: 3 });
{
  const reason = cat(kosme, hex('ed a0 80'), Buffer.from('edited'));
  const input = frame(CLOSE, closePayload(1000, reason));
  add({ name: '7.5.1 close reason with invalid UTF-8', input, events: [INVALID_UTF8], failAt: input.length - 1 });
}
const validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
validCodes.forEach((code, i) => {
  add({ name: `7.7.${i + 1} close code ${code} is echoed`, input: frame(CLOSE, closePayload(code, 'bye')), events: [ev.writeClose(code), ev.close(code, 'bye')] });
});
const invalidCodes = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999];
invalidCodes.forEach((code, i) => {
  add({ name: `7.9.${i + 1} close code ${code} fails with 1002`, input: frame(CLOSE, closePayload(code)), events: [PROTOCOL], failAt: 3 });
});
[5000, 65535].forEach((code, i) => {
  add({ name: `7.13.${i + 1} close code ${code} fails with 1002`, input: frame(CLOSE, closePayload(code)), events: [PROTOCOL], failAt: 3 });
});

// 9.x: sizes (modest), and the limits that fail with 1009 as soon as a header says so.
for (const [i, n] of [[1, 65536], [2, 262144], [3, 1048576]] as const) {
  const text = 'x'.repeat(n);
  add({ name: `9.1.${i} text message of ${n} bytes`, input: frame(TEXT, text), events: [ev.text(text)] });
  const data = Buffer.alloc(n, 0xa5);
  add({ name: `9.2.${i} binary message of ${n} bytes`, input: frame(BINARY, data), events: [ev.binary(data)] });
}
/** `payload` as one message of `size`-byte fragments. */
function fragmented(opcode: number, payload: Buffer, size: number): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < payload.length; at += size) {
    frames.push(frame(at === 0 ? opcode : CONT, payload.subarray(at, at + size), { fin: at + size >= payload.length }));
  }
  return cat(...frames);
}
for (const [i, size] of [[1, 64], [2, 256], [3, 1024], [4, 4096], [5, 16384]] as const) {
  const payload = Buffer.from('é'.repeat(65536 / 2), 'utf8'); // 65536 bytes; odd sizes split characters
  add({ name: `9.3.${i} text of 64 KiB in ${size}-byte fragments`, input: fragmented(TEXT, payload, size), events: [ev.text(payload.toString())] });
  add({ name: `9.4.${i} binary of 64 KiB in ${size}-byte fragments`, input: fragmented(BINARY, payload, size), events: [ev.binary(payload)] });
}
add({ name: '9.3.x text split inside every character', input: fragmented(TEXT, Buffer.from('é€😀'.repeat(50), 'utf8'), 3), events: [ev.text('é€😀'.repeat(50))] });
{
  const limit = { maxPayload: 1000 };
  add({ name: '9.x text of exactly maxPayload bytes', options: limit, input: frame(TEXT, 'a'.repeat(1000)), events: [ev.text('a'.repeat(1000))] });
  add({ name: '9.x text of maxPayload + 1 bytes fails at its header', options: limit, input: frame(TEXT, 'a'.repeat(1001)), events: [TOO_BIG], failAt: 3 });
  const first = frame(BINARY, Buffer.alloc(600), { fin: false });
  add({
    name: '9.x fragments summing past maxPayload fail at the header that passes it',
    options: limit,
    input: cat(frame(BINARY, Buffer.alloc(10)), first, frame(PING, 'p'), frame(CONT, Buffer.alloc(401))),
    events: [ev.binary(Buffer.alloc(10)), ev.writePong('p'), ev.ping('p'), TOO_BIG],
    failAt: 12 + first.length + 3 + 3,
  });
  const fragments = [frame(TEXT, 'a', { fin: false }), frame(CONT, 'b', { fin: false }), frame(CONT, 'c', { fin: false }), frame(CONT, 'd')];
  add({ name: '9.x a message of exactly maxFragments frames', options: { maxFragments: 4 }, input: cat(...fragments), events: [ev.text('abcd')] });
  const tooMany = [...fragments.slice(0, 3), frame(CONT, 'd', { fin: false }), frame(CONT, 'e')];
  add({ name: '9.x a message of maxFragments + 1 frames fails at the extra header', options: { maxFragments: 4 }, input: cat(...tooMany), events: [TOO_BIG], failAt: 4 * 3 + 1 });
  add({
    name: '9.x maxPayload below 125 still accepts a 125-byte ping',
    options: { maxPayload: 10 },
    input: frame(PING, ping125),
    events: [ev.writePong(ping125), ev.ping(ping125)],
  });
}

// 10.x: misc.
{
  const text = 'Z'.repeat(65536);
  add({ name: '10.1.1 text of 65536 bytes in 1300-byte fragments', input: fragmented(TEXT, Buffer.from(text), 1300), events: [ev.text(text)] });
}

// Masked server frames are refused (RFC 6455 §5.1).
add({ name: 'masked server frame fails with 1002', input: hex('81 85 01 02 03 04 49 67 6f 68 6e'), events: [PROTOCOL], failAt: 1 });
