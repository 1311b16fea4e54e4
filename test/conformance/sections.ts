/**
 * Per-section summary of fuzzingserver results (Autobahn's report groups cases by their
 * first number): counts per verdict, as a Markdown table for the README and the console.
 */
import type { Behavior, CaseResult } from '../../src/conformance/types.js';

/** The verdicts a section row counts, in Autobahn's report order. */
export const SECTION_VERDICTS: readonly Behavior[] = ['OK', 'NON-STRICT', 'FAILED', 'INFORMATIONAL'];

export const SECTION_TITLES: Readonly<Record<string, string>> = {
  '1': 'Framing',
  '2': 'Pings/Pongs',
  '3': 'Reserved Bits',
  '4': 'Opcodes',
  '5': 'Fragmentation',
  '6': 'UTF-8 Handling',
  '7': 'Close Handling',
  '9': 'Limits/Performance',
  '10': 'Misc',
  '12': 'WebSocket Compression (different payloads)',
  '13': 'WebSocket Compression (different parameters)',
};

export interface SectionRow {
  section: string;
  title: string;
  counts: Record<Behavior, number>;
  total: number;
}

/** The section of a case id: its first number ('6.4.1' -> '6'). */
export function sectionOf(id: string): string {
  return id.split('.')[0]!;
}

/** Counts verdicts per section, sections in the order their cases first appear. */
export function summarizeBySection(results: readonly CaseResult[]): SectionRow[] {
  const rows = new Map<string, SectionRow>();
  for (const result of results) {
    const section = sectionOf(result.id);
    let row = rows.get(section);
    if (row === undefined) {
      row = {
        section,
        title: SECTION_TITLES[section] ?? `Section ${section}`,
        counts: { OK: 0, 'NON-STRICT': 0, FAILED: 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0 },
        total: 0,
      };
      rows.set(section, row);
    }
    row.counts[result.behavior]++;
    row.total++;
  }
  return [...rows.values()];
}

/** A Markdown table: one row per section, then the totals. */
export function formatSectionTable(rows: readonly SectionRow[]): string {
  const head = ['Section', 'Cases', ...SECTION_VERDICTS];
  const unimplemented = rows.some((r) => r.counts.UNIMPLEMENTED > 0);
  if (unimplemented) head.push('UNIMPLEMENTED');
  const verdicts: Behavior[] = unimplemented ? [...SECTION_VERDICTS, 'UNIMPLEMENTED'] : [...SECTION_VERDICTS];
  const line = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`;
  const total = (b: Behavior): number => rows.reduce((n, r) => n + r.counts[b], 0);
  return [
    line(head),
    line(head.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...rows.map((r) => line([`${r.section} ${r.title}`, r.total, ...verdicts.map((b) => r.counts[b])])),
    line(['**All**', rows.reduce((n, r) => n + r.total, 0), ...verdicts.map(total)]),
  ].join('\n');
}
