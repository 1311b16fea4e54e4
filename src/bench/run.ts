/**
 * A whole wsbench run from its arguments: the connection options, the
 * workload split over worker threads (each drives a share of the
 * connections; their results merge exactly), and the rate search.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { proxyUrlOptions } from '../transport/proxy.js';
import type { BenchArgs, RateTarget } from './args.js';
import type { BenchConnectOptions } from './connection.js';
import { Histogram } from './histogram.js';
import { RunResult, type RunResultJson, type TimelineSecond } from './result.js';
import { runWorkload, type WorkloadSpec } from './workload.js';

/** The client's connection options the arguments ask for. @throws WebSocketProxyException for a bad proxy URL */
export function connectOptions(args: BenchArgs): BenchConnectOptions {
  const options: BenchConnectOptions = { timeout: args.timeoutMs };
  if (args.headers.length > 0) options.header = args.headers;
  if (args.subprotocols.length > 0) options.subprotocols = args.subprotocols;
  if (args.origin !== null) options.origin = args.origin;
  if (args.deflate) options.perMessageDeflate = true;
  if (args.fragment > 0) options.fragmentSize = args.fragment;
  const sslopt: NonNullable<BenchConnectOptions['sslopt']> = {};
  if (args.insecure) sslopt.rejectUnauthorized = false;
  if (args.caFile !== null) sslopt.ca = readFileSync(args.caFile);
  if (args.certFile !== null) sslopt.cert = readFileSync(args.certFile);
  if (args.keyFile !== null) sslopt.key = readFileSync(args.keyFile);
  if (args.servername !== null) sslopt.servername = args.servername;
  if (Object.keys(sslopt).length > 0) options.sslopt = sslopt;
  if (args.proxy !== null) Object.assign(options, proxyUrlOptions(args.proxy, '--proxy', args.insecure));
  return options;
}

/** The workload of the whole run (before it is split over workers). */
export function workloadSpec(args: BenchArgs): WorkloadSpec {
  return {
    url: args.url,
    connect: connectOptions(args),
    connections: args.connections,
    inflight: args.inflight,
    rate: args.rate,
    durationMs: args.durationMs,
    messages: args.messages,
    warmupMs: args.warmupMs,
    connectRate: args.connectRate,
    sizes: args.sizes,
    text: args.text,
    payload: args.payloadFile === null ? null : readFileSync(args.payloadFile),
    mode: args.mode,
    startMessage: args.startMessage,
    drainMs: args.drainMs,
  };
}

/** `closed loop, 100 connections × 1 in flight, 20 B binary`. */
export function describeWorkload(args: BenchArgs, spec: WorkloadSpec = workloadSpec(args)): string {
  const loop =
    args.mode === 'send-only' ? 'send-only' : args.mode === 'receive-only' ? 'receive-only' : spec.rate === null ? 'closed loop' : `open loop at ${Math.round(spec.rate)} msg/s`;
  const inflight = args.mode === 'echo' && spec.rate === null ? ` × ${args.inflight} in flight` : '';
  const size = args.payloadFile !== null ? `payload of ${args.payloadFile}` : `${args.sizeText} B`;
  const extras = [args.fragment > 0 ? `fragments of ${args.fragment} B` : '', args.deflate ? 'permessage-deflate offered' : ''].filter((e) => e !== '');
  const workers = Math.min(args.workers, args.connections);
  return `${loop}, ${args.connections} connections${inflight}, ${size} ${args.text ? 'text' : 'binary'}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}, ${workers} worker${workers === 1 ? '' : 's'}`;
}

/** The share of worker `index` of `n`: connections, messages, rate and connect rate split evenly. */
export function shareOf(spec: WorkloadSpec, index: number, n: number): WorkloadSpec {
  const split = (total: number) => Math.floor(total / n) + (index < total % n ? 1 : 0);
  const connections = split(spec.connections);
  const fraction = connections / spec.connections;
  return {
    ...spec,
    connections,
    messages: spec.messages === null ? null : split(spec.messages),
    rate: spec.rate === null ? null : spec.rate * fraction,
    connectRate: spec.connectRate === null ? null : spec.connectRate * fraction,
  };
}

/** Messages between a worker thread and the main thread. */
export type WorkerMessage =
  | { type: 'second'; index: number; entry: Omit<TimelineSecond, 'latency'> & { latency: ReturnType<Histogram['toJSON']> } }
  | { type: 'done'; result: RunResultJson }
  | { type: 'failed'; message: string };

/** Called when every worker has finished second `index`, with that second merged. */
export type ProgressListener = (index: number, entry: TimelineSecond) => void;

/**
 * A worker thread running worker.js beside this file; from the TypeScript
 * sources (tests, tsx) worker.ts, loaded through tsx's module hooks.
 */
function startWorker(data: WorkloadSpec): Worker {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.js')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const script = new URL('./worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Run `spec` over `workers` threads (1: in this thread) and merge what they measured. */
export async function runSpread(spec: WorkloadSpec, workers: number, onProgress?: ProgressListener): Promise<RunResult> {
  const n = Math.max(1, Math.min(workers, spec.connections));
  if (n === 1) return runWorkload(spec, onProgress === undefined ? undefined : (index, result) => onProgress(index, result.timeline[index]!));
  const seconds = new Map<number, { reports: number; entry: TimelineSecond }>();
  const runs = Array.from({ length: n }, (_, index) =>
    new Promise<RunResult>((resolve, reject) => {
      const worker = startWorker(shareOf(spec, index, n));
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'second') {
          if (onProgress === undefined) return;
          const slot = seconds.get(message.index) ?? { reports: 0, entry: { sent: 0, received: 0, payloadBytes: 0, errors: 0, latency: new Histogram('us') } };
          slot.reports++;
          slot.entry.sent += message.entry.sent;
          slot.entry.received += message.entry.received;
          slot.entry.payloadBytes += message.entry.payloadBytes;
          slot.entry.errors += message.entry.errors;
          slot.entry.latency.add(Histogram.fromJSON(message.entry.latency));
          seconds.set(message.index, slot);
          if (slot.reports === n) {
            seconds.delete(message.index);
            onProgress(message.index, slot.entry);
          }
        } else if (message.type === 'done') {
          resolve(RunResult.fromJSON(message.result));
        } else {
          reject(new Error(message.message));
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`wsbench worker ${index} exited with status ${code} before finishing`)));
    }),
  );
  const results = await Promise.all(runs);
  return results.reduce((total, result) => total.add(result), new RunResult());
}

/** Open-loop runs of a rate search at most (a bisection to 5 % takes about 5). */
const MAX_SEARCH_STEPS = 8;

/** One step of a rate search. */
export interface SearchStep {
  rate: number;
  achieved: number;
  value: number;
  passed: boolean;
}

/** Does an open-loop run at `rate` meet the target: under the latency limit, no errors, the rate actually sent? */
export function meetsTarget(result: RunResult, rate: number, target: RateTarget): { passed: boolean; value: number; achieved: number } {
  const seconds = result.measuredMs / 1000;
  const achieved = seconds > 0 ? result.counts.received / seconds : 0;
  const value = result.latency.percentile(target.percentile);
  const passed = result.errorTotal === 0 && result.latency.count > 0 && value < target.limitUs && achieved >= rate * 0.95;
  return { passed, value, achieved };
}

/**
 * The highest open-loop rate whose percentile stays under the target: a
 * closed-loop probe gives the ceiling, then a bisection of open-loop runs of
 * `spec.durationMs` each narrows it to within 5 %.
 */
export async function searchRate(
  spec: WorkloadSpec,
  workers: number,
  target: RateTarget,
  onStep: (step: SearchStep) => void,
): Promise<{ rate: number; result: RunResult | null; steps: SearchStep[] }> {
  const probe = await runSpread({ ...spec, rate: null }, workers);
  const ceiling = probe.measuredMs > 0 ? (probe.counts.received / probe.measuredMs) * 1000 : 0;
  let low = 0;
  let high = Math.max(1, ceiling * 1.1);
  let best: { rate: number; result: RunResult | null } = { rate: 0, result: null };
  const steps: SearchStep[] = [];
  for (let i = 0; i < MAX_SEARCH_STEPS && high - low > high * 0.05; i++) {
    const rate = best.result === null && i === 0 ? high * 0.9 : (low + high) / 2;
    const result = await runSpread({ ...spec, rate }, workers);
    const verdict = meetsTarget(result, rate, target);
    const step = { rate, ...verdict };
    steps.push(step);
    onStep(step);
    if (verdict.passed) {
      low = rate;
      best = { rate, result };
    } else high = rate;
  }
  return { ...best, steps };
}
