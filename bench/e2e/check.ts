/**
 * The targets of the end-to-end benchmark and the verdict of
 * `npm run bench -- --check`.
 *
 * Each target is a ratio between two clients that ran in the same rounds
 * (rounds alternate the clients, so round i of both saw the same machine):
 * one ratio per round, their median is the value. The noise of a scenario is
 * the run-to-run spread of those per-round ratios: 1.4826 × their median
 * absolute deviation from the median (MAD), the robust estimate of one
 * standard deviation, which one odd round in five does not move. `--check`
 * fails a target only when value < goal − noise, i.e. when it falls short by
 * more than this machine's measured noise for that scenario; short by less,
 * it is reported as "within noise".
 */

/** Scale from the MAD to one standard deviation (for normally distributed rounds). */
const MAD_TO_SIGMA = 1.4826;

/** The fewest rounds a margin can be derived from. */
export const CHECK_MIN_ROUNDS = 3;

export type Verdict = 'met' | 'within noise' | 'missed';

export interface RatioTarget {
  what: string;
  goal: number;
  /** numerator / denominator in each round. */
  perRound: number[];
  /** Median of perRound. */
  value: number;
  /** The noise: 1.4826 × MAD of perRound (0 with one round). */
  margin: number;
  verdict: Verdict;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('expected at least one value for a median, got none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One robust standard deviation of `values`: 1.4826 × median(|v − median|). */
export function noiseOf(values: number[]): number {
  const center = median(values);
  return MAD_TO_SIGMA * median(values.map((v) => Math.abs(v - center)));
}

/** The target `numerator / denominator ≥ goal`, from the two clients' samples of the same rounds. */
export function ratioTarget(what: string, goal: number, numerator: number[], denominator: number[]): RatioTarget {
  if (numerator.length !== denominator.length) {
    throw new Error(`expected as many rounds for both sides of ${what}, got ${numerator.length} and ${denominator.length}`);
  }
  const perRound = numerator.map((n, i) => n / denominator[i]);
  const value = median(perRound);
  const margin = noiseOf(perRound);
  const verdict: Verdict = value >= goal ? 'met' : value >= goal - margin ? 'within noise' : 'missed';
  return { what, goal, perRound, value, margin, verdict };
}

/** The targets `--check` fails on. */
export function failures(targets: RatioTarget[]): RatioTarget[] {
  return targets.filter((t) => t.verdict === 'missed');
}
