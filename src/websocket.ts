/**
 * The WebSocket class: glues the opening sequence (transport + handshake) to
 * the sans-I/O protocol session, and gives it a Promise API — a receive queue
 * with backpressure, serialised sends, timeouts and the closing handshake.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { getDefaultTimeout } from './defaults.js';
import { checkMs, checkMsOrNull, checkWebSocketOptions } from './options.js';
import {
  createError,
  WebSocketConnectionClosedException,
} from './exceptions.js';
import { ABNF } from './frame/abnf.js';
import { toBuffer } from './frame/bytes.js';
import { encodeClosePayload } from './frame/close.js';
import { allocateFrame, frameRing } from './frame/frame-ring.js';
import { accepts, Inbox, isControl, opcodeOf, type FlowControl, type Queued, type Want } from './inbox.js';
import { openConnection, type ConnectOptions as OpeningOptions } from './opening.js';
import { deflateConfig, type DeflateConfig, type DeflateOptions } from './protocol/deflate.js';
import {
  ClientSession,
  type ReceivedFrame,
  type SessionFailure,
  type SessionHandler,
  type WriteKind,
} from './protocol/session.js';
import type { SocketOptions } from './transport/connect.js';
import { isTraceEnabled, trace, traceFrame } from './trace.js';

/** Options of `WebSocket.connect()`: the opening sequence's, plus compression. */
export interface ConnectOptions extends OpeningOptions {
  /**
   * permessage-deflate (RFC 7692) for this connection, as the constructor's
   * option of the same name (which it overrides when given here).
   */
  perMessageDeflate?: boolean | DeflateOptions;
}

/** @internal One received unit as it was queued: text as the string already decoded, everything else bytes. */
export interface ReceivedUnit {
  opcode: number;
  data: string | Buffer;
  /** False only for a frame of a fragmented message (fireContFrame, raw frames). */
  fin: boolean;
}

/**
 * @internal
 * Key of the read WebSocketApp uses (not exported from the package): the next
 * unit, control frames included, without recvDataFrame's ABNF wrapping and
 * re-encoding of text.
 */
export const readUnit = Symbol('rfc6455.readUnit');

/**
 * @internal
 * Key of readUnit's synchronous twin (used by rfc6455/web to hand every
 * message of one socket read out in one pass): the next unit if one is
 * already queued and no read waits, else undefined.
 */
export const takeUnit = Symbol('rfc6455.takeUnit');

/** Options of the `WebSocket` constructor. */
export interface WebSocketOptions {
  /** Source of the 4-byte masking keys; default: crypto-random. */
  getMaskKey?: (n: number) => Uint8Array;
  /** Do not validate UTF-8 in text messages and close reasons. */
  skipUtf8Validation?: boolean;
  /** Deliver the frames of fragmented messages one by one (first with its opcode, then CONT). */
  fireContFrame?: boolean;
  /** Accepted for parity with websocket-client: concurrent use is always safe. */
  enableMultithread?: boolean;
  /** TCP options: `noDelay` (default true), `keepAlive` (default on, 30 s). */
  sockopt?: SocketOptions;
  /** TLS options for wss (`ca`, `cert`, `key`, `rejectUnauthorized` default true, `servername`…). */
  sslopt?: tls.ConnectionOptions;
  /** Largest message accepted in bytes (default 64 MiB); larger fails the connection with 1009. */
  maxPayload?: number;
  /**
   * Most unread messages held (default 16): once `maxQueue` unread messages
   * are queued, nothing more is read — the rest of the read is kept as
   * unparsed bytes and the socket is paused — until the user has read the
   * queue down to a quarter of `maxQueue` (and of `maxQueueBytes`). Pings and
   * pongs do not count (at most `maxQueue` of them are kept, the oldest dropped).
   */
  maxQueue?: number;
  /**
   * Most bytes of unread messages held (default 1 MiB; text counts its UTF-8
   * bytes): once the unread messages reach it, reading stops as for
   * `maxQueue`. A single larger message is still received whole (`maxPayload`
   * bounds it).
   */
  maxQueueBytes?: number;
  /** Most frames in one received message (default 131072); more fails the connection with 1009. */
  maxFragments?: number;
  /** Split sent messages into frames of at most this many payload bytes; 0 (default) never splits. */
  fragmentSize?: number;
  /** permessage-deflate (RFC 7692): `true` for the defaults, or the offer's parameters and `threshold` (default 1024 bytes). Off by default. */
  perMessageDeflate?: boolean | DeflateOptions;
}

/** A close frame held back by {@link WebSocket} (see `heldClose`). */
interface HeldClose {
  frame: Buffer;
  /** A failure's close frame: our side of TCP is closed after it. */
  failure: boolean;
  /** Sends it at FAIL_CLOSE_GRACE whatever is still unread. */
  grace: NodeJS.Timeout;
}

interface Waiter {
  want: Want;
  resolve(entry: Queued): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_MAX_QUEUE = 16;
/**
 * 1 MiB: below the size of large messages, so a slow reader of 16 MiB
 * messages holds one of them unread at most (the count bound alone would
 * allow 256 MiB), the closest a pull API gets to `ws`, which has no queue.
 * Messages up to 64 KiB still fill the count bound first.
 */
const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024;
/**
 * Bytes of pongs that may wait in the socket's write buffer: past it only the
 * latest pong is kept (RFC 6455 §5.5.3). Our own figure, not the socket's
 * highWaterMark, which differs between Node versions (16 KiB, 64 KiB).
 */
const PONG_BACKLOG = 16 * 1024;
const DEFAULT_CLOSE_TIMEOUT = 3000;
/** How long a held-back close frame (a failure's, or the reply to the server's close) waits while the user reads the messages before it. */
const FAIL_CLOSE_GRACE = 1000;

/**
 * A WebSocket client connection with websocket-client's API, as Promises.
 *
 * ```ts
 * const ws = new WebSocket();
 * await ws.connect('ws://127.0.0.1:8080/chat', { timeout: 5000 });
 * await ws.send('hello');
 * console.log(await ws.recv());
 * await ws.close();
 * ```
 *
 * A promise it returns that nobody awaits (`send`, `ping`, `close`…) never
 * crashes the process when it rejects; whoever awaits it still gets the error.
 */
export class WebSocket implements AsyncIterable<string | Buffer> {
  private readonly options: WebSocketOptions;
  private readonly deflate: DeflateConfig | null;
  private timeoutMs: number | null | undefined = undefined;

  private socket: net.Socket | tls.TLSSocket | null = null;
  private session: ClientSession | null = null;
  private secure = false;
  private handshakeStatus: number | undefined = undefined;
  private responseHeaders: Record<string, string> = {};
  private negotiatedSubprotocol: string | null = null;

  /** The session's hooks and the inbox's flow control, one object for the WebSocket's life. */
  private readonly hooks = new SessionHooks(this);
  private readonly inbox: Inbox;
  private readonly waiters: Waiter[] = [];
  /** A pong not yet written because the socket is congested: only the latest ping needs one (RFC 6455 §5.5.3). */
  private pendingPong: Buffer | null = null;
  /** The socket is paused because the inbox is full. */
  private socketPaused = false;
  /** Pongs handed to the socket whose write has not completed. */
  private pongsInFlight = 0;
  /** Write callback of a pong (one function per socket, not one per pong). */
  private pongWritten: () => void = () => undefined;
  /**
   * A close frame the session made (the reply to the server's close, or a
   * failure's), held back while the user reads the messages that came before
   * it, so that replies to them go first (RFC 6455 §5.5.1 lets the current
   * message go first).
   */
  private heldClose: HeldClose | null = null;
  private failure: SessionFailure | null = null;
  private lostError: unknown = null;
  private socketClosed = true;
  private readonly closeListeners: Array<() => void> = [];
  private peerCloseTimer: NodeJS.Timeout | null = null;
  /** Set by close(): the end of the stream is the user's doing, not a loss. */
  private closedByUser = false;
  /** True while a connect() runs: a second one is refused instead of opening a socket that would leak. */
  private connecting = false;

  /**
   * @throws WebSocketException for an option of the wrong kind or out of range,
   *   naming the option and quoting the value given.
   */
  constructor(options: WebSocketOptions = {}) {
    checkWebSocketOptions(options);
    this.options = options;
    const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.inbox = new Inbox({ maxQueue, maxQueueBytes, fireContFrame: options.fireContFrame }, this.hooks);
    this.deflate = deflateConfig(options.perMessageDeflate);
  }

  /**
   * Timeout in ms for connect + handshake and each later `recv()`/`send()`;
   * null waits forever. Until set, `getDefaultTimeout()`.
   */
  get timeout(): number | null {
    return this.timeoutMs === undefined ? getDefaultTimeout() : this.timeoutMs;
  }

  /** @throws WebSocketException unless `ms` is a number from 0 to 2^31 - 1 (Node's timer limit) or null. */
  set timeout(ms: number | null) {
    checkMsOrNull('timeout', ms);
    this.timeoutMs = ms;
  }

  /** True while the connection is open: handshake done, no close frame sent or received, not failed or lost. */
  get connected(): boolean {
    return this.session !== null && !this.socketClosed && this.session.state === 'open' && this.failure === null;
  }

  /** The HTTP status of the opening handshake (101 once connected). */
  get status(): number | undefined {
    return this.handshakeStatus;
  }

  /** The handshake response headers, names lower-cased. */
  get headers(): Record<string, string> {
    return this.responseHeaders;
  }

  /** The subprotocol the server chose, or null. */
  get subprotocol(): string | null {
    return this.negotiatedSubprotocol;
  }

  /**
   * The status code of the server's close frame, once it has arrived: `null`
   * when it carried no code, undefined while the server has sent none.
   * Also on the {@link WebSocketConnectionClosedException} reads and sends get.
   */
  get peerCloseCode(): number | null | undefined {
    return this.session?.closeReceived === true ? this.session.closeCode : undefined;
  }

  /** The reason of the server's close frame ('' when none), once it has arrived; undefined before. */
  get peerCloseReason(): string | undefined {
    return this.session?.closeReceived === true ? this.session.closeReason : undefined;
  }

  /** Bytes handed to `send()` (and friends) not yet written to the socket. */
  get bufferedAmount(): number {
    return (this.socket?.writableLength ?? 0) + (this.pendingPong?.length ?? 0);
  }

  /** True when the connection runs over TLS. */
  isSsl(): boolean {
    return this.secure;
  }

  /**
   * Open the connection: TCP/TLS (through a proxy if configured), the HTTP
   * Upgrade handshake and redirects, all bounded by `options.timeout`.
   *
   * @throws WebSocketException at once when this WebSocket is already
   *   connected or another `connect()` on it is still running (nothing is opened).
   */
  async connect(url: string, options: ConnectOptions = {}): Promise<void> {
    if (this.connecting) {
      throw createError('WS_ERR_ALREADY_CONNECTED', 'connect() called while an earlier connect() on this WebSocket is still running');
    }
    if (this.socket !== null && !this.socketClosed) {
      throw createError('WS_ERR_ALREADY_CONNECTED', 'connect() called on a WebSocket that is already connected');
    }
    this.connecting = true;
    try {
      await this.open(url, options);
    } finally {
      this.connecting = false;
    }
  }

  private async open(url: string, options: ConnectOptions): Promise<void> {
    const { perMessageDeflate, ...openingOptions } = options;
    const deflate = perMessageDeflate === undefined ? this.deflate : deflateConfig(perMessageDeflate);
    if (options.timeout !== undefined) this.timeout = options.timeout;
    const timeout = this.timeout;
    const opened = await openConnection(url, {
      ...openingOptions,
      timeout,
      sockopt: this.options.sockopt,
      sslopt: this.options.sslopt,
      deflate,
    });
    this.resetState();
    this.socket = opened.socket;
    this.socketClosed = false;
    this.secure = opened.url.secure || 'encrypted' in opened.socket;
    this.handshakeStatus = opened.response.statusCode;
    this.responseHeaders = opened.response.headers;
    this.negotiatedSubprotocol = opened.subprotocol;
    this.session = new ClientSession(this.hooks, {
      maxPayload: this.options.maxPayload,
      maxFragments: this.options.maxFragments,
      skipUtf8Validation: this.options.skipUtf8Validation,
      fireContFrame: this.options.fireContFrame,
      fragmentSize: this.options.fragmentSize,
      getMaskKey: this.options.getMaskKey,
      // Frames are lent from the ring only to a socket this library made: a
      // user's socket might pass the bytes on by reference after calling back.
      allocateFrame: options.socket === undefined ? allocateFrame : undefined,
      compression: opened.compression,
    });
    this.attachSocket(opened.socket);
    // Frames that came with the 101 go through the same bounds as any read: they may fill the inbox.
    if (opened.head.length > 0) this.session.receive(opened.head);
    if (this.inbox.paused) this.socketPaused = true;
    else if (!this.socketClosed) opened.socket.resume();
  }

  private resetState(): void {
    this.inbox.reset();
    this.pendingPong = null;
    this.pongsInFlight = 0;
    this.socketPaused = false;
    this.dropHeldClose();
    this.failure = null;
    this.lostError = null;
    this.closedByUser = false;
  }

  private attachSocket(socket: net.Socket | tls.TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.session?.receive(chunk);
      // The inbox filled during this read: read no more until the user reads.
      if (this.inbox.paused) this.pauseSocket();
    });
    socket.on('drain', () => this.flushPendingPong());
    this.pongWritten = () => {
      if (socket !== this.socket) return;
      this.pongsInFlight--;
      // The latest held pong goes once the backlog is below the bound, or when no other pong write would wake us.
      if (socket.writableLength < PONG_BACKLOG || this.pongsInFlight === 0) this.flushPendingPong();
    };
    socket.on('error', (error) => {
      if (this.lostError === null) this.lostError = error;
    });
    socket.on('end', () => {
      // RFC 6455 §7.1.1: the server closed TCP; close our side too.
      socket.end();
    });
    socket.on('close', () => this.onSocketClosed(socket));
  }

  // ---- receiving ----------------------------------------------------------

  /** A ping or pong; one that came between the frames of a message notes after how many, for recvFrame(). */
  private controlEntry(opcode: number, data: Buffer): Queued {
    const afterFrame = this.session?.messageFramesReceived ?? 0;
    return afterFrame === 0 ? { opcode, data } : { opcode, data, afterFrame };
  }

  private push(entry: Queued, size: number): void {
    this.inbox.push(entry, size);
    if (this.waiters.length > 0) this.serveWaiters();
    // Backpressure: once the unread messages reach a bound, the session stops
    // after this message and the socket is paused until the user reads.
    if (!isControl(opcodeOf(entry))) this.inbox.maybePause();
  }

  /**
   * The inbox is full: the session stops after the current message and keeps
   * the rest of the read as bytes; the socket is paused once the read in
   * progress returns (see attachSocket), so a pause costs one per read.
   */
  private pauseReading(): void {
    this.session?.pause();
  }

  /** The inbox has room: parse what was held (which may fill it again), then read the socket unless it did. */
  private resumeReading(): void {
    this.session?.resume();
    if (!this.inbox.paused && this.socketPaused) {
      this.socketPaused = false;
      if (!this.socketClosed) this.socket?.resume();
    }
  }

  private pauseSocket(): void {
    if (this.socketPaused) return;
    this.socketPaused = true;
    this.socket?.pause();
  }

  /** Take the next queued entry a read of kind `want` accepts, dropping the control frames it skips; then let reading resume if there is room. */
  private take(want: Want): Queued | undefined {
    const entry = this.inbox.take(want);
    this.inbox.maybeResume();
    this.releaseHeldCloseWhenRead();
    return entry;
  }

  /**
   * Hand queued entries to waiting reads: each entry to the first read, in
   * call order, that asks for its kind — a control frame only to a read that
   * asked for control frames, dropped if none did — and once nothing more can
   * come, reject the rest. Reading resumes only after the loop, so the entries
   * parsed then are served by a call of their own.
   */
  private serveWaiters(): void {
    const waiters = this.waiters;
    while (waiters.length > 0) {
      const next = this.inbox.peek();
      if (next === undefined) {
        if (this.ended) this.rejectWaiters(this.endError());
        break;
      }
      const index = firstAccepting(waiters, opcodeOf(next));
      if (index === -1) {
        this.inbox.take('frame');
        continue;
      }
      const waiter = waiters[index] as Waiter;
      const entry = this.inbox.take(waiter.want);
      if (entry === undefined) {
        // The rest of a message queued as raw frames has not come yet.
        if (this.ended) this.rejectWaiters(this.endError());
        break;
      }
      if (index === 0) waiters.shift();
      else waiters.splice(index, 1);
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve(entry);
    }
    this.inbox.maybeResume();
    this.releaseHeldCloseWhenRead();
  }

  private rejectWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /**
   * The error a read gets once everything that arrived was consumed. The user
   * is being told that the connection ended, so a close frame still held back
   * for replies to earlier messages goes out now: no send may follow it.
   */
  private endError(): unknown {
    this.sendHeldClose();
    if (this.failure !== null) return this.failure;
    const session = this.session;
    if (session === null) return createError('WS_ERR_NOT_CONNECTED', 'not connected: call connect() first');
    const peer = session.closeReceived ? { peerCloseCode: session.closeCode, peerCloseReason: session.closeReason } : undefined;
    const said = peer === undefined ? '' : describePeerClose(peer.peerCloseCode, peer.peerCloseReason);
    if (this.closedByUser) {
      const answer = peer === undefined ? '' : `; the server answered${said === '' ? ' with an empty close frame' : said}`;
      return createError('WS_ERR_CONNECTION_CLOSED', `connection closed by close()${answer}`, peer);
    }
    if (peer !== undefined) return createError('WS_ERR_CONNECTION_CLOSED', `connection closed by the server${said}`, peer);
    if (this.lostError !== null) {
      const detail = this.lostError instanceof Error ? `: ${this.lostError.message}` : '';
      // abort() and shutdown() are the user's own close; anything else dropped the connection.
      const code = this.lostError instanceof WebSocketConnectionClosedException ? 'WS_ERR_CONNECTION_CLOSED' : 'WS_ERR_CONNECTION_LOST';
      return createError(code, `connection to remote host was lost${detail}`, { cause: this.lostError });
    }
    if (session.closeSent) return createError('WS_ERR_CONNECTION_CLOSED', 'connection closed: a close frame was sent');
    return createError('WS_ERR_CONNECTION_LOST', 'connection to remote host was lost');
  }

  /** True when no more entries can arrive. */
  private get ended(): boolean {
    const session = this.session;
    return session === null || this.socketClosed || this.failure !== null || session.closeReceived;
  }

  private read(want: Want): Promise<Queued> {
    const entry = this.takeNow(want);
    if (entry !== undefined) return Promise.resolve(entry);
    if (this.ended) return Promise.reject(this.endError());
    return new Promise<Queued>((resolve, reject) => {
      const waiter: Waiter = { want, resolve, reject, timer: null };
      const timeout = this.timeout;
      if (timeout !== null) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at !== -1) this.waiters.splice(at, 1);
          // The connection stays usable: a later recv() gets the next message.
          reject(createError('WS_ERR_RECV_TIMEOUT', `recv timed out after ${timeout} ms waiting for a message`));
        }, timeout);
      }
      this.waiters.push(waiter);
    });
  }

  /** A queued entry for a read of kind `want` if no earlier read waits, else undefined. */
  private takeNow(want: Want): Queued | undefined {
    if (this.session !== null) this.session.rawFrames = want === 'frame';
    return this.waiters.length === 0 ? this.take(want) : undefined;
  }

  /**
   * The next message: text as a string, binary as a Buffer. Frames that were
   * queued one by one (after `recvFrame()`) are reassembled; pings and pongs
   * are skipped (a waiting `recvData(true)` gets them). Rejects with
   * ConnectionClosed once the connection ended and every message was read.
   */
  recv(): Promise<string | Buffer> {
    // A message already queued costs one settled promise, not an async function's.
    const entry = this.takeNow('message');
    return entry !== undefined ? Promise.resolve(dataOf(entry)) : this.read('message').then(dataOf);
  }

  /**
   * The next message as `[opcode, bytes]`; with `controlFrame` also pings,
   * pongs and the close frame (whose data is its payload). Concurrent reads
   * are served in call order, each unit to the first that asks for its kind:
   * a control frame reaches a waiting `recvData(true)` even behind a waiting `recv()`.
   */
  async recvData(controlFrame = false): Promise<[opcode: number, data: Buffer]> {
    const entry = await this.read(controlFrame ? 'control' : 'data');
    return [opcodeOf(entry), toBuffer(dataOf(entry))];
  }

  /** Like `recvData`, with the payload wrapped in an ABNF frame. */
  async recvDataFrame(controlFrame = false): Promise<[opcode: number, frame: ABNF]> {
    const entry = await this.read(controlFrame ? 'control' : 'data');
    return [opcodeOf(entry), entryToFrame(entry)];
  }

  /** @internal See {@link readUnit}. */
  async [readUnit](): Promise<ReceivedUnit> {
    return unitOf(await this.read('control'));
  }

  /** @internal See {@link takeUnit}. */
  [takeUnit](): ReceivedUnit | undefined {
    const entry = this.takeNow('control');
    return entry === undefined ? undefined : unitOf(entry);
  }

  /**
   * One frame as it came, with no reassembly (control frames included; pings
   * are still answered), whenever its bytes arrived: a fragmented message
   * already queued whole (glued to the 101, or read before this call) hands
   * out its frames one by one, first with its opcode, then CONT, fin on the
   * last, with the pings and pongs that came between its frames between them.
   * A compressed message queued whole comes as one frame, inflated. Later
   * messages are queued frame by frame until `recv()` is called (which
   * reassembles them if needed).
   */
  async recvFrame(): Promise<ABNF> {
    if (this.session !== null) this.session.rawFrames = true;
    const entry = await this.read('frame');
    return entryToFrame(entry);
  }

  /**
   * Iterate over messages. Ends cleanly after a closing handshake (the server's
   * close frame, whatever its code, or `close()` called by the user); a lost
   * or failed connection throws.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<string | Buffer> {
    // Written out rather than as an async generator: a queued message costs one
    // settled promise per step instead of the generator's chain of them.
    const done = (error: unknown): IteratorResult<string | Buffer> => {
      const cleanEnd = this.session?.closeReceived === true || this.closedByUser;
      if (error instanceof WebSocketConnectionClosedException && this.failure === null && cleanEnd) return { value: undefined, done: true };
      throw error;
    };
    const step = (entry: Queued): IteratorResult<string | Buffer> => ({ value: dataOf(entry), done: false });
    const iterator: AsyncIterableIterator<string | Buffer> = {
      next: () => {
        const entry = this.takeNow('message');
        return entry !== undefined ? Promise.resolve(step(entry)) : this.read('message').then(step, done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ---- sending ------------------------------------------------------------

  private requireSession(what: string): ClientSession {
    if (this.session === null || this.socket === null) {
      throw createError('WS_ERR_NOT_CONNECTED', `cannot send ${what}: not connected`);
    }
    if (this.socketClosed) throw this.endErrorFor(what);
    return this.session;
  }

  private endErrorFor(what: string): WebSocketConnectionClosedException {
    const reason = this.endError();
    const detail = reason instanceof Error ? reason.message : String(reason);
    const peer = reason instanceof WebSocketConnectionClosedException && reason.peerCloseCode !== undefined
      ? { peerCloseCode: reason.peerCloseCode, peerCloseReason: reason.peerCloseReason }
      : {};
    // The refusal keeps the code of the end it reports (closed, lost, not connected).
    const code = reason instanceof WebSocketConnectionClosedException ? reason.code : 'WS_ERR_CONNECTION_CLOSED';
    return new WebSocketConnectionClosedException(`cannot send ${what}: ${detail}`, { cause: reason, code, ...peer });
  }

  /**
   * A send the session refused because a close frame went out or came in is
   * told why as a read is (the server's code and reason, or close()).
   */
  private sendError(what: string, error: unknown): unknown {
    const session = this.session;
    if (!(error instanceof WebSocketConnectionClosedException) || session === null) return error;
    return session.closeReceived || this.closedByUser ? this.endErrorFor(what) : error;
  }

  /**
   * Send a message. A string goes as text, bytes as binary, unless `opcode`
   * says otherwise (any opcode, control ones included). Resolves with the
   * number of bytes of the frame(s) once they are flushed to the socket.
   *
   * Replies to messages that arrived before the server's close (or before a
   * failure) still go out ahead of the close frame; once a read has reported
   * the end of the connection, every send rejects. Like every promise of this
   * class, it never crashes the process when nobody awaits it.
   *
   * @throws WebSocketConnectionClosedException when not connected or the
   *   connection ended (with `peerCloseCode`/`peerCloseReason` when the server
   *   closed it). WebSocketTimeoutException when the frame is not flushed
   *   within `timeout`.
   */
  send(payload: string | Uint8Array, opcode?: number): Promise<number> {
    try {
      const bytes = this.encodeData(payload, opcode);
      traceFrame('Sent', opcode ?? (typeof payload === 'string' ? ABNF.OPCODE_TEXT : ABNF.OPCODE_BINARY), payload);
      return this.write(bytes);
    } catch (error) {
      return handled(Promise.reject(this.sendError('a message', error)));
    }
  }

  private encodeData(payload: string | Uint8Array, opcode: number | undefined): Buffer {
    const session = this.requireSession('a message');
    const op = opcode ?? (typeof payload === 'string' ? ABNF.OPCODE_TEXT : ABNF.OPCODE_BINARY);
    if (op === ABNF.OPCODE_TEXT && typeof payload === 'string') return session.sendText(payload);
    if (op === ABNF.OPCODE_BINARY) return session.sendBinary(toBuffer(payload));
    if (op === ABNF.OPCODE_PING) return session.sendPing(payload);
    if (op === ABNF.OPCODE_PONG) return session.sendPong(payload);
    return session.sendFrame({ opcode: op, data: payload });
  }

  /** Send a text message. */
  sendText(text: string): Promise<number> {
    return this.send(text, ABNF.OPCODE_TEXT);
  }

  /** Send a binary message. */
  sendBinary(data: Uint8Array): Promise<number> {
    return this.send(data, ABNF.OPCODE_BINARY);
  }

  /** Send a binary message (websocket-client's `send_bytes`). */
  sendBytes(data: Uint8Array): Promise<number> {
    return this.send(data, ABNF.OPCODE_BINARY);
  }

  /**
   * Send one frame exactly as described — rule-breaking frames included, to
   * test servers. `frame.mask = 1` masks with this connection's key source
   * (the `getMaskKey` option), as websocket-client's `send_frame` does.
   */
  sendFrame(frame: ABNF): Promise<number> {
    try {
      const session = this.requireSession('a frame');
      const { fin, rsv1, rsv2, rsv3, opcode, mask, data } = frame;
      const bytes = session.sendFrame({ fin, rsv1, rsv2, rsv3, opcode, mask, data });
      traceFrame('Sent', opcode, data, fin);
      return this.write(bytes);
    } catch (error) {
      return handled(Promise.reject(this.sendError('a frame', error)));
    }
  }

  /** Send a ping (payload at most 125 bytes). */
  ping(payload: string | Uint8Array = ''): Promise<void> {
    return handled(this.send(payload, ABNF.OPCODE_PING).then(nothing));
  }

  /** Send a pong (payload at most 125 bytes). */
  pong(payload: string | Uint8Array = ''): Promise<void> {
    return handled(this.send(payload, ABNF.OPCODE_PONG).then(nothing));
  }

  /**
   * Write data bytes behind any pong still waiting, resolving once flushed
   * (bounded by `timeout`). Sends made in one turn of the event loop go out
   * together: the socket is corked at the first and uncorked on the next
   * tick, so a loop of sends becomes one `writev` instead of a system call
   * per frame (bench send64k 1596 -> 2209 MB/s, CPU 0.65 -> 0.44 ms/MB).
   */
  private write(bytes: Buffer): Promise<number> {
    const socket = this.socket as net.Socket;
    this.flushPendingPong();
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    return writeFrame(socket, bytes, this.timeout);
  }

  private writeControl(bytes: Buffer, kind: WriteKind): void {
    const socket = this.socket;
    if (socket === null || this.socketClosed) return;
    if (isTraceEnabled()) {
      const what = kind === 'close' ? 'close reply held until the messages before it are read' : 'pong (automatic reply)';
      trace(`++Sent ${what}: ${bytes.length} bytes on the wire`);
    }
    if (kind === 'close') {
      this.holdClose(bytes, false);
      return;
    }
    if (kind === 'pong') {
      if (socket.writableLength >= PONG_BACKLOG && (this.pongsInFlight > 0 || socket.writableNeedDrain)) {
        // RFC 6455 §5.5.3: while a pong waits, only the latest ping needs an answer.
        // A pong write completing (or 'drain') sends it.
        this.pendingPong = bytes;
        return;
      }
      this.pendingPong = bytes;
      this.flushPendingPong();
      return;
    }
    this.flushPendingPong();
    socket.write(bytes);
  }

  private flushPendingPong(): void {
    if (this.pendingPong === null || this.socket === null) return;
    const pong = this.pendingPong;
    this.pendingPong = null;
    this.pongsInFlight++;
    this.socket.write(pong, this.pongWritten);
  }

  // ---- closing and failing ------------------------------------------------

  private onFailure(error: SessionFailure, closeFrame: Buffer | null): void {
    this.failure = error;
    if (isTraceEnabled()) trace(`++Fail: ${error.name}: ${error.message}`);
    if (closeFrame === null) {
      this.awaitPeerClose(DEFAULT_CLOSE_TIMEOUT);
    } else {
      // Held before the waiters are served: a read told of the failure sends it at once.
      this.holdClose(closeFrame, true);
    }
    this.serveWaiters();
  }

  /**
   * Hold a close frame the session made until the messages queued before it
   * were read (then one turn more, for the user's reply to the last of them),
   * at most FAIL_CLOSE_GRACE.
   */
  private holdClose(frame: Buffer, failure: boolean): void {
    const grace = setTimeout(() => this.sendHeldClose(), FAIL_CLOSE_GRACE);
    grace.unref();
    this.heldClose = { frame, failure, grace };
    this.releaseHeldCloseWhenRead();
  }

  /** Once nothing is left unread, the held close frame goes out one turn later: after the user's reply to what it just read. */
  private releaseHeldCloseWhenRead(): void {
    if (this.heldClose === null || this.inbox.data > 0) return;
    const held = this.heldClose;
    setImmediate(() => {
      if (this.heldClose === held && this.inbox.data === 0) this.sendHeldClose();
    });
  }

  /**
   * Write the held close frame now. A reply to the server's close completes
   * the handshake (the server then closes TCP); after a failure's, our side
   * is closed too (RFC 6455 §7.1.7) and the server has until the close
   * timeout to close its side.
   */
  private sendHeldClose(): void {
    const held = this.heldClose;
    if (held === null) return;
    this.dropHeldClose();
    const socket = this.socket;
    if (socket === null || this.socketClosed || socket.destroyed) return;
    this.session?.closeWritten();
    this.flushPendingPong();
    socket.write(held.frame);
    if (held.failure) {
      socket.end();
      this.awaitPeerClose(DEFAULT_CLOSE_TIMEOUT);
    }
  }

  private dropHeldClose(): void {
    if (this.heldClose !== null) clearTimeout(this.heldClose.grace);
    this.heldClose = null;
  }

  /** The server closes TCP first (RFC 6455 §7.1.1); if it does not within `ms`, drop the socket. */
  private awaitPeerClose(ms: number): void {
    if (this.peerCloseTimer !== null || this.socket === null || this.socketClosed) return;
    const socket = this.socket;
    this.peerCloseTimer = setTimeout(() => socket.destroy(), ms);
  }

  private onSocketClosed(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.socketClosed = true;
    if (this.peerCloseTimer !== null) {
      clearTimeout(this.peerCloseTimer);
      this.peerCloseTimer = null;
    }
    this.dropHeldClose();
    this.session?.closeWritten();
    this.pendingPong = null;
    if (isTraceEnabled()) trace('++Closed: socket closed');
    this.serveWaiters();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Resolves when the socket has closed (immediately if it is). */
  private socketClosedPromise(): Promise<void> {
    if (this.socketClosed) return Promise.resolve();
    return new Promise((resolve) => this.closeListeners.push(resolve));
  }

  /**
   * The closing handshake (RFC 6455 §7.1.2): send a close frame, wait for the
   * server's, then for the server to close TCP — all bounded by `timeout`
   * (default 3000 ms), after which the socket is destroyed (not half-closed:
   * a server that keeps its half open cannot hold it). Never hangs.
   *
   * @throws WebSocketProtocolException for a status code that may not be sent.
   */
  close(opts: { status?: number | null; reason?: string | Uint8Array; timeout?: number } = {}): Promise<void> {
    return handled(this.closeHandshake(opts));
  }

  private async closeHandshake(opts: { status?: number | null; reason?: string | Uint8Array; timeout?: number }): Promise<void> {
    const timeout = opts.timeout ?? DEFAULT_CLOSE_TIMEOUT;
    checkMs('close timeout', timeout);
    const socket = this.socket;
    const session = this.session;
    if (socket === null || session === null || this.socketClosed) return;
    if (session.state === 'open' && this.failure === null) {
      // `status: null` sends a close frame without a body (RFC 6455 §5.5.1).
      const status = opts.status === undefined ? 1000 : opts.status;
      const frame = session.sendClose(status, opts.reason ?? '');
      this.closedByUser = true;
      if (isTraceEnabled()) traceFrame('Sent', ABNF.OPCODE_CLOSE, encodeClosePayload(status, opts.reason ?? ''));
      this.flushPendingPong();
      socket.write(frame);
    } else {
      // A close frame still held back (a failure's, or the reply to the server's close): send it now.
      this.sendHeldClose();
    }
    // The server's close frame may be behind the unread messages: read on (data
    // frames after our close are dropped, RFC 6455 §5.5.1) so the handshake completes.
    this.inbox.unpause();
    const timer = setTimeout(() => socket.destroy(), timeout);
    try {
      await this.socketClosedPromise();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drop the connection at once: pending and later reads and sends reject with ConnectionClosed. */
  abort(): void {
    this.dropSocket('connection aborted by abort()');
  }

  /** Close the socket immediately, without a closing handshake, discarding unread messages. */
  shutdown(): void {
    this.inbox.clear();
    this.dropSocket('connection shut down by shutdown()');
  }

  /** Destroy the socket without a closing handshake; `why` is what later reads and sends are told. */
  private dropSocket(why: string): void {
    if (this.socket === null || this.socketClosed) return;
    if (this.lostError === null) this.lostError = createError('WS_ERR_CONNECTION_CLOSED', why);
    // Sends of this turn still corked go to the kernel first, as if written at once.
    this.socket.uncork();
    this.socket.destroy();
  }
}

function uncork(socket: net.Socket): void {
  socket.uncork();
}

function nothing(): void {}

/** " with code 4001 (bye)", " with code 1000", or '' for an empty close frame. */
function describePeerClose(code: number | null, reason: string): string {
  return `${code === null ? '' : ` with code ${code}`}${reason ? ` (${reason})` : ''}`;
}

/**
 * The promise itself, marked as handled: it still rejects for whoever awaits
 * it, but a caller that fires and forgets never gets an unhandled rejection
 * (which ends a Node process); the failure is reported by the next call anyway.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(nothing);
  return promise;
}

/**
 * Write one send's frame; the promise resolves with its length once the
 * socket has written it. The write callback (which waits for a later tick even
 * when the write is done at once) keeps the length, not the frame, so that it
 * never holds a frame the socket is done with. A frame lent by the frame ring
 * goes back to it in the callback, when the socket is done with its bytes
 * (written, or dropped with the socket), whatever became of the promise.
 */
function writeFrame(socket: net.Socket, frame: Buffer, timeout: number | null): Promise<number> {
  const length = frame.length;
  const lent = frameRing !== null && frameRing.owns(frame) ? frame : null;
  let resolve!: (length: number) => void;
  let rejectPromise!: (error: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    rejectPromise = rej;
  });
  // Marked handled only when it fails: a send nobody awaits never crashes the
  // process, and the common, successful send costs no extra promise.
  const reject = (error: Error) => {
    handled(promise);
    rejectPromise(error);
  };
  let timer: NodeJS.Timeout | null = null;
  if (timeout !== null) {
    timer = setTimeout(() => {
      timer = null;
      // The frame stays queued whole: a late flush never corrupts the stream.
      reject(createError('WS_ERR_SEND_TIMEOUT', `send timed out after ${timeout} ms with ${socket.writableLength} bytes still buffered`));
    }, timeout);
  }
  socket.write(frame, (error) => {
    if (lent !== null) frameRing?.giveBack(lent);
    if (timer !== null) clearTimeout(timer);
    else if (timeout !== null) return;
    if (error) reject(createError('WS_ERR_CONNECTION_LOST', `send failed: ${error.message}`, { cause: error }));
    else resolve(length);
  });
  return promise;
}

function unitOf(entry: Queued): ReceivedUnit {
  if (typeof entry === 'string') return { opcode: ABNF.OPCODE_TEXT, data: entry, fin: true };
  return { opcode: entry.opcode, data: entry.data, fin: entry.frame === undefined || entry.frame.fin === 1 };
}

function dataOf(entry: Queued): string | Buffer {
  return typeof entry === 'string' ? entry : entry.data;
}

/** Index of the first waiter that takes a unit of this opcode, or -1. */
function firstAccepting(waiters: readonly Waiter[], opcode: number): number {
  for (let i = 0; i < waiters.length; i++) {
    if (accepts((waiters[i] as Waiter).want, opcode)) return i;
  }
  return -1;
}

/** The close frame's payload as received (code and reason), for recvData(true); never re-validated. */
function entryToFrame(entry: Queued): ABNF {
  if (typeof entry === 'string') return new ABNF({ fin: 1, opcode: ABNF.OPCODE_TEXT, mask: 0, data: toBuffer(entry) });
  if (entry.frame !== undefined) {
    const f = entry.frame;
    return new ABNF({ fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, mask: 0, data: f.data });
  }
  return new ABNF({ fin: 1, opcode: entry.opcode, mask: 0, data: toBuffer(entry.data) });
}

/**
 * Create a WebSocket and connect it (websocket-client's `create_connection`).
 * The timeout defaults to `getDefaultTimeout()`.
 *
 * @throws WebSocketException (WebSocketProxyException for a proxy option) for
 *   an option of the wrong kind or out of range, before anything is opened.
 */
export async function createConnection(url: string, options: WebSocketOptions & ConnectOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(options);
  await ws.connect(url, { ...options, timeout: options.timeout === undefined ? getDefaultTimeout() : options.timeout });
  return ws;
}

/**
 * The session's hooks and the inbox's flow control for one WebSocket, as
 * methods on a prototype: a connection costs this one small object rather
 * than a closure per hook. The WebSocket's private methods are reached by
 * name (TypeScript allows it with brackets), as these hooks are part of its
 * receive half.
 */
class SessionHooks implements SessionHandler, FlowControl {
  constructor(private readonly ws: WebSocket) {}

  onText(text: string, size: number, frames?: readonly number[]): void {
    traceFrame('Rcv', ABNF.OPCODE_TEXT, text);
    // A fragmented message keeps its frame lengths, for recvFrame().
    this.ws['push'](frames === undefined ? text : { opcode: ABNF.OPCODE_TEXT, data: text, frames }, size);
  }

  onBinary(data: Buffer, frames?: readonly number[]): void {
    traceFrame('Rcv', ABNF.OPCODE_BINARY, data);
    this.ws['push']({ opcode: ABNF.OPCODE_BINARY, data, frames }, data.length);
  }

  onFragment(opcode: number, data: Buffer, fin: boolean, rsv1: boolean): void {
    traceFrame('Rcv', opcode, data, fin ? 1 : 0);
    this.ws['push']({ opcode, data, frame: { fin: fin ? 1 : 0, rsv1: rsv1 ? 1 : 0, rsv2: 0, rsv3: 0, opcode, data } }, data.length);
  }

  onFrame(frame: ReceivedFrame): void {
    if (frame.opcode !== ABNF.OPCODE_CLOSE) {
      traceFrame('Rcv', frame.opcode, frame.data, frame.fin);
      this.ws['push']({ opcode: frame.opcode, data: frame.data, frame, raw: true }, frame.data.length);
    }
  }

  onPing(data: Buffer): void {
    traceFrame('Rcv', ABNF.OPCODE_PING, data);
    this.ws['push'](this.ws['controlEntry'](ABNF.OPCODE_PING, data), data.length);
  }

  onPong(data: Buffer): void {
    traceFrame('Rcv', ABNF.OPCODE_PONG, data);
    this.ws['push'](this.ws['controlEntry'](ABNF.OPCODE_PONG, data), data.length);
  }

  onClose(_code: number | null, _reason: string, payload: Buffer): void {
    traceFrame('Rcv', ABNF.OPCODE_CLOSE, payload);
    this.ws['push']({ opcode: ABNF.OPCODE_CLOSE, data: payload }, payload.length);
    this.ws['awaitPeerClose'](DEFAULT_CLOSE_TIMEOUT);
    this.ws['serveWaiters']();
  }

  onWrite(bytes: Buffer, kind: WriteKind): void {
    this.ws['writeControl'](bytes, kind);
  }

  onFailure(error: SessionFailure, closeFrame: Buffer | null): void {
    this.ws['onFailure'](error, closeFrame);
  }

  /** The inbox is full. */
  pause(): void {
    this.ws['pauseReading']();
  }

  /** The inbox has room again. */
  resume(): void {
    this.ws['resumeReading']();
  }
}
