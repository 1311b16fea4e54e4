/**
 * How a WebSocket's connection ends: the closing handshake started by
 * `close()` (RFC 6455 §7.1.2), the close frame the session made held back
 * while the user reads the messages before it, the wait for the server to
 * close TCP first (§7.1.1), `abort()`/`shutdown()`, and, once it has ended,
 * the error every read and send is told (see end-error.ts).
 */
import { checkMs } from './options.js';
import { createError, WebSocketConnectionClosedException } from './exceptions.js';
import { OPCODE_CLOSE } from './frame/opcodes.js';
import { encodeClosePayload } from './frame/close.js';
import { endErrorOf, refusal, type EndState } from './end-error.js';
import type { ConnectionEnd } from './inbox.js';
import type { Link } from './link.js';
import type { ClientSession, SessionFailure } from './protocol/session.js';
import { isTraceEnabled, trace, traceFrame } from './trace.js';
import type { Writer } from './writer.js';

/** How long the closing handshake waits for the server, by default (ms). */
export const DEFAULT_CLOSE_TIMEOUT = 3000;
/** How long a held-back close frame (a failure's, or the reply to the server's close) waits while the user reads the messages before it. */
const FAIL_CLOSE_GRACE = 1000;

/** The unread messages a held close frame waits for. */
interface Unread {
  /** Unread data units. */
  readonly data: number;
  /** Read on whatever is queued: the server's close frame may be behind the unread messages. */
  unpause(): void;
}

/** A close frame the session made (the reply to the server's close, or a failure's), held back (see {@link Closing.hold}). */
interface HeldClose {
  frame: Buffer;
  /** A failure's close frame: our side of TCP is closed after it. */
  failure: boolean;
  /** Sends it at FAIL_CLOSE_GRACE whatever is still unread. */
  grace: NodeJS.Timeout;
}

/** Options of `close()`. */
export interface CloseOptions {
  status?: number | null;
  reason?: string | Uint8Array;
  timeout?: number;
}

/** What only a connection that is ending needs: made by the first close, loss or held close frame (see {@link Closing}). */
class EndRecord {
  /** The socket's error, or abort()/shutdown()'s ConnectionClosed. */
  lostError: unknown = null;
  /** Set by close(): the end is the user's doing, not a loss. */
  closedByUser = false;
  heldClose: HeldClose | null = null;
  peerCloseTimer: NodeJS.Timeout | null = null;
  /** Whoever waits for the socket to close; null while nobody does. */
  closeListeners: Array<() => void> | null = null;
}

/**
 * The closing and end state of one WebSocket, across its connections. An open
 * connection holds no end state: its record is made when the connection
 * starts to end, and the failure is the session's own.
 */
export class Closing implements EndState, ConnectionEnd {
  private record: EndRecord | null = null;

  constructor(
    private readonly link: Link,
    private readonly writer: Writer,
  ) {}

  get session(): ClientSession | null {
    return this.link.session;
  }

  /** The failure that ended the current connection (RFC 6455 §7.1.7), if one did. */
  get failure(): SessionFailure | null {
    return this.link.session?.failure ?? null;
  }

  get lostError(): unknown {
    return this.record === null ? null : this.record.lostError;
  }

  get closedByUser(): boolean {
    return this.record !== null && this.record.closedByUser;
  }

  private get end(): EndRecord {
    return (this.record ??= new EndRecord());
  }

  /** True when no more units can arrive. */
  get ended(): boolean {
    const session = this.link.session;
    return session === null || this.link.socketClosed || session.failure !== null || session.closeReceived;
  }

  /** A new connection: nothing of the last one's end is kept. */
  reset(): void {
    const record = this.record;
    if (record === null) return;
    this.dropHeldClose();
    record.lostError = null;
    record.closedByUser = false;
  }

  /**
   * The error a read gets once everything that arrived was consumed. The user
   * is being told that the connection ended, so a close frame still held back
   * for replies to earlier messages goes out now: no send may follow it.
   */
  endError(): unknown {
    this.sendHeldClose();
    return endErrorOf(this);
  }

  /** Why a send of `what` is refused on a closed socket. */
  refusal(what: string): WebSocketConnectionClosedException {
    return refusal(what, this.endError());
  }

  /**
   * A send the session refused because a close frame went out or came in is
   * told why as a read is (the server's code and reason, or close()).
   */
  sendError(what: string, error: unknown): unknown {
    const session = this.link.session;
    if (!(error instanceof WebSocketConnectionClosedException) || session === null) return error;
    return session.closeReceived || this.closedByUser ? this.refusal(what) : error;
  }

  /** The session failed the connection (RFC 6455 §7.1.7); its close frame, if any, is held like a reply. */
  fail(error: SessionFailure, closeFrame: Buffer | null, unread: Unread): void {
    if (isTraceEnabled()) trace(`++Fail: ${error.name}: ${error.message}`);
    if (closeFrame === null) this.awaitPeerClose();
    else this.hold(closeFrame, true, unread);
  }

  /** The socket reported an error: what later reads are told, unless the end was already known. */
  lost(error: unknown): void {
    const end = this.end;
    if (end.lostError === null) end.lostError = error;
  }

  /**
   * Hold a close frame the session made until the messages queued before it
   * were read (then one turn more, for the user's reply to the last of them),
   * at most FAIL_CLOSE_GRACE: RFC 6455 §5.5.1 lets the current message go first.
   */
  hold(frame: Buffer, failure: boolean, unread: Unread): void {
    const grace = setTimeout(() => this.sendHeldClose(), FAIL_CLOSE_GRACE);
    grace.unref();
    this.end.heldClose = { frame, failure, grace };
    this.afterRead(unread);
  }

  /** Once nothing is left unread, the held close frame goes out one turn later: after the user's reply to what it just read. */
  afterRead(unread: Unread): void {
    const held = this.record?.heldClose ?? null;
    if (held === null || unread.data > 0) return;
    setImmediate(() => {
      if (this.record?.heldClose === held && unread.data === 0) this.sendHeldClose();
    });
  }

  /**
   * Write the held close frame now. A reply to the server's close completes
   * the handshake (the server then closes TCP); after a failure's, our side
   * is closed too (RFC 6455 §7.1.7) and the server has until the close
   * timeout to close its side.
   */
  private sendHeldClose(): void {
    const held = this.record?.heldClose ?? null;
    if (held === null) return;
    this.dropHeldClose();
    const socket = this.link.openSocket;
    if (socket === null || socket.destroyed) return;
    this.link.session?.closeWritten();
    this.writer.writeNow(held.frame);
    if (held.failure) {
      socket.end();
      this.awaitPeerClose();
    }
  }

  private dropHeldClose(): void {
    const record = this.record;
    if (record === null || record.heldClose === null) return;
    clearTimeout(record.heldClose.grace);
    record.heldClose = null;
  }

  /** The server closes TCP first (RFC 6455 §7.1.1); if it does not within the close timeout, drop the socket. */
  awaitPeerClose(): void {
    const socket = this.link.openSocket;
    if (socket === null) return;
    const end = this.end;
    if (end.peerCloseTimer !== null) return;
    end.peerCloseTimer = setTimeout(() => socket.destroy(), DEFAULT_CLOSE_TIMEOUT);
  }

  /** The socket closed: nothing more is sent, no timer is left running. */
  socketClosed(): void {
    const record = this.record;
    if (record !== null && record.peerCloseTimer !== null) {
      clearTimeout(record.peerCloseTimer);
      record.peerCloseTimer = null;
    }
    this.dropHeldClose();
    this.link.session?.closeWritten();
  }

  /** Resolve everyone waiting in {@link closeHandshake} for the socket to close. */
  notifyClosed(): void {
    const record = this.record;
    if (record === null) return;
    const listeners = record.closeListeners;
    record.closeListeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }

  /**
   * The closing handshake (RFC 6455 §7.1.2): send a close frame (or the one
   * still held back), read on to the server's, then wait for the server to
   * close TCP, all bounded by `timeout`, after which the socket is destroyed.
   */
  async closeHandshake(opts: CloseOptions, unread: Unread): Promise<void> {
    const timeout = opts.timeout ?? DEFAULT_CLOSE_TIMEOUT;
    checkMs('close timeout', timeout);
    const socket = this.link.openSocket;
    const session = this.link.session;
    if (socket === null || session === null) return;
    if (session.state === 'open' && session.failure === null) {
      // `status: null` sends a close frame without a body (RFC 6455 §5.5.1).
      const status = opts.status === undefined ? 1000 : opts.status;
      const frame = session.sendClose(status, opts.reason ?? '');
      this.end.closedByUser = true;
      if (isTraceEnabled()) traceFrame('Sent', OPCODE_CLOSE, encodeClosePayload(status, opts.reason ?? ''));
      this.writer.writeNow(frame);
    } else {
      // A close frame still held back (a failure's, or the reply to the server's close): send it now.
      this.sendHeldClose();
    }
    // The server's close frame may be behind the unread messages: read on (data
    // frames after our close are dropped, RFC 6455 §5.5.1) so the handshake completes.
    unread.unpause();
    const timer = setTimeout(() => socket.destroy(), timeout);
    try {
      if (!this.link.socketClosed) {
        const end = this.end;
        await new Promise<void>((resolve) => (end.closeListeners ??= []).push(resolve));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Destroy the socket without a closing handshake; `why` is what later reads and sends are told. */
  drop(why: string): void {
    const socket = this.link.openSocket;
    if (socket === null) return;
    const end = this.end;
    if (end.lostError === null) end.lostError = createError('WS_ERR_CONNECTION_CLOSED', why);
    // Sends of this turn still corked go to the kernel first, as if written at once.
    socket.uncork();
    socket.destroy();
  }
}
