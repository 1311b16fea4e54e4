/** A wsbench worker thread: runs its share of the workload and posts each second and the result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerMessage } from './run.js';
import type { WorkloadSpec } from './workload.js';
import { runWorkload } from './workload.js';

const spec = workerData as WorkloadSpec;
// A Buffer arrives as a plain Uint8Array after the structured clone.
if (spec.payload !== null) spec.payload = Buffer.from(spec.payload.buffer, spec.payload.byteOffset, spec.payload.byteLength);
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

runWorkload(spec, (index, result) => {
  const entry = result.timeline[index]!;
  post({ type: 'second', index, entry: { ...entry, latency: entry.latency.toJSON() } });
}).then(
  (result) => {
    post({ type: 'done', result: result.toJSON() });
    parentPort!.close();
  },
  (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
