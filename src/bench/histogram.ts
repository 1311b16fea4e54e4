/**
 * A latency histogram in the manner of HdrHistogram: integer values (for
 * wsbench, microseconds) are counted in buckets whose width is at most 1/1024
 * of the values they hold, so every percentile it reports is within 0.1 %
 * (3 significant digits) of the exact one. Two histograms merge by adding
 * their counts, which keeps percentiles of merged runs exact to that same
 * precision (averaging percentiles would not be).
 *
 * Layout: values 0-2047 have a bucket each; above, for each power of two
 * 2^(e+10) <= v < 2^(e+11) (e >= 1), 1024 buckets of width 2^e.
 */
import { WebSocketException } from '../exceptions.js';

/** Buckets below 2048 hold one value each. */
const EXACT_LIMIT = 2048;
const HALF = 1024;
/** Largest value counted as itself: 2^42 - 1 (about 51 days in µs, 73 min in ns). */
export const HISTOGRAM_MAX_VALUE = 2 ** 42 - 1;
/** Largest exponent e in use for values up to HISTOGRAM_MAX_VALUE. */
const MAX_EXPONENT = 42 - 11;
const BUCKETS = EXACT_LIMIT + MAX_EXPONENT * HALF;
/** Relative width of a bucket, the precision of every percentile. */
export const HISTOGRAM_RELATIVE_PRECISION = 1 / HALF;

/** The JSON form of a histogram: only non-empty buckets, as [index, count] pairs. */
export interface HistogramJson {
  format: 'rfc6455-histogram/1';
  unit: string;
  count: number;
  /** Values recorded above the largest trackable one, counted at it. */
  clamped: number;
  min: number;
  max: number;
  sum: number;
  buckets: Array<[index: number, count: number]>;
}

/** 2^e for every exponent in use, so that the hot path never calls Math.pow. */
const POWERS_OF_TWO = Array.from({ length: 43 }, (_, e) => 2 ** e);

/** floor(log2(value)) of an integer 1 <= value < 2^53, from count-leading-zeros (no floating-point log). */
function log2Floor(value: number): number {
  if (value < 4294967296) return 31 - Math.clz32(value);
  return 63 - Math.clz32(Math.floor(value / 4294967296));
}

/** The index of the bucket holding integer `value` (0 <= value <= HISTOGRAM_MAX_VALUE). */
export function bucketIndex(value: number): number {
  if (value < EXACT_LIMIT) return value;
  const exponent = log2Floor(value) - 10;
  const sub = value < 4294967296 ? value >>> exponent : Math.floor(value / POWERS_OF_TWO[exponent]!);
  return EXACT_LIMIT + (exponent - 1) * HALF + (sub - HALF);
}

/** The largest value that lands in bucket `index`. */
function bucketHighest(index: number): number {
  if (index < EXACT_LIMIT) return index;
  const exponent = Math.floor((index - EXACT_LIMIT) / HALF) + 1;
  const sub = ((index - EXACT_LIMIT) % HALF) + HALF;
  return (sub + 1) * 2 ** exponent - 1;
}

/** A mergeable histogram of non-negative values (fractions are rounded to the nearest integer). */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private clampedCount = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;
  private sumValue = 0;

  /** @param unit what one value stands for ('us', 'ns'), carried in the JSON and checked on merge. */
  constructor(readonly unit: string = 'us') {}

  /** Count `value` once (or `times` times). Negative values count as 0; values past 2^42 - 1 count at it. */
  record(value: number, times = 1): void {
    let v = value > 0 ? Math.round(value) : 0;
    if (v > HISTOGRAM_MAX_VALUE) {
      v = HISTOGRAM_MAX_VALUE;
      this.clampedCount += times;
    }
    this.counts[bucketIndex(v)] += times;
    this.total += times;
    this.sumValue += v * times;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /** Number of values recorded. */
  get count(): number {
    return this.total;
  }

  /** Smallest value recorded (exact), 0 when empty. */
  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  /** Largest value recorded (exact), 0 when empty. */
  get max(): number {
    return this.total === 0 ? 0 : this.maxValue;
  }

  /** Mean of the values recorded (exact, after rounding each to an integer), 0 when empty. */
  get mean(): number {
    return this.total === 0 ? 0 : this.sumValue / this.total;
  }

  /**
   * The value at percentile `p` (0-100): the smallest recorded value v such
   * that at least p % of the values are <= v, given as the top of its bucket
   * (never above the exact maximum). 0 when empty.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new WebSocketException(`expected a percentile between 0 and 100, got ${p}`);
    if (this.total === 0) return 0;
    if (p === 0) return this.minValue;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(bucketHighest(index), this.maxValue);
    }
    return this.maxValue;
  }

  /** Add every count of `other` to this histogram (the union of the two sets of values). */
  add(other: Histogram): this {
    if (other.unit !== this.unit) {
      throw new WebSocketException(`cannot merge a histogram in '${other.unit}' into one in '${this.unit}'`);
    }
    for (let index = 0; index < BUCKETS; index++) this.counts[index]! += other.counts[index]!;
    this.total += other.total;
    this.clampedCount += other.clampedCount;
    this.sumValue += other.sumValue;
    if (other.total > 0) {
      this.minValue = Math.min(this.minValue, other.minValue);
      this.maxValue = Math.max(this.maxValue, other.maxValue);
    }
    return this;
  }

  /** The points of the percentile curve: for each non-empty bucket, the share of values at or below its top. */
  cumulative(): Array<{ value: number; fraction: number }> {
    const points: Array<{ value: number; fraction: number }> = [];
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      const n = this.counts[index]!;
      if (n === 0) continue;
      seen += n;
      points.push({ value: Math.min(bucketHighest(index), this.maxValue), fraction: seen / this.total });
    }
    return points;
  }

  toJSON(): HistogramJson {
    const buckets: Array<[number, number]> = [];
    for (let index = 0; index < BUCKETS; index++) {
      if (this.counts[index] !== 0) buckets.push([index, this.counts[index]!]);
    }
    return {
      format: 'rfc6455-histogram/1',
      unit: this.unit,
      count: this.total,
      clamped: this.clampedCount,
      min: this.min,
      max: this.max,
      sum: this.sumValue,
      buckets,
    };
  }

  /** @throws WebSocketException for data that is not a histogram written by {@link Histogram.toJSON}. */
  static fromJSON(data: unknown): Histogram {
    const json = data as Partial<HistogramJson> | null;
    if (json === null || typeof json !== 'object' || json.format !== 'rfc6455-histogram/1') {
      throw new WebSocketException(`expected a histogram with format 'rfc6455-histogram/1', got ${describe(json?.format ?? json)}`);
    }
    if (typeof json.unit !== 'string' || !Array.isArray(json.buckets)) {
      throw new WebSocketException('expected a histogram with a unit and a buckets array');
    }
    const histogram = new Histogram(json.unit);
    let total = 0;
    for (const pair of json.buckets) {
      const [index, count] = Array.isArray(pair) ? pair : [];
      if (!Number.isSafeInteger(index) || index! < 0 || index! >= BUCKETS || !Number.isSafeInteger(count) || count! <= 0) {
        throw new WebSocketException(`expected a histogram bucket [index 0-${BUCKETS - 1}, count > 0], got ${JSON.stringify(pair)}`);
      }
      histogram.counts[index!] += count!;
      total += count!;
    }
    if (total !== json.count) {
      throw new WebSocketException(`histogram buckets add up to ${total} values, but its count says ${String(json.count)}`);
    }
    histogram.total = total;
    histogram.clampedCount = Number(json.clamped ?? 0);
    histogram.sumValue = Number(json.sum ?? 0);
    if (total > 0) {
      histogram.minValue = Number(json.min);
      histogram.maxValue = Number(json.max);
    }
    return histogram;
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}
