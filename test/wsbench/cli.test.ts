import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Histogram } from '../../src/bench/histogram.js';
import type { BenchDocument } from '../../src/bench/report.js';
import { RunResult } from '../../src/bench/result.js';
import { buildPackage, type BuiltPackage } from '../cli/wsdump-process.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let built: BuiltPackage;
let server: WsTestServer;
let dir: string;
let bin: string;

beforeAll(async () => {
  built = await buildPackage();
  bin = path.join(built.root, 'dist', 'cli', 'wsbench.js');
  server = await startWsServer();
  dir = await mkdtemp(path.join(tmpdir(), 'wsbench-'));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await built?.remove();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built wsbench; killed after `ms`. */
function wsbench(args: string[], ms = 30_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wsbench ${args.join(' ')} did not finish in ${ms} ms:\n${stdout}\n${stderr}`));
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function readResult(file: string): Promise<{ doc: BenchDocument; result: RunResult }> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as BenchDocument;
  return { doc, result: RunResult.fromJSON(doc.result) };
}

describe('wsbench CLI', () => {
  it('prints a sane report for -c 100 --duration 2s against a ws echo server', async () => {
    const json = path.join(dir, 'run.json');
    const html = path.join(dir, 'run.html');
    const ran = await wsbench([`${server.url}/`, '-c', '100', '--duration', '2s', '--json', json, '--html', html]);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/closed loop, 100 connections × 1 in flight, 20 B binary/);
    expect(ran.stdout).toMatch(/measured {3}2\.\d\d s/);
    expect(ran.stdout).toMatch(/connect {4}100 opened, 0 failed; p50 /);
    expect(ran.stdout).toMatch(/latency {4}p50 .* p99 .* p99\.9 .* p99\.99 .* max /);
    expect(ran.stdout).toMatch(/errors {5}none/);
    const rate = Number(/received intact: ([\d,]+) msg\/s/.exec(ran.stdout)![1]!.replace(/,/g, ''));
    expect(rate).toBeGreaterThan(100);
    const { doc, result } = await readResult(json);
    expect(doc.machines[0]!.node).toBe(process.version);
    expect(result.counts.received).toBe(result.counts.sent);
    expect(result.latency.count).toBe(result.counts.received);
    expect(result.connectLatency.count).toBe(100);
    expect(result.timeline.length).toBeGreaterThanOrEqual(2);
    const page = await readFile(html, 'utf8');
    expect(page.includes('Latency by percentile') && page.includes('<svg')).toBe(true);
    expect(page.includes('Timeline: messages per second')).toBe(true);
    expect(page).not.toMatch(/<script|src=|href=/);
  });

  it('N processes started at once, merged, add up exactly and match one process driving the same total', async () => {
    const n = 3;
    const files = Array.from({ length: n }, (_, i) => path.join(dir, `part-${i}.json`));
    const parts = await Promise.all(files.map((file) => wsbench([server.url, '-c', '10', '-n', '2000', '-w', '1', '--json', file])));
    for (const part of parts) expect(part.code).toBe(0);
    const single = path.join(dir, 'single.json');
    expect((await wsbench([server.url, '-c', '30', '-n', '6000', '-w', '1', '--json', single])).code).toBe(0);
    const mergedFile = path.join(dir, 'merged.json');
    const merged = await wsbench(['merge', ...files, '--json', mergedFile, '--compare', single]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/3 runs merged/);
    expect(merged.stdout).toMatch(/6,000 sent, 6,000 received intact/);
    expect(merged.stdout).toMatch(/compared with .*single\.json/);

    const { result: total } = await readResult(mergedFile);
    const { result: one } = await readResult(single);
    for (const key of ['sent', 'received', 'payloadBytesSent', 'payloadBytesReceived', 'connectionsOpened'] as const) {
      expect(total.counts[key]).toBe(one.counts[key]);
    }
    expect(total.latency.count).toBe(6000);
    expect(total.connectLatency.count).toBe(30);
    // The merged percentiles are those of the union of the parts' histograms, not averages.
    const union = new Histogram('us');
    for (const file of files) union.add((await readResult(file)).result.latency);
    for (const p of [50, 90, 99, 99.9, 100]) expect(total.latency.percentile(p)).toBe(union.percentile(p));
  });

  it('splits the connections and messages over worker threads and merges them', async () => {
    const json = path.join(dir, 'workers.json');
    const ran = await wsbench([server.url, '-c', '8', '-n', '4000', '-w', '2', '--inflight', '2', '--size', '16-512', '--text', '--json', json]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/8 connections × 2 in flight, 16-512 B text, 2 workers/);
    const { result } = await readResult(json);
    expect(result.counts).toMatchObject({ sent: 4000, received: 4000, connectionsOpened: 8, corrupted: 0 });
  });

  it('exits 1 and says why when nothing can connect, 2 for a bad command line', async () => {
    const refused = await wsbench(['ws://127.0.0.1:1/', '-c', '2', '-d', '1s', '-w', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/0 opened, 2 failed/);
    expect(refused.stdout).toMatch(/2 × WebSocketAddressException|2 × \w+ \(ECONNREFUSED\)|2 × \w+Exception/);
    expect(refused.stderr).toMatch(/no connection could be opened/);
    const usage = await wsbench([server.url, '--rate', '@P99<fast']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--rate: expected a duration such as 10s, 500ms or 1m, got 'fast'/);
    const badMerge = await wsbench(['merge', path.join(dir, 'run.html')]);
    expect(badMerge.code).toBe(1);
    expect(badMerge.stderr).toMatch(/expected a wsbench JSON result, got invalid JSON/);
  });
});
