/**
 * A case definition and one execution of it against one client connection
 * (the counterpart of an Autobahn `Case` instance).
 */
import type { DeflateAcceptance, DeflateNegotiation } from './deflate-negotiation.js';
import type { FuzzPeer, PeerHandlers } from './peer.js';
import type { Behavior, CaseEvent, CaseResult, CloseBehavior, ExpectedClose } from './types.js';
import { applyStrictRules, judgeClose, judgeEvents, sameEvents, type Verdict } from './verdict.js';
import { eventForReport } from './wirelog.js';

/** Received events kept in a case report (section 9 and 12–13 receive thousands). */
const MAX_REPORTED_EVENTS = 50;

/** The least wait of a case whose payloads are scaled down: below it a busy machine, not the peer, would decide the verdict. */
export const MIN_SCALED_WAIT_MS = 5_000;

/**
 * Autobahn's wait `ms` at `scale`: it shrinks with the payloads, never below
 * {@link MIN_SCALED_WAIT_MS} (nor above `ms`).
 */
export function scaledWait(ms: number, scale: number): number {
  return Math.min(ms, Math.max(MIN_SCALED_WAIT_MS, Math.round(ms * scale)));
}

export interface CaseDefinition {
  /** Autobahn's numbering, e.g. '6.4.1'. */
  id: string;
  description: string;
  expectation: string;
  /** relative amount of work (bytes to compress and frames to send); the server suite starts costly cases first. */
  cost?: number;
  /** how long the case may run at a given scale before it is cut and FAILED with 'timeout' (never less than the server's case timeout). */
  timeoutMs?: (scale: number) => number;
  /**
   * permessage-deflate cases (sections 12–13): how the server answers the client's offer, tried
   * in order (RFC 7692 §5). Without it the server declines every extension, as Autobahn does.
   */
  deflate?: readonly DeflateAcceptance[];
  /**
   * Description and expectation when the tester is the client (server suite), where swapping the
   * roles in the text is not enough; by default the text's "server" and "client" are swapped.
   */
  asClient?: { description: string; expectation: string };
  /** what the server does once the connection is open. */
  start(run: CaseRun): void;
  /** adjusts the verdict once the connection is gone. */
  finish?(run: CaseRun): void;
}

export class CaseRun {
  readonly received: CaseEvent[] = [];
  readonly expected = new Map<Behavior, CaseEvent[]>();
  expectedClose: ExpectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
  /** do not start the closing handshake automatically when the events match. */
  suppressClose = false;
  behavior: Behavior = 'FAILED';
  behaviorClose: CloseBehavior = 'FAILED';
  result = 'no expected outcome was declared';
  resultClose = 'not judged';
  /** replaces recording of echoed messages (section 9 judges size and content itself). */
  messageHandler: ((data: Buffer, binary: boolean) => void) | null = null;
  /** set when the hard per-case timeout cut the connection. */
  timedOut: string | null = null;
  /** findings stricter than Autobahn's verdict (RFC rules it does not count); `strict` makes them FAILED. */
  readonly notes: string[] = [];
  readonly startedAt = performance.now();
  readonly startedIso = new Date().toISOString();

  constructor(
    readonly definition: CaseDefinition,
    readonly peer: FuzzPeer,
    /** size factor for large payloads (1 = Autobahn sizes). */
    readonly scale: number,
    /** the permessage-deflate negotiation of a case that has `deflate`; null for the others. */
    readonly negotiation: DeflateNegotiation | null = null,
    /**
     * true: a bad close, a protocol violation or a note fails the case (wstest's --strict, the
     * project's bar for its own client); false: Autobahn's verdicts as they are, the close judged
     * only in `behaviorClose`, and what the strict judge would fail recorded in `notes`.
     */
    readonly strict = true,
  ) {}

  /** Records an event and starts the close when every declared outcome now matches (Autobahn's rule). */
  record(event: CaseEvent): void {
    this.received.push(event);
    this.finishWhenDone();
  }

  private finishWhenDone(): void {
    if (this.expected.size === 0) return;
    if (![...this.expected.values()].every((events) => sameEvents(this.received, events))) return;
    if (this.expectedClose.closedByMe && !this.suppressClose) this.peer.sendClose(this.expectedClose.closeCode[0]);
  }

  /** Computes the result once the TCP connection is gone. */
  conclude(): CaseResult {
    const events = judgeEvents(this.received, this.expected);
    if (events !== null) {
      this.behavior = events.behavior;
      this.result = events.reason;
    }
    const close = judgeClose(this.expectedClose, this.peer);
    this.behaviorClose = close.behaviorClose;
    this.resultClose = close.reason;
    if (this.expectedClose.closedByWrongEndpointIsFatal && this.expectedClose.closedByMe !== this.peer.closedByMe) {
      this.behavior = 'FAILED';
      this.result = `${close.reason}: the ${this.peer.peerName} never rejected the payload`;
    }
    this.definition.finish?.(this);
    // The close is named once: the UTF-8 rule above already put it at the front of the result.
    const reason = this.behaviorClose === 'OK' || this.result.startsWith(this.resultClose) ? this.result : `${this.result}; ${this.resultClose}`;
    const judged = { behavior: this.behavior, behaviorClose: this.behaviorClose, reason };
    const violation = this.peer.violation;
    const strictVerdict = applyStrictRules(judged, { timedOut: this.timedOut, violation }, this.peer.peerName);
    let verdict: Verdict;
    // A timeout fails the case in both modes: nothing was judged to its end.
    if (this.strict || this.timedOut !== null) verdict = strictVerdict;
    else {
      verdict = violation === null ? judged : { ...judged, reason: `${reason}; the tester failed the connection: ${violation}` };
      if (strictVerdict.behavior !== verdict.behavior) this.notes.push(`${strictVerdict.reason} (FAILED with --strict)`);
    }
    if (this.strict && this.notes.length > 0 && verdict.behavior !== 'FAILED' && verdict.behavior !== 'UNIMPLEMENTED')
      verdict = { ...verdict, behavior: 'FAILED', reason: this.notes.join('; ') };
    return {
      id: this.definition.id,
      description: this.definition.description,
      behavior: verdict.behavior,
      behaviorClose: verdict.behaviorClose,
      durationMs: Math.round(performance.now() - this.startedAt),
      remoteCloseCode: this.peer.remoteCloseCode,
      localCloseCode: this.peer.localCloseCode,
      reason: verdict.reason,
      detail: {
        expectation: this.definition.expectation,
        started: this.startedIso,
        result: this.result,
        resultClose: this.resultClose,
        expected: Object.fromEntries([...this.expected].map(([behavior, events]) => [behavior, events.map(eventForReport)])),
        received: this.received.slice(0, MAX_REPORTED_EVENTS).map(eventForReport),
        receivedCount: this.received.length,
        expectedClose: this.expectedClose,
        closedByMe: this.peer.closedByMe,
        failedByMe: this.peer.failedByMe,
        droppedByMe: this.peer.droppedByMe,
        wasClean: this.peer.wasClean,
        wasNotCleanReason: this.peer.wasNotCleanReason,
        violation,
        notes: this.notes,
        remoteCloseReason: this.peer.remoteCloseReason,
        wirelog: this.peer.wirelog.entries(),
      },
    };
  }

  /** Autobahn's section 7 rule: a wrong close code fails the case. */
  wrongCodeFails(): void {
    if (this.behaviorClose === 'WRONG CODE') {
      this.behavior = 'FAILED';
      this.result = this.resultClose;
    }
  }
}

/**
 * The peer handlers that feed a case run what arrives: messages (to the case's own
 * handler once it set one), pings and pongs. `run` is read at each event, since
 * the run is made after the peer it listens to.
 */
export function recordingHandlers(run: () => CaseRun): Omit<PeerHandlers, 'onConnectionLost'> {
  return {
    onMessage: (data, binary) => {
      const current = run();
      if (current.messageHandler === null) current.record({ kind: 'message', data, binary });
      else current.messageHandler(data, binary);
    },
    onPing: (data) => run().record({ kind: 'ping', data }),
    onPong: (data) => run().record({ kind: 'pong', data }),
  };
}
