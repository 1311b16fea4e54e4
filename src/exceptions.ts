/**
 * The one exception hierarchy of rfc6455, its error codes and the factory that
 * builds them. Every layer throws one of these (or, for refused/reset TCP
 * connections and TLS failures, the Node system error unchanged, as
 * websocket-client does). Every exception carries a stable `code`
 * (`'WS_ERR_PING_TIMEOUT'`…): its class's default, or the specific code of
 * the place that threw it.
 */
import { CloseCode } from './frame/close-codes.js';

/** Options common to every exception of the hierarchy. */
export interface WebSocketExceptionOptions {
  /** The underlying error this one wraps (a Node system error, a zlib error…). */
  cause?: unknown;
  /** The close code sent to the peer when the connection was failed because of this error. */
  closeCode?: number;
  /** The machine-readable code; default: the class's `defaultCode`. */
  code?: ErrorCode;
}

/** Root of the hierarchy: `catch (e) { if (e instanceof WebSocketException) … }` catches them all. */
export class WebSocketException extends Error {
  /** The code of exceptions of this class thrown without a more specific one. */
  static readonly defaultCode: ErrorCode = 'WS_ERR_GENERIC';
  /** A stable machine-readable code, `'WS_ERR_…'`: compare it rather than the message, whose words may change. */
  readonly code: ErrorCode;
  /** The close code sent when this error failed the connection (1002, 1007, 1009…). */
  closeCode?: number;

  constructor(message: string, options?: WebSocketExceptionOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Keep `name` right for every subclass, also after compilation to ES5-style output.
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
    this.code = options?.code ?? (new.target as typeof WebSocketException).defaultCode;
    if (options?.closeCode !== undefined) this.closeCode = options.closeCode;
  }
}

/** A frame or handshake broke the protocol: rsv bits, opcodes, control frame rules, close codes, bad 101. */
export class WebSocketProtocolException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_PROTOCOL';
}

/** Invalid UTF-8 in a text message or close reason, or a message larger than `maxPayload`. */
export class WebSocketPayloadException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_PAYLOAD';
}

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
  static override readonly defaultCode: ErrorCode = 'WS_ERR_CONNECTION_CLOSED';
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
export class WebSocketTimeoutException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_TIMEOUT';
}

/** Options of {@link WebSocketProxyException}: the common ones plus an HTTP proxy's refusal status. */
export interface WebSocketProxyExceptionOptions extends WebSocketExceptionOptions {
  /** The status code of an HTTP(S) proxy's non-2xx reply to CONNECT. */
  statusCode?: number;
  /** The reason phrase of that reply ('' when the proxy sent none). */
  statusMessage?: string;
}

/** A proxy refused, failed authentication, answered garbage or could not be reached. */
export class WebSocketProxyException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_PROXY';
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
export class WebSocketAddressException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_ADDRESS';
}

/** Options of {@link WebSocketBadStatusException} given as one object: the common ones plus the response. */
export interface WebSocketBadStatusExceptionOptions extends WebSocketExceptionOptions {
  /** The HTTP status code the server sent. */
  statusCode: number;
  /** The reason phrase of the status line. */
  statusMessage?: string;
  /** The response headers, names lower-cased. */
  respHeaders?: Record<string, string>;
  /** The response body. */
  respBody?: Buffer;
}

/**
 * The server answered the opening handshake with a status other than 101.
 * Built as websocket-client builds it, `(message, statusCode, statusMessage?,
 * respHeaders?, respBody?, options?)`, or with one options object, as the
 * other exceptions with fields of their own are.
 */
export class WebSocketBadStatusException extends WebSocketException {
  static override readonly defaultCode: ErrorCode = 'WS_ERR_BAD_STATUS';
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
  );
  constructor(message: string, options: WebSocketBadStatusExceptionOptions);
  constructor(
    message: string,
    statusOrOptions: number | WebSocketBadStatusExceptionOptions,
    statusMessage?: string,
    respHeaders?: Record<string, string>,
    respBody?: Buffer,
    options?: WebSocketExceptionOptions,
  ) {
    const all: WebSocketBadStatusExceptionOptions =
      typeof statusOrOptions === 'number'
        ? { ...options, statusCode: statusOrOptions, statusMessage, respHeaders, respBody }
        : statusOrOptions;
    super(message, all);
    this.statusCode = all.statusCode;
    if (all.statusMessage !== undefined) this.statusMessage = all.statusMessage;
    if (all.respHeaders !== undefined) this.respHeaders = all.respHeaders;
    if (all.respBody !== undefined) this.respBody = all.respBody;
  }
}

/** Each class of the hierarchy by name: its instances and the options its constructor takes. */
interface ExceptionTypes {
  WebSocketException: [WebSocketException, WebSocketExceptionOptions];
  WebSocketProtocolException: [WebSocketProtocolException, WebSocketExceptionOptions];
  WebSocketPayloadException: [WebSocketPayloadException, WebSocketExceptionOptions];
  WebSocketConnectionClosedException: [WebSocketConnectionClosedException, WebSocketConnectionClosedExceptionOptions];
  WebSocketTimeoutException: [WebSocketTimeoutException, WebSocketExceptionOptions];
  WebSocketProxyException: [WebSocketProxyException, WebSocketProxyExceptionOptions];
  WebSocketAddressException: [WebSocketAddressException, WebSocketExceptionOptions];
  WebSocketBadStatusException: [WebSocketBadStatusException, WebSocketBadStatusExceptionOptions];
}

/** One entry of the catalogue: the class a code is thrown as, and the close code sent when it fails a connection. */
interface ErrorEntry {
  readonly type: keyof ExceptionTypes;
  readonly closeCode?: number;
}

const PROTOCOL_VIOLATION = { type: 'WebSocketProtocolException', closeCode: CloseCode.PROTOCOL_ERROR } as const;

/**
 * Every error code, with its class and, for the errors that fail a
 * connection because of what the peer sent, the close code sent to it.
 * The user documentation lists every code with its meaning; a test keeps that
 * list and this catalogue in step.
 */
const ERRORS = {
  // The defaults of the classes.
  WS_ERR_GENERIC: { type: 'WebSocketException' },
  WS_ERR_PROTOCOL: { type: 'WebSocketProtocolException' },
  WS_ERR_PAYLOAD: { type: 'WebSocketPayloadException' },
  WS_ERR_CONNECTION_CLOSED: { type: 'WebSocketConnectionClosedException' },
  WS_ERR_TIMEOUT: { type: 'WebSocketTimeoutException' },
  WS_ERR_PROXY: { type: 'WebSocketProxyException' },
  WS_ERR_ADDRESS: { type: 'WebSocketAddressException' },
  WS_ERR_BAD_STATUS: { type: 'WebSocketBadStatusException' },
  // Options and use.
  WS_ERR_INVALID_OPTION: { type: 'WebSocketException' },
  WS_ERR_INVALID_TLS_OPTION: { type: 'WebSocketException' },
  WS_ERR_ABORTED: { type: 'WebSocketException' },
  WS_ERR_ALREADY_RUNNING: { type: 'WebSocketException' },
  WS_ERR_ALREADY_CONNECTED: { type: 'WebSocketException' },
  WS_ERR_HANDSHAKE_FINISHED: { type: 'WebSocketException' },
  WS_ERR_NOT_CONNECTED: { type: 'WebSocketConnectionClosedException' },
  // Addresses.
  WS_ERR_INVALID_URL: { type: 'WebSocketAddressException' },
  WS_ERR_INVALID_TARGET: { type: 'WebSocketAddressException' },
  WS_ERR_HOST_NOT_RESOLVED: { type: 'WebSocketAddressException' },
  // Opening the connection.
  WS_ERR_OPEN_TIMEOUT: { type: 'WebSocketTimeoutException' },
  WS_ERR_CONNECT_TIMEOUT: { type: 'WebSocketTimeoutException' },
  WS_ERR_GIVEN_SOCKET_CLOSED: { type: 'WebSocketConnectionClosedException' },
  WS_ERR_CLOSED_DURING_HANDSHAKE: { type: 'WebSocketConnectionClosedException' },
  WS_ERR_INVALID_HANDSHAKE_REQUEST: { type: 'WebSocketProtocolException' },
  WS_ERR_INVALID_HANDSHAKE_RESPONSE: { type: 'WebSocketProtocolException' },
  WS_ERR_INVALID_EXTENSION_HEADER: { type: 'WebSocketProtocolException' },
  WS_ERR_EXTENSION_NEGOTIATION: { type: 'WebSocketProtocolException' },
  WS_ERR_TOO_MANY_REDIRECTS: { type: 'WebSocketBadStatusException' },
  WS_ERR_BAD_REDIRECT: { type: 'WebSocketBadStatusException' },
  // Proxies.
  WS_ERR_INVALID_PROXY_OPTION: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_UNREACHABLE: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_CONNECTION_LOST: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_BAD_REPLY: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_REFUSED: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_AUTH: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_UNSUPPORTED_TARGET: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_HANDSHAKE_FINISHED: { type: 'WebSocketProxyException' },
  WS_ERR_PROXY_TIMEOUT: { type: 'WebSocketTimeoutException' },
  // The open connection.
  WS_ERR_CONNECTION_LOST: { type: 'WebSocketConnectionClosedException' },
  WS_ERR_RECV_TIMEOUT: { type: 'WebSocketTimeoutException' },
  WS_ERR_SEND_TIMEOUT: { type: 'WebSocketTimeoutException' },
  // Frames the peer sent (RFC 6455 §5, §7.4; RFC 7692).
  WS_ERR_UNEXPECTED_RSV: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_OPCODE: PROTOCOL_VIOLATION,
  WS_ERR_FRAGMENTED_CONTROL: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: PROTOCOL_VIOLATION,
  WS_ERR_MASKED_FRAME: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_PAYLOAD_LENGTH: PROTOCOL_VIOLATION,
  WS_ERR_UNEXPECTED_CONTINUATION: PROTOCOL_VIOLATION,
  WS_ERR_EXPECTED_CONTINUATION: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_CLOSE_PAYLOAD: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_CLOSE_CODE: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_COMPRESSED_DATA: PROTOCOL_VIOLATION,
  WS_ERR_INVALID_UTF8: { type: 'WebSocketPayloadException', closeCode: CloseCode.INVALID_PAYLOAD },
  WS_ERR_MESSAGE_TOO_BIG: { type: 'WebSocketPayloadException', closeCode: CloseCode.MESSAGE_TOO_BIG },
  WS_ERR_TOO_MANY_FRAGMENTS: { type: 'WebSocketPayloadException', closeCode: CloseCode.MESSAGE_TOO_BIG },
  // Frames we were asked to build or send.
  WS_ERR_INVALID_FRAME_FIELD: { type: 'WebSocketProtocolException' },
  WS_ERR_INVALID_MASK_KEY: { type: 'WebSocketProtocolException' },
  WS_ERR_CONTROL_PAYLOAD_TOO_LONG: { type: 'WebSocketProtocolException' },
  WS_ERR_UNSENDABLE_CLOSE_CODE: { type: 'WebSocketProtocolException' },
  WS_ERR_CLOSE_REASON_WITHOUT_CODE: { type: 'WebSocketProtocolException' },
  // WebSocketApp.
  WS_ERR_PING_TIMEOUT: { type: 'WebSocketTimeoutException' },
} as const satisfies Record<string, ErrorEntry>;

/** A stable machine-readable error code: `'WS_ERR_INVALID_CLOSE_CODE'`, `'WS_ERR_PING_TIMEOUT'`… */
export type ErrorCode = keyof typeof ERRORS;

/** Every error code, grouped by topic: the class defaults first. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(ERRORS) as ErrorCode[]);

type TypeOf<C extends ErrorCode> = ExceptionTypes[(typeof ERRORS)[C]['type']];

const CLASSES: { [K in keyof ExceptionTypes]: new (message: string, options: ExceptionTypes[K][1]) => ExceptionTypes[K][0] } = {
  WebSocketException,
  WebSocketProtocolException,
  WebSocketPayloadException,
  WebSocketConnectionClosedException,
  WebSocketTimeoutException,
  WebSocketProxyException,
  WebSocketAddressException,
  WebSocketBadStatusException,
};

/**
 * The one way the library builds an exception: the class and the close code
 * come with the code, from the catalogue above; `options` adds the cause and
 * the fields of the class (`statusCode`, `peerCloseCode`…).
 */
export function createError<C extends ErrorCode>(
  code: C,
  message: string,
  options?: Omit<TypeOf<C>[1], 'code'>,
): TypeOf<C>[0] {
  const entry: ErrorEntry = ERRORS[code];
  const Type = CLASSES[entry.type] as new (message: string, options: WebSocketExceptionOptions) => WebSocketException;
  return new Type(message, { ...(entry.closeCode === undefined ? {} : { closeCode: entry.closeCode }), ...options, code }) as TypeOf<C>[0];
}
