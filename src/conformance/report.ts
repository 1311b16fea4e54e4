/**
 * Report writer: a JSON report per run and a console table (case, verdict, duration).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Behavior, CaseResult } from './types.js';
import { meetsBar } from './verdict.js';

const BEHAVIORS: Behavior[] = ['OK', 'NON-STRICT', 'FAILED', 'INFORMATIONAL', 'UNIMPLEMENTED'];

export type Summary = Record<Behavior, number>;

export interface ConformanceReport {
  generatedAt: string;
  agents: Record<string, { summary: Summary; cases: CaseResult[] }>;
}

/** Counts results per verdict. */
export function summarize(results: readonly CaseResult[]): Summary {
  const summary = Object.fromEntries(BEHAVIORS.map((b) => [b, 0])) as Summary;
  for (const r of results) summary[r.behavior]++;
  return summary;
}

/** The results that are neither OK nor INFORMATIONAL. */
export function failingResults(results: readonly CaseResult[]): CaseResult[] {
  return results.filter((r) => !meetsBar(r));
}

/** Builds the JSON-serialisable report of every agent's results. */
export function buildReport(results: ReadonlyMap<string, readonly CaseResult[]>, now = new Date()): ConformanceReport {
  const agents: ConformanceReport['agents'] = {};
  for (const [agent, cases] of results) agents[agent] = { summary: summarize(cases), cases: [...cases] };
  return { generatedAt: now.toISOString(), agents };
}

/** Writes the JSON report to `file`, creating its folder. */
export async function writeJsonReport(results: ReadonlyMap<string, readonly CaseResult[]>, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(buildReport(results), null, 2)}\n`);
}

/** A plain-text table: one row per case, the reason shown for cases below the bar, then a summary line. */
export function formatTable(results: readonly CaseResult[]): string {
  const rows = results.map((r) => [r.id, r.behavior, r.behaviorClose, `${r.durationMs} ms`, meetsBar(r) ? '' : r.reason]);
  const header = ['case', 'verdict', 'close', 'duration', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const summary = summarize(results);
  const counts = BEHAVIORS.filter((b) => summary[b] > 0).map((b) => `${summary[b]} ${b}`);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `${results.length} cases: ${counts.join(', ')}`].join('\n');
}
