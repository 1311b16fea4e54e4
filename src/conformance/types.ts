/**
 * Shared types of the fuzzing server: verdicts, observed events and case results.
 * The vocabulary follows Autobahn|Testsuite's fuzzingserver reports.
 */

/** Verdict on what the client did (messages, pongs, timing). */
export type Behavior = 'OK' | 'NON-STRICT' | 'FAILED' | 'INFORMATIONAL' | 'UNIMPLEMENTED';

/** Verdict on how the connection ended. */
export type CloseBehavior = 'OK' | 'FAILED' | 'WRONG CODE' | 'UNCLEAN' | 'FAILED BY CLIENT' | 'INFORMATIONAL' | 'UNIMPLEMENTED';

/** Something the server observed from the client, or a marker a case recorded itself. */
export type CaseEvent =
  | { kind: 'message'; data: Buffer; binary: boolean }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'timeout'; tag: string };

/** How the case expects the connection to end (Autobahn's `expectedClose`). */
export interface ExpectedClose {
  /** true when the server is expected to start the closing handshake. */
  closedByMe: boolean;
  /** close codes the client may send; a close frame without a code is always accepted. */
  closeCode: number[];
  /** the closing handshake must have completed in both directions. */
  requireClean: boolean;
  /** a close started by the wrong side fails the whole case (UTF-8 cases: the client never noticed). */
  closedByWrongEndpointIsFatal?: boolean;
}

/** The result of one case for one agent. */
export interface CaseResult {
  id: string;
  description: string;
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  durationMs: number;
  /** close code the client sent, null when its close frame had none or it sent none. */
  remoteCloseCode: number | null;
  /** close code the server sent, null when it sent no code or no close frame. */
  localCloseCode: number | null;
  /** why the case got its verdict. */
  reason: string;
  /** everything a per-case report shows: expectations, what came, how the connection ended, the wire log. */
  detail?: CaseDetail;
}

/** An event or a frame as a report shows it: payloads cut to a readable length. */
export interface ReportedEvent {
  kind: string;
  /** payload length in bytes. */
  length: number;
  /** UTF-8 text when the payload is valid UTF-8, hex otherwise; cut after 256 bytes with " …". */
  payload: string;
  binary?: boolean;
}

/** One line of the wire log: a frame sent (tx) or received (rx), or a timer the case set or that fired. */
export interface WirelogEntry {
  at: number;
  dir: 'tx' | 'rx' | 'timer';
  opcode?: number;
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  length?: number;
  payload?: string;
  /** chop size or sync write of a sent frame; the timer's description. */
  note?: string;
}

export interface CaseDetail {
  expectation: string;
  started: string;
  result: string;
  resultClose: string;
  expected: Record<string, ReportedEvent[]>;
  received: ReportedEvent[];
  receivedCount: number;
  expectedClose: ExpectedClose;
  closedByMe: boolean;
  failedByMe: boolean;
  droppedByMe: boolean;
  wasClean: boolean;
  wasNotCleanReason: string | null;
  violation: string | null;
  /** what a stricter judge than Autobahn (RFC rules its verdicts do not count) found; `--strict` fails the case on them. */
  notes: string[];
  remoteCloseReason: string | null;
  wirelog: { entries: WirelogEntry[]; omitted: number };
  /** the opening handshake as sent and received (server suite). */
  http?: { request: string; response: string };
}
