/**
 * Every option a user can set is checked here, by one rule per kind of value
 * (durations, counts, ports, booleans, enums, strings, lists, functions), and
 * the tables below say which rule each option follows. A refusal names the
 * option and quotes the value as it was given:
 * `expected timeout to be a number of milliseconds from 0 to 2147483647, or null to wait forever, got "5"`.
 *
 * Pure (no I/O, no timers): the sans-I/O layers use it too.
 */
import { createError } from './exceptions.js';

/** The longest delay Node's timers honour (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Every proxy type, in the order messages list them. */
export const PROXY_TYPES = ['http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h'] as const;

/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;

/**
 * The code a refusal is thrown with, which decides its class: WebSocketException
 * (WS_ERR_INVALID_OPTION) unless the option's users already see another
 * (WebSocketProxyException for a proxy option, WebSocketAddressException for a target).
 */
export type OptionErrorCode = 'WS_ERR_INVALID_OPTION' | 'WS_ERR_INVALID_PROXY_OPTION' | 'WS_ERR_INVALID_TARGET';

/** Checks one option's value; `name` is the option as the user wrote it (`perMessageDeflate.threshold`). */
export type Rule = (name: string, value: unknown) => void;

/** Which rule each option of one options object follows. */
export type RuleTable = Readonly<Record<string, Rule>>;

/** Characters of a string shown in a message before it is cut with "…". */
const SHOWN_CHARS = 60;
/** Items of an array shown in a message before "…". */
const SHOWN_ITEMS = 5;

/**
 * The value as a message quotes it, JSON-like: strings in double quotes (so
 * `"5"` never reads as the number 5), numbers as written (`3000000000`, `NaN`,
 * `-Infinity`), arrays item by item; objects by their kind (`an object`,
 * `a Buffer of 3 bytes`), never by their contents.
 */
export function describeValue(value: unknown, depth = 0): string {
  switch (typeof value) {
    case 'string':
      return value.length > SHOWN_CHARS ? `${JSON.stringify(value.slice(0, SHOWN_CHARS))}…` : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(value);
    case 'function':
      return 'a function';
  }
  if (Array.isArray(value) && depth === 0) {
    const items = value.slice(0, SHOWN_ITEMS).map((item: unknown) => describeValue(item, depth + 1));
    if (value.length > SHOWN_ITEMS) items.push('…');
    return `[${items.join(', ')}]`;
  }
  return describeKind(value);
}

/**
 * What kind of value it is, without its contents: for options that may hold a
 * secret (headers, cookies, proxy credentials), whose values never appear in a message.
 */
function describeKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return 'a string';
  if (typeof value !== 'object') return withArticle(typeof value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Uint8Array) return `${withArticle(value.constructor.name)} of ${value.length} bytes`;
  const name = Object.getPrototypeOf(value)?.constructor?.name as string | undefined;
  return name === undefined || name === 'Object' ? 'an object' : withArticle(name);
}

function withArticle(noun: string): string {
  // "a Uint8Array", "a URL": a leading U reads as "you".
  return /^[aeio]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/**
 * Throws the refusal of one option: `expected <name> to be <expected>, got <value>`.
 * `shown` replaces the quoted value (for secrets, or a size instead of the whole value).
 */
function refuse(
  name: string,
  expected: string,
  value: unknown,
  error: OptionErrorCode = 'WS_ERR_INVALID_OPTION',
  shown: string = describeValue(value),
): never {
  throw createError(error, `expected ${name} to be ${expected}, got ${shown}`);
}

// ---------------------------------------------------------------- the rules

/** Options of {@link msRule}. */
interface MsRuleOptions {
  /** Refuse 0 (a deadline of no time at all). */
  aboveZero?: boolean;
  /** Accept null: no limit, wait forever. */
  orNull?: boolean;
}

/**
 * A duration: a finite number of milliseconds, >= 0 (or > 0), at most
 * 2^31 - 1 (Node's timer limit), and null when null means "forever".
 */
function msRule(options: MsRuleOptions = {}): Rule {
  const range = options.aboveZero === true ? `above 0 and at most ${MAX_TIMER_MS}` : `from 0 to ${MAX_TIMER_MS}`;
  const expected = `a number of milliseconds ${range}${options.orNull === true ? ', or null to wait forever' : ''}`;
  const min = options.aboveZero === true ? Number.MIN_VALUE : 0;
  return (name, value) => {
    if (value === null && options.orNull === true) return;
    if (typeof value !== 'number' || !(value >= min && value <= MAX_TIMER_MS)) refuse(name, expected, value);
  };
}

/** Options of {@link integerRule}. */
interface IntegerRuleOptions {
  /** Largest value accepted; default Number.MAX_SAFE_INTEGER. */
  max?: number;
  /** Accept Infinity too (no limit). */
  orInfinity?: boolean;
  /** The exception class of a refusal. */
  error?: OptionErrorCode;
}

/** A count or size: a safe integer >= `min` (and <= `max` when given). */
function integerRule(min: number, options: IntegerRuleOptions = {}): Rule {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  const expected = options.orInfinity === true ? `${range}, or Infinity` : range;
  return (name, value) => {
    if (value === Infinity && options.orInfinity === true) return;
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      refuse(name, expected, value, options.error);
    }
  };
}

/** True for a TCP port a client can connect to: an integer from 1 to 65535. */
export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** A value of one `typeof` kind. */
function typeRule(type: 'boolean' | 'string' | 'function', expected: string): Rule {
  return (name, value) => {
    if (typeof value !== type) refuse(name, expected, value);
  };
}

const booleanRule: Rule = typeRule('boolean', 'a boolean');
const stringRule: Rule = typeRule('string', 'a string');
const functionRule: Rule = typeRule('function', 'a function');

/** A string whose value is never shown (a cookie). */
const secretStringRule: Rule = (name, value) => {
  if (typeof value !== 'string') refuse(name, 'a string', value, 'WS_ERR_INVALID_OPTION', describeKind(value));
};

/** An object (not null, not an array), such as TLS options. */
const objectRule: Rule = (name, value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(name, 'an object', value);
};

/** An array of strings. */
const stringListRule: Rule = (name, value) => {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    refuse(name, 'an array of strings', value);
  }
};

/** One of a fixed set of strings. */
function oneOfRule(allowed: readonly string[], error: OptionErrorCode = 'WS_ERR_INVALID_OPTION'): Rule {
  const expected = `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  return (name, value) => {
    if (typeof value !== 'string' || !allowed.includes(value)) refuse(name, expected, value, error);
  };
}

/** Checks every option of `options` that its table names and that is not undefined. */
function checkTable(what: string, table: RuleTable, options: unknown, prefix = ''): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) refuse(what, 'an object', options);
  const given = options as Record<string, unknown>;
  for (const [name, rule] of Object.entries(table)) {
    const value = given[name];
    if (value !== undefined) rule(prefix + name, value);
  }
}

// ------------------------------------------------------ the option kinds

/** A duration, never null. */
export const checkMs: (name: string, value: unknown) => asserts value is number = msRule();
/** A duration, or null for "forever". */
export const checkMsOrNull: (name: string, value: unknown) => asserts value is number | null = msRule({ orNull: true });

/** A count or size: a safe integer >= `min`; returns it. */
export function checkCount(name: string, value: unknown, min: number): number {
  integerRule(min)(name, value);
  return value as number;
}

/** A TCP port to connect to: an integer from 1 to 65535, refused with `error` (the class users of that option already see). */
export function checkPort(name: string, value: unknown, error: OptionErrorCode): asserts value is number {
  integerRule(1, { max: 65535, error })(name, value);
}

/** One of a fixed set of strings, refused with `error`. */
export function checkOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  error: OptionErrorCode = 'WS_ERR_INVALID_OPTION',
): asserts value is T {
  oneOfRule(allowed, error)(name, value);
}

const SOCKOPT_RULES: RuleTable = {
  noDelay: booleanRule,
  // On or off, or on with this initial delay.
  keepAlive: (name, value) => {
    if (typeof value === 'boolean') return;
    if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_MS)) {
      refuse(name, `a boolean or a number of milliseconds from 0 to ${MAX_TIMER_MS}`, value);
    }
  },
};

/** `sockopt`: `{ noDelay?: boolean; keepAlive?: boolean | ms }`. */
export function checkSockopt(value: unknown): void {
  checkTable('sockopt', SOCKOPT_RULES, value, 'sockopt.');
}

/** RFC 7692 §7.1.2: the largest LZ77 window, 2^15 bytes. */
export const MAX_WINDOW_BITS = 15;
/** RFC 7692 §7.1.2: the smallest LZ77 window, 2^8 bytes. */
const MIN_WINDOW_BITS = 8;

/** True for a window size parameter: an integer from 8 to 15 (RFC 7692 §7.1.2). */
export function isWindowBits(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= MIN_WINDOW_BITS && (value as number) <= MAX_WINDOW_BITS;
}

const DEFLATE_RULES: RuleTable = {
  clientNoContextTakeover: booleanRule,
  serverNoContextTakeover: booleanRule,
  clientMaxWindowBits: (name, value) => {
    if (typeof value !== 'boolean' && !isWindowBits(value)) refuse(name, 'an integer from 8 to 15, or a boolean', value);
  },
  serverMaxWindowBits: (name, value) => {
    if (!isWindowBits(value)) refuse(name, 'an integer from 8 to 15', value);
  },
  threshold: integerRule(0),
};

/** `perMessageDeflate`: true, false, or an object of RFC 7692 parameters and `threshold`. */
export function checkPerMessageDeflate(value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('perMessageDeflate', 'true, false or an object', value);
  }
  checkTable('perMessageDeflate', DEFLATE_RULES, value, 'perMessageDeflate.');
}

/** `httpProxyAuth`: `[user, password]`, never shown in a message. */
export function checkProxyAuth(value: unknown, error: OptionErrorCode): asserts value is [string, string] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
    const shown = Array.isArray(value) ? `[${value.map(describeKind).join(', ')}]` : describeKind(value);
    refuse('httpProxyAuth', 'a [user, password] pair of strings', value, error, shown);
  }
}

/** Handshake headers: an object of values, or an array of `"Name: value"` lines; never shown (they may hold tokens). */
const headerRule: Rule = (name, value) => {
  if (typeof value !== 'object' || value === null) {
    refuse(name, 'an object or an array of "Name: value" strings', value, 'WS_ERR_INVALID_OPTION', describeKind(value));
  }
  if (Array.isArray(value) && !value.every((line) => typeof line === 'string')) {
    const shown = `[${value.map(describeKind).join(', ')}]`;
    refuse(name, 'an object or an array of "Name: value" strings', value, 'WS_ERR_INVALID_OPTION', shown);
  }
};

/** An already connected socket: anything with the stream methods the handshake uses. */
const socketRule: Rule = (name, value) => {
  const s = value as { write?: unknown; on?: unknown } | null;
  if (typeof s !== 'object' || s === null || typeof s.write !== 'function' || typeof s.on !== 'function') {
    refuse(name, 'a connected net.Socket or tls.TLSSocket', value);
  }
};

const signalRule: Rule = (name, value) => {
  if (!(value instanceof AbortSignal)) refuse(name, 'an AbortSignal', value);
};

/** Options of the `WebSocket` constructor (and of `createConnection`). */
export const WEBSOCKET_OPTION_RULES: RuleTable = {
  getMaskKey: functionRule,
  skipUtf8Validation: booleanRule,
  fireContFrame: booleanRule,
  enableMultithread: booleanRule,
  sockopt: (_name, value) => checkSockopt(value),
  sslopt: objectRule,
  maxPayload: integerRule(0),
  maxQueue: integerRule(1),
  maxQueueBytes: integerRule(1),
  maxFragments: integerRule(1),
  fragmentSize: integerRule(0),
  perMessageDeflate: (_name, value) => checkPerMessageDeflate(value),
};

/** Options of `connect()` (and of `createConnection`, `runForever`). */
export const CONNECT_OPTION_RULES: RuleTable = {
  timeout: checkMsOrNull,
  header: headerRule,
  cookie: secretStringRule,
  origin: stringRule,
  suppressOrigin: booleanRule,
  host: stringRule,
  subprotocols: stringListRule,
  redirectLimit: integerRule(0),
  httpProxyHost: stringRule,
  // The proxy options keep the class their users already catch for them.
  httpProxyPort: (name, value) => checkPort(name, value, 'WS_ERR_INVALID_PROXY_OPTION'),
  httpProxyAuth: (_name, value) => checkProxyAuth(value, 'WS_ERR_INVALID_PROXY_OPTION'),
  httpProxyTimeout: checkMs,
  httpNoProxy: stringListRule,
  proxyType: (name, value) => checkOneOf(name, value, PROXY_TYPES, 'WS_ERR_INVALID_PROXY_OPTION'),
  proxySslopt: objectRule,
  socket: socketRule,
  signal: signalRule,
  perMessageDeflate: (_name, value) => checkPerMessageDeflate(value),
};

/** Options of `WebSocketApp.runForever()` beyond the connect and WebSocket options. */
export const RUN_FOREVER_OPTION_RULES: RuleTable = {
  pingInterval: checkMs,
  pingTimeout: msRule({ aboveZero: true, orNull: true }),
  pingPayload: (name, value) => {
    const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value instanceof Uint8Array ? value.length : -1;
    const expected = `a string or bytes of at most ${MAX_CONTROL_PAYLOAD} bytes (RFC 6455 §5.5)`;
    if (bytes < 0) refuse(name, expected, value);
    if (bytes > MAX_CONTROL_PAYLOAD) refuse(name, expected, value, 'WS_ERR_INVALID_OPTION', `${bytes} bytes`);
  },
  reconnect: checkMs,
  reconnectMax: msRule({ aboveZero: true }),
  maxReconnects: integerRule(0, { orInfinity: true }),
};

/** Options of the `WebSocketApp` constructor. */
export const APP_OPTION_RULES: RuleTable = {
  header: (name, value) => {
    if (typeof value !== 'function') headerRule(name, value);
  },
  cookie: secretStringRule,
  subprotocols: stringListRule,
  getMaskKey: functionRule,
  socket: socketRule,
  onOpen: functionRule,
  onReconnect: functionRule,
  onMessage: functionRule,
  onData: functionRule,
  onContMessage: functionRule,
  onPing: functionRule,
  onPong: functionRule,
  onError: functionRule,
  onClose: functionRule,
};

/** @throws WebSocketException for a bad `WebSocket` constructor option. */
export function checkWebSocketOptions(options: unknown): void {
  checkTable('the WebSocket options', WEBSOCKET_OPTION_RULES, options);
}

/** @throws WebSocketException (WebSocketProxyException for the proxy options) for a bad `connect()` option. */
export function checkConnectOptions(options: unknown): void {
  checkTable('the connect options', CONNECT_OPTION_RULES, options);
}

/** @throws WebSocketException for a bad `WebSocketApp` constructor option. */
export function checkAppOptions(options: unknown): void {
  checkTable('the WebSocketApp options', APP_OPTION_RULES, options);
}

/**
 * Every option of `runForever()`: its own, then the connect and WebSocket
 * options it passes on, so that a bad one is refused at once rather than by
 * each connection attempt. `pingInterval` must exceed `pingTimeout`.
 */
export function checkRunForeverOptions(options: unknown): void {
  checkTable('the runForever options', RUN_FOREVER_OPTION_RULES, options);
  checkTable('the runForever options', CONNECT_OPTION_RULES, options);
  checkTable('the runForever options', WEBSOCKET_OPTION_RULES, options);
  const { pingInterval = 0, pingTimeout = null } = (options ?? {}) as { pingInterval?: number; pingTimeout?: number | null };
  if (pingInterval > 0 && pingTimeout !== null && pingInterval <= pingTimeout) {
    refuse('pingInterval', `greater than pingTimeout (${pingTimeout})`, pingInterval);
  }
}
