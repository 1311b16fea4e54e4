/**
 * Terminal output of a suite run: counts by verdict, one line per case that is not OK, and
 * the exit rule (`--fail-on`).
 */
import type { Behavior, CaseResult } from './types.js';

const ORDER: Behavior[] = ['OK', 'NON-STRICT', 'FAILED', 'INFORMATIONAL', 'UNIMPLEMENTED'];

/**
 * Which verdicts fail a run. FAILED (the default): a FAILED case, or a close verdict FAILED or
 * UNCLEAN (Autobahn can pass a case whose close failed). NON-STRICT: those, a NON-STRICT case, or
 * a close verdict WRONG CODE or FAILED BY CLIENT. UNIMPLEMENTED: those and UNIMPLEMENTED cases. none: never.
 */
export type FailOn = 'FAILED' | 'NON-STRICT' | 'UNIMPLEMENTED' | 'none';

export const FAIL_ON_VALUES: readonly FailOn[] = ['FAILED', 'NON-STRICT', 'UNIMPLEMENTED', 'none'];

const FAILING: Record<FailOn, readonly string[]> = {
  FAILED: ['FAILED', 'close FAILED', 'close UNCLEAN'],
  'NON-STRICT': ['FAILED', 'close FAILED', 'close UNCLEAN', 'NON-STRICT', 'close WRONG CODE', 'close FAILED BY CLIENT'],
  UNIMPLEMENTED: ['FAILED', 'close FAILED', 'close UNCLEAN', 'NON-STRICT', 'close WRONG CODE', 'close FAILED BY CLIENT', 'UNIMPLEMENTED'],
  none: [],
};

/** True when some result has a verdict that `failOn` counts as a failure. */
export function runFails(results: Iterable<CaseResult>, failOn: FailOn): boolean {
  const failing = FAILING[failOn];
  for (const r of results) if (failing.includes(r.behavior) || failing.includes(`close ${r.behaviorClose}`)) return true;
  return false;
}

/**
 * "301 cases: 294 OK, 4 NON-STRICT, 3 INFORMATIONAL" and a line per case that is not OK (verdict
 * or close) or has notes (findings stricter than Autobahn's verdict, which --strict fails).
 */
export function formatSummary(agent: string, results: readonly CaseResult[], elapsedMs: number): string {
  const counts = ORDER.map((b) => [b, results.filter((r) => r.behavior === b).length] as const)
    .filter(([, n]) => n > 0)
    .map(([b, n]) => `${n} ${b}`);
  const lines = [`${agent}: ${results.length} cases in ${(elapsedMs / 1000).toFixed(1)} s: ${counts.join(', ') || 'none run'}`];
  for (const r of results) {
    const notes = r.detail?.notes ?? [];
    if (r.behavior === 'OK' && r.behaviorClose === 'OK' && notes.length === 0) continue;
    const noted = notes.length === 0 ? '' : `; note: ${notes.join('; ')}`;
    lines.push(`  ${r.id.padEnd(9)} ${r.behavior.padEnd(13)} close ${r.behaviorClose.padEnd(16)} ${r.reason}${noted}`);
  }
  return lines.join('\n');
}

/** A one-line progress bar: `[=====     ] 120/301 6.4.1 NON-STRICT`. */
export function progressLine(done: number, total: number, last: CaseResult, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${last.id} ${last.behavior}`;
}
