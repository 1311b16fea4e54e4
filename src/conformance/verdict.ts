/**
 * Verdict rules. `judgeEvents` and `judgeClose` follow Autobahn|Testsuite's meaning of
 * OK / NON-STRICT / FAILED and of the close verdicts; `applyStrictRules` is the stricter
 * judge (wstest's `--strict`, the project's bar for its own client): a case whose connection
 * did not end the required way, whose peer broke a protocol rule, or which ran out of time,
 * is FAILED whatever it echoed.
 */
import type { Behavior, CaseEvent, CloseBehavior, ExpectedClose } from './types.js';

function sameEvent(a: CaseEvent, b: CaseEvent): boolean {
  switch (a.kind) {
    case 'message':
      return b.kind === 'message' && a.binary === b.binary && a.data.equals(b.data);
    case 'ping':
    case 'pong':
      return b.kind === a.kind && a.data.equals(b.data);
    case 'timeout':
      return b.kind === 'timeout' && a.tag === b.tag;
  }
}

/** True when the two event lists are equal, in order, byte for byte. */
export function sameEvents(actual: readonly CaseEvent[], expected: readonly CaseEvent[]): boolean {
  return actual.length === expected.length && actual.every((event, i) => sameEvent(event, expected[i]!));
}

/** Short human description of an event list, for reasons. */
export function describeEvents(events: readonly CaseEvent[]): string {
  if (events.length === 0) return 'nothing';
  const parts = events.slice(0, 4).map((e) => {
    if (e.kind === 'timeout') return `timeout ${e.tag}`;
    const kind = e.kind === 'message' ? (e.binary ? 'binary message' : 'text message') : e.kind;
    return `${kind} of ${e.data.length} bytes`;
  });
  if (events.length > 4) parts.push(`… (${events.length} events)`);
  return parts.join(', ');
}

/** The first expected outcome that the received events match, in the order the case declared them. */
export function judgeEvents(
  received: readonly CaseEvent[],
  expected: ReadonlyMap<Behavior, readonly CaseEvent[]>,
): { behavior: Behavior; reason: string } | null {
  for (const [behavior, events] of expected) {
    if (sameEvents(received, events)) return { behavior, reason: `received ${describeEvents(received)}, as expected for ${behavior}` };
  }
  if (expected.size === 0) return null;
  const wanted = [...expected.entries()].map(([b, ev]) => `${b}: ${describeEvents(ev)}`).join(' | ');
  return { behavior: 'FAILED', reason: `received ${describeEvents(received)}; expected ${wanted}` };
}

/** What the server saw of the connection's end. */
export interface CloseObservation {
  closedByMe: boolean;
  wasClean: boolean;
  remoteCloseCode: number | null;
  /** the tester dropped TCP; judged only when the tester is the client (the server should close TCP, §7.1.1). */
  droppedByMe?: boolean;
  /** the tester's end: 'server' when testing a client (the default), 'client' when testing a server. */
  role?: 'server' | 'client';
}

/** Autobahn's close verdict: right endpoint started the close, clean when required, allowed code. */
export function judgeClose(expected: ExpectedClose, seen: CloseObservation): { behaviorClose: CloseBehavior; reason: string } {
  const tester = seen.role === 'client' ? 'client' : 'server';
  const peer = tester === 'client' ? 'server' : 'client';
  if (expected.closedByMe !== seen.closedByMe) {
    const who = expected.closedByMe ? `the ${tester} should have started the close` : `the ${peer} should have failed the connection`;
    const code = seen.remoteCloseCode === null ? `no close code from the ${peer}` : `${peer} close code ${seen.remoteCloseCode}`;
    return { behaviorClose: 'FAILED', reason: `the connection was closed by the wrong endpoint (${who}; ${code})` };
  }
  if (expected.requireClean && !seen.wasClean)
    return { behaviorClose: 'UNCLEAN', reason: 'a clean closing handshake was required, but TCP closed without one' };
  if (seen.remoteCloseCode !== null && !expected.closeCode.includes(seen.remoteCloseCode))
    return {
      behaviorClose: 'WRONG CODE',
      reason: `${peer} close code ${seen.remoteCloseCode}, expected ${expected.closeCode.join(' or ')} or none`,
    };
  if (tester === 'client' && seen.droppedByMe === true)
    return { behaviorClose: 'FAILED BY CLIENT', reason: 'the tester had to drop TCP; the server should close it (RFC 6455 §7.1.1)' };
  return { behaviorClose: 'OK', reason: 'connection closed as required' };
}

export interface Verdict {
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  reason: string;
}

/**
 * Overrides that make a verdict honest: a timeout or a protocol violation of the peer (`peer`:
 * 'client' or 'server') fails the case, and so does a close verdict other than OK / INFORMATIONAL.
 */
export function applyStrictRules(verdict: Verdict, problems: { timedOut: string | null; violation: string | null }, peer = 'client'): Verdict {
  if (problems.timedOut !== null)
    return { behavior: 'FAILED', behaviorClose: 'FAILED', reason: `timeout: ${problems.timedOut}` };
  if (problems.violation !== null) return { ...verdict, behavior: 'FAILED', reason: `${peer} violated the protocol: ${problems.violation}` };
  if (verdict.behavior === 'INFORMATIONAL' || verdict.behavior === 'FAILED' || verdict.behavior === 'UNIMPLEMENTED') return verdict;
  if (verdict.behaviorClose !== 'OK' && verdict.behaviorClose !== 'INFORMATIONAL')
    return { ...verdict, behavior: 'FAILED', reason: `close ${verdict.behaviorClose}: ${verdict.reason}` };
  return verdict;
}

/** True when a result meets the project's bar (OK or INFORMATIONAL). */
export function meetsBar(result: { behavior: Behavior }): boolean {
  return result.behavior === 'OK' || result.behavior === 'INFORMATIONAL';
}
