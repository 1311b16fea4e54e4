/**
 * The verdicts of `npm run bench -- --check` (bench/e2e/check.ts): a ratio
 * target fails only when its value, the median of the per-round ratios, is
 * below the goal by more than the scenario's noise, 1.4826 × the median
 * absolute deviation of those ratios.
 */
import { describe, expect, it } from 'vitest';
import { failures, median, noiseOf, ratioTarget } from '../bench/e2e/check.js';

describe('bench --check margins', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('expected at least one value for a median, got none');
  });

  it('derives the noise from the median absolute deviation, unmoved by one odd round', () => {
    // Deviations from the median 1.0: 0.1, 0.05, 0, 0.05, 0.5 → MAD 0.05.
    expect(noiseOf([0.9, 0.95, 1.0, 1.05, 1.5])).toBeCloseTo(1.4826 * 0.05, 10);
    expect(noiseOf([1.2])).toBe(0);
    expect(noiseOf([1, 1, 1])).toBe(0);
  });

  it('pairs the rounds of the two clients and grades the median ratio against goal and noise', () => {
    const ws = [100, 100, 100, 100, 100];
    const met = ratioTarget('x', 1.0, [101, 99, 103, 110, 102], ws);
    expect(met.perRound).toEqual([1.01, 0.99, 1.03, 1.1, 1.02]);
    expect(met.value).toBeCloseTo(1.02, 10);
    expect(met.verdict).toBe('met');

    // Median 0.97, deviations 0.07 0.03 0 0.03 0.05 → noise 1.4826 × 0.03 ≈ 0.044: 0.97 ≥ 1 − 0.044.
    const noisy = ratioTarget('y', 1.0, [90, 94, 97, 100, 102], ws);
    expect(noisy.value).toBeCloseTo(0.97, 10);
    expect(noisy.margin).toBeCloseTo(1.4826 * 0.03, 10);
    expect(noisy.verdict).toBe('within noise');

    // The same shortfall with steady rounds is beyond the noise.
    const steady = ratioTarget('z', 1.0, [96.9, 97, 97, 97, 97.1], ws);
    expect(steady.verdict).toBe('missed');
    expect(failures([met, noisy, steady]).map((t) => t.what)).toEqual(['z']);
  });

  it('refuses sides with different numbers of rounds', () => {
    expect(() => ratioTarget('w', 1, [1, 2], [1])).toThrow('expected as many rounds for both sides of w, got 2 and 1');
  });
});
