/**
 * The settings of a client session, and the per-message compression it can
 * be handed (RFC 7692).
 */

/** Default largest number of frames in one fragmented message. */
export const DEFAULT_MAX_FRAGMENTS = 131072;

/**
 * The negotiated per-message compression (RFC 7692), synchronous so that the
 * session stays a sans-I/O state machine (see `deflate-codec.ts`).
 */
export interface MessageCompression {
  /** The payload to send with rsv1 set, or `null` to send `data` uncompressed. */
  compress(data: Uint8Array): Buffer | null;
  /**
   * One whole compressed message's payload, inflated.
   * @throws WebSocketPayloadException (1009) past `limit` bytes, found before they are allocated;
   *   WebSocketProtocolException (1002) for data that does not inflate.
   */
  decompress(compressed: Buffer, limit: number): Buffer;
  /** Drop the compression contexts: nothing will be sent or received anymore. */
  release(): void;
}

/** Settings of a `ClientSession`. */
export interface SessionOptions {
  /** Largest message in bytes, summed over its fragments; more fails with 1009. Default 64 MiB. */
  maxPayload?: number;
  /** Most frames in one message; more fails with 1009. Default 131072. */
  maxFragments?: number;
  /** Do not validate UTF-8 in text messages and close reasons (invalid bytes decode as U+FFFD). */
  skipUtf8Validation?: boolean;
  /**
   * The chunks given to `receive()` are the session's: nothing writes to them
   * after the call (no read buffer that is read into again). A one-frame
   * message that two chunks split is then kept as a view of the first until
   * the second comes, and handed out uncopied when the two lie next to each
   * other in memory (consecutive reads into one arena, see `large-reads.ts`).
   * Default false: such a message is copied into a buffer of its own.
   */
  ownsChunks?: boolean;
  /** Deliver the frames of fragmented messages one by one through `onFragment`. */
  fireContFrame?: boolean;
  /** Start in raw frame mode (see `ClientSession.rawFrames`). */
  rawFrames?: boolean;
  /** Split sent messages into frames of at most this many payload bytes; 0 (default) never splits. */
  fragmentSize?: number;
  /** Source of masking keys; default: crypto-random bytes from a pool. */
  getMaskKey?: (n: number) => Uint8Array;
  /**
   * Where unfragmented data frames are built: a Buffer of exactly `size`
   * bytes (such as `allocateFrame` of frame-ring.ts, whose frames the
   * transport gives back once written). Default: a new Buffer per frame.
   */
  allocateFrame?: (size: number) => Buffer;
  /**
   * The negotiated permessage-deflate: rsv1 is then accepted on the first frame
   * of a data message, whose payload is inflated before UTF-8 validation and
   * delivery, and sent messages go through `compress`.
   */
  compression?: MessageCompression | null;
}
