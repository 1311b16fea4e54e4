/**
 * The conformance suite: the Autobahn agent (public API of rfc6455 only, offering
 * permessage-deflate) plays every client case of our fuzzing server — sections 1–7, 9, 10 and
 * 12–13 (9 and 12–13 scaled down; `npm run conformance` runs them at full size) — and every
 * case must come out OK or INFORMATIONAL.
 * One test per case, grouped by section, so a failure names the case and the server's reason.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CASES } from '../../src/conformance/cases/index.js';
import { startFuzzingServer, type CaseResult, type FuzzingServer } from '../../src/conformance/server.js';
import { meetsBar } from '../../src/conformance/verdict.js';
import { parseAgentArgs, parseCaseSelection, runAgent, type AgentRun } from './autobahn-agent.js';
import { formatSectionTable, sectionOf, summarizeBySection } from './sections.js';

/**
 * Section 9's payloads at 1/16 of Autobahn's sizes (16 MiB -> 1 MiB), and sections 12–13 with
 * 63 messages of 1/16 the size, keep the suite within seconds.
 */
const SCALE = 1 / 16;
const AGENT = 'rfc6455';

let server: FuzzingServer;
let run: AgentRun;
let results: Map<string, CaseResult>;

beforeAll(async () => {
  server = await startFuzzingServer({ scale: SCALE, strict: true });
  // The default offer, as `--deflate` makes it; sections 1–10 decline it, 12–13 answer it their way.
  run = await runAgent({ url: server.url, agent: AGENT, caseTimeoutMs: 30_000, perMessageDeflate: true });
  results = new Map((server.results().get(AGENT) ?? []).map((r) => [r.id, r]));
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const sections = [...new Set(ALL_CASES.map((c) => sectionOf(c.id)))];

describe.each(sections)('section %s', (section) => {
  const ids = ALL_CASES.filter((c) => sectionOf(c.id) === section).map((c) => c.id);
  it.each(ids)('case %s is OK or INFORMATIONAL', (id) => {
    const result = results.get(id);
    expect(result, `case ${id} has no result: the agent never played it`).toBeDefined();
    const verdict = `${id} ${result!.behavior} (close ${result!.behaviorClose}): ${result!.reason}`;
    expect(meetsBar(result!), verdict).toBe(true);
  });
});

describe('the agent run', () => {
  it('played every case once, in order, and the server filed a result for each', () => {
    expect(run.caseCount).toBe(ALL_CASES.length);
    expect(run.outcomes.map((o) => o.index)).toEqual(ALL_CASES.map((_, i) => i + 1));
    expect([...results.keys()]).toEqual(ALL_CASES.map((c) => c.id));
  });

  it('echoed what the echo cases sent and failed the connection in the failure cases', () => {
    const byId = new Map(ALL_CASES.map((c, i) => [c.id, run.outcomes[i]!]));
    expect(byId.get('1.1.1')).toMatchObject({ echoed: 1, ending: 'closed' });
    expect(byId.get('9.7.1')).toMatchObject({ echoed: 1000, ending: 'closed' });
    expect(byId.get('3.2')!.echoed).toBe(1);
    expect(byId.get('3.2')!.ending).toMatch(/^WebSocketProtocolException: /);
    expect(byId.get('6.3.1')!.ending).toMatch(/^WebSocketPayloadException: /);
    for (const id of ['12.1.1', '12.5.18', '13.5.10', '13.7.18']) expect(byId.get(id), id).toMatchObject({ echoed: 63, ending: 'closed' });
  });

  it('negotiated what each section 13 group asks of the client', () => {
    const agreed = (id: string) => /agreed "([^"]*)"/.exec(results.get(id)!.reason)?.[1];
    expect(['12.1.1', '13.1.1', '13.2.1', '13.3.1', '13.4.1', '13.5.1', '13.6.1', '13.7.1'].map(agreed)).toEqual([
      'permessage-deflate',
      'permessage-deflate',
      'permessage-deflate; client_no_context_takeover',
      'permessage-deflate; client_max_window_bits=8',
      'permessage-deflate; client_max_window_bits=15',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits=8',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits=15',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits=8',
    ]);
  });

  it('has the per-section table the README shows, with nothing NON-STRICT or FAILED', () => {
    const rows = summarizeBySection([...results.values()]);
    expect(rows.map((r) => r.section)).toEqual(sections);
    for (const row of rows) expect({ section: row.section, ...row.counts }).toMatchObject({ 'NON-STRICT': 0, FAILED: 0, UNIMPLEMENTED: 0 });
    const table = formatSectionTable(rows);
    expect(table.split('\n').at(-1)).toBe(`| **All** | ${ALL_CASES.length} | ${rows.reduce((n, r) => n + r.counts.OK, 0)} | 0 | 0 | ${rows.reduce((n, r) => n + r.counts.INFORMATIONAL, 0)} |`);
  });
});

describe('permessage-deflate with an offer of its own', () => {
  it('passes every 13.x case when it asks the server for no context and a 2^9 window, limits its own window and compresses every message', async () => {
    const small = await startFuzzingServer({ cases: '13.*', scale: 1 / 32, strict: true });
    try {
      const perMessageDeflate = { serverNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9, threshold: 0 };
      const run = await runAgent({ url: small.url, agent: 'offer', caseTimeoutMs: 20_000, perMessageDeflate });
      expect(run.outcomes).toHaveLength(126);
      const results = small.results().get('offer')!;
      const below = results.filter((r) => !meetsBar(r)).map((r) => `${r.id} ${r.behavior}: ${r.reason}`);
      expect(below).toEqual([]);
      const agreed = (id: string) => /agreed "([^"]*)"/.exec(results.find((r) => r.id === id)!.reason)?.[1];
      const asked = 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9';
      expect(agreed('13.1.1')).toBe(asked);
      expect(agreed('13.3.1')).toBe(`${asked}; client_max_window_bits=8`);
      expect(agreed('13.6.1')).toBe(`${asked}; client_no_context_takeover; client_max_window_bits=9`);
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe('agent options', () => {
  it('selects case numbers and ranges against the server count', () => {
    expect(parseCaseSelection(undefined, 3)).toEqual([1, 2, 3]);
    expect(parseCaseSelection('*', 2)).toEqual([1, 2]);
    expect(parseCaseSelection('5,2-3,3', 10)).toEqual([2, 3, 5]);
    expect(() => parseCaseSelection('0-4', 10)).toThrow('expected cases within 1-10 (the server\'s count), got "0-4"');
    expect(() => parseCaseSelection('4-2', 10)).toThrow('got "4-2"');
    expect(() => parseCaseSelection('9-11', 10)).toThrow('got "9-11"');
    expect(() => parseCaseSelection('a', 10)).toThrow('expected a case number or range like "1-100", got "a"');
  });

  it('parses the command line and rejects bad switches with the usage', () => {
    expect(parseAgentArgs(['--url', 'ws://127.0.0.1:9001', '--agent', 'x', '--cases', '1-3', '--case-timeout', '500', '--deflate'])).toEqual({
      url: 'ws://127.0.0.1:9001',
      agent: 'x',
      cases: '1-3',
      caseTimeoutMs: 500,
      perMessageDeflate: true,
      quiet: false,
    });
    expect(() => parseAgentArgs(['--agent', 'x'])).toThrow(/--url and --agent are required\nusage: /);
    expect(() => parseAgentArgs(['--url', 'http://h', '--agent', 'x'])).toThrow('--url expects a ws:// or wss:// URL, got "http://h"');
    expect(() => parseAgentArgs(['--url', 'ws://h', '--agent', 'x', '--case-timeout', '-1'])).toThrow(
      '--case-timeout expects a positive number of milliseconds, got "-1"',
    );
    expect(() => parseAgentArgs(['--url', 'ws://h', '--agent'])).toThrow('--agent expects a value');
    expect(() => parseAgentArgs(['--url', 'ws://h', '--agent', 'x', '--bogus'])).toThrow('unknown argument "--bogus"');
  });

  it('keeps going when a case runs out of time, and reports that case as cut', async () => {
    // 5.19 paces its fragments 1 s apart, so a 400 ms budget always cuts it; 1.1.1 and 7.1.1 take milliseconds.
    const small = await startFuzzingServer({ cases: '1.1.1,5.19,7.1.1' });
    try {
      const run = await runAgent({ url: small.url, agent: 'cut', caseTimeoutMs: 400 });
      expect(run.outcomes.map((o) => o.index)).toEqual([1, 2, 3]);
      expect(run.outcomes[0]!.ending).toBe('closed');
      expect(run.outcomes[1]!.ending).toMatch(/^Error: gave up after 400 ms \(WebSocketConnectionClosedException: .*aborted by abort\(\)\)$/);
      // The ending above says it was cut; the duration only has to show it did not run on (a bound on a hang).
      expect(run.outcomes[1]!.durationMs).toBeLessThan(10_000);
      expect(run.outcomes[2]!.ending).toBe('closed');
      const verdicts = new Map(small.results().get('cut')!.map((r) => [r.id, r.behavior]));
      expect(verdicts.get('1.1.1')).toBe('OK');
      expect(verdicts.get('5.19')).toBe('FAILED');
      expect(verdicts.get('7.1.1')).toBe('OK');
    } finally {
      await small.close();
    }
  });

  it('runs as a command: npx tsx test/conformance/autobahn-agent.ts --url … --agent … --cases …', async () => {
    const small = await startFuzzingServer({ cases: '1.1.*,2.1' });
    try {
      const script = fileURLToPath(new URL('./autobahn-agent.ts', import.meta.url));
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const child = spawn(tsx, [script, '--url', small.url, '--agent', 'cli', '--cases', '2-3,9'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code, out).toBe(0);
      expect(out).toContain('case 2/9: echoed 1, closed');
      expect(out).toContain('3 of 9 cases played as "cli"; reports updated');
      expect(small.results().get('cli')!.map((r) => [r.id, r.behavior])).toEqual([
        ['1.1.2', 'OK'],
        ['1.1.3', 'OK'],
        ['2.1', 'OK'],
      ]);
    } finally {
      await small.close();
    }
  });
});
