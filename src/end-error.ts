/**
 * What reads and sends are told once a connection has ended: one error that
 * says how it ended (the server's close frame with its code and reason,
 * `close()`, `abort()`/`shutdown()`, a failure, a lost socket), built from the
 * connection's end state alone.
 */
import { createError, WebSocketConnectionClosedException } from './exceptions.js';
import type { ClientSession, SessionFailure } from './protocol/session.js';

/** How a connection ended, as far as it is known. */
export interface EndState {
  /** The session of the connection; null when there never was one. */
  readonly session: ClientSession | null;
  /** The failure that ended it (RFC 6455 §7.1.7), if one did. */
  readonly failure: SessionFailure | null;
  /** Set by close(): the end is the user's doing, not a loss. */
  readonly closedByUser: boolean;
  /** The socket's error, or abort()/shutdown()'s ConnectionClosed. */
  readonly lostError: unknown;
}

/** The error a read gets once everything that arrived was consumed. */
export function endErrorOf(state: EndState): unknown {
  if (state.failure !== null) return state.failure;
  const session = state.session;
  if (session === null) return createError('WS_ERR_NOT_CONNECTED', 'not connected: call connect() first');
  const peer = session.closeReceived ? { peerCloseCode: session.closeCode, peerCloseReason: session.closeReason } : undefined;
  const said = peer === undefined ? '' : describePeerClose(peer.peerCloseCode, peer.peerCloseReason);
  if (state.closedByUser) {
    const answer = peer === undefined ? '' : `; the server answered${said === '' ? ' with an empty close frame' : said}`;
    return createError('WS_ERR_CONNECTION_CLOSED', `connection closed by close()${answer}`, peer);
  }
  if (peer !== undefined) return createError('WS_ERR_CONNECTION_CLOSED', `connection closed by the server${said}`, peer);
  const lost = state.lostError;
  if (lost !== null) {
    const detail = lost instanceof Error ? `: ${lost.message}` : '';
    // abort() and shutdown() are the user's own close; anything else dropped the connection.
    const code = lost instanceof WebSocketConnectionClosedException ? 'WS_ERR_CONNECTION_CLOSED' : 'WS_ERR_CONNECTION_LOST';
    return createError(code, `connection to remote host was lost${detail}`, { cause: lost });
  }
  if (session.closeSent) return createError('WS_ERR_CONNECTION_CLOSED', 'connection closed: a close frame was sent');
  return createError('WS_ERR_CONNECTION_LOST', 'connection to remote host was lost');
}

/** A send of `what` refused because the connection ended with `reason`: says so, with the server's code and reason if it closed. */
export function refusal(what: string, reason: unknown): WebSocketConnectionClosedException {
  const detail = reason instanceof Error ? reason.message : String(reason);
  const peer = reason instanceof WebSocketConnectionClosedException && reason.peerCloseCode !== undefined
    ? { peerCloseCode: reason.peerCloseCode, peerCloseReason: reason.peerCloseReason }
    : {};
  // The refusal keeps the code of the end it reports (closed, lost, not connected).
  const code = reason instanceof WebSocketConnectionClosedException ? reason.code : 'WS_ERR_CONNECTION_CLOSED';
  return new WebSocketConnectionClosedException(`cannot send ${what}: ${detail}`, { cause: reason, code, ...peer });
}

/** " with code 4001 (bye)", " with code 1000", or '' for an empty close frame. */
function describePeerClose(code: number | null, reason: string): string {
  return `${code === null ? '' : ` with code ${code}`}${reason ? ` (${reason})` : ''}`;
}
