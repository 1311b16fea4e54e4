import { afterEach, describe, expect, it } from 'vitest';
import { meetsTarget, searchRate, type SearchStep } from '../../src/bench/run.js';
import { RunResult } from '../../src/bench/result.js';
import type { WorkloadSpec } from '../../src/bench/workload.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let server: WsTestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function result(latenciesUs: number[], measuredMs: number, errors = 0): RunResult {
  const r = new RunResult();
  for (const v of latenciesUs) r.latency.record(v);
  r.counts.received = latenciesUs.length;
  r.counts.corrupted = errors;
  r.measuredMs = measuredMs;
  return r;
}

describe('rate search', () => {
  const target = { percentile: 99, limitUs: 50_000 };

  it('a step passes only under the latency limit, without errors, at the rate asked for', () => {
    const fast = Array.from({ length: 1000 }, () => 1000);
    expect(meetsTarget(result(fast, 1000), 1000, target).passed).toBe(true);
    expect(meetsTarget(result([...fast.slice(0, 980), ...Array(20).fill(60_000)], 1000), 1000, target).passed).toBe(false);
    expect(meetsTarget(result(fast, 1000, 1), 1000, target).passed).toBe(false);
    // Only 1000 of the 2000 messages/s asked for came back: the server could not keep up.
    expect(meetsTarget(result(fast, 1000), 2000, target)).toMatchObject({ passed: false, achieved: 1000 });
  });

  it('finds a rate against a ws echo server that meets a loose target, bisecting', async () => {
    server = await startWsServer();
    const spec: WorkloadSpec = {
      url: server.url, connect: { timeout: 5000 }, connections: 2, inflight: 1, rate: null, durationMs: 400, messages: null,
      warmupMs: 0, connectRate: null, sizes: { kind: 'fixed', size: 20 }, text: false, payload: null, mode: 'echo', startMessage: null, drainMs: 1000,
    };
    const steps: SearchStep[] = [];
    const found = await searchRate(spec, 1, { percentile: 99, limitUs: 2_000_000 }, (step) => steps.push(step));
    expect(found.steps).toEqual(steps);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThanOrEqual(8);
    expect(found.rate).toBeGreaterThan(0);
    expect(found.result).not.toBeNull();
    expect(meetsTarget(found.result!, found.rate, { percentile: 99, limitUs: 2_000_000 }).passed).toBe(true);
    // The answer is the highest passing rate tried.
    expect(found.rate).toBe(Math.max(...steps.filter((s) => s.passed).map((s) => s.rate)));
  });
});
