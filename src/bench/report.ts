/**
 * Reading a result: the figures people quote (messages/s, MB/s, latency
 * percentiles), the text report, the JSON document and ratios to a baseline.
 */
import { cpus, hostname, platform, release } from 'node:os';
import { WebSocketException } from '../exceptions.js';
import { RunResult, type RunResultJson } from './result.js';

/** The percentiles every report shows. */
export const REPORTED_PERCENTILES = [50, 90, 99, 99.9, 99.99] as const;

export interface MachineInfo {
  hostname: string;
  platform: string;
  release: string;
  cpuModel: string;
  cpuCount: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return { hostname: hostname(), platform: platform(), release: release(), cpuModel: cpu[0]?.model ?? 'unknown', cpuCount: cpu.length, node: process.version };
}

/** The whole of a run as written by `--json`. */
export interface BenchDocument {
  format: 'wsbench/1';
  tool: string;
  startedAt: string;
  /** A human summary of the workload (`closed loop, 100 connections × 1 in flight, 20 B binary`). */
  workload: string;
  url: string;
  parameters: Record<string, unknown>;
  machines: MachineInfo[];
  result: RunResultJson;
}

/** @throws WebSocketException for a file that is not a wsbench result. */
export function readDocument(text: string, source: string): BenchDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new WebSocketException(`${source}: expected a wsbench JSON result, got invalid JSON (${(error as Error).message})`);
  }
  const doc = data as Partial<BenchDocument> | null;
  if (doc === null || typeof doc !== 'object' || doc.format !== 'wsbench/1') {
    throw new WebSocketException(`${source}: expected a wsbench result with format 'wsbench/1', got ${JSON.stringify((doc as { format?: unknown } | null)?.format ?? null)}`);
  }
  try {
    RunResult.fromJSON(doc.result);
  } catch (error) {
    throw new WebSocketException(`${source}: ${(error as Error).message}`);
  }
  return doc as BenchDocument;
}

/** The headline figures of a result. */
export interface Summary {
  seconds: number;
  messagesPerSecond: number;
  payloadMBpsOut: number;
  payloadMBpsIn: number;
  wireMBpsOut: number;
  wireMBpsIn: number;
  /** µs by percentile, plus max and mean. */
  latency: Record<string, number>;
}

export function summarize(result: RunResult): Summary {
  const seconds = result.measuredMs / 1000;
  const wireSeconds = (result.measuredMs + result.warmupMs) / 1000;
  const per = (n: number, s: number) => (s > 0 ? n / s : 0);
  const messages = result.counts.received > 0 ? result.counts.received : result.counts.sent;
  const latency: Record<string, number> = {};
  for (const p of REPORTED_PERCENTILES) latency[`p${p}`] = result.latency.percentile(p);
  latency.max = result.latency.max;
  latency.mean = result.latency.mean;
  return {
    seconds,
    messagesPerSecond: per(messages, seconds),
    payloadMBpsOut: per(result.counts.payloadBytesSent, seconds) / 1e6,
    payloadMBpsIn: per(result.counts.payloadBytesReceived, seconds) / 1e6,
    wireMBpsOut: per(result.counts.wireBytesSent, wireSeconds) / 1e6,
    wireMBpsIn: per(result.counts.wireBytesReceived, wireSeconds) / 1e6,
    latency,
  };
}

/** 850 µs, 12.3 ms, 1.25 s. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function mb(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}

/** The text report. */
export function formatReport(doc: Pick<BenchDocument, 'url' | 'workload' | 'machines'>, result: RunResult): string {
  const s = summarize(result);
  const c = result.counts;
  const lines: string[] = [];
  lines.push(`wsbench ${doc.url}`);
  lines.push(`  workload   ${doc.workload}`);
  lines.push(`  measured   ${s.seconds.toFixed(2)} s${result.warmupMs > 0 ? ` after ${(result.warmupMs / 1000).toFixed(2)} s of warm-up` : ''}${doc.machines.length > 1 ? `, ${doc.machines.length} runs merged` : ''}`);
  lines.push(`  messages   ${grouped(c.sent)} sent, ${grouped(c.received)} received intact: ${grouped(s.messagesPerSecond)} msg/s`);
  lines.push(`  payload    ${mb(s.payloadMBpsOut)} MB/s out, ${mb(s.payloadMBpsIn)} MB/s in`);
  lines.push(`  wire       ${mb(s.wireMBpsOut)} MB/s out, ${mb(s.wireMBpsIn)} MB/s in (frames with headers, whole run)`);
  if (result.latency.count > 0) {
    const parts = REPORTED_PERCENTILES.map((p) => `p${p} ${formatMicros(result.latency.percentile(p))}`);
    lines.push(`  latency    ${parts.join('  ')}  max ${formatMicros(result.latency.max)}  (${grouped(result.latency.count)} round trips)`);
  }
  const cl = result.connectLatency;
  lines.push(
    `  connect    ${grouped(c.connectionsOpened)} opened, ${grouped(c.connectionsFailed)} failed` +
      (cl.count > 0 ? `; p50 ${formatMicros(cl.percentile(50))}  p99 ${formatMicros(cl.percentile(99))}  max ${formatMicros(cl.max)}` : ''),
  );
  const errors: string[] = [];
  if (c.corrupted > 0) errors.push(`${grouped(c.corrupted)} corrupted echoes (length or checksum differ)`);
  if (c.dropped > 0) errors.push(`${grouped(c.dropped)} dropped (later echoes came, these never did)`);
  if (c.unanswered > 0) errors.push(`${grouped(c.unanswered)} unanswered at the end`);
  if (c.unexpected > 0) errors.push(`${grouped(c.unexpected)} unexpected (duplicated or unasked-for) messages`);
  for (const [name, n] of Object.entries(result.errors)) errors.push(`${grouped(n)} × ${name}`);
  for (const [code, n] of Object.entries(result.closeCodes)) errors.push(`${grouped(n)} closed by the server with ${code === '1006' ? '1006 (no close frame)' : code}`);
  lines.push(`  errors     ${errors.length === 0 ? 'none' : errors.join('\n             ')}`);
  if (result.timeline.length > 0) {
    lines.push('  timeline   second    msg/s     MB/s      p50      p99   errors');
    result.timeline.forEach((entry, index) => lines.push(`             ${formatSecond(index, entry, result.warmupMs)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** One line of the timeline (and of the live progress line). */
export function formatSecond(index: number, entry: RunResult['timeline'][number], warmupMs: number): string {
  const mark = (index + 1) * 1000 <= warmupMs ? 'w' : ' ';
  return [
    `${String(index + 1).padStart(5)}${mark}`,
    grouped(entry.received > 0 ? entry.received : entry.sent).padStart(9),
    mb(entry.payloadBytes / 1e6).padStart(8),
    (entry.latency.count > 0 ? formatMicros(entry.latency.percentile(50)) : '-').padStart(8),
    (entry.latency.count > 0 ? formatMicros(entry.latency.percentile(99)) : '-').padStart(8),
    String(entry.errors).padStart(8),
  ].join(' ');
}

/** The live progress line of second `index`: `[3 s] 11,411 msg/s  0.228 MB/s  p50 199 µs  p99 13.0 ms  0 errors`. */
export function formatProgress(index: number, entry: RunResult['timeline'][number], warmupMs: number): string {
  const latency = entry.latency.count > 0 ? `  p50 ${formatMicros(entry.latency.percentile(50))}  p99 ${formatMicros(entry.latency.percentile(99))}` : '';
  const warm = (index + 1) * 1000 <= warmupMs ? ' warm-up' : '';
  return `[${index + 1} s${warm}] ${grouped(entry.received > 0 ? entry.received : entry.sent)} msg/s  ${mb(entry.payloadBytes / 1e6)} MB/s${latency}  ${entry.errors} errors`;
}

/** Ratios of this run to a baseline: > 1 means more (of throughput, or of latency). */
export function formatComparison(result: RunResult, base: RunResult, baseName: string): string {
  const now = summarize(result);
  const then = summarize(base);
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : '∞') : (a / b).toFixed(2));
  const rows: Array<[string, number, number, (n: number) => string]> = [
    ['msg/s', now.messagesPerSecond, then.messagesPerSecond, grouped],
    ['payload MB/s in', now.payloadMBpsIn, then.payloadMBpsIn, mb],
    ...(['p50', 'p90', 'p99', 'p99.9', 'max'] as const).map(
      (key): [string, number, number, (n: number) => string] => [key, now.latency[key]!, then.latency[key]!, formatMicros],
    ),
  ];
  const lines = [`compared with ${baseName} (ratio = this run / base)`];
  for (const [name, a, b, show] of rows) lines.push(`  ${name.padEnd(16)} ${show(a).padStart(10)}  base ${show(b).padStart(10)}  ×${ratio(a, b)}`);
  return `${lines.join('\n')}\n`;
}
