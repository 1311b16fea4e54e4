/**
 * The options of a `WebSocket`: the constructor's, and `connect()`'s
 * (the opening sequence's, plus compression), with the defaults of the
 * receive bounds.
 */
import type * as tls from 'node:tls';
import type { ConnectOptions as OpeningOptions } from './opening.js';
import type { DeflateOptions } from './protocol/deflate.js';
import type { SocketOptions } from './transport/connect.js';

/** Options of `WebSocket.connect()`: the opening sequence's, plus compression. */
export interface ConnectOptions extends OpeningOptions {
  /**
   * permessage-deflate (RFC 7692) for this connection, as the constructor's
   * option of the same name (which it overrides when given here).
   */
  perMessageDeflate?: boolean | DeflateOptions;
}

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

/** Default of `maxQueue`. */
export const DEFAULT_MAX_QUEUE = 16;
/**
 * 1 MiB: below the size of large messages, so a slow reader of 16 MiB
 * messages holds one of them unread at most (the count bound alone would
 * allow 256 MiB), the closest a pull API gets to `ws`, which has no queue.
 * Messages up to 64 KiB still fill the count bound first.
 */
export const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024;


/**
 * The options of a WebSocket made without any: one frozen record shared by
 * every such WebSocket, rather than an empty object kept by each.
 */
export const NO_OPTIONS: Readonly<WebSocketOptions & ConnectOptions> = Object.freeze({});
