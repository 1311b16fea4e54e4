/**
 * The one exception hierarchy of rfc6455. Every layer throws one of these
 * (or, for refused/reset TCP connections and TLS failures, the Node system
 * error unchanged, as websocket-client does).
 */

/** Options common to every exception of the hierarchy. */
export interface WebSocketExceptionOptions {
  /** The underlying error this one wraps (a Node system error, a zlib error…). */
  cause?: unknown;
  /** The close code sent to the peer when the connection was failed because of this error. */
  closeCode?: number;
}

/** Root of the hierarchy: `catch (e) { if (e instanceof WebSocketException) … }` catches them all. */
export class WebSocketException extends Error {
  /** The close code sent when this error failed the connection (1002, 1007, 1009…). */
  closeCode?: number;

  constructor(message: string, options?: WebSocketExceptionOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Keep `name` right for every subclass, also after compilation to ES5-style output.
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
    if (options?.closeCode !== undefined) this.closeCode = options.closeCode;
  }
}

/** A frame or handshake broke the protocol: rsv bits, opcodes, control frame rules, close codes, bad 101. */
export class WebSocketProtocolException extends WebSocketException {}

/** Invalid UTF-8 in a text message or close reason, or a message larger than `maxPayload`. */
export class WebSocketPayloadException extends WebSocketException {}

/** Options of {@link WebSocketConnectionClosedException}: the common ones plus what the server's close frame said. */
export interface WebSocketConnectionClosedExceptionOptions extends WebSocketExceptionOptions {
  /** The status code of the server's close frame; `null` when its close frame carried none. */
  peerCloseCode?: number | null;
  /** The reason of the server's close frame ('' when it carried none). */
  peerCloseReason?: string;
}

/**
 * An operation on a connection that is closed or was lost.
 *
 * When the server closed the connection, `peerCloseCode` and
 * `peerCloseReason` say what its close frame said, so that a program learns
 * why the server left without parsing the message. `closeCode` keeps its
 * meaning: the code this client sent when it failed the connection.
 */
export class WebSocketConnectionClosedException extends WebSocketException {
  /**
   * The status code of the server's close frame (1000, 1001, 4001…), `null`
   * when its close frame carried no code; undefined when the connection did
   * not end with a close frame from the server (lost, aborted, failed).
   */
  readonly peerCloseCode?: number | null;
  /** The reason of the server's close frame ('' when none); undefined when the server sent no close frame. */
  readonly peerCloseReason?: string;

  constructor(message: string, options?: WebSocketConnectionClosedExceptionOptions) {
    super(message, options);
    if (options?.peerCloseCode !== undefined) this.peerCloseCode = options.peerCloseCode;
    if (options?.peerCloseReason !== undefined) this.peerCloseReason = options.peerCloseReason;
  }
}

/** A connect, handshake, read, write or ping deadline passed. */
export class WebSocketTimeoutException extends WebSocketException {}

/** Options of {@link WebSocketProxyException}: the common ones plus an HTTP proxy's refusal status. */
export interface WebSocketProxyExceptionOptions extends WebSocketExceptionOptions {
  /** The status code of an HTTP(S) proxy's non-2xx reply to CONNECT. */
  statusCode?: number;
  /** The reason phrase of that reply ('' when the proxy sent none). */
  statusMessage?: string;
}

/** A proxy refused, failed authentication, answered garbage or could not be reached. */
export class WebSocketProxyException extends WebSocketException {
  /** The status code when an HTTP(S) proxy refused CONNECT (407, 403, 502…); undefined for other failures. */
  readonly statusCode?: number;
  /** The reason phrase of that refusal (`'Proxy Authentication Required'`); undefined for other failures. */
  readonly statusMessage?: string;

  constructor(message: string, options?: WebSocketProxyExceptionOptions) {
    super(message, options);
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
    if (options?.statusMessage !== undefined) this.statusMessage = options.statusMessage;
  }
}

/** A URL that cannot be used, or a host name that does not resolve. */
export class WebSocketAddressException extends WebSocketException {}

/** The server answered the opening handshake with a status other than 101. */
export class WebSocketBadStatusException extends WebSocketException {
  /** The HTTP status code the server sent. */
  readonly statusCode: number;
  /** The reason phrase of the status line. */
  readonly statusMessage?: string;
  /** The response headers, names lower-cased. */
  readonly respHeaders?: Record<string, string>;
  /** The response body: per Content-Length or until close, at most 64 KiB, within the timeout. */
  readonly respBody?: Buffer;

  constructor(
    message: string,
    statusCode: number,
    statusMessage?: string,
    respHeaders?: Record<string, string>,
    respBody?: Buffer,
    options?: WebSocketExceptionOptions,
  ) {
    super(message, options);
    this.statusCode = statusCode;
    if (statusMessage !== undefined) this.statusMessage = statusMessage;
    if (respHeaders !== undefined) this.respHeaders = respHeaders;
    if (respBody !== undefined) this.respBody = respBody;
  }
}
