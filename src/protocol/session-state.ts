/**
 * The state of a client session as one value (RFC 6455 §7), and what each
 * state allows: the session's public `state`, whether input is still read,
 * and which sends are refused with which error.
 */
import { createError, type WebSocketConnectionClosedException } from '../exceptions.js';
import type { SessionFailure } from './session.js';

/**
 * `'open'`: messages flow both ways. `'closing'`: the client sent a close frame
 * and waits for the server's (received data frames are ignored). `'closed'`:
 * the closing handshake is complete, or the connection was failed.
 */
export type SessionState = 'open' | 'closing' | 'closed';

/**
 * Where the session is. Transitions:
 * - `open` → `closing` (we send a close frame), `reply-held` (the server's
 *   close frame comes first: our reply is handed out), `fail-held` (the server
 *   breaks a rule: the failure's close frame is handed out);
 * - `closing` → `closed` (the server's close frame), `failed` (a broken rule);
 * - `reply-held` → `closed`, `fail-held` → `failed`: the transport wrote the
 *   close frame the session made;
 * - any → `stopped`: a handler threw.
 *
 * While a close frame the session made is held by the transport (`reply-held`,
 * `fail-held`), data messages may still be sent ahead of it (RFC 6455 §5.5.1
 * lets an endpoint finish sending its current message first).
 */
export type Phase = 'open' | 'closing' | 'reply-held' | 'closed' | 'fail-held' | 'failed' | 'stopped';

/** The public state of a phase. */
export function stateOf(phase: Phase): SessionState {
  switch (phase) {
    case 'open':
      return 'open';
    case 'closing':
      return 'closing';
    default:
      return 'closed';
  }
}

/** Input is read while open or closing; after the server's close frame, a failure or a handler's throw, it is ignored. */
export function readsInput(phase: Phase): boolean {
  return phase === 'open' || phase === 'closing';
}

/** A close frame the session made is handed out and not written yet: the compressor is still needed for messages sent ahead of it. */
export function closeHeld(phase: Phase): boolean {
  return phase === 'reply-held' || phase === 'fail-held';
}

/**
 * Why `what` may not be sent in `phase`, or `null` when it may. `message`:
 * a text or binary message, which may still go ahead of a held close frame.
 * `failure`: the error that failed the connection, if any.
 */
export function sendRefusal(
  phase: Phase,
  what: string,
  message: boolean,
  failure: SessionFailure | null,
): WebSocketConnectionClosedException | null {
  switch (phase) {
    case 'open':
      return null;
    case 'reply-held':
    case 'fail-held':
      if (message) return null;
      break;
  }
  if (failure !== null) {
    return createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the connection was failed (${failure.message})`, { cause: failure });
  }
  switch (phase) {
    case 'stopped':
      return createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the session stopped after a handler threw`);
    case 'closing':
      return createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: a close frame was already sent`);
    default:
      return createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the server closed the connection`);
  }
}
