import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runSpread, shareOf } from '../../src/bench/run.js';
import type { WorkloadSpec } from '../../src/bench/workload.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

function spec(overrides: Partial<WorkloadSpec>): WorkloadSpec {
  return {
    url: 'ws://127.0.0.1:1/', connect: { timeout: 5000 }, connections: 4, inflight: 1, rate: null, durationMs: null, messages: null,
    warmupMs: 0, connectRate: null, sizes: { kind: 'fixed', size: 20 }, text: false, payload: null, mode: 'echo', startMessage: null, drainMs: 2000,
    ...overrides,
  };
}

let server: WsTestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('splitting a run over worker threads', () => {
  it('shares add up exactly to the whole: connections, messages, rate and connect rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 100_000 }), (connections, n, messages) => {
        const whole = spec({ connections, messages, rate: 5000, connectRate: 100 });
        const workers = Math.min(n, connections);
        const shares = Array.from({ length: workers }, (_, i) => shareOf(whole, i, workers));
        expect(shares.reduce((a, s) => a + s.connections, 0)).toBe(connections);
        expect(shares.reduce((a, s) => a + s.messages!, 0)).toBe(messages);
        expect(shares.reduce((a, s) => a + s.rate!, 0)).toBeCloseTo(5000, 6);
        expect(shares.reduce((a, s) => a + s.connectRate!, 0)).toBeCloseTo(100, 6);
        for (const share of shares) expect(share.connections).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('two worker threads drive their shares and their results merge into exact totals', async () => {
    server = await startWsServer();
    const result = await runSpread(spec({ url: server.url, connections: 5, messages: 1001, inflight: 2 }), 2);
    expect(result.counts).toMatchObject({ sent: 1001, received: 1001, connectionsOpened: 5, corrupted: 0 });
    expect(result.latency.count).toBe(1001);
    expect(result.connectLatency.count).toBe(5);
    expect(server.requests).toHaveLength(5);
  });
});
