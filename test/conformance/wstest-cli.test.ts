/**
 * The built `wstest` command (the package is built into a temp folder first): server-suite against the ws echo
 * server (report folder, summary, exit codes by --fail-on), usage errors, and client-suite over
 * wss:// with the ws client playing Autobahn's agent protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildPackage, type BuiltPackage } from '../cli/wsdump-process.js';
import { startBrokenServer } from '../helpers/broken-echo-server.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let built: BuiltPackage;
let CLI: string;

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wstest-cli-'));
  built = await buildPackage();
  CLI = join(built.root, 'dist', 'cli', 'wstest.js');
  // The same step as `npm run build`: the bin must be executable.
  await chmod(CLI, 0o755);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await built?.remove();
});

describe('wstest compare', () => {
  it('exits 0 for identical runs, 1 with a line per difference, 2 on a missing or malformed index', async () => {
    const ok = { behavior: 'OK', behaviorClose: 'OK', duration: 3, remoteCloseCode: 1000, reportfile: 'ws_case_1_1_1.json' };
    const runA = join(dir, 'run-a');
    const runB = join(dir, 'run-b');
    await mkdir(runA);
    await mkdir(runB);
    await writeFile(join(runA, 'index.json'), JSON.stringify({ ws: { '1.1.1': ok, '6.4.1': { ...ok, behavior: 'NON-STRICT', remoteCloseCode: 1007 } } }));
    await writeFile(join(runB, 'index.json'), JSON.stringify({ ws: { '1.1.1': { ...ok, duration: 9 }, '6.4.1': { ...ok, behavior: 'NON-STRICT', remoteCloseCode: 1007 } } }));
    const same = await runCli(['compare', runA, join(runB, 'index.json')]);
    expect(same).toMatchObject({ code: 0, stdout: '2 cases compared: identical (verdict, close verdict and close code)\n' });
    await writeFile(join(runB, 'index.json'), JSON.stringify({ ws: { '1.1.1': ok, '6.4.1': { ...ok, remoteCloseCode: 1007 } } }));
    const differs = await runCli(['compare', runA, runB]);
    expect(differs.code).toBe(1);
    expect(differs.stdout).toBe('  ws 6.4.1     behavior        NON-STRICT  ->  OK\n2 cases compared: 1 differ\n');
    const missing = await runCli(['compare', runA, join(dir, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`could not read ${join(dir, 'nowhere')}: ENOENT`);
    await writeFile(join(runB, 'index.json'), '{"ws": []}');
    const malformed = await runCli(['compare', runA, runB]);
    expect(malformed).toMatchObject({ code: 2, stderr: `wstest: ${runB}: expected agent "ws" to hold an object of cases, got []\n` });
    const one = await runCli(['compare', runA]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(`expected two report folders or index.json files, got "${runA}"`);
  });
});

describe('wstest server-suite', () => {
  let server: WsTestServer;
  beforeAll(async () => {
    server = await startWsServer();
  });
  afterAll(async () => server.close());

  it('passes ws on a case set without NON-STRICT cases and writes the report folder', async () => {
    const outdir = join(dir, 'pass');
    const { code, stdout } = await runCli(['server-suite', '--url', server.url, '--agent', 'ws', '--cases', '1.1.*,2.1,7.13.*', '--jobs', '2', '--outdir', outdir]);
    expect(stdout).toContain('ws: 11 cases in');
    expect(stdout).toContain('9 OK, 2 INFORMATIONAL');
    expect(stdout).toMatch(/^ {2}7\.13\.1 +INFORMATIONAL/m);
    expect(code).toBe(0);
    const index = JSON.parse(await readFile(join(outdir, 'index.json'), 'utf8')) as Record<string, Record<string, { reportfile: string }>>;
    expect(Object.keys(index.ws!)).toHaveLength(11);
    expect(index.ws!['2.1']!.reportfile).toBe('ws_case_2_1.json');
    await readFile(join(outdir, 'ws_case_2_1.json'), 'utf8');
  });

  it('exits 1 when a case meets the --fail-on rule, 0 with --fail-on none', async () => {
    const config = join(dir, 'fuzzingclient.json');
    await writeFile(config, JSON.stringify({ outdir: join(dir, 'cfg'), servers: [{ agent: 'ws', url: server.url }], cases: ['6.4.1'] }));
    const strict = await runCli(['server-suite', '--config', config, '--fail-on', 'NON-STRICT', '--quiet']);
    expect(strict.stdout).toMatch(/^ {2}6\.4\.1 +NON-STRICT/m);
    expect(strict.code).toBe(1);
    const lenient = await runCli(['server-suite', '--config', config, '--fail-on', 'none', '--quiet']);
    expect(lenient.code).toBe(0);
  });

  it("gives Autobahn's verdict by default with the RFC 7692 finding as a note; --strict fails the case", async () => {
    const broken = await startBrokenServer('deflate-ignores-params');
    try {
      const args = ['server-suite', '--url', broken.url, '--agent', 'tornado-like', '--cases', '13.2.1', '--quiet'];
      const outdir = join(dir, 'notes');
      const lenient = await runCli([...args, '--outdir', outdir]);
      expect(lenient.stdout).toContain('tornado-like: 1 cases in');
      expect(lenient.stdout).toMatch(/^ {2}13\.2\.1 +OK +close OK .*; note: the answer leaves out server_no_context_takeover/m);
      expect(lenient.code).toBe(0);
      const report = JSON.parse(await readFile(join(outdir, 'tornado_like_case_13_2_1.json'), 'utf8')) as { behavior: string; notes: string[] };
      expect(report.behavior).toBe('OK');
      expect(report.notes[0]).toContain('RFC 7692 §7.1.1.1');
      expect(await readFile(join(outdir, 'index.html'), 'utf8')).toContain('Stricter than Autobahn');
      const strict = await runCli([...args, '--outdir', join(dir, 'strict'), '--strict']);
      expect(strict.stdout).toMatch(/^ {2}13\.2\.1 +FAILED +close OK +permessage-deflate not negotiated: the answer leaves out server_no_context_takeover/m);
      expect(strict.code).toBe(1);
    } finally {
      await broken.close();
    }
  }, 60_000);

  it('exits 2 with the reason on a bad command line or config', async () => {
    const both = await runCli(['server-suite']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('expected exactly one of --url or --config');
    const pattern = await runCli(['server-suite', '--url', server.url, '--cases', '8.*']);
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain('case pattern "8.*" matches no case');
    const failOn = await runCli(['server-suite', '--url', server.url, '--fail-on', 'SOMETIMES']);
    expect(failOn.stderr).toContain('expected --fail-on to be one of FAILED, NON-STRICT, UNIMPLEMENTED, none, got "SOMETIMES"');
    const config = join(dir, 'bad.json');
    await writeFile(config, '{"servers": [{"url": "http://x"}]}');
    const bad = await runCli(['server-suite', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected "servers[0].url" to be a ws:// or wss:// URL');
  });
});

/** Opens one agent-protocol URL with ws; echoes in /runCase; resolves with the text messages once closed (after an error too). */
function agentCall(url: string, ca: string): Promise<string[]> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca });
    const texts: string[] = [];
    ws.on('message', (data, isBinary) => {
      if (url.includes('/runCase')) ws.send(data, { binary: isBinary });
      else texts.push(data.toString());
    });
    ws.on('close', () => resolve(texts));
    // A case that makes ws fail the connection (2.5) ends in an error, then 'close'.
    ws.on('error', () => {});
  });
}

describe('wstest client-suite', () => {
  let certs: TestCertificates;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    certs = await makeTestCertificates();
  });
  afterAll(async () => {
    child?.kill();
    await certs.remove();
  });

  it('serves the agent protocol over wss:// with --cert/--key and writes Autobahn reports', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await writeFile(cert, certs.certPem);
    await writeFile(key, certs.keyPem);
    const outdir = join(dir, 'clients');
    child = spawn(process.execPath, [CLI, 'client-suite', '--port', '0', '--cases', '1.1.1,2.*', '--exclude-cases', '2.1*', '--cert', cert, '--key', key, '--outdir', outdir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /listening on (wss:\/\/[^ ]+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child!.on('exit', (code) => reject(new Error(`client-suite exited with ${code}`)));
    });
    const [count] = await agentCall(`${url}/getCaseCount`, certs.caPem);
    expect(count).toBe('9'); // 1.1.1, 2.2-2.9 (2.1, 2.10, 2.11 excluded by "2.1*")
    for (let i = 1; i <= Number(count); i++) await agentCall(`${url}/runCase?case=${i}&agent=ws`, certs.caPem);
    await agentCall(`${url}/updateReports?agent=ws`, certs.caPem);
    const index = JSON.parse(await readFile(join(outdir, 'index.json'), 'utf8')) as Record<string, Record<string, { behavior: string }>>;
    expect(Object.entries(index.ws!).map(([id, r]) => `${id} ${r.behavior}`)).toEqual(
      ['1.1.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8', '2.9'].map((id) => `${id} OK`),
    );
  }, 60_000);
});
