/**
 * Tests of the fuzzing server itself (src/conformance, the client suite), with `ws` as the client
 * under test (its published Autobahn results are the reference), deliberately broken agents,
 * raw TCP clients for the error paths, and `ws`'s Sender/Receiver as a second opinion on framing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, * as wsModule from 'ws';
import { ALL_CASES, selectCases } from '../../src/conformance/cases/index.js';
import { UTF8_GROUPS } from '../../src/conformance/cases/utf8-vectors.js';
import { FrameReader, encodeFrame } from '../../src/conformance/frames.js';
import { acceptKey } from '../../src/conformance/handshake.js';
import { isValidUtf8 } from '../../src/conformance/peer.js';
import { buildReport, failingResults, formatTable, summarize } from '../../src/conformance/report.js';
import { startFuzzingServer, type CaseResult, type FuzzingServer } from '../../src/conformance/server.js';
import { applyStrictRules, judgeClose, judgeEvents } from '../../src/conformance/verdict.js';

/** ws's frame parser and writer, exported at runtime but not declared by @types/ws. */
interface WsReceiver {
  on(event: string, listener: (...args: never[]) => void): this;
  write(chunk: Buffer): boolean;
}
interface WsFrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
const { Receiver, Sender } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; skipUTF8Validation: boolean }) => WsReceiver;
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
};

type Echo = (ws: WebSocket, data: Buffer, isBinary: boolean) => void;

const echoSame: Echo = (ws, data, isBinary) => ws.send(data, { binary: isBinary });

/** Opens one fuzzingserver URL with `ws`; resolves with the first text message (control endpoints) once closed. */
function visit(url: string, echo?: Echo, wsOptions: WebSocket.ClientOptions = {}): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...wsOptions });
    let text: string | null = null;
    ws.on('message', (data: Buffer, isBinary) => {
      if (echo !== undefined) echo(ws, data, isBinary);
      else text ??= data.toString('utf8');
    });
    ws.on('error', () => {
      // a failed case still ends with 'close'
    });
    ws.on('close', () => resolve(text));
  });
}

/** Runs every case of the server as `agent`, `lanes` cases at a time, like an Autobahn agent would. */
async function runAgent(server: FuzzingServer, agent: string, echo: Echo, lanes = 1, wsOptions: WebSocket.ClientOptions = {}) {
  const count = Number(await visit(`${server.url}/getCaseCount`));
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 1 + lane; i <= count; i += lanes) await visit(`${server.url}/runCase?case=${i}&agent=${agent}`, echo, wsOptions);
    }),
  );
  await visit(`${server.url}/updateReports?agent=${agent}`);
  return new Map(server.results().get(agent)!.map((r) => [r.id, r]));
}

/** Sends raw bytes to the server and collects everything until it closes (or, with `headOnly`, until the response head). */
function rawExchange(port: number, request: string, headOnly = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => {
      chunks.push(c);
      if (headOnly && Buffer.concat(chunks).includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

const upgradeRequest = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** A client frame, masked with a fixed key (the server must accept any key). */
function clientFrame(opcode: number, payload: Buffer, masked = true): Buffer {
  if (!masked) return encodeFrame({ opcode, payload });
  return Buffer.concat(Sender.frame(Buffer.from(payload), { fin: true, rsv1: false, opcode, mask: true, readOnly: true }));
}

/** A raw client: handshake, then `onFrame` gets each server frame (opcode, payload) and may write. */
function rawClient(url: string, onFrame: (socket: Socket, opcode: number, payload: Buffer) => void): Promise<void> {
  const { port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(upgradeRequest(pathname + search)));
    const receiver = new Receiver({ isServer: false, skipUTF8Validation: true });
    let head = Buffer.alloc(0);
    let open = false;
    receiver.on('message', (data: Buffer, isBinary: boolean) => onFrame(socket, isBinary ? 2 : 1, data));
    receiver.on('ping', (data: Buffer) => onFrame(socket, 9, data));
    receiver.on('conclude', (code: number, reason: Buffer) => {
      const payload = code === 1005 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
      onFrame(socket, 8, payload);
    });
    receiver.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (open) {
        receiver.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      open = true;
      if (head.length > end + 4) receiver.write(head.subarray(end + 4));
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

/** A raw client that, once `trigger` appears in the bytes from the server, writes `reply` (once) and otherwise stays silent. */
function triggeredClient(url: string, trigger: Buffer, reply: Buffer): Promise<void> {
  const { port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(upgradeRequest(pathname + search)));
    let open = false;
    let replied = false;
    socket.on('data', (chunk) => {
      const body = open ? chunk : chunk.subarray(chunk.indexOf('\r\n\r\n') + 4);
      open = true;
      if (!replied && body.includes(trigger)) {
        replied = true;
        socket.write(reply);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

describe('case catalogue', () => {
  it('holds every client case of sections 1–7, 9, 10, 12 and 13, in order, with unique ids', () => {
    const ids = ALL_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const perSection = new Map<string, number>();
    for (const id of ids) perSection.set(id.split('.')[0]!, (perSection.get(id.split('.')[0]!) ?? 0) + 1);
    expect(Object.fromEntries(perSection)).toEqual({
      '1': 16, '2': 11, '3': 7, '4': 10, '5': 20, '6': 145, '7': 37, '9': 54, '10': 1, '12': 90, '13': 126,
    });
    expect(ids.length).toBe(517);
    const key = (id: string) => id.split('.').map(Number);
    const sorted = [...ids].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
      return 0;
    });
    expect(ids).toEqual(sorted);
    for (const c of ALL_CASES) expect(c.description.length, c.id).toBeGreaterThan(10);
  });

  it('selects cases by ids and wildcards, and rejects a pattern that matches nothing', () => {
    expect(selectCases('1.1.*').map((c) => c.id)).toEqual(['1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.1.5', '1.1.6', '1.1.7', '1.1.8']);
    expect(selectCases('2.1,6.4.1, 2.10').map((c) => c.id)).toEqual(['2.1', '2.10', '6.4.1']);
    expect(selectCases('7.13.*,7.1.*').map((c) => c.id)).toEqual(['7.1.1', '7.1.2', '7.1.3', '7.1.4', '7.1.5', '7.1.6', '7.13.1', '7.13.2']);
    expect(selectCases()).toHaveLength(517);
    expect(() => selectCases('8.*')).toThrow('case pattern "8.*" matches no case');
  });

  it('labels every UTF-8 vector the same way a strict decoder judges it', () => {
    const vectors = UTF8_GROUPS.flatMap((g) => g.vectors);
    expect(vectors).toHaveLength(132);
    for (const v of vectors) expect(isValidUtf8(v.bytes), v.bytes.toString('hex')).toBe(v.valid);
  });
});

describe('framing (second opinion: ws Sender / Receiver)', () => {
  // Lengths around the 7-bit / 16-bit / 64-bit length encodings; payload bytes derived from a seed (fast to generate).
  const frameArb = fc
    .record({
      opcode: fc.constantFrom(1, 2),
      length: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 65530, max: 65600 })),
      seed: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ opcode, length, seed }) => ({ opcode, payload: Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)) }));

  it('encodes frames that ws parses back to the same messages', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), (frames) => {
        const receiver = new Receiver({ isServer: false, skipUTF8Validation: true });
        const got: Array<[Buffer, boolean]> = [];
        receiver.on('message', (data: Buffer, isBinary: boolean) => got.push([data, isBinary]));
        for (const f of frames) receiver.write(encodeFrame(f));
        expect(got.map(([d, b]) => [d.toString('hex'), b])).toEqual(frames.map((f) => [f.payload.toString('hex'), f.opcode === 2]));
      }),
      { numRuns: 60 },
    );
  });

  it('reads masked client frames under any chunking', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 70000 }), { maxLength: 8 }), (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => clientFrame(f.opcode, f.payload)));
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader(1 << 20);
        const got = [];
        let at = 0;
        for (const p of [...points, wire.length]) {
          got.push(...reader.push(wire.subarray(at, p)));
          at = p;
        }
        expect(got.map((g) => [g.opcode, g.payload.toString('hex')])).toEqual(frames.map((f) => [f.opcode, f.payload.toString('hex')]));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects unmasked, reserved-bit, reserved-opcode, oversized and fragmented control frames from clients', () => {
    const read = (bytes: Buffer) => () => new FrameReader(1000).push(bytes);
    expect(read(encodeFrame({ opcode: 1, payload: Buffer.from('hi') }))).toThrow('client frame (opcode 1) is not masked');
    const rsv = clientFrame(1, Buffer.from('hi'));
    rsv[0]! |= 0x40;
    expect(read(rsv)).toThrow('client frame has RSV bits 4, expected 0');
    const reserved = clientFrame(1, Buffer.from('hi'));
    reserved[0] = 0x83;
    expect(read(reserved)).toThrow('client frame has reserved opcode 3');
    expect(read(clientFrame(2, Buffer.alloc(1001)))).toThrow('client frame payload of 1001 bytes exceeds the limit of 1000');
    const fragmentedPing = clientFrame(9, Buffer.from('x'));
    fragmentedPing[0] = 0x09;
    expect(read(fragmentedPing)).toThrow('client control frame (opcode 9) is fragmented or longer than 125 bytes');
  });
});

describe('verdict rules', () => {
  const msg = (s: string) => ({ kind: 'message' as const, data: Buffer.from(s), binary: false });

  it('takes the first expected outcome the events match, byte for byte and in order', () => {
    const expected = new Map([
      ['OK' as const, [msg('a'), msg('b')]],
      ['NON-STRICT' as const, []],
    ]);
    expect(judgeEvents([msg('a'), msg('b')], expected)?.behavior).toBe('OK');
    expect(judgeEvents([], expected)?.behavior).toBe('NON-STRICT');
    expect(judgeEvents([msg('b'), msg('a')], expected)?.behavior).toBe('FAILED');
    expect(judgeEvents([{ ...msg('a'), binary: true }, msg('b')], expected)?.behavior).toBe('FAILED');
    expect(judgeEvents([msg('a')], new Map())).toBeNull();
  });

  it('judges the close: endpoint, cleanliness, then code', () => {
    const normal = { closedByMe: true, closeCode: [1000], requireClean: true };
    expect(judgeClose(normal, { closedByMe: true, wasClean: true, remoteCloseCode: 1000 }).behaviorClose).toBe('OK');
    expect(judgeClose(normal, { closedByMe: true, wasClean: true, remoteCloseCode: null }).behaviorClose).toBe('OK');
    expect(judgeClose(normal, { closedByMe: false, wasClean: true, remoteCloseCode: 1000 }).behaviorClose).toBe('FAILED');
    expect(judgeClose(normal, { closedByMe: true, wasClean: false, remoteCloseCode: null }).behaviorClose).toBe('UNCLEAN');
    const wrong = judgeClose(normal, { closedByMe: true, wasClean: true, remoteCloseCode: 1001 });
    expect(wrong).toEqual({ behaviorClose: 'WRONG CODE', reason: 'client close code 1001, expected 1000 or none' });
  });

  it('fails a case on timeout, on a client violation, or on a close verdict other than OK', () => {
    const ok = { behavior: 'OK' as const, behaviorClose: 'OK' as const, reason: 'fine' };
    expect(applyStrictRules(ok, { timedOut: null, violation: null })).toEqual(ok);
    expect(applyStrictRules(ok, { timedOut: 'took 10 s', violation: null }).reason).toBe('timeout: took 10 s');
    expect(applyStrictRules(ok, { timedOut: null, violation: 'unmasked' }).behavior).toBe('FAILED');
    expect(applyStrictRules({ ...ok, behaviorClose: 'UNCLEAN' }, { timedOut: null, violation: null }).behavior).toBe('FAILED');
    const info = { behavior: 'INFORMATIONAL' as const, behaviorClose: 'INFORMATIONAL' as const, reason: 'undefined by spec' };
    expect(applyStrictRules(info, { timedOut: null, violation: null })).toEqual(info);
  });
});

describe('fuzzingserver protocol endpoints', () => {
  let server: FuzzingServer;
  let reportDir: string;

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), 'fuzzingserver-'));
    server = await startFuzzingServer({ cases: '1.1.*,2.1,6.4.1', reportDir });
  });
  afterAll(async () => {
    await server.close();
    await rm(reportDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and answers getCaseCount, getCaseInfo, getCaseStatus and updateReports', async () => {
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(await visit(`${server.url}/getCaseCount`)).toBe('10');
    expect(JSON.parse((await visit(`${server.url}/getCaseInfo?case=9`))!)).toEqual({
      id: '2.1',
      description: 'Server sends a ping with an empty payload.',
    });
    expect(JSON.parse((await visit(`${server.url}/getCaseStatus?case=2&agent=probe`))!)).toEqual({ behavior: 'UNKNOWN' });
    await visit(`${server.url}/runCase?case=2&agent=probe`, echoSame);
    expect(JSON.parse((await visit(`${server.url}/getCaseStatus?case=2&agent=probe`))!)).toEqual({ behavior: 'OK' });
    await visit(`${server.url}/updateReports?agent=probe`);
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8'));
    expect(report.agents.probe.summary.OK).toBe(1);
    expect(report.agents.probe.cases[0]).toMatchObject({ id: '1.1.2', behavior: 'OK', behaviorClose: 'OK', remoteCloseCode: 1000, localCloseCode: 1000 });
  });

  it('answers HTTP errors for unknown paths, bad case numbers and bad upgrades', async () => {
    expect(await rawExchange(server.port, upgradeRequest('/nope'))).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*unknown path \/nope/);
    expect(await rawExchange(server.port, upgradeRequest('/runCase?case=11&agent=x'))).toMatch(
      /^HTTP\/1\.1 400 Bad Request[\s\S]*expected case=1\.\.10, got 11/,
    );
    expect(await rawExchange(server.port, upgradeRequest('/runCase?agent=x'))).toContain('expected case=1..10, got none');
    const noKey = upgradeRequest('/getCaseCount').replace(/Sec-WebSocket-Key: .*\r\n/, '');
    expect(await rawExchange(server.port, noKey)).toMatch(/^HTTP\/1\.1 400[\s\S]*expected Sec-WebSocket-Key of 16 base64 bytes, got none/);
    const v8 = upgradeRequest('/getCaseCount').replace('Version: 13', 'Version: 8');
    expect(await rawExchange(server.port, v8)).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13/);
    expect(await rawExchange(server.port, 'POST /getCaseCount HTTP/1.1\r\nHost: x\r\n\r\n')).toContain('expected GET, got POST');
    expect(await rawExchange(server.port, 'garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400[\s\S]*expected "METHOD target HTTP\/1\.1", got "garbage"/);
  });

  it('answers the handshake with the RFC 6455 accept value', async () => {
    const reply = await rawExchange(server.port, upgradeRequest('/getCaseCount'), true);
    expect(reply).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455 §1.3 example
    expect(reply).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
  });
});

/**
 * Section 9's round-trip cases (9.7.*, 9.8.*): 1000 sequential echoes whatever the scale, so
 * their wait must not shrink with it. A scaled-down run plays them on a server of their own at
 * full scale (Autobahn's waits, 55 s and more) and the rest on the scaled one: on a loaded
 * machine a scaled wait of 5 s for 1000 round trips cut them short.
 */
const ROUND_TRIP_CASES = ['9.7.*', '9.8.*'];

describe('ws as the client under test', () => {
  let server: FuzzingServer;
  let roundTripServer: FuzzingServer;
  let results: Map<string, CaseResult>;

  beforeAll(async () => {
    server = await startFuzzingServer({ scale: 1 / 64, casePatterns: ['*'], excludeCases: ROUND_TRIP_CASES });
    roundTripServer = await startFuzzingServer({ casePatterns: ROUND_TRIP_CASES });
    // ws with its default permessage-deflate offer, as in its published Autobahn run.
    const scaled = await runAgent(server, 'ws', echoSame, 6, { perMessageDeflate: true });
    const roundTrips = await runAgent(roundTripServer, 'ws', echoSame, 1, { perMessageDeflate: true });
    const order = new Map(ALL_CASES.map((c, i) => [c.id, i]));
    results = new Map([...scaled, ...roundTrips].sort(([a], [b]) => order.get(a)! - order.get(b)!));
  }, 60_000);
  afterAll(() => Promise.all([server.close(), roundTripServer.close()]));

  it('gets the verdicts published for ws: all OK but 4 NON-STRICT (6.4.1–6.4.4) and 3 INFORMATIONAL', () => {
    expect(results.size).toBe(517);
    const notOk = [...results.values()].filter((r) => r.behavior !== 'OK').map((r) => `${r.id} ${r.behavior}`);
    expect(notOk).toEqual([
      '6.4.1 NON-STRICT',
      '6.4.2 NON-STRICT',
      '6.4.3 NON-STRICT',
      '6.4.4 NON-STRICT',
      '7.1.6 INFORMATIONAL',
      '7.13.1 INFORMATIONAL',
      '7.13.2 INFORMATIONAL',
    ]);
    expect(summarize([...results.values()])).toEqual({ OK: 510, 'NON-STRICT': 4, FAILED: 0, INFORMATIONAL: 3, UNIMPLEMENTED: 0 });
    expect(failingResults([...results.values()]).map((r) => r.id)).toEqual(['6.4.1', '6.4.2', '6.4.3', '6.4.4']);
  });

  it('records close codes, durations and reasons', () => {
    expect(results.get('3.1')).toMatchObject({ behaviorClose: 'OK', remoteCloseCode: 1002, localCloseCode: 1002 });
    expect(results.get('6.3.1')).toMatchObject({ behaviorClose: 'OK', remoteCloseCode: 1007 });
    expect(results.get('7.7.13')).toMatchObject({ remoteCloseCode: 4999, localCloseCode: 4999 });
    const failFast = results.get('6.4.1')!;
    expect(failFast.durationMs).toBeGreaterThanOrEqual(1900);
    expect(failFast.reason).toBe('received timeout A, timeout B, as expected for NON-STRICT');
    // A case without waits, timed in milliseconds (a loaded machine may stretch them, not to 10 s).
    expect(results.get('1.1.1')!.durationMs).toBeLessThan(10_000);
    const table = formatTable([...results.values()]);
    expect(table).toMatch(/^case\s+verdict\s+close\s+duration\s+reason\n/);
    expect(table).toContain('517 cases: 510 OK, 4 NON-STRICT, 3 INFORMATIONAL');
    expect(buildReport(server.results(), new Date(0)).generatedAt).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe("a client that echoes but never answers the close: Autobahn's verdict by default, FAILED with strict", () => {
  it('is OK / UNCLEAN with the strict finding as a note, and FAILED / UNCLEAN with strict', async () => {
    const verdicts = [];
    for (const strict of [false, true]) {
      const server = await startFuzzingServer({ cases: '1.1.2', strict });
      try {
        await rawClient(`${server.url}/runCase?case=1&agent=mute`, (socket, opcode, payload) => {
          if (opcode === 1) socket.write(clientFrame(1, payload));
        });
        await visit(`${server.url}/updateReports?agent=mute`);
        const [result] = server.results().get('mute')!;
        verdicts.push({ behavior: result!.behavior, behaviorClose: result!.behaviorClose, notes: result!.detail!.notes });
      } finally {
        await server.close();
      }
    }
    const unclean = 'a clean closing handshake was required, but TCP closed without one';
    expect(verdicts[0]).toEqual({ behavior: 'OK', behaviorClose: 'UNCLEAN', notes: [expect.stringContaining(`close UNCLEAN: `)] });
    expect(verdicts[0]!.notes[0]).toContain(`${unclean} (FAILED with --strict)`);
    expect(verdicts[1]).toEqual({ behavior: 'FAILED', behaviorClose: 'UNCLEAN', notes: [] });
  }, 30_000);
});

describe('broken agents are FAILED (strict, the bar of the project\'s own client)', () => {
  let server: FuzzingServer;
  beforeAll(async () => {
    server = await startFuzzingServer({ cases: '1.1.2,1.2.2,2.1,3.1,6.3.1,6.5.1,6.8.1,7.3.3,7.13.1,9.1.1', scale: 1 / 64, caseTimeoutMs: 3_000, strict: true });
  });
  afterAll(() => server.close());

  it('an agent that never echoes fails every echo case', async () => {
    const results = await runAgent(server, 'silent', () => {}, 3);
    for (const id of ['1.1.2', '1.2.2', '6.5.1', '9.1.1']) expect(results.get(id)!.behavior, id).toBe('FAILED');
    expect(results.get('1.1.2')!.reason).toContain('received nothing; expected OK: text message of 125 bytes');
    expect(results.get('2.1')!.behavior).toBe('OK'); // ws answers pings itself
  }, 60_000); // 9.1.1 waits its whole scaled wait (5 s) for the echo that never comes

  it('an agent that echoes with the wrong message type fails, and invalid UTF-8 it sends is a violation', async () => {
    const results = await runAgent(server, 'swapped', (ws, data, isBinary) => ws.send(data, { binary: !isBinary }), 3);
    expect(results.get('1.1.2')).toMatchObject({ behavior: 'FAILED' });
    expect(results.get('1.2.2')).toMatchObject({
      behavior: 'FAILED',
      reason: 'client violated the protocol: client sent a text message that is not valid UTF-8',
    });
    expect(results.get('9.1.1')!.reason).toBe('expected a text message, got a binary one');
  });

  it('an agent that does not validate UTF-8 fails the invalid-UTF-8 cases', async () => {
    const results = await runAgent(server, 'lax', echoSame, 3, { skipUTF8Validation: true });
    expect(results.get('6.5.1')!.behavior).toBe('OK');
    for (const id of ['6.3.1', '6.8.1']) expect(results.get(id)!.behavior, id).toBe('FAILED');
  });

  it('a raw client that echoes unmasked frames, or closes with a wrong code, fails; an undefined code is informational', async () => {
    const unmasked = () =>
      rawClient(`${server.url}/runCase?case=1&agent=raw`, (socket, opcode, payload) => {
        if (opcode === 1) socket.write(clientFrame(1, payload, false));
      });
    const wrongCode = () =>
      rawClient(`${server.url}/runCase?case=8&agent=raw`, (socket, opcode) => {
        if (opcode === 8) socket.write(clientFrame(8, Buffer.from([0x0b, 0xb8])));
      });
    // ws's parser rejects code 5000, so this client reacts to the raw close frame 0x88 0x02 0x13 0x88.
    const close5000 = Buffer.from([0x88, 0x02, 0x13, 0x88]);
    const echoUndefinedCode = () => triggeredClient(`${server.url}/runCase?case=9&agent=raw`, close5000, clientFrame(8, close5000.subarray(2)));
    await Promise.all([unmasked(), wrongCode(), echoUndefinedCode()]);
    await visit(`${server.url}/updateReports?agent=raw`);
    const results = new Map(server.results().get('raw')!.map((r) => [r.id, r]));
    expect(results.get('1.1.2')).toMatchObject({ behavior: 'FAILED', reason: 'client violated the protocol: client frame (opcode 1) is not masked' });
    expect(results.get('7.3.3')).toMatchObject({ behavior: 'FAILED', behaviorClose: 'WRONG CODE', remoteCloseCode: 3000 });
    expect(results.get('7.3.3')!.reason).toContain('client close code 3000, expected 1000 or none');
    expect(results.get('7.13.1')).toMatchObject({ behavior: 'INFORMATIONAL', remoteCloseCode: 5000, localCloseCode: 5000 });
  });
});

describe('fail-fast UTF-8 (6.4.x)', () => {
  it('gives OK to a client that fails with 1007 at the first invalid octet (0x90), before the rest of the message', async () => {
    const server = await startFuzzingServer({ cases: '6.4.*' });
    try {
      await Promise.all([1, 2, 3, 4].map((i) => triggeredClient(`${server.url}/runCase?case=${i}&agent=fast`, Buffer.from([0x90]), clientFrame(8, Buffer.from([0x03, 0xef])))));
      await visit(`${server.url}/updateReports?agent=fast`);
      const results = server.results().get('fast')!;
      expect(results.map((r) => `${r.id} ${r.behavior} ${r.behaviorClose} ${r.remoteCloseCode}`)).toEqual([
        '6.4.1 OK OK 1007',
        '6.4.2 OK OK 1007',
        '6.4.3 OK OK 1007',
        '6.4.4 OK OK 1007',
      ]);
      for (const r of results) expect(r.durationMs, r.id).toBeLessThan(1900);
    } finally {
      await server.close();
    }
  });
});

describe('per-case timeout', () => {
  it('cuts a client that never answers nor closes, with a FAILED timeout verdict', async () => {
    const server = await startFuzzingServer({ cases: '1.1.1', caseTimeoutMs: 300 });
    try {
      await rawClient(`${server.url}/runCase?case=1&agent=mute`, () => {});
      await visit(`${server.url}/updateReports?agent=mute`);
      const [result] = server.results().get('mute')!;
      expect(result).toMatchObject({ id: '1.1.1', behavior: 'FAILED', reason: 'timeout: case 1.1.1 did not finish within 300 ms' });
      expect(result!.durationMs).toBeGreaterThanOrEqual(290);
    } finally {
      await server.close();
    }
  });
});
