/**
 * The ordered list of client cases (Autobahn numbering) and the case-pattern filter.
 */
import type { CaseDefinition } from '../run.js';
import { section1 } from './section1.js';
import { section2 } from './section2.js';
import { section3 } from './section3.js';
import { section4 } from './section4.js';
import { section5 } from './section5.js';
import { section6 } from './section6.js';
import { section7 } from './section7.js';
import { section9 } from './section9.js';
import { section10 } from './section10.js';
import { section12, section13 } from './compression.js';

/** Every implemented case, in Autobahn's order. */
export const ALL_CASES: readonly CaseDefinition[] = [
  ...section1,
  ...section2,
  ...section3,
  ...section4,
  ...section5,
  ...section6,
  ...section7,
  ...section9,
  ...section10,
  ...section12,
  ...section13,
];

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * Selects cases by a comma-separated list of ids or wildcard patterns ('1.*,2.1,6.4.*');
 * undefined or '*' selects all. Throws when a pattern matches nothing, so typos do not pass silently.
 */
export function selectCases(filter?: string): CaseDefinition[] {
  if (filter === undefined || filter.trim() === '' || filter.trim() === '*') return [...ALL_CASES];
  const patterns = filter
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const chosen = new Set<CaseDefinition>();
  for (const pattern of patterns) {
    const re = patternToRegExp(pattern);
    const hits = ALL_CASES.filter((c) => re.test(c.id));
    if (hits.length === 0) throw new Error(`case pattern "${pattern}" matches no case (expected e.g. "1.1.*" or "6.4.1")`);
    for (const hit of hits) chosen.add(hit);
  }
  return ALL_CASES.filter((c) => chosen.has(c));
}
