/** Small pieces of HTTP/1.1 message syntax (RFC 7230) shared by the request builder and the response parser. */

/** RFC 7230 §3.2.6: token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `s` is an RFC 7230 token (header names, subprotocol names). */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/**
 * The first character that may not appear in a header value we send: CR, LF,
 * NUL and every other control character but HTAB (RFC 7230 §3.2: field-content
 * is VCHAR, SP, HTAB and obs-text). Returns its index, or -1.
 */
export function forbiddenValueChar(value: string): number {
  return value.search(/[\x00-\x08\x0a-\x1f\x7f]/);
}

/** Shortens text quoted in an error message, showing control characters escaped. */
export function quote(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** Splits a comma-separated header value into trimmed, non-empty elements (RFC 7230 §7). */
export function headerList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
