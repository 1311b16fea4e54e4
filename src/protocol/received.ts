/**
 * The one type of what is received from the server, from the protocol session
 * to the user: the session hands frames out as it (raw frame mode, fragments
 * with `fireContFrame`), the WebSocket queues messages, pings, pongs and the
 * close as it, and its reads return it.
 */

/**
 * One received unit: a whole message, one frame as it came (raw frame mode,
 * or a fragment with `fireContFrame`), a ping, a pong or the close frame.
 * The session hands out frames, whose data is always bytes: `Received<Buffer>`.
 */
export interface Received<Data extends string | Buffer = string | Buffer> {
  opcode: number;
  /**
   * A whole text message: the decoded string. Anything else: bytes (a frame's
   * own payload, a whole message inflated if it came compressed, a close
   * frame's payload as received).
   */
  data: Data;
  /** 1 on a whole unit and on the last frame of a fragmented message. */
  fin: 0 | 1;
  /** The frame's reserved bits (RFC 6455 §5.2); 0 on a whole message. */
  rsv1: 0 | 1;
  rsv2: 0 | 1;
  rsv3: 0 | 1;
  /** True for one frame as it came (raw frame mode, `fireContFrame`); false for a whole message or control frame. */
  frame: boolean;
  /** A fragmented message received whole and uncompressed: the payload length of each of its frames, in order. */
  frames?: readonly number[];
  /** On the last frame of a compressed message in raw frame mode (RFC 7692): the whole message, inflated and checked. */
  message?: Buffer;
  /** A ping or pong that came between the frames of a fragmented message: after how many of them. */
  afterFrames?: number;
  /** A close frame's status code, `null` when it carried none (RFC 6455 §7.1.5). */
  code?: number | null;
  /** A close frame's reason, '' when none (RFC 6455 §7.1.6). */
  reason?: string;
}

/** @deprecated The former name of a frame the session hands out, `Received<Buffer>`. */
export type ReceivedFrame = Received<Buffer>;

/** A whole unit (message, ping, pong or close) of `opcode`: fin set, no reserved bits, not a frame of its own. */
export function wholeUnit<Data extends string | Buffer>(opcode: number, data: Data): Received<Data> {
  return { opcode, data, fin: 1, rsv1: 0, rsv2: 0, rsv3: 0, frame: false };
}
