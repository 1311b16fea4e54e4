/**
 * Tests of the fuzzing server's permessage-deflate side (sections 12–13): negotiation of
 * offers, the stream codec, and verdicts for clients that do not offer the extension, offer it
 * badly, or break its rules (RSV1 misplaced, context kept after client_no_context_takeover).
 * `ws` running every case with its default offer is checked in fuzzingserver.test.ts.
 */
import { connect } from 'node:net';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selectCases } from '../../src/conformance/cases/index.js';
import { COMPRESSION_SOURCES } from '../../src/conformance/cases/compression-data.js';
import { DeflateCodec, InflateError } from '../../src/conformance/deflate-codec.js';
import { negotiateDeflate, parseExtensionOffers, type DeflateAcceptance } from '../../src/conformance/deflate-negotiation.js';
import { encodeHeader } from '../../src/conformance/frames.js';
import { startFuzzingServer, type CaseResult, type FuzzingServer } from '../../src/conformance/server.js';

const AS_OFFERED: DeflateAcceptance = { clientNoContextTakeover: false, clientMaxWindowBits: 0 };
const NO_CONTEXT: DeflateAcceptance = { clientNoContextTakeover: true, clientMaxWindowBits: 0 };
const BITS_8: DeflateAcceptance = { clientNoContextTakeover: false, clientMaxWindowBits: 8 };
const BITS_15: DeflateAcceptance = { clientNoContextTakeover: false, clientMaxWindowBits: 15 };
const NO_CONTEXT_8: DeflateAcceptance = { clientNoContextTakeover: true, clientMaxWindowBits: 8 };

function response(header: string | undefined, acceptances: DeflateAcceptance[]): string {
  const n = negotiateDeflate(header, acceptances);
  return n.kind === 'accepted' ? n.response : `${n.kind}: ${n.why}`;
}

describe('negotiation (RFC 7692 §5, §7)', () => {
  it('parses offers with parameters, quoted values and several elements', () => {
    expect(parseExtensionOffers('permessage-deflate; client_max_window_bits="10"; server_no_context_takeover, x-foo')).toEqual([
      { name: 'permessage-deflate', params: [{ name: 'client_max_window_bits', value: '10' }, { name: 'server_no_context_takeover', value: null }] },
      { name: 'x-foo', params: [] },
    ]);
    expect(() => parseExtensionOffers('permessage-deflate; a="1')).toThrow('expected a closing double quote');
    expect(() => parseExtensionOffers('; a')).toThrow('expected an extension name, got ""');
    expect(() => parseExtensionOffers('p; =1')).toThrow('expected a parameter name in p, got "=1"');
  });

  it("answers the default offer the way each of Autobahn's 13.x acceptances does", () => {
    const offer = 'permessage-deflate; client_max_window_bits';
    expect(response(offer, [AS_OFFERED])).toBe('permessage-deflate');
    expect(response(offer, [NO_CONTEXT])).toBe('permessage-deflate; client_no_context_takeover');
    expect(response(offer, [BITS_8])).toBe('permessage-deflate; client_max_window_bits=8');
    expect(response(offer, [BITS_15])).toBe('permessage-deflate; client_max_window_bits=15');
    expect(response(offer, [NO_CONTEXT_8])).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits=8');
    expect(negotiateDeflate(offer, [NO_CONTEXT_8])).toMatchObject({
      params: { clientNoContextTakeover: true, clientMaxWindowBits: 8, serverNoContextTakeover: false, serverMaxWindowBits: 15 },
    });
  });

  it('asks for client_max_window_bits only when offered, falls back in order, and never above the offered value', () => {
    const bare = 'permessage-deflate';
    expect(response(bare, [BITS_8])).toMatch(/^declined: no offer in "permessage-deflate" allows client_max_window_bits/);
    expect(response(bare, [NO_CONTEXT_8, NO_CONTEXT, AS_OFFERED])).toBe('permessage-deflate; client_no_context_takeover');
    expect(response('permessage-deflate; client_max_window_bits=10', [BITS_15])).toBe('permessage-deflate; client_max_window_bits=10');
    expect(negotiateDeflate('permessage-deflate; client_max_window_bits=10', [AS_OFFERED])).toMatchObject({ params: { clientMaxWindowBits: 10 } });
    // The first offer that fits wins, in the client's order.
    expect(response('permessage-deflate; server_no_context_takeover, permessage-deflate; client_max_window_bits', [BITS_8])).toBe(
      'permessage-deflate; client_max_window_bits=8',
    );
  });

  it('honours what the client asks of the server', () => {
    const n = negotiateDeflate('permessage-deflate; server_no_context_takeover; server_max_window_bits=9', [NO_CONTEXT]);
    expect(n).toEqual({
      kind: 'accepted',
      response: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover',
      params: { serverNoContextTakeover: true, serverMaxWindowBits: 9, clientNoContextTakeover: true, clientMaxWindowBits: 15 },
      notes: [],
    });
  });

  it('declines when nothing is offered and calls an offer that breaks §7 invalid', () => {
    expect(negotiateDeflate(undefined, [AS_OFFERED])).toEqual({ kind: 'declined', why: 'the client offered no extension' });
    expect(response('x-webkit-deflate-frame', [AS_OFFERED])).toBe('declined: the client did not offer permessage-deflate (offered "x-webkit-deflate-frame")');
    const invalid: Array<[string, string]> = [
      ['permessage-deflate; foo', 'unknown parameter foo'],
      ['permessage-deflate; client_no_context_takeover; client_no_context_takeover', 'got client_no_context_takeover twice'],
      ['permessage-deflate; client_max_window_bits=08', 'got "08"'],
      ['permessage-deflate; client_max_window_bits=16', 'got "16"'],
      ['permessage-deflate; server_max_window_bits', 'got no value'],
      ['permessage-deflate; server_no_context_takeover=1', 'expected server_no_context_takeover without a value, got "1"'],
    ];
    for (const [offer, why] of invalid) {
      const n = negotiateDeflate(offer, [AS_OFFERED]);
      expect(n.kind, offer).toBe('invalid');
      expect(n.kind === 'invalid' && n.why, offer).toContain(why);
    }
  });
});

const params = (noContext: boolean) => ({
  serverNoContextTakeover: noContext,
  clientNoContextTakeover: noContext,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
});

describe('codec (zlib streams, RFC 7692 §7.2)', () => {
  it('round-trips any messages, with and without context takeover; without it each message inflates alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }), fc.boolean(), async (messages, noContext) => {
        const codec = new DeflateCodec(params(noContext));
        try {
          for (const m of messages) {
            const compressed = await codec.compress(Buffer.from(m));
            expect(compressed.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff]))).toBe(false);
            expect((await codec.decompress(compressed, 1 << 20)).equals(Buffer.from(m))).toBe(true);
            if (noContext) {
              const alone = zlib.inflateRawSync(Buffer.concat([compressed, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
              expect(alone.equals(Buffer.from(m))).toBe(true);
            }
          }
        } finally {
          codec.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("as the client (server suite) inflates a server's context-keeping stream with a preset dictionary, as a stream would", async () => {
    const chunk = fc.uint8Array({ minLength: 1, maxLength: 700 });
    // Messages built from earlier ones, so the server's deflater refers back across messages.
    const plan = fc.array(fc.tuple(chunk, fc.nat(), fc.nat(800)), { minLength: 1, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(plan, fc.integer({ min: 9, max: 15 }), async (steps, bits) => {
        const server = zlib.createDeflateRaw({ windowBits: bits });
        const asClient = new DeflateCodec({ ...params(false), serverMaxWindowBits: bits }, 'client');
        const sent: Buffer[] = [];
        try {
          for (const [fresh, from, length] of steps) {
            const earlier = Buffer.concat(sent);
            const start = earlier.length === 0 ? 0 : from % earlier.length;
            const message = Buffer.concat([earlier.subarray(start, start + length), Buffer.from(fresh)]);
            sent.push(message);
            const compressed = await new Promise<Buffer>((resolve) => {
              const parts: Buffer[] = [];
              const onData = (c: Buffer) => parts.push(c);
              server.on('data', onData);
              server.write(message);
              server.flush(zlib.constants.Z_SYNC_FLUSH, () => {
                server.off('data', onData);
                resolve(Buffer.concat(parts).subarray(0, -4));
              });
            });
            expect((await asClient.decompress(compressed, 1 << 20)).equals(message)).toBe(true);
          }
        } finally {
          server.destroy();
          asClient.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it.each(['server', 'client'] as const)('as the %s, fails a reference past the agreed window with 1002, as zlib does', async (role) => {
    const message = COMPRESSION_SOURCES[4]!.data().bytes.subarray(0, 2000);
    const deflater = zlib.createDeflateRaw({ windowBits: 15 });
    const flushed = (m: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        const onData = (c: Buffer) => parts.push(c);
        deflater.on('data', onData);
        deflater.write(m);
        deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          deflater.off('data', onData);
          resolve(Buffer.concat(parts).subarray(0, -4));
        });
      });
    // The peer agreed to a 2^9 window but its second message refers 2000 bytes back.
    const codec = new DeflateCodec({ ...params(false), serverMaxWindowBits: 9, clientMaxWindowBits: 9 }, role);
    expect((await codec.decompress(await flushed(message), 1 << 20)).equals(message)).toBe(true);
    await expect(codec.decompress(await flushed(message), 1 << 20)).rejects.toMatchObject({ code: 1002, message: expect.stringContaining('too far back') });
    codec.close();
    deflater.destroy();
  });

  it('keeps the context: a repeated message compresses to a back-reference', async () => {
    const codec = new DeflateCodec(params(false));
    const message = COMPRESSION_SOURCES[4]!.data().bytes.subarray(0, 2000); // hardly compressible on its own
    const first = await codec.compress(message);
    const second = await codec.compress(message);
    expect(first.length).toBeGreaterThan(1500);
    expect(second.length).toBeLessThan(40);
    codec.close();
  });

  it.each([false, true])('rejects data that is not DEFLATE (1002) and output past the limit (1009), no context takeover: %s', async (noContext) => {
    // With context takeover the codec inflates through a stream; without it, one synchronous call per message.
    const codec = new DeflateCodec(params(noContext));
    await expect(codec.decompress(Buffer.from([0xff, 0xff, 0xff]), 100)).rejects.toMatchObject({ code: 1002 });
    // 00 (+ 00 00 ff ff) is an empty stored block. With context takeover the history is lost after an
    // error, so every later message fails; without it each message stands alone.
    if (noContext) expect((await codec.decompress(Buffer.alloc(1), 100)).length).toBe(0);
    else await expect(codec.decompress(Buffer.alloc(1), 100)).rejects.toThrow(InflateError);
    codec.close();
    const sync = (data: Buffer) => zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const other = new DeflateCodec(params(noContext));
    await expect(other.decompress(sync(Buffer.alloc(100_000)), 10_000)).rejects.toMatchObject({ code: 1009, message: 'compressed message inflates to more than 10000 bytes' });
    other.close();
    const fresh = new DeflateCodec(params(noContext));
    expect((await fresh.decompress(sync(Buffer.alloc(10_000)), 10_000)).length).toBe(10_000); // exactly the limit is fine
    fresh.close();
  });

  it('has payload sources of the kinds and sizes of Autobahn’s files, text ones pure ASCII', () => {
    expect(COMPRESSION_SOURCES.map((s) => [s.data().bytes.length, s.binary])).toEqual([
      [194_237, false],
      [263_222, true],
      [222_218, true],
      [83_234, false],
      [1_042_328, true],
    ]);
    for (const s of COMPRESSION_SOURCES.filter((x) => !x.binary)) expect(s.data().bytes.every((b) => b < 0x80)).toBe(true);
    const ratio = (i: number) => zlib.deflateRawSync(COMPRESSION_SOURCES[i]!.data().bytes).length / COMPRESSION_SOURCES[i]!.data().bytes.length;
    expect(ratio(0)).toBeLessThan(0.3); // JSON
    expect(ratio(4)).toBeGreaterThan(0.9); // PDF-like streams
  });
});

/** Client frame: masked with a zero key (any key is valid), `rsv` bits as given. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; rsv?: number } = {}): Buffer {
  const header = encodeHeader(opcode, options.fin ?? true, options.rsv ?? 0, payload.length);
  header[1]! |= 0x80;
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}

const TAIL = Buffer.from([0, 0, 0xff, 0xff]);

type Echo = (message: Buffer, binary: boolean, compress: (m: Buffer) => Buffer) => Buffer;

/**
 * A raw permessage-deflate client: offers `offer`, inflates what the server sends (keeping the
 * server's context), and answers each message with the bytes `echo` returns. `compress` keeps
 * its own context across messages whatever was agreed.
 */
function deflateClient(url: string, offer: string, echo: Echo): Promise<string> {
  const { port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`,
      ),
    );
    let head = '';
    let buffer = Buffer.alloc(0);
    let history = Buffer.alloc(0);
    let sent = Buffer.alloc(0);
    let message: Buffer[] = [];
    let binary = false;
    const compress = (m: Buffer): Buffer => {
      const out = zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH, dictionary: sent.length > 0 ? sent : undefined });
      sent = Buffer.concat([sent, m]).subarray(-32768);
      return out.subarray(0, -4);
    };
    socket.on('data', (chunk: Buffer) => {
      if (head === '') {
        const end = chunk.indexOf('\r\n\r\n');
        head = chunk.subarray(0, end).toString('latin1');
        chunk = chunk.subarray(end + 4);
      }
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const len7 = buffer[1]! & 0x7f;
        const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
        if (buffer.length < 2 + extra) return;
        const length = len7 === 126 ? buffer.readUInt16BE(2) : len7 === 127 ? Number(buffer.readBigUInt64BE(2)) : len7;
        if (buffer.length < 2 + extra + length) return;
        const opcode = buffer[0]! & 0x0f;
        const fin = (buffer[0]! & 0x80) !== 0;
        const payload = buffer.subarray(2 + extra, 2 + extra + length);
        buffer = buffer.subarray(2 + extra + length);
        if (opcode === 8) {
          socket.write(frame(8, payload));
          continue;
        }
        if (opcode !== 0) binary = opcode === 2;
        message.push(payload);
        if (!fin) continue;
        const compressed = Buffer.concat([...message, TAIL]);
        message = [];
        const plain = zlib.inflateRawSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH, dictionary: history.length > 0 ? history : undefined });
        history = Buffer.concat([history, plain]).subarray(-32768);
        socket.write(echo(plain, binary, compress));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(head));
  });
}

describe('verdicts of sections 12–13', () => {
  let server: FuzzingServer;
  const ids = ['1.1.1', '12.1.1', '12.2.11', '13.1.4', '13.2.4', '13.3.1', '13.7.1'];
  const index = (id: string): number => selectCases(ids.join(',')).findIndex((c) => c.id === id) + 1;
  const run = (agent: string, id: string) => `${server.url}/runCase?case=${index(id)}&agent=${agent}`;
  /** The agent's result for `id`, once the server has filed it (/updateReports waits for running cases). */
  const result = async (agent: string, id: string): Promise<CaseResult> => {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${server.url}/updateReports?agent=${agent}`);
      ws.on('error', () => {});
      ws.on('close', () => resolve());
    });
    return server.results().get(agent)!.find((r) => r.id === id)!;
  };

  beforeAll(async () => {
    server = await startFuzzingServer({ cases: ids.join(','), scale: 1 / 16, caseTimeoutMs: 5_000, strict: true });
  });
  afterAll(() => server.close());

  /** ws as the client, echoing; resolves when the connection is gone. */
  const wsVisit = (url: string, options: WebSocket.ClientOptions): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, options);
      ws.on('message', (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', () => {});
      ws.on('close', () => resolve());
    });

  it('a client without the extension is UNIMPLEMENTED; one whose offer lacks client_max_window_bits is too where the case needs it', async () => {
    await wsVisit(run('plain', '12.1.1'), { perMessageDeflate: false });
    expect(await result('plain', '12.1.1')).toMatchObject({
      behavior: 'UNIMPLEMENTED',
      behaviorClose: 'OK',
      reason: 'permessage-deflate not negotiated: the client offered no extension',
    });
    const noBits = { perMessageDeflate: { clientMaxWindowBits: false as unknown as number } };
    await wsVisit(run('nobits', '13.3.1'), noBits);
    await wsVisit(run('nobits', '13.7.1'), noBits);
    expect((await result('nobits', '13.3.1')).behavior).toBe('UNIMPLEMENTED');
    expect(await result('nobits', '13.7.1')).toMatchObject({ behavior: 'OK' });
    expect((await result('nobits', '13.7.1')).reason).toContain('agreed "permessage-deflate; client_no_context_takeover"');
  });

  it('answers the offer in the 101 of a compression case only, and fails a case whose offer breaks RFC 7692 §7', async () => {
    // Each message compressed on its own with a 2^9 zlib window (matches reach back at most 250 bytes): valid for 2^8.
    const alone = (m: Buffer) => zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH, windowBits: 9 }).subarray(0, -4);
    const head = await deflateClient(run('raw', '13.3.1'), 'permessage-deflate; client_max_window_bits', (m, binary) =>
      frame(binary ? 2 : 1, alone(m), { rsv: 4 }),
    );
    expect(head).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=8');
    expect(await result('raw', '13.3.1')).toMatchObject({ behavior: 'OK', behaviorClose: 'OK' });
    // The same client keeping a 32 KiB history refers further back than the agreed 2^8 window.
    await deflateClient(run('window', '13.3.1'), 'permessage-deflate; client_max_window_bits', (m, binary, compress) =>
      frame(binary ? 2 : 1, compress(m), { rsv: 4 }),
    );
    expect((await result('window', '13.3.1')).reason).toContain('does not inflate: not a valid DEFLATE stream: zlib says "invalid distance too far back"');
    const plain = await deflateClient(run('raw', '1.1.1'), 'permessage-deflate', () => Buffer.alloc(0));
    expect(plain).not.toContain('Sec-WebSocket-Extensions');
    await deflateClient(run('bad', '12.1.1'), 'permessage-deflate; client_max_window_bits=7', () => Buffer.alloc(0));
    expect(await result('bad', '12.1.1')).toMatchObject({ behavior: 'FAILED' });
    expect((await result('bad', '12.1.1')).reason).toContain('invalid offer "permessage-deflate; client_max_window_bits=7"');
  });

  it('a client that keeps its context after agreeing to client_no_context_takeover fails (13.2), the same client passes 13.1', async () => {
    const keepsContext: Echo = (m, binary, compress) => frame(binary ? 2 : 1, compress(m), { rsv: 4 });
    await deflateClient(run('context', '13.1.4'), 'permessage-deflate; client_max_window_bits', keepsContext);
    await deflateClient(run('context', '13.2.4'), 'permessage-deflate; client_max_window_bits', keepsContext);
    expect(await result('context', '13.1.4')).toMatchObject({ behavior: 'OK' });
    expect(await result('context', '13.2.4')).toMatchObject({ behavior: 'FAILED' });
    expect((await result('context', '13.2.4')).reason).toMatch(/^client violated the protocol: client sent a compressed message of \d+ bytes that does not inflate: not a valid DEFLATE stream: zlib says "invalid distance too far back"/);
  });

  it('RSV1 on a continuation or a control frame, or RSV2, is a violation', async () => {
    const twoFrames = (rsvSecond: number): Echo => (m, binary, compress) => {
      const c = compress(m);
      return Buffer.concat([frame(binary ? 2 : 1, c.subarray(0, 4), { fin: false, rsv: 4 }), frame(0, c.subarray(4), { rsv: rsvSecond })]);
    };
    await deflateClient(run('frag', '12.2.11'), 'permessage-deflate', twoFrames(0));
    expect(await result('frag', '12.2.11')).toMatchObject({ behavior: 'OK' });
    await deflateClient(run('rsv-cont', '12.2.11'), 'permessage-deflate', twoFrames(4));
    expect((await result('rsv-cont', '12.2.11')).reason).toBe(
      'client violated the protocol: client set RSV1 on a continuation frame; permessage-deflate allows it only on the first frame of a message',
    );
    await deflateClient(run('rsv-ping', '12.2.11'), 'permessage-deflate', () => frame(9, Buffer.from('x'), { rsv: 4 }));
    expect((await result('rsv-ping', '12.2.11')).reason).toContain('client set RSV1 on a control frame (opcode 9)');
    await deflateClient(run('rsv2', '12.2.11'), 'permessage-deflate', (m, binary) => frame(binary ? 2 : 1, m, { rsv: 2 }));
    expect((await result('rsv2', '12.2.11')).reason).toBe(
      "client violated the protocol: client frame has RSV bits 2, expected only 4 (permessage-deflate's RSV1)",
    );
    for (const agent of ['rsv-cont', 'rsv-ping', 'rsv2']) expect((await result(agent, '12.2.11')).behavior, agent).toBe('FAILED');
  });

  it('an echo that differs after inflation fails with the reason', async () => {
    await deflateClient(run('wrong', '12.1.1'), 'permessage-deflate', (m, binary, compress) => {
      const changed = Buffer.from(m);
      changed[0] = changed[0]! ^ 1;
      return frame(binary ? 2 : 1, compress(changed), { rsv: 4 });
    });
    expect(await result('wrong', '12.1.1')).toMatchObject({ behavior: 'FAILED', behaviorClose: 'OK' });
    expect((await result('wrong', '12.1.1')).reason).toBe('agreed "permessage-deflate"; echo 1 of 63 was bytes that differ from the 16 sent');
  });
});
