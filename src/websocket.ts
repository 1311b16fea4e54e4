/**
 * The WebSocket class: the public surface of a client connection, wiring the
 * opening sequence (transport + handshake) to the sans-I/O protocol session
 * and to the parts that receive (receiver.ts, inbox.ts), write (writer.ts)
 * and close (closing.ts) it.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { getDefaultTimeout } from './defaults.js';
import { checkMsOrNull, checkWebSocketOptions } from './options.js';
import { createError, WebSocketConnectionClosedException } from './exceptions.js';
import { ABNF } from './frame/abnf.js';
import { toBuffer } from './frame/bytes.js';
import { allocateFrame } from './frame/frame-ring.js';
import { Closing, type CloseOptions } from './closing.js';
import { handled, nothing } from './handled.js';
import { dataOf, opcodeOf, unitOf, type Inbox, type Queued, type Want } from './inbox.js';
import { Link } from './link.js';
import { openConnection } from './opening.js';
import { deflateConfig, type DeflateConfig } from './protocol/deflate.js';
import type { Received } from './protocol/received.js';
import { ClientSession } from './protocol/session.js';
import { Receiver } from './receiver.js';
import { isTraceEnabled, trace, traceFrame } from './trace.js';
import {
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_QUEUE_BYTES,
  NO_OPTIONS,
  type ConnectOptions,
  type WebSocketOptions,
} from './websocket-options.js';
import { setReadSink } from './transport/large-reads.js';
import { Writer } from './writer.js';

/** The WebSocket a socket is attached to, for the socket listeners every connection shares. */
const SOCKET_OWNER = Symbol('rfc6455.socketOwner');
type OwnedSocket = net.Socket & { [SOCKET_OWNER]?: WebSocket };

export type { ConnectOptions, WebSocketOptions } from './websocket-options.js';

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

  /** The current socket and session, shared with the parts below. */
  private readonly link = new Link();
  private readonly writer: Writer;
  private readonly closing: Closing;
  /** The session's hooks, feeding the inbox. */
  private readonly receiver: Receiver;
  private readonly inbox: Inbox;
  private secure = false;
  private handshakeStatus: number | undefined = undefined;
  private responseHeaders: Record<string, string> = {};
  private negotiatedSubprotocol: string | null = null;
  /** True while a connect() runs: a second one is refused instead of opening a socket that would leak. */
  private connecting = false;

  /**
   * @throws WebSocketException for an option of the wrong kind or out of range,
   *   naming the option and quoting the value given.
   */
  constructor(options: WebSocketOptions = NO_OPTIONS) {
    checkWebSocketOptions(options);
    this.options = options;
    this.writer = new Writer(this.link);
    this.closing = new Closing(this.link, this.writer);
    const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.receiver = new Receiver(this.link, this.writer, this.closing, { maxQueue, maxQueueBytes, fireContFrame: options.fireContFrame });
    this.inbox = this.receiver.inbox;
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
    const session = this.link.session;
    return session !== null && !this.link.socketClosed && session.state === 'open' && this.closing.failure === null;
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
    const session = this.link.session;
    return session?.closeReceived === true ? session.closeCode : undefined;
  }

  /** The reason of the server's close frame ('' when none), once it has arrived; undefined before. */
  get peerCloseReason(): string | undefined {
    const session = this.link.session;
    return session?.closeReceived === true ? session.closeReason : undefined;
  }

  /** Bytes handed to `send()` (and friends) not yet written to the socket. */
  get bufferedAmount(): number {
    return this.writer.bufferedAmount;
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
  async connect(url: string, options: ConnectOptions = NO_OPTIONS): Promise<void> {
    if (this.connecting) {
      throw createError('WS_ERR_ALREADY_CONNECTED', 'connect() called while an earlier connect() on this WebSocket is still running');
    }
    if (this.link.openSocket !== null) {
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
    const opened = await openConnection(url, {
      ...openingOptions,
      timeout: this.timeout,
      sockopt: this.options.sockopt,
      sslopt: this.options.sslopt,
      deflate,
    });
    this.receiver.reset();
    this.closing.reset();
    const socket = opened.socket;
    this.link.socket = socket;
    this.link.socketClosed = false;
    this.secure = opened.url.secure || 'encrypted' in socket;
    this.handshakeStatus = opened.response.statusCode;
    this.responseHeaders = opened.response.headers;
    this.negotiatedSubprotocol = opened.subprotocol;
    const session = new ClientSession(this.receiver, {
      maxPayload: this.options.maxPayload,
      maxFragments: this.options.maxFragments,
      skipUtf8Validation: this.options.skipUtf8Validation,
      fireContFrame: this.options.fireContFrame,
      fragmentSize: this.options.fragmentSize,
      getMaskKey: this.options.getMaskKey,
      // Every chunk is the connection's: a copy, a read buffer handed on, or a stream's 'data' chunk.
      ownsChunks: true,
      // Frames are lent from the ring only to a socket this library made: a
      // user's socket might pass the bytes on by reference after calling back.
      allocateFrame: options.socket === undefined ? allocateFrame : undefined,
      compression: opened.compression,
    });
    this.link.session = session;
    this.attachSocket(socket);
    // Frames that came with the 101 go through the same bounds as any read: they may fill the inbox.
    if (opened.head.length > 0) session.receive(opened.head);
    this.receiver.startReading(socket);
  }

  private attachSocket(socket: net.Socket | tls.TLSSocket): void {
    this.writer.attach();
    // Listeners shared by every connection find theirs through the socket: no closures per connection.
    (socket as OwnedSocket)[SOCKET_OWNER] = this;
    socket.on('data', WebSocket.onSocketData);
    setReadSink(socket, WebSocket.onSocketData);
    socket.on('error', WebSocket.onSocketError);
    // Node ends the sockets it makes when the server's side ends (allowHalfOpen false); a socket the user made may not.
    if (socket.allowHalfOpen) socket.on('end', WebSocket.onSocketEnd);
    socket.on('close', WebSocket.onSocketClose);
  }

  private static onSocketData(this: OwnedSocket, chunk: Buffer): boolean {
    return this[SOCKET_OWNER]?.receiver.receive(chunk) === true;
  }

  private static onSocketError(this: OwnedSocket, error: Error): void {
    this[SOCKET_OWNER]?.closing.lost(error);
  }

  private static onSocketEnd(this: net.Socket): void {
    // RFC 6455 §7.1.1: the server closed TCP; close our side too.
    this.end();
  }

  private static onSocketClose(this: OwnedSocket): void {
    this[SOCKET_OWNER]?.onSocketClosed(this);
  }

  private onSocketClosed(socket: net.Socket): void {
    if (socket !== this.link.socket) return;
    this.link.socketClosed = true;
    this.closing.socketClosed();
    this.writer.socketClosed();
    if (isTraceEnabled()) trace('++Closed: socket closed');
    this.inbox.serve();
    this.closing.notifyClosed();
  }

  // ---- receiving ----------------------------------------------------------

  /** A queued unit for a read of kind `want` if no earlier read waits, else undefined. */
  private takeNow(want: Want): Queued | undefined {
    const session = this.link.session;
    // Frames are queued one by one from the first recvFrame() until a read of another kind.
    if (session !== null) session.rawFrames = want === 'frame';
    // A whole text message, a message read's common case, in one step.
    return (want === 'message' ? this.inbox.takeText() : undefined) ?? this.inbox.takeNow(want);
  }

  private read(want: Want): Promise<Queued> {
    const session = this.link.session;
    if (session !== null) session.rawFrames = want === 'frame';
    return this.inbox.read(want, this.timeout);
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
    return entry !== undefined ? Promise.resolve(dataOf(entry)) : (this.inbox.wait('message', this.timeout, true) as Promise<string | Buffer>);
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
  async [readUnit](): Promise<Received> {
    return unitOf(await this.read('control'));
  }

  /** @internal See {@link takeUnit}. */
  [takeUnit](): Received | undefined {
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
      const closing = this.closing;
      const cleanEnd = this.link.session?.closeReceived === true || closing.closedByUser;
      if (error instanceof WebSocketConnectionClosedException && closing.failure === null && cleanEnd) return { value: undefined, done: true };
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
    const session = this.link.session;
    if (session === null || this.link.socket === null) {
      throw createError('WS_ERR_NOT_CONNECTED', `cannot send ${what}: not connected`);
    }
    if (this.link.socketClosed) throw this.closing.refusal(what);
    return session;
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
      return handled(Promise.reject(this.closing.sendError('a message', error)));
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
      return handled(Promise.reject(this.closing.sendError('a frame', error)));
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

  /** Write data bytes (see Writer.send), bounded by `timeout`. */
  private write(bytes: Buffer): Promise<number> {
    return this.writer.send(bytes, this.timeout);
  }

  // ---- closing --------------------------------------------------------------

  /**
   * The closing handshake (RFC 6455 §7.1.2): send a close frame, wait for the
   * server's, then for the server to close TCP — all bounded by `timeout`
   * (default 3000 ms), after which the socket is destroyed (not half-closed:
   * a server that keeps its half open cannot hold it). Never hangs.
   *
   * @throws WebSocketProtocolException for a status code that may not be sent.
   */
  close(opts: CloseOptions = {}): Promise<void> {
    return handled(this.closing.closeHandshake(opts, this.inbox));
  }

  /** Drop the connection at once: pending and later reads and sends reject with ConnectionClosed. */
  abort(): void {
    this.closing.drop('connection aborted by abort()');
  }

  /** Close the socket immediately, without a closing handshake, discarding unread messages. */
  shutdown(): void {
    this.inbox.clear();
    this.closing.drop('connection shut down by shutdown()');
  }
}

/** A received unit as an ABNF frame (a close frame's payload as received, never re-validated). */
function entryToFrame(entry: Queued): ABNF {
  if (typeof entry === 'string') return new ABNF({ fin: 1, opcode: ABNF.OPCODE_TEXT, mask: 0, data: toBuffer(entry) });
  const { fin, rsv1, rsv2, rsv3, opcode, data } = entry;
  return new ABNF({ fin, rsv1, rsv2, rsv3, opcode, mask: 0, data: toBuffer(data) });
}

/**
 * Create a WebSocket and connect it (websocket-client's `create_connection`).
 * The timeout defaults to `getDefaultTimeout()`.
 *
 * @throws WebSocketException (WebSocketProxyException for a proxy option) for
 *   an option of the wrong kind or out of range, before anything is opened.
 */
export async function createConnection(url: string, options: WebSocketOptions & ConnectOptions = NO_OPTIONS): Promise<WebSocket> {
  const ws = new WebSocket(options);
  await ws.connect(url, { ...options, timeout: options.timeout === undefined ? getDefaultTimeout() : options.timeout });
  return ws;
}
