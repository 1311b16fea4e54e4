import type { WorkloadSpec } from '../../src/bench/workload.js';

/** A short echo workload against `url`: fixed 20-byte binary messages, no rate, no duration; `overrides` wins. */
export function benchSpec(url: string, overrides: Partial<WorkloadSpec>): WorkloadSpec {
  return {
    url,
    connect: { timeout: 5000 },
    connections: 1,
    inflight: 1,
    rate: null,
    durationMs: null,
    messages: null,
    warmupMs: 0,
    connectRate: null,
    sizes: { kind: 'fixed', size: 20 },
    text: false,
    payload: null,
    mode: 'echo',
    startMessage: null,
    drainMs: 2000,
    ...overrides,
  };
}
