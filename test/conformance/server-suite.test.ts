/**
 * The server suite (wstest server-suite) against real servers: the `ws` echo server must get
 * its published Autobahn verdicts on a reduced case set, and deliberately broken raw servers
 * the verdicts Autobahn gives them. Also the report folder, case patterns, config and exit rule.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOffer, readServerAnswer } from '../../src/conformance/deflate-negotiation.js';
import { FrameReader, encodeFrame } from '../../src/conformance/frames.js';
import { peerClosedReason } from '../../src/conformance/peer.js';
import { ConfigError, parseFuzzingClientConfig, parseFuzzingServerConfig } from '../../src/conformance/config.js';
import { caseReport, cleanForFilename, reportFileName, writeReportFolder } from '../../src/conformance/outdir.js';
import { renderHtmlReport } from '../../src/conformance/html-report.js';
import { excludedForAgent, matchesCasePattern, resolveCases } from '../../src/conformance/patterns.js';
import { SERVER_SUITE_CASES, ServerUnreachable, defaultJobs, runServerSuite, runServerSuiteConfig, selectServerCases } from '../../src/conformance/server-suite.js';
import { formatSummary, progressLine, runFails } from '../../src/conformance/summary.js';
import type { CaseResult } from '../../src/conformance/types.js';
import { startBrokenServer } from '../helpers/broken-echo-server.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const REDUCED = ['1.1.*', '1.2.8', '2.*', '3.*', '4.*', '5.1', '5.9', '5.15', '6.1.*', '6.3.*', '6.4.1', '7.1.*', '7.5.1', '7.7.1', '7.9.1', '7.13.*', '9.1.1', '9.7.1', '10.*'];

function verdicts(results: readonly CaseResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`]));
}

describe('server suite against the ws echo server', () => {
  let server: WsTestServer;
  let results: CaseResult[];

  beforeAll(async () => {
    // ws >= 8.19 limits a message to 16384 fragments by default; 9.3.1/9.4.1 send 65536 (the published run predates it).
    server = await startWsServer(undefined, { maxFragments: 0 });
    results = await runServerSuite({ url: server.url, cases: REDUCED, jobs: 2, scale: 1 / 16 });
  }, 60_000);
  afterAll(async () => server.close());

  it("gives ws its published verdicts: OK except NON-STRICT 6.4.1 and INFORMATIONAL 7.1.6 / 7.13.x", () => {
    const notOk = results.filter((r) => r.behavior !== 'OK').map((r) => `${r.id} ${r.behavior}`);
    expect(notOk).toEqual(['6.4.1 NON-STRICT', '7.1.6 INFORMATIONAL', '7.13.1 INFORMATIONAL', '7.13.2 INFORMATIONAL']);
    expect(results.filter((r) => r.behavior === 'OK').every((r) => r.behaviorClose === 'OK')).toBe(true);
    // Section 9's round-trip cases report their figures.
    expect(results.find((r) => r.id === '9.7.1')!.reason).toMatch(/^all 1000 messages came back unchanged; round trip min [\d.]+ \/ median [\d.]+ \/ p99 [\d.]+ \/ max [\d.]+ ms$/);
    expect(results.length).toBe(selectServerCases(REDUCED).length);
    expect(runFails(results, 'FAILED')).toBe(false);
    expect(runFails(results, 'NON-STRICT')).toBe(true);
  });

  it('records what the server sent: close codes, the handshake and the wire log', () => {
    const case311 = results.find((r) => r.id === '3.1')!;
    expect(case311.remoteCloseCode).toBe(1002);
    expect(case311.detail!.closedByMe).toBe(false);
    expect(case311.detail!.http!.response).toMatch(/^HTTP\/1\.1 101/);
    const sent = case311.detail!.wirelog.entries.find((e) => e.dir === 'tx');
    expect(sent).toMatchObject({ opcode: 1, rsv: 1, masked: true });
  });

  it('writes an Autobahn-compatible report folder', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'wstest-'));
    try {
      await writeReportFolder(outdir, new Map([['ws 8.x', results]]), 'test');
      const index = JSON.parse(await readFile(join(outdir, 'index.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
      expect(index['ws 8.x']!['6.4.1']).toEqual({
        behavior: 'NON-STRICT',
        behaviorClose: 'OK',
        duration: expect.any(Number),
        remoteCloseCode: 1007,
        reportfile: 'ws_8_x_case_6_4_1.json',
      });
      const report = JSON.parse(await readFile(join(outdir, 'ws_8_x_case_6_4_1.json'), 'utf8')) as Record<string, unknown>;
      expect(report).toMatchObject({ id: '6.4.1', behavior: 'NON-STRICT', remoteCloseCode: 1007, closedByMe: false });
      expect(typeof report.expectation).toBe('string');
      const html = await readFile(join(outdir, 'index.html'), 'utf8');
      expect(html).toContain('6.4.1');
      expect(html).not.toMatch(/<(script|link|img)\b/i);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  });
});

describe('server suite scheduling', () => {
  it('runs the protocol cases, then section 9 alone, then 12-13 with the costliest first; reports in case order', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: true });
    try {
      const order: string[] = [];
      const cases = ['12.1.1', '12.1.15', '1.1.1', '9.1.1', '12.1.10', '2.1'];
      const results = await runServerSuite({ url: server.url, cases, jobs: 1, scale: 1 / 100, onResult: (r) => order.push(r.id) });
      expect(order).toEqual(['1.1.1', '2.1', '9.1.1', '12.1.15', '12.1.10', '12.1.1']);
      expect(results.map((r) => r.id)).toEqual(['1.1.1', '2.1', '9.1.1', '12.1.1', '12.1.10', '12.1.15']);
      expect(results.every((r) => r.behavior === 'OK')).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('runs four cases per core by default, at most 32', () => {
    expect([1, 2, 8, 64].map(defaultJobs)).toEqual([4, 8, 32, 32]);
    expect(defaultJobs(0)).toBe(4);
  });
});

describe('server suite, permessage-deflate (sections 12-13)', () => {
  it('ws with permessage-deflate passes; the offer asks of the server what the case requests', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: true });
    try {
      const results = await runServerSuite({ url: server.url, cases: ['12.1.1', '12.2.11', '13.2.1', '13.5.1', '13.7.2'], jobs: 2, scale: 1 / 50 });
      expect(verdicts(results)).toEqual({ '12.1.1': 'OK/OK', '12.2.11': 'OK/OK', '13.2.1': 'OK/OK', '13.5.1': 'OK/OK', '13.7.2': 'OK/OK' });
      const offers = server.requests.map((r) => r.headers['sec-websocket-extensions']);
      expect(offers).toContain('permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover'); // 13.2.1
      expect(offers).toContain(
        'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=8, ' +
          'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, ' +
          'permessage-deflate; client_no_context_takeover; client_max_window_bits',
      ); // 13.7.2
      expect(results[3]!.reason).toContain('server_no_context_takeover; server_max_window_bits=8');
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a server without permessage-deflate gets UNIMPLEMENTED', async () => {
    const server = await startWsServer();
    try {
      const [result] = await runServerSuite({ url: server.url, cases: ['12.1.1'] });
      expect(result).toMatchObject({ behavior: 'UNIMPLEMENTED', behaviorClose: 'OK' });
      expect(result!.reason).toContain('the server accepted no extension');
    } finally {
      await server.close();
    }
  });
});

describe('server suite against broken servers', () => {
  it('a server that echoes reserved bits and invalid UTF-8 gets the verdicts Autobahn gives', async () => {
    const server = await startBrokenServer('lenient');
    try {
      const results = await runServerSuite({ url: server.url, cases: ['1.1.1', '3.1', '3.2', '4.1.1', '6.3.1'], jobs: 2 });
      // Autobahn: the bad echo is refused, not recorded, so what was recorded matches (behavior OK), but the tester,
      // not the server, had to fail the connection: close FAILED. In the UTF-8 cases that fails the case too.
      expect(verdicts(results)).toEqual({
        '1.1.1': 'OK/OK',
        '3.1': 'OK/FAILED',
        '3.2': 'OK/FAILED',
        '4.1.1': 'OK/FAILED',
        '6.3.1': 'FAILED/FAILED',
      });
      expect(results.find((r) => r.id === '3.1')!.reason).toContain('server frame has RSV bits 1');
      expect(results.find((r) => r.id === '6.3.1')!.reason).toContain('not valid UTF-8');
      expect(runFails(results, 'FAILED')).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a server that never answers the close gets UNCLEAN where a clean close is required', async () => {
    const server = await startBrokenServer('no-close-reply');
    try {
      const results = await runServerSuite({ url: server.url, cases: ['1.1.1', '2.1'], closeTimeoutMs: 300 });
      expect(verdicts(results)).toEqual({ '1.1.1': 'OK/UNCLEAN', '2.1': 'OK/UNCLEAN' });
      expect(results[0]!.detail!.wasNotCleanReason).toContain('did not answer the close frame');
    } finally {
      await server.close();
    }
  }, 30_000);

  it('names how the peer ended TCP: a close, a reset met by a read, a reset met by a write (which may have cost an echo)', () => {
    expect(peerClosedReason(undefined)).toBe('the peer closed TCP without a closing handshake');
    expect(peerClosedReason({ code: 'ECONNRESET', whileWriting: false })).toBe('the peer reset TCP without a closing handshake (ECONNRESET)');
    expect(peerClosedReason({ code: 'EPIPE', whileWriting: true })).toBe(
      'the peer reset TCP without a closing handshake (EPIPE) while the tester was still writing; what it sent just before may be lost with the reset',
    );
  });

  it('a server that resets TCP at a violation: the case names the reset, and an echo it may have lost by hitting a write', async () => {
    const server = await startBrokenServer('resets-on-violation');
    try {
      // 3.2 arrives in one write: the reset comes after the tester wrote everything, and its read sees it. 3.4 arrives
      // an octet at a time: on a busy machine the tester may still be writing the ping, and then its write sees it.
      const results = await runServerSuite({ url: server.url, cases: ['3.2', '3.4'], jobs: 1 });
      const [whole, octets] = results;
      expect(whole).toMatchObject({ behavior: 'OK', behaviorClose: 'OK' });
      expect(whole!.detail!.wasNotCleanReason).toBe('the peer reset TCP without a closing handshake (ECONNRESET)');
      expect([`${octets!.behavior}/${octets!.behaviorClose}`]).toContainEqual(expect.stringMatching(/^(OK|NON-STRICT)\/OK$/));
      expect([peerClosedReason({ code: 'ECONNRESET', whileWriting: false }), peerClosedReason({ code: 'ECONNRESET', whileWriting: true }), peerClosedReason({ code: 'EPIPE', whileWriting: true })]).toContain(
        octets!.detail!.wasNotCleanReason,
      );
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a server that never closes TCP gets FAILED BY CLIENT, or UNCLEAN where a clean close is required', async () => {
    const server = await startBrokenServer('keeps-tcp-open');
    try {
      const results = await runServerSuite({ url: server.url, cases: ['1.1.1', '3.1'], jobs: 2, closeTimeoutMs: 300 });
      expect(verdicts(results)).toEqual({ '1.1.1': 'OK/UNCLEAN', '3.1': 'OK/FAILED BY CLIENT' });
      expect(results[1]!.detail).toMatchObject({ closedByMe: false, droppedByMe: true, wasClean: false });
      expect(results[1]!.detail!.wasNotCleanReason).toBe('the server did not close TCP in time after the closing handshake');
      expect(runFails(results, 'FAILED')).toBe(true);
      expect(runFails([results[1]!], 'FAILED')).toBe(false);
      expect(runFails([results[1]!], 'NON-STRICT')).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a server that accepts permessage-deflate but echoes compressed bytes as uncompressed messages fails 12.x / 13.x', async () => {
    const server = await startBrokenServer('deflate-uncompressed');
    try {
      const [result] = await runServerSuite({ url: server.url, cases: ['12.1.1'], scale: 1 / 50 });
      // The compressed bytes arrive as a text message that is not UTF-8: the tester fails the connection with
      // 1007, which the server echoes; Autobahn: no echo matched (FAILED), close code not 1000 (WRONG CODE).
      expect(result).toMatchObject({ behavior: 'FAILED', behaviorClose: 'WRONG CODE', remoteCloseCode: 1007 });
      expect(result!.reason).toContain('agreed "permessage-deflate"; only 0 of 20 messages were echoed');
      expect(result!.reason).toContain('server sent a text message that is not valid UTF-8');
    } finally {
      await server.close();
    }
  });

  it("a server that answers permessage-deflate without the parameters asked of it gets Autobahn's verdict (OK) with a note; FAILED with strict", async () => {
    const server = await startBrokenServer('deflate-ignores-params');
    try {
      const cases = ['12.1.1', '13.2.1', '13.4.1'];
      const results = await runServerSuite({ url: server.url, cases, jobs: 3, scale: 1 / 50 });
      // Autobahn's client takes any valid permessage-deflate answer and judges the echoes, which are right here.
      expect(verdicts(results)).toEqual({ '12.1.1': 'OK/OK', '13.2.1': 'OK/OK', '13.4.1': 'OK/OK' });
      const notes = Object.fromEntries(results.map((r) => [r.id, r.detail!.notes]));
      expect(notes['12.1.1']).toEqual([]);
      expect(notes['13.2.1']).toEqual([
        'the answer leaves out server_no_context_takeover, which the offer asked for and RFC 7692 §7.1.1.1 requires in the answer of a server that accepts the offer (answer "permessage-deflate")',
      ]);
      expect(notes['13.4.1']).toEqual([
        'the answer leaves out server_max_window_bits, which the offer asked for (=15) and RFC 7692 §7.1.2.1 requires in the answer of a server that accepts the offer (answer "permessage-deflate")',
      ]);
      expect(caseReport('broken', results[1]!).notes).toEqual(notes['13.2.1']);
      const html = renderHtmlReport(new Map([['broken', results]]), 't');
      expect(html).toContain('Stricter than Autobahn');
      expect(html.match(/<small class="noted">note<\/small>/g)).toHaveLength(2);

      const strict = await runServerSuite({ url: server.url, cases, jobs: 3, scale: 1 / 50, strict: true });
      expect(verdicts(strict)).toEqual({ '12.1.1': 'OK/OK', '13.2.1': 'FAILED/OK', '13.4.1': 'FAILED/OK' });
      expect(strict[1]!.reason).toContain('permessage-deflate not negotiated: the answer leaves out server_no_context_takeover');
    } finally {
      await server.close();
    }
  });

  it('a section 9 echo of the right length with other bytes is OK as in Autobahn, with a note; FAILED with strict', async () => {
    const server = await startBrokenServer('flips-bytes');
    try {
      const [ok] = await runServerSuite({ url: server.url, cases: ['9.1.1'], scale: 1 / 16 });
      expect(ok).toMatchObject({ behavior: 'OK', behaviorClose: 'OK' });
      expect(ok!.detail!.notes).toEqual(['the echoed text message has the right length but differs from the one sent']);
      const [strict] = await runServerSuite({ url: server.url, cases: ['9.1.1'], scale: 1 / 16, strict: true });
      expect(strict).toMatchObject({ behavior: 'FAILED', reason: 'the echoed text message has the right length but differs from the one sent' });
    } finally {
      await server.close();
    }
  });

  it('a server that cannot be reached is one error, not a verdict per case', async () => {
    const server = await startBrokenServer('lenient');
    const url = server.url;
    await server.close();
    await expect(runServerSuite({ url, cases: ['1.1.1'] })).rejects.toThrow(ServerUnreachable);
    await expect(runServerSuite({ url, cases: ['1.1.1'] })).rejects.toThrow(`could not connect to ${url}/: connect ECONNREFUSED`);
  });

  it('a server that refuses the handshake fails each case with the reason', async () => {
    const server = await startWsServer(undefined, { verifyClient: () => false });
    try {
      const [result] = await runServerSuite({ url: server.url, cases: ['1.1.1'] });
      expect(result).toMatchObject({ behavior: 'FAILED', behaviorClose: 'FAILED' });
      expect(result!.reason).toBe('opening handshake failed: expected "HTTP/1.1 101 Switching Protocols", got "HTTP/1.1 401 Unauthorized"');
    } finally {
      await server.close();
    }
  });
});

describe('the tester as the client: frames and deflate answers', () => {
  it('masked frames read back unchanged under any chunking; a reader of server frames refuses them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2, 8, 9, 10),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        (opcode, bytes, masked, cuts) => {
          const payload = Buffer.from(opcode >= 8 ? bytes.subarray(0, 125) : bytes);
          const wire = encodeFrame({ opcode, payload, masked });
          const reader = new FrameReader(1 << 20, 0, masked ? 'client' : 'server');
          const frames = [];
          let at = 0;
          for (let i = 0; at < wire.length; i = (i + 1) % cuts.length) {
            frames.push(...reader.push(wire.subarray(at, at + cuts[i]!)));
            at += cuts[i]!;
          }
          expect(frames).toEqual([{ fin: true, rsv: 0, opcode, payload }]);
          const wrongSide = new FrameReader(1 << 20, 0, masked ? 'server' : 'client');
          expect(() => wrongSide.push(wire)).toThrow(`${masked ? 'server' : 'client'} frame (opcode ${opcode}) is ${masked ? 'masked' : 'not masked'}`);
        },
      ),
    );
  });

  it("accepts any valid answer as Autobahn's client does; what it leaves out of the offer is a note, and invalid with strict", () => {
    const request = fc.record({ clientNoContextTakeover: fc.boolean(), clientMaxWindowBits: fc.constantFrom(0, 8, 9, 12, 15) });
    fc.assert(
      fc.property(
        request,
        fc.boolean(),
        fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
        fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
        (r, noContext, serverBits, clientBits) => {
          const parts = ['permessage-deflate'];
          if (noContext) parts.push('server_no_context_takeover');
          if (serverBits !== undefined) parts.push(`server_max_window_bits=${serverBits}`);
          if (clientBits !== undefined) parts.push(`client_max_window_bits=${clientBits}`);
          const header = parts.join('; ');
          const answer = readServerAnswer(header, [r]);
          const leavesOutNoContext = r.clientNoContextTakeover && !noContext;
          const leavesOutBits = r.clientMaxWindowBits !== 0 && (serverBits === undefined || serverBits > r.clientMaxWindowBits);
          expect(answer).toMatchObject({
            kind: 'accepted',
            params: {
              serverNoContextTakeover: noContext,
              clientNoContextTakeover: false,
              serverMaxWindowBits: serverBits ?? 15,
              clientMaxWindowBits: clientBits ?? 15,
            },
          });
          if (answer.kind !== 'accepted') return;
          expect(answer.notes.some((n) => n.includes('leaves out server_no_context_takeover') && n.includes('RFC 7692 §7.1.1.1'))).toBe(leavesOutNoContext);
          expect(answer.notes.some((n) => n.includes('server_max_window_bits') && n.includes('RFC 7692 §7.1.2.1'))).toBe(leavesOutBits);
          expect(answer.notes.length).toBe(Number(leavesOutNoContext) + Number(leavesOutBits));
          const strict = readServerAnswer(header, [r], true);
          expect(strict.kind).toBe(leavesOutNoContext || leavesOutBits ? 'invalid' : 'accepted');
          if (strict.kind === 'invalid') expect(strict.why).toBe(answer.notes.join('; '));
          expect(clientOffer([r])).toMatch(/^permessage-deflate; client_no_context_takeover; client_max_window_bits/);
        },
      ),
    );
    // Several offers (13.7): the answer is measured against the offer it grants most of.
    const offers = [{ clientNoContextTakeover: true, clientMaxWindowBits: 8 }, { clientNoContextTakeover: true, clientMaxWindowBits: 0 }, { clientNoContextTakeover: false, clientMaxWindowBits: 0 }];
    expect(readServerAnswer('permessage-deflate', offers, true)).toMatchObject({ kind: 'accepted', notes: [] });
    expect(readServerAnswer(undefined, [{ clientNoContextTakeover: false, clientMaxWindowBits: 0 }])).toEqual({ kind: 'declined', why: 'the server accepted no extension' });
    expect(readServerAnswer('permessage-deflate; client_max_window_bits', [{ clientNoContextTakeover: false, clientMaxWindowBits: 0 }])).toMatchObject({ kind: 'invalid' });
    expect(readServerAnswer('x-webkit-deflate-frame', [{ clientNoContextTakeover: false, clientMaxWindowBits: 0 }]).kind).toBe('invalid');
  });
});

describe('case patterns, config and summary', () => {
  it('reads patterns as Autobahn does: exact ids, * wildcards, regex tails', () => {
    const ids = SERVER_SUITE_CASES.map((c) => c.id);
    expect(ids.length).toBe(517);
    expect(resolveCases(ids, ['12.*.1'])).toHaveLength(50); // Autobahn: a * pattern matches at the start only
    expect(resolveCases(ids, ['12.*.1$'])).toEqual(['12.1.1', '12.2.1', '12.3.1', '12.4.1', '12.5.1']);
    expect(matchesCasePattern('1.1.1', '1.1.10')).toBe(false);
    expect(resolveCases(ids, ['9.*.[12]$'])).toEqual(ids.filter((id) => /^9\.\d+\.[12]$/.test(id)));
    expect(resolveCases(ids, ['6.4.*'], ['6.4.2'])).toEqual(['6.4.1', '6.4.3', '6.4.4']);
    expect(() => resolveCases(ids, ['8.*'])).toThrow('case pattern "8.*" matches no case');
    expect(excludedForAgent({ 'ws*': ['9.*'] }, 'ws 8', '9.1.1')).toBe(true);
    expect(excludedForAgent({ 'ws*': ['9.*'] }, 'other', '9.1.1')).toBe(false);
  });

  it('parses fuzzingclient.json and names the bad field', () => {
    const config = parseFuzzingClientConfig(
      JSON.stringify({
        outdir: './out',
        options: { failByDrop: false, version: 18 },
        servers: [{ agent: 'ws', url: 'ws://127.0.0.1:9001', options: { failByDrop: true } }],
        cases: ['1.*'],
        'exclude-cases': ['1.1.2'],
        'exclude-agent-cases': { ws: ['1.2.*'] },
      }),
    );
    expect(config).toMatchObject({ outdir: './out', cases: ['1.*'], excludeCases: ['1.1.2'], ignoredOptions: ['options.version'] });
    expect(config.servers[0]).toEqual({ agent: 'ws', url: 'ws://127.0.0.1:9001', failByDrop: true });
    expect(() => parseFuzzingClientConfig('{"servers": [{"url": "http://x"}]}')).toThrow(ConfigError);
    expect(() => parseFuzzingClientConfig('{"servers": [{"url": "http://x"}]}')).toThrow('expected "servers[0].url" to be a ws:// or wss:// URL, got "http://x"');
    expect(() => parseFuzzingClientConfig('{"servers": [], "cases": 1}')).toThrow('expected "servers" to be a non-empty list');
  });

  it('parses fuzzingserver.json (the client suite): listen address, patterns, wss needs cert and key', () => {
    const config = parseFuzzingServerConfig('{"url": "ws://127.0.0.1:9001", "outdir": "./r", "cases": ["*"], "exclude-cases": ["9.*"], "webport": 8080}');
    expect(config).toEqual({ host: '127.0.0.1', port: 9001, outdir: './r', cases: ['*'], excludeCases: ['9.*'], excludeAgentCases: {} });
    expect(() => parseFuzzingServerConfig('{"url": "wss://127.0.0.1:9001"}')).toThrow('expected "cert" and "key" for the wss:// url');
    expect(parseFuzzingServerConfig('{"url": "wss://[::1]:9443", "cert": "c.pem", "key": "k.pem"}')).toMatchObject({ host: '::1', port: 9443, cert: 'c.pem' });
  });

  it('runs a config: exclude-agent-cases leaves cases out for that agent', async () => {
    const server = await startWsServer();
    try {
      const config = parseFuzzingClientConfig(
        JSON.stringify({ servers: [{ agent: 'ws', url: server.url }], cases: ['1.1.*'], 'exclude-agent-cases': { 'w*': ['1.1.[2-8]'] } }),
      );
      const results = await runServerSuiteConfig(config, { jobs: 2 });
      expect(verdicts(results.get('ws')!)).toEqual({ '1.1.1': 'OK/OK' });
    } finally {
      await server.close();
    }
  });

  it('names report files as Autobahn does and summarises non-OK cases one per line', () => {
    expect(cleanForFilename('  Tungstenite (0.20)! ')).toBe('tungstenite_0_20');
    expect(reportFileName('ws', '12.1.10')).toBe('ws_case_12_1_10.json');
    const result: CaseResult = { id: '6.4.1', description: '', behavior: 'NON-STRICT', behaviorClose: 'OK', durationMs: 2000, remoteCloseCode: 1007, localCloseCode: null, reason: 'late' };
    const text = formatSummary('ws', [result, { ...result, id: '1.1.1', behavior: 'OK' }], 1500);
    expect(progressLine(3, 12, result, 12)).toBe('[===         ] 3/12 6.4.1 NON-STRICT');
    expect(text.split('\n')).toEqual(['ws: 2 cases in 1.5 s: 1 OK, 1 NON-STRICT', expect.stringMatching(/^ {2}6\.4\.1 +NON-STRICT +close OK +late$/)]);
  });
});
