/**
 * A table-driven tokenizer of a `Sec-WebSocket-Extensions` header value
 * (RFC 6455 §9.1, with the list rules of RFC 7230 §7):
 *
 *   extension-list = 1#extension
 *   extension      = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" ( token / quoted-string ) ]
 *
 * Optional whitespace is allowed around `,` `;` and `=`, and empty list
 * elements are skipped (RFC 7230 §7). A quoted value must be a token once
 * unescaped (RFC 6455 §9.1). Each character is classified once and one table
 * lookup gives the next state and the action to take: no regular expressions.
 */
import { createError } from '../exceptions.js';

/** One extension of the list, with its parameters in the order they came. */
export interface ExtensionElement {
  name: string;
  /** `value` is `null` for a parameter without `=`. */
  params: Array<{ name: string; value: string | null }>;
}

// Character classes.
const C_TOKEN = 0;
const C_SPACE = 1;
const C_COMMA = 2;
const C_SEMI = 3;
const C_EQUALS = 4;
const C_DQUOTE = 5;
const C_BACKSLASH = 6;
/** Visible characters allowed only inside a quoted string: separators and obs-text. */
const C_QUOTABLE = 7;
const C_INVALID = 8;
/** A virtual character after the last one. */
const C_END = 9;
const CLASSES = 10;

// States.
const S_LIST = 0;
const S_NAME = 1;
const S_AFTER_ITEM = 2;
const S_PARAM_START = 3;
const S_PARAM_NAME = 4;
const S_AFTER_PARAM_NAME = 5;
const S_VALUE_START = 6;
const S_VALUE = 7;
const S_QUOTED = 8;
const S_QUOTED_ESCAPE = 9;
const S_DONE = 10;
const S_ERROR = 15;
const STATES = 11;

// Actions, run on a transition.
const A_NONE = 0;
const A_MARK = 1; // remember where a name or token value starts
const A_END_NAME = 2; // a new extension named by the marked text
const A_END_PARAM = 3; // a new parameter (no value yet) named by the marked text
const A_END_VALUE = 4; // the marked text is the last parameter's value
const A_OPEN_QUOTE = 5;
const A_QUOTED_CHAR = 6;
const A_CLOSE_QUOTE = 7;

/** What each state expects, for error messages. */
const EXPECTED: readonly string[] = [
  'an extension name',
  "an extension name character, ';' or ','",
  "';', ',' or the end",
  'a parameter name',
  "a parameter name character, '=', ';', ',' or the end",
  "'=', ';', ',' or the end",
  'a parameter value (a token or a quoted string)',
  "a value character, ';', ',' or the end",
  "a quoted-string character or the closing '\"'",
  'an escaped character',
];

const CHAR_CLASS = new Uint8Array(256).fill(C_QUOTABLE);
for (let c = 0; c < 0x20; c++) CHAR_CLASS[c] = C_INVALID;
CHAR_CLASS[0x7f] = C_INVALID;
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  CHAR_CLASS[ch.charCodeAt(0)] = C_TOKEN;
}
CHAR_CLASS[0x20] = C_SPACE;
CHAR_CLASS[0x09] = C_SPACE;
CHAR_CLASS[0x2c] = C_COMMA;
CHAR_CLASS[0x3b] = C_SEMI;
CHAR_CLASS[0x3d] = C_EQUALS;
CHAR_CLASS[0x22] = C_DQUOTE;
CHAR_CLASS[0x5c] = C_BACKSLASH;

/** TABLE[state * CLASSES + class] = (action << 4) | next state; unlisted pairs are errors. */
const TABLE = new Uint8Array(STATES * CLASSES).fill(S_ERROR);

function on(state: number, classes: readonly number[], next: number, action = A_NONE): void {
  for (const c of classes) TABLE[state * CLASSES + c] = (action << 4) | next;
}

const QDTEXT = [C_TOKEN, C_SPACE, C_COMMA, C_SEMI, C_EQUALS, C_QUOTABLE];

on(S_LIST, [C_SPACE, C_COMMA], S_LIST);
on(S_LIST, [C_TOKEN], S_NAME, A_MARK);
on(S_LIST, [C_END], S_DONE);
on(S_NAME, [C_TOKEN], S_NAME);
on(S_NAME, [C_SPACE], S_AFTER_ITEM, A_END_NAME);
on(S_NAME, [C_SEMI], S_PARAM_START, A_END_NAME);
on(S_NAME, [C_COMMA], S_LIST, A_END_NAME);
on(S_NAME, [C_END], S_DONE, A_END_NAME);
on(S_AFTER_ITEM, [C_SPACE], S_AFTER_ITEM);
on(S_AFTER_ITEM, [C_SEMI], S_PARAM_START);
on(S_AFTER_ITEM, [C_COMMA], S_LIST);
on(S_AFTER_ITEM, [C_END], S_DONE);
on(S_PARAM_START, [C_SPACE], S_PARAM_START);
on(S_PARAM_START, [C_TOKEN], S_PARAM_NAME, A_MARK);
on(S_PARAM_NAME, [C_TOKEN], S_PARAM_NAME);
on(S_PARAM_NAME, [C_SPACE], S_AFTER_PARAM_NAME, A_END_PARAM);
on(S_PARAM_NAME, [C_EQUALS], S_VALUE_START, A_END_PARAM);
on(S_PARAM_NAME, [C_SEMI], S_PARAM_START, A_END_PARAM);
on(S_PARAM_NAME, [C_COMMA], S_LIST, A_END_PARAM);
on(S_PARAM_NAME, [C_END], S_DONE, A_END_PARAM);
on(S_AFTER_PARAM_NAME, [C_SPACE], S_AFTER_PARAM_NAME);
on(S_AFTER_PARAM_NAME, [C_EQUALS], S_VALUE_START);
on(S_AFTER_PARAM_NAME, [C_SEMI], S_PARAM_START);
on(S_AFTER_PARAM_NAME, [C_COMMA], S_LIST);
on(S_AFTER_PARAM_NAME, [C_END], S_DONE);
on(S_VALUE_START, [C_SPACE], S_VALUE_START);
on(S_VALUE_START, [C_TOKEN], S_VALUE, A_MARK);
on(S_VALUE_START, [C_DQUOTE], S_QUOTED, A_OPEN_QUOTE);
on(S_VALUE, [C_TOKEN], S_VALUE);
on(S_VALUE, [C_SPACE], S_AFTER_ITEM, A_END_VALUE);
on(S_VALUE, [C_SEMI], S_PARAM_START, A_END_VALUE);
on(S_VALUE, [C_COMMA], S_LIST, A_END_VALUE);
on(S_VALUE, [C_END], S_DONE, A_END_VALUE);
on(S_QUOTED, QDTEXT, S_QUOTED, A_QUOTED_CHAR);
on(S_QUOTED, [C_BACKSLASH], S_QUOTED_ESCAPE);
on(S_QUOTED, [C_DQUOTE], S_AFTER_ITEM, A_CLOSE_QUOTE);
on(S_QUOTED_ESCAPE, [...QDTEXT, C_DQUOTE, C_BACKSLASH], S_QUOTED, A_QUOTED_CHAR);

function describeAt(header: string, at: number): string {
  if (at >= header.length) return 'the end';
  const code = header.charCodeAt(at);
  return code > 0x20 && code < 0x7f ? `'${header[at]}'` : `byte 0x${code.toString(16).padStart(2, '0')}`;
}

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || CHAR_CLASS[code] !== C_TOKEN) return false;
  }
  return true;
}

/**
 * Split a `Sec-WebSocket-Extensions` value into extensions and parameters.
 *
 * @throws WebSocketProtocolException for a value that does not follow the
 *   grammar (saying what was expected where), or that names no extension.
 */
export function parseExtensions(header: string): ExtensionElement[] {
  const fail = (detail: string): never => {
    throw createError('WS_ERR_INVALID_EXTENSION_HEADER', `invalid Sec-WebSocket-Extensions ${JSON.stringify(header)}: ${detail}`);
  };
  const list: ExtensionElement[] = [];
  let state = S_LIST;
  let mark = 0;
  let quoted = '';
  for (let i = 0; i <= header.length; i++) {
    const code = i < header.length ? header.charCodeAt(i) : -1;
    const cls = code === -1 ? C_END : code > 0xff ? C_INVALID : CHAR_CLASS[code];
    const entry = TABLE[state * CLASSES + cls];
    const next = entry & 0x0f;
    if (next === S_ERROR) fail(`expected ${EXPECTED[state]} at offset ${i}, got ${describeAt(header, i)}`);
    switch (entry >>> 4) {
      case A_MARK:
        mark = i;
        break;
      case A_END_NAME:
        list.push({ name: header.slice(mark, i), params: [] });
        break;
      case A_END_PARAM:
        list[list.length - 1].params.push({ name: header.slice(mark, i), value: null });
        break;
      case A_END_VALUE:
        lastParam(list).value = header.slice(mark, i);
        break;
      case A_OPEN_QUOTE:
        quoted = '';
        break;
      case A_QUOTED_CHAR:
        quoted += header[i];
        break;
      case A_CLOSE_QUOTE:
        // RFC 6455 §9.1: once unescaped, a quoted value must be a token.
        if (!isToken(quoted)) fail(`expected the quoted value ending at offset ${i} to be a token once unescaped, got ${JSON.stringify(quoted)}`);
        lastParam(list).value = quoted;
        break;
    }
    state = next;
  }
  if (list.length === 0) fail('expected at least one extension (RFC 6455 §9.1)');
  return list;
}

function lastParam(list: ExtensionElement[]): { name: string; value: string | null } {
  const params = list[list.length - 1].params;
  return params[params.length - 1];
}
