/**
 * Autobahn|Testsuite's case patterns: a pattern with `*` is a regular expression matched at the
 * start of the id, `.` literal and `*` any run (so regex tails such as `12.*.[1234]$` work);
 * a pattern without `*` names one case exactly. Agent patterns of `exclude-agent-cases` match whole.
 */

/** A case pattern that is not valid or matches no case. */
export class CasePatternError extends Error {
  override name = 'CasePatternError';
}

function wildcardRegExp(pattern: string, anchorEnd: boolean): RegExp {
  const body = pattern.replace(/\./g, '\\.').replace(/\*/g, '.*');
  try {
    return new RegExp(`^${body}${anchorEnd ? '$' : ''}`);
  } catch (error) {
    throw new CasePatternError(`case pattern "${pattern}" is not a valid pattern: ${(error as Error).message}`);
  }
}

/** True when the case id matches the pattern, as Autobahn reads `cases` and `exclude-cases`. */
export function matchesCasePattern(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  return wildcardRegExp(pattern, false).test(id);
}

/**
 * The ids of `all` (kept in that order) matched by `cases` and not by `excludeCases`.
 * Throws when a pattern matches no case, so a typo does not pass silently.
 */
export function resolveCases(all: readonly string[], cases: readonly string[], excludeCases: readonly string[] = []): string[] {
  const check = (pattern: string): void => {
    if (!all.some((id) => matchesCasePattern(pattern, id)))
      throw new CasePatternError(`case pattern "${pattern}" matches no case (expected e.g. "*", "1.1.*", "6.4.1" or "12.*.[1234]$")`);
  };
  cases.forEach(check);
  excludeCases.forEach(check);
  return all.filter((id) => cases.some((p) => matchesCasePattern(p, id)) && !excludeCases.some((p) => matchesCasePattern(p, id)));
}

/** Autobahn's `exclude-agent-cases`: true when the agent matches a key whose case patterns match the id. */
export function excludedForAgent(excludeAgentCases: Readonly<Record<string, readonly string[]>>, agent: string, id: string): boolean {
  return Object.entries(excludeAgentCases).some(
    ([agentPattern, casePatterns]) =>
      wildcardRegExp(agentPattern, true).test(agent) && casePatterns.some((p) => wildcardRegExp(p, true).test(id)),
  );
}
