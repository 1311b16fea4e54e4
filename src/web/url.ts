/**
 * The constructor's argument checks of the WHATWG WebSockets standard
 * (§ "The WebSocket interface", new WebSocket(url, protocols) steps).
 */

/** RFC 7230 §3.2.6 tchar: what a Sec-WebSocket-Protocol element may contain (RFC 6455 §4.1 item 10). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function syntaxError(message: string): DOMException {
  return new DOMException(message, 'SyntaxError');
}

/**
 * Parse the constructor's URL: `http:`/`https:` become `ws:`/`wss:`; any
 * other scheme, a fragment, or an unparsable URL is a `SyntaxError`.
 */
export function parseWebSocketUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw syntaxError(`expected an absolute ws:, wss:, http: or https: URL, got ${JSON.stringify(String(input))}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw syntaxError(`expected a ws:, wss:, http: or https: URL, got scheme ${JSON.stringify(url.protocol)}`);
  }
  // The standard rejects a fragment, even an empty one ('#').
  if (url.hash !== '' || url.href.endsWith('#')) {
    throw syntaxError(`a WebSocket URL may not have a fragment, got ${JSON.stringify(url.href)}`);
  }
  return url;
}

/** The protocols argument as a list; a repeated or malformed subprotocol is a `SyntaxError`. */
export function checkProtocols(protocols: string | readonly string[] | undefined): string[] {
  if (protocols === undefined) return [];
  const list = typeof protocols === 'string' ? [protocols] : Array.from(protocols, String);
  const seen = new Set<string>();
  for (const protocol of list) {
    if (!TOKEN.test(protocol)) {
      throw syntaxError(`expected each subprotocol to be a non-empty token (RFC 6455 §4.1), got ${JSON.stringify(protocol)}`);
    }
    if (seen.has(protocol)) throw syntaxError(`subprotocol ${JSON.stringify(protocol)} is given more than once`);
    seen.add(protocol);
  }
  return list;
}
