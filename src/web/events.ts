/**
 * The event classes of the WHATWG WebSocket interface that Node does not have
 * as globals on every supported version: `CloseEvent` (global only from Node 23),
 * an `ErrorEvent` that carries the failure, and a `MessageEvent`.
 */

/** Initialiser of {@link CloseEvent} (WHATWG WebSockets standard, "The CloseEvent interface"). */
export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** The `close` event: the connection's close code and reason, and whether the closing handshake completed. */
export class CloseEvent extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
  }
}

/** Initialiser of {@link ErrorEvent}. */
export interface ErrorEventInit extends EventInit {
  message?: string;
  error?: unknown;
}

/**
 * The `error` event. The standard fires a plain `Event`; this subclass adds
 * what a server-side program needs to know why the connection failed:
 * `message`, and `error` (the rfc6455 exception or Node system error).
 */
export class ErrorEvent extends Event {
  readonly message: string;
  readonly error: unknown;

  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.message = init.message ?? '';
    this.error = init.error;
  }
}

/** Initialiser of {@link MessageEvent}. */
export interface MessageEventInit<T = unknown> extends EventInit {
  data?: T;
  origin?: string;
  lastEventId?: string;
}

/**
 * The `message` event (HTML § The MessageEvent interface): `data`, and `origin`,
 * the serialised origin of the WebSocket's URL. Its own class rather than Node's
 * global one: `event instanceof globalThis.MessageEvent` is false. The events the WebSocket fires
 * for received messages are instances of this class built without `Event`'s
 * constructor, for speed: they behave as the DOM Standard says, but Node's
 * `dispatchEvent` does not take them again.
 */
export class MessageEvent<T = unknown> extends Event {
  readonly data: T;
  readonly origin: string;
  readonly lastEventId: string;

  constructor(type: string, init: MessageEventInit<T> = {}) {
    super(type, init);
    this.data = init.data as T;
    this.origin = init.origin ?? '';
    this.lastEventId = init.lastEventId ?? '';
  }

  /** Always null: a WebSocket message has no source window or port. */
  get source(): null {
    return null;
  }

  /** Always empty: a WebSocket message transfers no ports. */
  get ports(): readonly never[] {
    return NO_PORTS;
  }
}

const NO_PORTS: readonly never[] = Object.freeze([]);
