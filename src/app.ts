/**
 * WebSocketApp: websocket-client's event-loop API. `runForever()` connects,
 * hands every frame to callbacks, keeps the connection alive with pings,
 * reconnects with exponential backoff after an abnormal loss, and resolves
 * once the app stops.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { createError, WebSocketTimeoutException, type WebSocketException } from './exceptions.js';
import { ABNF } from './frame/abnf.js';
import { toBuffer } from './frame/bytes.js';
import { checkAppOptions, checkRunForeverOptions } from './options.js';
import type { Received } from './protocol/received.js';
import { readUnit, WebSocket, type ConnectOptions, type WebSocketOptions } from './websocket.js';

/** Extra handshake headers: an object, or a list of `"Name: value"` lines. */
export type AppHeader = Record<string, string> | string[];

/** The callbacks of a WebSocketApp; the app is always the first argument. */
export interface WebSocketAppCallbacks {
  /** After the opening handshake of the first connection (and of reconnections when `onReconnect` is unset). */
  onOpen?: (app: WebSocketApp) => unknown;
  /** After each successful reconnection. */
  onReconnect?: (app: WebSocketApp) => unknown;
  /** A message: a string for text, a Buffer for binary (and for the first frame of a fragmented message when `onContMessage` is set). */
  onMessage?: (app: WebSocketApp, message: string | Buffer) => unknown;
  /** Before `onMessage` / `onContMessage`, with the same data, its opcode and whether it is the last frame. */
  onData?: (app: WebSocketApp, data: string | Buffer, opcode: number, fin: boolean) => unknown;
  /** Each continuation frame of a fragmented message; setting it delivers fragments as they come. */
  onContMessage?: (app: WebSocketApp, data: Buffer, fin: boolean) => unknown;
  /** A ping from the server (already answered with a pong). */
  onPing?: (app: WebSocketApp, data: Buffer) => unknown;
  /** A pong from the server. */
  onPong?: (app: WebSocketApp, data: Buffer) => unknown;
  /**
   * A connection error, a failed (re)connection attempt, or an exception thrown
   * by another callback. Without it, each such error is written to stderr as
   * `rfc6455 WebSocketApp: <class name>: <message>`, never dropped silently.
   */
  onError?: (app: WebSocketApp, error: unknown) => unknown;
  /** Once per `runForever()`: the server's close code and reason, or `null, null` when the connection was lost. */
  onClose?: (app: WebSocketApp, closeStatusCode: number | null, closeMsg: string | null) => unknown;
}

/** Constructor options: what identifies the connection, plus any callbacks. */
export interface WebSocketAppOptions extends WebSocketAppCallbacks {
  /** Extra handshake headers, or a function giving them, called before every (re)connection. */
  header?: AppHeader | (() => AppHeader | Promise<AppHeader>);
  cookie?: string;
  subprotocols?: string[];
  getMaskKey?: (n: number) => Uint8Array;
  /** An already connected socket to run the handshake on (it can serve one connection only). */
  socket?: net.Socket | tls.TLSSocket;
}

/** Options of `runForever()`: keepalive, reconnection, and every connect and WebSocket option. */
export interface RunForeverOptions
  extends Omit<ConnectOptions, 'header' | 'cookie' | 'subprotocols' | 'socket'>,
    Omit<WebSocketOptions, 'getMaskKey' | 'fireContFrame'> {
  /** ms between keepalive pings (at most 2^31 - 1), the first one interval after the open; 0 (default) sends none. */
  pingInterval?: number;
  /** ms to wait for a pong after each ping (> 0, at most 2^31 - 1); null (default) waits forever. Must be < pingInterval. */
  pingTimeout?: number | null;
  /** Payload of the keepalive pings (at most 125 bytes). */
  pingPayload?: string | Uint8Array;
  /** ms before the first reconnection attempt after an abnormal loss (at most 2^31 - 1); 0 (default) never reconnects. */
  reconnect?: number;
  /** Upper bound in ms of the exponential backoff (> 0, at most 2^31 - 1; default 30000). */
  reconnectMax?: number;
  /** Consecutive reconnection attempts allowed before giving up (default: unlimited). */
  maxReconnects?: number;
  /** Aborting it stops the app, as `close()` does. */
  signal?: AbortSignal;
}

/** Options of `WebSocketApp.close()`, passed to `WebSocket.close()`. */
export interface AppCloseOptions {
  status?: number;
  reason?: string | Uint8Array;
  timeout?: number;
}

type CallbackName = keyof WebSocketAppCallbacks;

/** How one connection (or connection attempt) ended. */
type Ending =
  | { kind: 'closed'; code: number | null; reason: string | null }
  | { kind: 'stopped' }
  | { kind: 'lost'; upFor: number };

interface Settings {
  pingInterval: number;
  pingTimeout: number | null;
  pingPayload: string | Uint8Array;
  reconnect: number;
  reconnectMax: number;
  maxReconnects: number;
}

const DEFAULT_RECONNECT_MAX = 30_000;

/**
 * The wait before reconnection attempt `attempt` (0-based): exponential from
 * `base` up to `max`, with "equal jitter" (a uniform pick in the upper half)
 * so that clients dropped together do not come back together.
 */
export function reconnectDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(Math.max(base, max), base * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** The options checked (every connect and WebSocket option too), with the defaults filled in. */
function settingsOf(options: RunForeverOptions): Settings {
  checkRunForeverOptions(options);
  const { pingInterval = 0, pingTimeout = null, pingPayload = '', reconnect = 0 } = options;
  const { reconnectMax = DEFAULT_RECONNECT_MAX, maxReconnects = Infinity } = options;
  return { pingInterval, pingTimeout, pingPayload, reconnect, reconnectMax, maxReconnects };
}

/** An error as one line: its class name and message. */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Keepalive of one connection: a ping every interval, a deadline for its pong. */
class Keepalive {
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;

  constructor(ws: WebSocket, settings: Settings, onTimeout: () => void) {
    if (settings.pingInterval === 0) return;
    this.pingTimer = setInterval(() => {
      // A failed ping means a dead connection: the dispatch loop hears of it from recv.
      ws.ping(settings.pingPayload).catch(() => undefined);
      if (settings.pingTimeout !== null && this.pongTimer === null) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = null;
          onTimeout();
        }, settings.pingTimeout);
      }
    }, settings.pingInterval);
  }

  /** Any pong after a ping answers it (as websocket-client counts them). */
  pong(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  stop(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pong();
    this.pingTimer = null;
  }
}

// The callbacks are declared once, in WebSocketAppCallbacks; the class gets them by declaration merging.
export interface WebSocketApp extends WebSocketAppCallbacks {}

/**
 * websocket-client's WebSocketApp: callbacks instead of a read loop.
 *
 * ```ts
 * const app = new WebSocketApp('ws://127.0.0.1:8080/feed', {
 *   onOpen: (app) => app.send('subscribe'),
 *   onMessage: (app, message) => console.log(message),
 * });
 * const failed = await app.runForever({ pingInterval: 30_000, pingTimeout: 10_000, reconnect: 5000 });
 * ```
 */
export class WebSocketApp {
  url: string;
  header: WebSocketAppOptions['header'];
  cookie: string | undefined;
  subprotocols: string[] | undefined;
  getMaskKey: ((n: number) => Uint8Array) | undefined;
  /**
   * The already connected socket given as the `socket` option, used for the
   * first connection (websocket-client's `prepared_socket`); not to be confused
   * with `sock`, the WebSocket in use.
   */
  preparedSocket: net.Socket | tls.TLSSocket | undefined;

  /** The connection in use (also while it opens), or null between connections and after the app stopped. */
  sock: WebSocket | null = null;

  private running = false;
  private stopping = false;
  /** Cancels a connection attempt in progress when the app is closed. */
  private stopController = new AbortController();
  /** Ends the wait before a reconnection attempt early. */
  private wake: (() => void) | null = null;
  /** The reason the current connection was dropped by the app itself (ping timeout). */
  private dropError: WebSocketException | null = null;

  /**
   * @throws WebSocketException for an option of the wrong kind (a callback
   *   that is not a function, headers that are neither an object nor a list…).
   */
  constructor(url: string, options: WebSocketAppOptions = {}) {
    checkAppOptions(options);
    this.url = url;
    this.header = options.header;
    this.cookie = options.cookie;
    this.subprotocols = options.subprotocols;
    this.getMaskKey = options.getMaskKey;
    this.preparedSocket = options.socket;
    this.onOpen = options.onOpen;
    this.onReconnect = options.onReconnect;
    this.onMessage = options.onMessage;
    this.onData = options.onData;
    this.onContMessage = options.onContMessage;
    this.onPing = options.onPing;
    this.onPong = options.onPong;
    this.onError = options.onError;
    this.onClose = options.onClose;
  }

  /** True while a connection is open. */
  ready(): boolean {
    return this.sock?.connected ?? false;
  }

  /**
   * Connect and dispatch until the app stops: after `close()`, after a close
   * handshake, or after an abnormal loss when reconnection is off or gave up.
   * Resolves with `true` if it stopped because of an error.
   *
   * Errors go to `onError`; without `onError`, each one is written to stderr
   * (its class name and message), so that a failure is never silent.
   *
   * @throws WebSocketException for an invalid option (every connect and
   *   WebSocket option is checked here, before the first attempt) or when
   *   already running.
   */
  async runForever(options: RunForeverOptions = {}): Promise<boolean> {
    const settings = settingsOf(options);
    if (this.running) {
      throw createError('WS_ERR_ALREADY_RUNNING', 'runForever() is already running: call close() and wait for it to resolve first');
    }
    this.running = true;
    this.stopping = false;
    this.stopController = new AbortController();
    const stopOnSignal = (): void => void this.close().catch(() => undefined);
    options.signal?.addEventListener('abort', stopOnSignal, { once: true });
    if (options.signal?.aborted) stopOnSignal();
    let ending: Ending = { kind: 'stopped' };
    try {
      let opened = false;
      let attempts = 0;
      for (;;) {
        ending = await this.runConnection(options, settings, opened);
        if (ending.kind !== 'lost' || this.stopping || settings.reconnect === 0) break;
        if (ending.upFor > 0) opened = true;
        // A connection that stayed up as long as the longest wait resets the backoff.
        if (ending.upFor >= Math.max(settings.reconnect, settings.reconnectMax)) attempts = 0;
        if (attempts >= settings.maxReconnects) break;
        await this.sleep(reconnectDelay(attempts, settings.reconnect, settings.reconnectMax));
        attempts += 1;
        if (this.stopping) break;
      }
    } finally {
      options.signal?.removeEventListener('abort', stopOnSignal);
      this.sock = null;
      this.running = false;
    }
    const [code, reason] = ending.kind === 'closed' ? [ending.code, ending.reason] : [null, null];
    this.call('onClose', () => this.onClose?.(this, code, reason));
    return ending.kind === 'lost';
  }

  /** One connection attempt and, if it opens, its dispatch loop. Never throws. */
  private async runConnection(options: RunForeverOptions, settings: Settings, reconnecting: boolean): Promise<Ending> {
    const ws = new WebSocket({ ...options, getMaskKey: this.getMaskKey, fireContFrame: this.onContMessage !== undefined });
    this.sock = ws;
    this.dropError = null;
    try {
      const header = typeof this.header === 'function' ? await this.header() : this.header;
      await ws.connect(this.url, {
        ...options,
        header,
        cookie: this.cookie,
        subprotocols: this.subprotocols,
        socket: this.preparedSocket,
        signal: this.stopController.signal,
      });
    } catch (error) {
      this.sock = null;
      if (this.stopping) return { kind: 'stopped' };
      this.reportError(error);
      return { kind: 'lost', upFor: 0 };
    }
    if (this.stopping) {
      // close() came while the handshake was finishing.
      await ws.close();
      this.sock = null;
      return { kind: 'stopped' };
    }
    const openedAt = Date.now();
    if (reconnecting && this.onReconnect !== undefined) this.call('onReconnect', () => this.onReconnect?.(this));
    else this.call('onOpen', () => this.onOpen?.(this));
    const keepalive = new Keepalive(ws, settings, () => {
      this.dropError = createError(
        'WS_ERR_PING_TIMEOUT',
        `ping/pong timed out: expected a pong within pingTimeout = ${String(settings.pingTimeout)} ms of the ping, got none`,
      );
      // A dead peer will not answer a close frame either: drop the socket now.
      ws.abort();
    });
    let ending: Ending;
    try {
      ending = await this.dispatch(ws, keepalive);
    } finally {
      keepalive.stop();
    }
    // Bounded: waits for the server to close TCP, or drops the socket after the close timeout.
    await ws.close();
    this.sock = null;
    if (ending.kind === 'lost') return { kind: 'lost', upFor: Math.max(1, Date.now() - openedAt) };
    return ending;
  }

  /** Read frames and hand them to the callbacks until the connection ends. */
  private async dispatch(ws: WebSocket, keepalive: Keepalive): Promise<Ending> {
    for (;;) {
      let unit: Received;
      try {
        unit = await ws[readUnit]();
      } catch (error) {
        // A recv that timed out on an idle connection leaves it usable.
        if (error instanceof WebSocketTimeoutException && ws.connected && this.dropError === null) continue;
        if (this.stopping) return { kind: 'stopped' };
        this.reportError(this.dropError ?? error);
        return { kind: 'lost', upFor: 0 };
      }
      const { opcode, data } = unit;
      const fin = unit.fin === 1;
      switch (opcode) {
        case ABNF.OPCODE_CLOSE: {
          const code = unit.code ?? null;
          return code === null ? { kind: 'closed', code: null, reason: null } : { kind: 'closed', code, reason: unit.reason ?? '' };
        }
        case ABNF.OPCODE_PING:
          this.call('onPing', () => this.onPing?.(this, toBuffer(data)));
          break;
        case ABNF.OPCODE_PONG:
          keepalive.pong();
          this.call('onPong', () => this.onPong?.(this, toBuffer(data)));
          break;
        case ABNF.OPCODE_CONT:
          this.call('onData', () => this.onData?.(this, data, opcode, fin));
          this.call('onContMessage', () => this.onContMessage?.(this, toBuffer(data), fin));
          break;
        default:
          // A whole text message comes as the string the session decoded; the first frame
          // of a fragmented one stays bytes (it may end inside a UTF-8 sequence).
          this.call('onData', () => this.onData?.(this, data, opcode, fin));
          this.call('onMessage', () => this.onMessage?.(this, data));
      }
    }
  }

  /** Call one callback; what it throws (or its promise rejects with) goes to onError. */
  private call(name: CallbackName, invoke: () => unknown): void {
    try {
      const result = invoke();
      if (result instanceof Promise) result.catch((error: unknown) => this.callbackFailed(name, error));
    } catch (error) {
      this.callbackFailed(name, error);
    }
  }

  private callbackFailed(name: CallbackName, error: unknown): void {
    if (name === 'onError' || this.onError === undefined) {
      // Never recurse into onError, never swallow silently.
      console.error(`rfc6455 WebSocketApp: ${name} callback failed:`, error);
      return;
    }
    this.reportError(error);
  }

  /** To onError; without one, to stderr: an error with no listener is never silent. */
  private reportError(error: unknown): void {
    if (this.onError === undefined) {
      process.stderr.write(`rfc6455 WebSocketApp: ${describeError(error)}\n`);
      return;
    }
    this.call('onError', () => this.onError?.(this, error));
  }

  /** Wait `ms` before a reconnection attempt; `close()` ends the wait early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /**
   * Stop the app: close the connection with a closing handshake (`status`,
   * `reason`, `timeout` as `WebSocket.close()`), cancel a connection attempt
   * or reconnection wait; `runForever()` then resolves. Safe from callbacks
   * and timers; resolves once the socket is closed.
   */
  async close(opts: AppCloseOptions = {}): Promise<void> {
    this.stopping = true;
    this.stopController.abort(createError('WS_ERR_ABORTED', 'connection attempt cancelled by WebSocketApp.close()'));
    this.wake?.();
    const sock = this.sock;
    if (sock === null) return;
    try {
      await sock.close(opts);
    } catch (error) {
      // Bad close options: the app still stops.
      sock.abort();
      throw error;
    }
  }

  /**
   * Send a message on the current connection (a string as text, bytes as
   * binary, unless `opcode` says otherwise); resolves with the bytes written.
   *
   * @throws WebSocketConnectionClosedException when no connection is open.
   */
  send(data: string | Uint8Array, opcode?: number): Promise<number> {
    const sock = this.sock;
    if (sock === null || !sock.connected) {
      return Promise.reject(createError('WS_ERR_NOT_CONNECTED', 'cannot send: the app has no open connection'));
    }
    return sock.send(data, opcode);
  }

  /** Send a text message. */
  sendText(text: string): Promise<number> {
    return this.send(text, ABNF.OPCODE_TEXT);
  }

  /** Send a binary message. */
  sendBytes(data: Uint8Array): Promise<number> {
    return this.send(data, ABNF.OPCODE_BINARY);
  }
}
