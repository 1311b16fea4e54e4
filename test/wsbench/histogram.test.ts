import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_MAX_VALUE, HISTOGRAM_RELATIVE_PRECISION, Histogram, bucketIndex } from '../../src/bench/histogram.js';
import { WebSocketException } from '../../src/exceptions.js';

const PERCENTILES = [0, 1, 25, 50, 90, 99, 99.9, 99.99, 100];

/** The exact percentile: the smallest value with at least p % of the values at or below it. */
function reference(sorted: number[], p: number): number {
  if (p === 0) return sorted[0]!;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Values spread over many orders of magnitude, as latencies are. */
const value = fc.oneof(
  fc.integer({ min: 0, max: 3000 }),
  fc.integer({ min: 0, max: 2_000_000 }),
  fc.integer({ min: 0, max: HISTOGRAM_MAX_VALUE }),
);

function fill(values: number[]): Histogram {
  const histogram = new Histogram();
  for (const v of values) histogram.record(v);
  return histogram;
}

describe('Histogram', () => {
  it('reports every percentile within 1/1024 above the exact one from a sorted array', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 2000 }), (values) => {
        const histogram = fill(values);
        const sorted = [...values].sort((a, b) => a - b);
        for (const p of PERCENTILES) {
          const exact = reference(sorted, p);
          const got = histogram.percentile(p);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got).toBeLessThanOrEqual(exact + exact * HISTOGRAM_RELATIVE_PRECISION);
        }
        expect(histogram.count).toBe(values.length);
        expect(histogram.min).toBe(sorted[0]);
        expect(histogram.max).toBe(sorted[sorted.length - 1]);
      }),
      { numRuns: 200 },
    );
  });

  it('is exact below 2048', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2047 }), { minLength: 1, maxLength: 500 }), (values) => {
        const histogram = fill(values);
        const sorted = [...values].sort((a, b) => a - b);
        for (const p of PERCENTILES) expect(histogram.percentile(p)).toBe(reference(sorted, p));
      }),
    );
  });

  it('merges by adding counts: the merge of two histograms is the histogram of the union', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 500 }), fc.array(value, { maxLength: 500 }), (a, b) => {
        const merged = fill(a).add(fill(b));
        const union = fill([...a, ...b]);
        expect(merged.toJSON()).toEqual(union.toJSON());
        for (const p of PERCENTILES) expect(merged.percentile(p)).toBe(union.percentile(p));
      }),
      { numRuns: 100 },
    );
  });

  it('survives a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 500 }), (values) => {
        const histogram = fill(values);
        const copy = Histogram.fromJSON(JSON.parse(JSON.stringify(histogram)));
        expect(copy.toJSON()).toEqual(histogram.toJSON());
        for (const p of PERCENTILES) expect(copy.percentile(p)).toBe(histogram.percentile(p));
      }),
      { numRuns: 100 },
    );
  });

  it('rounds fractions, counts negatives as 0 and clamps values past the top, saying so', () => {
    const histogram = new Histogram();
    histogram.record(1.6);
    histogram.record(-5);
    histogram.record(HISTOGRAM_MAX_VALUE * 4);
    expect(histogram.min).toBe(0);
    expect(histogram.percentile(50)).toBe(2);
    expect(histogram.max).toBe(HISTOGRAM_MAX_VALUE);
    expect(histogram.toJSON().clamped).toBe(1);
  });

  it('refuses merging different units, bad percentiles and malformed JSON with a clear error', () => {
    expect(() => new Histogram('us').add(new Histogram('ns'))).toThrow(/cannot merge a histogram in 'ns' into one in 'us'/);
    expect(() => new Histogram().percentile(101)).toThrow(/between 0 and 100, got 101/);
    expect(() => Histogram.fromJSON({ format: 'other' })).toThrow(WebSocketException);
    const json = fill([1, 2, 3]).toJSON();
    expect(() => Histogram.fromJSON({ ...json, count: 4 })).toThrow(/add up to 3 values, but its count says 4/);
    expect(() => Histogram.fromJSON({ ...json, buckets: [[-1, 1]] })).toThrow(/expected a histogram bucket/);
  });

  it('finds the bucket of any value by integer arithmetic, as exact BigInt shifts do (powers of two and their neighbours included)', () => {
    const reference = (v: number): number => {
      if (v < 2048) return v;
      const exponent = BigInt(v).toString(2).length - 11;
      return 2048 + (exponent - 1) * 1024 + Number(BigInt(v) >> BigInt(exponent)) - 1024;
    };
    const edges = Array.from({ length: 43 }, (_, e) => [2 ** e - 1, 2 ** e, 2 ** e + 1]).flat().filter((v) => v <= HISTOGRAM_MAX_VALUE);
    for (const v of edges) expect(bucketIndex(v)).toBe(reference(v));
    fc.assert(
      fc.property(value, (v) => {
        expect(bucketIndex(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });
});
