/**
 * Credentials kept out of messages and trace lines: the values of
 * `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` are replaced
 * by `***`, keeping what helps to debug (the auth scheme, cookie names and
 * Set-Cookie attributes). Pure string functions.
 */

/** The headers whose values carry credentials. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** True when a header of this name carries credentials. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.trim().toLowerCase());
}

/**
 * The value of header `name` as it may be shown: `Basic ***` for
 * (Proxy-)Authorization, `a=***; b=***` for Cookie, `sid=***; Path=/; HttpOnly`
 * for each line of a Set-Cookie (several are joined with `\n`); other headers unchanged.
 */
export function redactHeaderValue(name: string, value: string): string {
  switch (name.trim().toLowerCase()) {
    case 'authorization':
    case 'proxy-authorization': {
      // RFC 7235 §2.1: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
      const scheme = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+\S/.exec(value);
      return scheme ? `${scheme[1]} ***` : '***';
    }
    case 'cookie':
      return value.split(';').map(cookieName).join('; ');
    case 'set-cookie':
      // RFC 6265 §4.1.1: the first pair is the cookie, the rest are attributes.
      return value
        .split('\n')
        .map((line) => {
          const semicolon = line.indexOf(';');
          return semicolon < 0 ? cookieName(line) : `${cookieName(line.slice(0, semicolon))}${line.slice(semicolon)}`;
        })
        .join('\n');
    default:
      return value;
  }
}

/**
 * A header line (`Name: value`) as it may be shown. A line that does not parse
 * as a header but starts like a secret one (no colon, a space instead) is
 * hidden after its first word.
 */
export function redactHeaderLine(line: string): string {
  const colon = line.indexOf(':');
  if (colon >= 0) {
    const name = line.slice(0, colon);
    if (!isSecretHeader(name)) return line;
    const value = line.slice(colon + 1);
    const space = /^[ \t]*/.exec(value)![0];
    return `${name}:${space}${redactHeaderValue(name, value.slice(space.length))}`;
  }
  const firstWord = /^[ \t]*[^ \t]*/.exec(line)![0];
  return isSecretHeader(firstWord) && firstWord.length < line.length ? `${firstWord} ***` : line;
}

/** Every header line of an HTTP head (request or response text) redacted; the start line kept. */
export function redactHead(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? line : redactHeaderLine(line)))
    .join('\n');
}

function cookieName(pair: string): string {
  const trimmed = pair.trim();
  const equals = trimmed.indexOf('=');
  return equals < 0 ? '***' : `${trimmed.slice(0, equals).trim()}=***`;
}
