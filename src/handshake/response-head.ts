/**
 * The parsed head of the server's answer to the Upgrade request: the one type
 * the head parser (response.ts) produces and the body collector (body.ts)
 * reads, kept apart so neither module imports the other's code.
 */

/** A parsed response head. */
export interface HandshakeResponse {
  /** `"1.1"` or `"1.0"`. */
  httpVersion: string;
  statusCode: number;
  /** The reason phrase, `''` when the server sent none. */
  statusMessage: string;
  /**
   * Header values by lower-cased name. Repeated headers are joined with `", "`
   * (RFC 7230 §3.2.2), except `set-cookie`, whose values are joined with `"\n"`
   * because a cookie may itself contain a comma (RFC 6265 §3).
   */
  headers: Record<string, string>;
  /** Every header line as received: name in its original case, trimmed value, in order. */
  rawHeaders: Array<[name: string, value: string]>;
}
