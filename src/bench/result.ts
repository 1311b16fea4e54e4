/**
 * What a wsbench run measured, in a form that merges exactly: counts add,
 * histograms add, per-second timelines add second by second. Runs merged
 * together are taken to have run at the same time (workers of one process,
 * or processes started together on several machines).
 */
import { WebSocketException } from '../exceptions.js';
import { Histogram, type HistogramJson } from './histogram.js';

/** Totals of the measured window (after the warm-up). */
export interface RunCounts {
  /** Messages sent and echoes received intact. */
  sent: number;
  received: number;
  payloadBytesSent: number;
  payloadBytesReceived: number;
  /** WebSocket frame bytes (headers included), over the whole run. */
  wireBytesSent: number;
  wireBytesReceived: number;
  /** Echoes whose length or checksum differed from the message sent. */
  corrupted: number;
  /** Messages whose echo never came while later ones did. */
  dropped: number;
  /** Messages still waiting for their echo when the run ended. */
  unanswered: number;
  /** Echoes of nothing outstanding: duplicates of answered messages, or extra messages. */
  unexpected: number;
  connectionsOpened: number;
  connectionsFailed: number;
}

/** One second of the run (from the moment the connections are open; the warm-up included). */
export interface TimelineSecond {
  sent: number;
  received: number;
  payloadBytes: number;
  errors: number;
  latency: Histogram;
}

const COUNT_KEYS: Array<keyof RunCounts> = [
  'sent', 'received', 'payloadBytesSent', 'payloadBytesReceived', 'wireBytesSent', 'wireBytesReceived',
  'corrupted', 'dropped', 'unanswered', 'unexpected', 'connectionsOpened', 'connectionsFailed',
];

export function emptyCounts(): RunCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
}

export interface RunResultJson {
  format: 'wsbench-result/1';
  measuredMs: number;
  warmupMs: number;
  counts: RunCounts;
  errors: Record<string, number>;
  closeCodes: Record<string, number>;
  latency: HistogramJson;
  connectLatency: HistogramJson;
  timeline: Array<Omit<TimelineSecond, 'latency'> & { latency: HistogramJson }>;
}

export class RunResult {
  counts: RunCounts = emptyCounts();
  /** Errors by exception class (and system error code). */
  errors: Record<string, number> = {};
  /** Close codes of the closes the server started (1006: the connection ended without a close frame). */
  closeCodes: Record<string, number> = {};
  /** Round trip of each intact echo in µs (open loop: from the intended send time). */
  latency = new Histogram('us');
  /** TCP + TLS + proxy + HTTP Upgrade, per connection, in µs. */
  connectLatency = new Histogram('us');
  timeline: TimelineSecond[] = [];
  /** Length of the measured window in ms. */
  measuredMs = 0;
  warmupMs = 0;

  countError(name: string, times = 1): void {
    this.errors[name] = (this.errors[name] ?? 0) + times;
  }

  countClose(code: number): void {
    this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
  }

  /** The timeline entry of second `index`, made on first use. */
  second(index: number): TimelineSecond {
    while (this.timeline.length <= index) {
      this.timeline.push({ sent: 0, received: 0, payloadBytes: 0, errors: 0, latency: new Histogram('us') });
    }
    return this.timeline[index]!;
  }

  /**
   * Every error counted: by class, corrupted, dropped, unanswered and
   * unexpected messages, and closes the server started with a code other than
   * 1000 (normal) or 1001 (going away).
   */
  get errorTotal(): number {
    const byClass = Object.values(this.errors).reduce((a, b) => a + b, 0);
    const badCloses = Object.entries(this.closeCodes)
      .filter(([code]) => code !== '1000' && code !== '1001')
      .reduce((a, [, n]) => a + n, 0);
    return byClass + badCloses + this.counts.corrupted + this.counts.dropped + this.counts.unanswered + this.counts.unexpected;
  }

  /** Add `other` (a run made at the same time) into this one. */
  add(other: RunResult): this {
    for (const key of COUNT_KEYS) this.counts[key] += other.counts[key];
    for (const [name, n] of Object.entries(other.errors)) this.countError(name, n);
    for (const [code, n] of Object.entries(other.closeCodes)) this.closeCodes[code] = (this.closeCodes[code] ?? 0) + n;
    this.latency.add(other.latency);
    this.connectLatency.add(other.connectLatency);
    other.timeline.forEach((entry, index) => {
      const mine = this.second(index);
      mine.sent += entry.sent;
      mine.received += entry.received;
      mine.payloadBytes += entry.payloadBytes;
      mine.errors += entry.errors;
      mine.latency.add(entry.latency);
    });
    this.measuredMs = Math.max(this.measuredMs, other.measuredMs);
    this.warmupMs = Math.max(this.warmupMs, other.warmupMs);
    return this;
  }

  toJSON(): RunResultJson {
    return {
      format: 'wsbench-result/1',
      measuredMs: this.measuredMs,
      warmupMs: this.warmupMs,
      counts: this.counts,
      errors: this.errors,
      closeCodes: this.closeCodes,
      latency: this.latency.toJSON(),
      connectLatency: this.connectLatency.toJSON(),
      timeline: this.timeline.map((entry) => ({ ...entry, latency: entry.latency.toJSON() })),
    };
  }

  /** @throws WebSocketException for data that is not a result written by {@link RunResult.toJSON}. */
  static fromJSON(data: unknown): RunResult {
    const json = data as Partial<RunResultJson> | null;
    if (json === null || typeof json !== 'object' || json.format !== 'wsbench-result/1') {
      throw new WebSocketException(`expected a wsbench result with format 'wsbench-result/1', got ${JSON.stringify((json as { format?: unknown } | null)?.format ?? null)}`);
    }
    const result = new RunResult();
    for (const key of COUNT_KEYS) {
      const value = json.counts?.[key];
      if (typeof value !== 'number' || !(value >= 0)) {
        throw new WebSocketException(`expected counts.${key} to be a number >= 0 in a wsbench result, got ${JSON.stringify(value)}`);
      }
      result.counts[key] = value;
    }
    result.errors = { ...(json.errors ?? {}) };
    result.closeCodes = { ...(json.closeCodes ?? {}) };
    result.latency = Histogram.fromJSON(json.latency);
    result.connectLatency = Histogram.fromJSON(json.connectLatency);
    result.timeline = (json.timeline ?? []).map((entry) => ({ ...entry, latency: Histogram.fromJSON(entry.latency) }));
    result.measuredMs = Number(json.measuredMs ?? 0);
    result.warmupMs = Number(json.warmupMs ?? 0);
    return result;
  }
}
