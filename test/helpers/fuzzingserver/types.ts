/**
 * Shared types of the fuzzing server: verdicts, observed events and case results.
 * The vocabulary follows Autobahn|Testsuite's fuzzingserver reports.
 */

/** Verdict on what the client did (messages, pongs, timing). */
export type Behavior = 'OK' | 'NON-STRICT' | 'FAILED' | 'INFORMATIONAL' | 'UNIMPLEMENTED';

/** Verdict on how the connection ended. */
export type CloseBehavior = 'OK' | 'FAILED' | 'WRONG CODE' | 'UNCLEAN' | 'INFORMATIONAL' | 'UNIMPLEMENTED';

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
}
