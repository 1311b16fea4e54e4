/**
 * Compares two runs case by case as their `index.json` files record them (Autobahn's format, so a
 * report of Autobahn itself or an expected-results file in that format compares too): the verdict,
 * the close verdict and the close code the peer sent. Durations are not compared.
 */
import type { IndexEntry } from './outdir.js';

/** An index.json that does not have Autobahn's shape. */
export class IndexFormatError extends Error {
  override name = 'IndexFormatError';
}

/** The fields compared, in the order a difference is reported. */
export const COMPARED_FIELDS = ['behavior', 'behaviorClose', 'remoteCloseCode'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface CaseDifference {
  /** the agent, or "A ↔ B" when two differently named agents were paired. */
  agent: string;
  id: string;
  field: ComparedField;
  a: string;
  b: string;
}

export interface Comparison {
  /** cases present on both sides. */
  compared: number;
  differences: CaseDifference[];
  /** "agent case" present on one side only. */
  onlyInA: string[];
  onlyInB: string[];
}

type Compared = Pick<IndexEntry, ComparedField>;

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Parses an index.json text; `source` names it in errors. Only the compared fields are checked. */
export function parseIndex(text: string, source: string): Record<string, Record<string, Compared>> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new IndexFormatError(`${source}: expected JSON, got a parse error: ${(error as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data)) throw new IndexFormatError(`${source}: expected an object {agent: {case: {...}}}, got ${describeValue(data)}`);
  const index: Record<string, Record<string, Compared>> = {};
  for (const [agent, cases] of Object.entries(data)) {
    if (!isObject(cases)) throw new IndexFormatError(`${source}: expected agent ${JSON.stringify(agent)} to hold an object of cases, got ${describeValue(cases)}`);
    index[agent] = {};
    for (const [id, entry] of Object.entries(cases)) {
      const where = `${source}: agent ${JSON.stringify(agent)}, case ${id}`;
      if (!isObject(entry)) throw new IndexFormatError(`${where}: expected an object, got ${describeValue(entry)}`);
      if (typeof entry.behavior !== 'string') throw new IndexFormatError(`${where}: expected "behavior" to be a string, got ${describeValue(entry.behavior)}`);
      if (typeof entry.behaviorClose !== 'string')
        throw new IndexFormatError(`${where}: expected "behaviorClose" to be a string, got ${describeValue(entry.behaviorClose)}`);
      const code = entry.remoteCloseCode;
      if (code !== null && code !== undefined && typeof code !== 'number')
        throw new IndexFormatError(`${where}: expected "remoteCloseCode" to be a number or null, got ${describeValue(code)}`);
      index[agent]![id] = {
        behavior: entry.behavior as IndexEntry['behavior'],
        behaviorClose: entry.behaviorClose as IndexEntry['behaviorClose'],
        remoteCloseCode: code ?? null,
      };
    }
  }
  return index;
}

/** Autobahn's case order: numerically, part by part ("9.2" before "10.1", "6.4.2" before "6.10.1"). */
export function compareCaseIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares run `a` with run `b`. Agents are matched by name; when the two runs share no agent
 * name and hold one agent each, those two are compared (a run of the same server under another name).
 */
export function compareIndexes(a: Readonly<Record<string, Readonly<Record<string, Compared>>>>, b: Readonly<Record<string, Readonly<Record<string, Compared>>>>): Comparison {
  const agentsA = Object.keys(a);
  const agentsB = Object.keys(b);
  const pairs: Array<[string, string]> = agentsA.filter((x) => x in b).map((x) => [x, x]);
  if (pairs.length === 0 && agentsA.length === 1 && agentsB.length === 1) pairs.push([agentsA[0]!, agentsB[0]!]);
  const comparison: Comparison = { compared: 0, differences: [], onlyInA: [], onlyInB: [] };
  const pairedA = new Set(pairs.map(([x]) => x));
  const pairedB = new Set(pairs.map(([, y]) => y));
  for (const agent of agentsA.filter((x) => !pairedA.has(x))) comparison.onlyInA.push(...Object.keys(a[agent]!).sort(compareCaseIds).map((id) => `${agent} ${id}`));
  for (const agent of agentsB.filter((y) => !pairedB.has(y))) comparison.onlyInB.push(...Object.keys(b[agent]!).sort(compareCaseIds).map((id) => `${agent} ${id}`));
  for (const [nameA, nameB] of pairs) {
    const agent = nameA === nameB ? nameA : `${nameA} ↔ ${nameB}`;
    const casesA = a[nameA]!;
    const casesB = b[nameB]!;
    const ids = [...new Set([...Object.keys(casesA), ...Object.keys(casesB)])].sort(compareCaseIds);
    for (const id of ids) {
      const ea = casesA[id];
      const eb = casesB[id];
      if (ea === undefined) comparison.onlyInB.push(`${nameB} ${id}`);
      else if (eb === undefined) comparison.onlyInA.push(`${nameA} ${id}`);
      else {
        comparison.compared++;
        for (const field of COMPARED_FIELDS) {
          if (ea[field] !== eb[field]) comparison.differences.push({ agent, id, field, a: String(ea[field]), b: String(eb[field]) });
        }
      }
    }
  }
  return comparison;
}

/** True when both runs hold the same cases with the same verdicts and close codes. */
export function identical(c: Comparison): boolean {
  return c.differences.length === 0 && c.onlyInA.length === 0 && c.onlyInB.length === 0;
}

/** The comparison as lines for a terminal: one per difference, then the cases on one side only, then a summary line. */
export function formatComparison(c: Comparison, labelA: string, labelB: string): string {
  const lines: string[] = [];
  for (const d of c.differences) lines.push(`  ${d.agent} ${d.id.padEnd(9)} ${d.field.padEnd(15)} ${d.a}  ->  ${d.b}`);
  const list = (ids: string[]): string => (ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} … (${ids.length})`);
  if (c.onlyInA.length > 0) lines.push(`  only in ${labelA}: ${list(c.onlyInA)}`);
  if (c.onlyInB.length > 0) lines.push(`  only in ${labelB}: ${list(c.onlyInB)}`);
  const cases = new Set(c.differences.map((d) => `${d.agent} ${d.id}`)).size;
  lines.push(
    identical(c)
      ? `${c.compared} cases compared: identical (verdict, close verdict and close code)`
      : `${c.compared} cases compared: ${cases} differ${c.onlyInA.length + c.onlyInB.length > 0 ? `, ${c.onlyInA.length + c.onlyInB.length} on one side only` : ''}`,
  );
  return lines.join('\n');
}
