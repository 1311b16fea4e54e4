/**
 * The WHATWG WebSocket interface (WebSockets standard, § "The WebSocket
 * interface") as a thin layer over the library's connection: the same opening
 * sequence, session and receive queue as the Promise API, driven by one read
 * loop that turns received units into events.
 */
import { Blob } from 'node:buffer';
import { ABNF } from '../frame/abnf.js';
import { WebSocketConnectionClosedException } from '../exceptions.js';
import type { Received } from '../protocol/received.js';
import { readUnit, takeUnit, WebSocket as Connection } from '../websocket.js';
import { CloseEvent, ErrorEvent, type MessageEvent } from './events.js';
import { MessageListeners, type Listener, type ListenerOptions } from './message-listeners.js';
import { ReceivedMessageEvent } from './received-message-event.js';
import { engineOptions, type EngineOptions, type WebSocketInit } from './options.js';
import { checkProtocols, parseWebSocketUrl } from './url.js';

/** How binary messages are handed out: the standard's `'blob'` and `'arraybuffer'`, or a Node `Buffer` as `ws` offers. */
export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** What `send()` takes. */
export type WebSocketData = string | ArrayBufferLike | ArrayBufferView | Blob;

type Handler<E extends Event> = ((this: WebSocket, event: E) => unknown) | null;

interface HandlerSlot {
  handler: (this: WebSocket, event: Event) => unknown;
  listener: (event: Event) => void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** The largest close reason, in UTF-8 bytes: a control frame carries 125 bytes, 2 of them the code (RFC 6455 §5.5). */
const MAX_REASON_BYTES = 123;

/**
 * A WebSocket with the interface of the browser's and of Node's global one,
 * running on rfc6455's connection. The optional third argument (or an options
 * object in place of `protocols`) sets what the standard cannot: headers,
 * TLS, proxies, permessage-deflate, limits, a handshake timeout.
 *
 * ```ts
 * import { WebSocket } from 'rfc6455/web';
 * const ws = new WebSocket('wss://example.com/chat', ['chat'], { proxy: 'socks5h://127.0.0.1:1080' });
 * ws.onmessage = (event) => console.log(event.data);
 * ws.onopen = () => ws.send('hello');
 * ```
 *
 * @throws DOMException `SyntaxError` for a bad URL, a fragment, a bad or
 *   repeated subprotocol; WebSocketException for a bad option.
 */
export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;

  readonly #url: URL;
  /** The URL's serialised origin, for MessageEvent.origin (computed once: URL.origin builds a new string each time). */
  readonly #origin: string;
  #readyState: ReadyState = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  /** Bytes of application data given to send() and not yet written to the socket (never lowered once closing). */
  #bufferedAmount = 0;
  #connection: Connection | null = null;
  /** Set when close() was called while open: the end of the connection is ours, not a failure. */
  #closeRequested = false;
  /** Sends waiting for a Blob to be read (and everything sent after one), in order. */
  #sendChain: Promise<void> | null = null;
  readonly #cancel = new AbortController();
  readonly #handlers = new Map<string, HandlerSlot>();
  /** The `message` listeners, kept here so that a received message reaches them without Node's dispatch. */
  readonly #messageListeners = new MessageListeners();

  constructor(url: string | URL, protocols?: string | string[] | WebSocketInit, init: WebSocketInit = {}) {
    super();
    // A `message` event someone else dispatches goes through Node's EventTarget to the same listeners.
    super.addEventListener('message', (event) => this.#messageListeners.invokeForeign(this, event));
    if (protocols !== undefined && typeof protocols === 'object' && !Array.isArray(protocols)) {
      init = protocols;
      protocols = init.protocols;
    }
    this.#url = parseWebSocketUrl(url);
    this.#origin = this.#url.origin;
    const options = engineOptions(init, checkProtocols(protocols));
    const connection = new Connection(options.construct);
    const signals = init.signal === undefined ? [this.#cancel.signal] : [this.#cancel.signal, init.signal];
    void this.#run(connection, { ...options, connect: { ...options.connect, signal: AbortSignal.any(signals) } });
  }

  /** The URL, with `http:`/`https:` turned into `ws:`/`wss:`. */
  get url(): string {
    return this.#url.href;
  }

  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** Bytes of messages given to `send()` not yet written to the network; after closing, every later `send()` adds its size. */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  /** The subprotocol the server selected, or `''`. */
  get protocol(): string {
    return this.#protocol;
  }

  /** The server's `Sec-WebSocket-Extensions` response header, or `''`. */
  get extensions(): string {
    return this.#extensions;
  }

  /** How binary messages arrive in `MessageEvent.data`: `'blob'` (default), `'arraybuffer'` or `'nodebuffer'`. Other values are ignored. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer' || value === 'nodebuffer') this.#binaryType = value;
  }

  get onopen(): Handler<Event> {
    return this.#getHandler('open');
  }
  set onopen(handler: Handler<Event>) {
    this.#setHandler('open', handler);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.#messageListeners.attribute as Handler<MessageEvent>;
  }
  set onmessage(handler: Handler<MessageEvent>) {
    this.#messageListeners.attribute = handler as Handler<Event>;
  }
  get onerror(): Handler<ErrorEvent> {
    return this.#getHandler('error') as Handler<ErrorEvent>;
  }
  set onerror(handler: Handler<ErrorEvent>) {
    this.#setHandler('error', handler as Handler<Event>);
  }
  get onclose(): Handler<CloseEvent> {
    return this.#getHandler('close') as Handler<CloseEvent>;
  }
  set onclose(handler: Handler<CloseEvent>) {
    this.#setHandler('close', handler as Handler<Event>);
  }

  /**
   * Add a listener, as `EventTarget` does (DOM Standard § 2.7). `message`
   * listeners are kept by the WebSocket itself and called in order with the
   * `onmessage` handler, with every option (`capture`, `once`, `passive`, `signal`).
   */
  override addEventListener(type: string, listener: Listener | null, options?: ListenerOptions): void {
    if (String(type) === 'message') this.#messageListeners.add(listener, options);
    else super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** Remove a listener added with the same callback and `capture`. */
  override removeEventListener(type: string, listener: Listener | null, options?: boolean | { capture?: boolean }): void {
    if (String(type) === 'message') this.#messageListeners.remove(listener, options);
    else super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /**
   * Send a message: a string as text, bytes or a Blob as binary.
   * @throws DOMException `InvalidStateError` while connecting.
   */
  send(data: WebSocketData): void {
    if (this.#readyState === CONNECTING) {
      throw new DOMException('send() called while the WebSocket is still connecting: wait for the open event', 'InvalidStateError');
    }
    let payload: string | Uint8Array | Blob;
    let length: number;
    if (data instanceof Blob) {
      payload = data;
      length = data.size;
    } else if (ArrayBuffer.isView(data)) {
      payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      length = data.byteLength;
    } else if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) {
      payload = Buffer.from(data);
      length = data.byteLength;
    } else {
      payload = String(data);
      length = Buffer.byteLength(payload, 'utf8');
    }
    // WHATWG WebSockets, send(): once closing or closed, increase bufferedAmount and do nothing else.
    this.#bufferedAmount += length;
    const connection = this.#connection;
    if (this.#readyState !== OPEN || connection === null) return;
    if (payload instanceof Blob || this.#sendChain !== null) {
      const blobOrBytes = payload;
      this.#chain(async () => {
        const bytes = blobOrBytes instanceof Blob ? new Uint8Array(await blobOrBytes.arrayBuffer()) : blobOrBytes;
        this.#write(connection, bytes, length);
      });
      return;
    }
    this.#write(connection, payload, length);
  }

  /**
   * Start the closing handshake (or cancel the connection attempt while connecting).
   * @throws DOMException `InvalidAccessError` for a code other than 1000 or
   *   3000-4999; `SyntaxError` for a reason longer than 123 bytes of UTF-8.
   */
  close(code?: number, reason?: string): void {
    let status: number | null = null;
    if (code !== undefined) {
      status = clampUnsignedShort(code);
      if (status !== 1000 && (status < 3000 || status > 4999)) {
        throw new DOMException(`expected a close code of 1000 or 3000-4999, got ${String(code)}`, 'InvalidAccessError');
      }
    }
    let text = '';
    if (reason !== undefined) {
      text = String(reason);
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > MAX_REASON_BYTES) {
        throw new DOMException(`expected a close reason of at most ${MAX_REASON_BYTES} bytes of UTF-8, got ${bytes}`, 'SyntaxError');
      }
    }
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      // WHATWG WebSockets, close(): fail the connection, readyState becomes CLOSING.
      this.#readyState = CLOSING;
      this.#cancel.abort(new WebSocketConnectionClosedException('the connection attempt was cancelled by close()'));
      return;
    }
    this.#readyState = CLOSING;
    this.#closeRequested = true;
    // A reason without a code is sent with 1000; neither sends a close frame without a body.
    if (status === null && text !== '') status = 1000;
    const connection = this.#connection;
    if (connection === null) return;
    const start = (): void => {
      connection.close({ status, reason: text }).catch(() => {
        // The read loop sees the end of the connection and reports it.
      });
    };
    if (this.#sendChain === null) start();
    else this.#chain(async () => start());
  }

  // ---- the connection -------------------------------------------------------

  async #run(connection: Connection, options: EngineOptions): Promise<void> {
    try {
      await connection.connect(this.#url.href, options.connect);
    } catch (error) {
      this.#finish(false, error);
      return;
    }
    if (this.#readyState !== CONNECTING) {
      // close() came while the handshake was completing.
      connection.abort();
      this.#finish(false, new WebSocketConnectionClosedException('the connection attempt was cancelled by close()'));
      return;
    }
    // Reads wait as long as the connection lives; the timeout bounded the handshake only.
    connection.timeout = null;
    this.#connection = connection;
    this.#protocol = connection.subprotocol ?? '';
    this.#extensions = connection.headers['sec-websocket-extensions'] ?? '';
    this.#readyState = OPEN;
    this.dispatchEvent(new Event('open'));
    await this.#receive(connection);
  }

  /**
   * The read loop: one event per message, until the close frame or the end of
   * the connection. Every message already queued when a read completes is
   * handed out in the same pass, with no promise between two of them (as Node's
   * global WebSocket and `ws` fire the messages of one socket read).
   */
  async #receive(connection: Connection): Promise<void> {
    for (;;) {
      let unit: Received | undefined;
      try {
        unit = await connection[readUnit]();
      } catch (error) {
        await connection.close().catch(() => undefined);
        this.#finish(false, error);
        return;
      }
      // One clock read for the pass: the time stamp of the messages it hands out.
      const receivedAt = performance.now();
      while (unit !== undefined && unit.opcode !== ABNF.OPCODE_CLOSE) {
        // WHATWG WebSockets: a message received while not OPEN is dropped. Pings are answered by the connection; pongs need nothing.
        if ((unit.opcode === ABNF.OPCODE_TEXT || unit.opcode === ABNF.OPCODE_BINARY) && this.#readyState === OPEN) {
          this.#dispatchMessage(unit.data, receivedAt);
        }
        unit = connection[takeUnit]();
      }
      if (unit !== undefined) {
        // The session decoded and validated the close frame's code and reason.
        const { code = null, reason = '' } = unit;
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        // Sends the reply now and waits for TCP to close (bounded by the close timeout).
        await connection.close().catch(() => undefined);
        // RFC 6455 §7.1.5: no code in the close frame is reported as 1005.
        this.#finish(true, null, code ?? 1005, reason);
        return;
      }
    }
  }

  #dispatchMessage(data: string | Buffer, receivedAt: number): void {
    const listeners = this.#messageListeners;
    // Nobody would see the event.
    if (listeners.empty) return;
    let value: string | Buffer | ArrayBuffer | Blob = data;
    if (typeof data !== 'string') {
      if (this.#binaryType === 'blob') value = new Blob([data]);
      else if (this.#binaryType === 'arraybuffer') value = toArrayBuffer(data);
    }
    listeners.invoke(this, new ReceivedMessageEvent(this, value, this.#origin, receivedAt) as unknown as ReceivedMessageEvent & Event);
  }

  /**
   * "The WebSocket connection is closed": readyState CLOSED, `error` if the
   * connection failed (not when our own close was not answered), then `close`.
   */
  #finish(wasClean: boolean, error: unknown, code = 1006, reason = ''): void {
    this.#readyState = CLOSED;
    this.#connection = null;
    if (!wasClean && !this.#closeRequested) {
      const message = error instanceof Error ? error.message : String(error);
      this.dispatchEvent(new ErrorEvent('error', { message, error }));
    }
    this.dispatchEvent(new CloseEvent('close', { wasClean, code, reason }));
  }

  #write(connection: Connection, payload: string | Uint8Array, length: number): void {
    if (this.#readyState !== OPEN) return;
    connection.send(payload).then(
      () => {
        this.#bufferedAmount -= length;
      },
      () => {
        // The read loop sees the end of the connection and reports it.
      },
    );
  }

  /** Run `step` after the sends already waiting for a Blob. */
  #chain(step: () => Promise<void>): void {
    const chain: Promise<void> = (this.#sendChain ?? Promise.resolve()).then(step).catch(() => undefined).then(() => {
      if (this.#sendChain === chain) this.#sendChain = null;
    });
    this.#sendChain = chain;
  }

  #getHandler(type: string): Handler<Event> {
    return this.#handlers.get(type)?.handler ?? null;
  }

  /** An event handler attribute (HTML § event handler IDL attributes): one listener, kept in place while the handler changes. */
  #setHandler(type: string, handler: Handler<Event>): void {
    const slot = this.#handlers.get(type);
    if (typeof handler !== 'function') {
      if (slot !== undefined) {
        this.removeEventListener(type, slot.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (slot !== undefined) {
      slot.handler = handler;
      return;
    }
    const created: HandlerSlot = {
      handler,
      listener: (event) => {
        created.handler.call(this, event);
      },
    };
    this.#handlers.set(type, created);
    this.addEventListener(type, created.listener);
  }
}

for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}

/** WebIDL `[Clamp] unsigned short`. */
function clampUnsignedShort(value: number): number {
  const number = Number(value);
  if (Number.isNaN(number)) return 0;
  const clamped = Math.min(Math.max(number, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

function toArrayBuffer(data: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}
