/**
 * Smoke run of the end-to-end benchmark (`npm run bench -- --quick --json`):
 * every client and scenario completes against the benchmark server and the
 * report has the shape the README's table is made from. Numbers are not
 * checked: a quick run on a busy CI machine measures nothing.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX_CLI = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

interface ClientResult {
  samples: number[];
  median: number;
  cpuMsPerMB: number;
  peakRssMB: number;
  ratio: number;
}

interface Report {
  machine: { cpu: string; nproc: number; node: string };
  rounds: number;
  quick: boolean;
  scenarios: Array<{ id: string; unit: string; clients: Record<string, ClientResult> }>;
  memory: { recvPeakRssMB: Record<string, number>; idleHeapBytes: Record<string, number> };
  targets: Array<{ what: string; value: number; goal: number; met: boolean }>;
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [TSX_CLI, join(ROOT, 'bench', 'e2e', 'run.ts'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

describe('bench/e2e/run.ts --quick', () => {
  it('runs every scenario with every client and reports medians, ratios, CPU, RSS, memory and targets', async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.quick).toBe(true);
    expect(report.rounds).toBe(1);
    expect(report.machine.nproc).toBeGreaterThan(0);
    expect(report.scenarios.map((s) => s.id)).toEqual(['echo16', 'send64k', 'recv64k', 'recv32', 'recv16m']);
    for (const scenario of report.scenarios) {
      expect(Object.keys(scenario.clients)).toEqual(['rfc6455', 'ws (native)', 'ws (no native)', 'rfc6455/web', 'node global', 'net limit']);
      for (const result of Object.values(scenario.clients)) {
        expect(result.samples).toHaveLength(1);
        expect(result.median).toBeGreaterThan(0);
        expect(Number.isFinite(result.ratio) && result.ratio > 0).toBe(true);
        expect(result.cpuMsPerMB).toBeGreaterThan(0);
        expect(result.peakRssMB).toBeGreaterThan(10);
      }
      expect(scenario.clients['ws (native)'].ratio).toBe(1);
    }
    expect(report.memory.recvPeakRssMB.rfc6455).toBeGreaterThan(10);
    expect(report.memory.idleHeapBytes.rfc6455).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.what)).toContain('recv64k: rfc6455 / net limit');
    expect(report.targets.map((t) => t.what)).toContain('recv64k: rfc6455/web / rfc6455');
    expect(report.targets).toHaveLength(11);
  }, 60_000);

  it('refuses an unknown scenario, naming the known ones', async () => {
    const { code, stderr } = await runBench(['--only', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toContain('unknown scenario nope: expected some of echo16, send64k, recv64k, recv32, recv16m');
  });
});
