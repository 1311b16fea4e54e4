/**
 * src/options.ts, table-driven: for every option of the public API, values
 * that pass and values that are refused with the exact message and class.
 * The typed key lists make the compiler fail when an option is added to a
 * public options type without a rule here.
 */
import { describe, expect, it } from 'vitest';
import {
  WebSocketException,
  WebSocketProxyException,
  type ConnectOptions,
  type RunForeverOptions,
  type WebSocketAppOptions,
  type WebSocketOptions,
} from '../src/index.js';
import {
  APP_OPTION_RULES,
  checkAppOptions,
  checkConnectOptions,
  checkRunForeverOptions,
  checkWebSocketOptions,
  CONNECT_OPTION_RULES,
  describeValue,
  RUN_FOREVER_OPTION_RULES,
  WEBSOCKET_OPTION_RULES,
} from '../src/options.js';

const MS = 'a number of milliseconds from 0 to 2147483647';
const MS_OR_NULL = `${MS}, or null to wait forever`;
const MS_ABOVE_0 = 'a number of milliseconds above 0 and at most 2147483647';

type ErrorClass = typeof WebSocketException;

interface OptionCase {
  option: string;
  accept: unknown[];
  /** [value, the whole message]. */
  refuse: Array<[unknown, string]>;
  error?: ErrorClass;
}

/** Durations: finite, >= 0, at most Node's timer limit; null only where it means "forever". */
function ms(option: string, orNull: boolean): OptionCase {
  const expected = orNull ? MS_OR_NULL : MS;
  const refuse: Array<[unknown, string]> = [
    [-1, `expected ${option} to be ${expected}, got -1`],
    [2 ** 31, `expected ${option} to be ${expected}, got 2147483648`],
    [3e9, `expected ${option} to be ${expected}, got 3000000000`],
    [Number.NaN, `expected ${option} to be ${expected}, got NaN`],
    [Infinity, `expected ${option} to be ${expected}, got Infinity`],
    ['5', `expected ${option} to be ${expected}, got "5"`],
  ];
  if (!orNull) refuse.push([null, `expected ${option} to be ${expected}, got null`]);
  return { option, accept: orNull ? [0, 1.5, 2 ** 31 - 1, null] : [0, 1.5, 2 ** 31 - 1], refuse };
}

/** Counts and sizes: safe integers >= min. */
function count(option: string, min: number): OptionCase {
  const expected = `an integer >= ${min}`;
  return {
    option,
    accept: [min, min + 1, Number.MAX_SAFE_INTEGER],
    refuse: [
      [min - 1, `expected ${option} to be ${expected}, got ${min - 1}`],
      [1.5, `expected ${option} to be ${expected}, got 1.5`],
      [2 ** 53, `expected ${option} to be ${expected}, got 9007199254740992`],
      [Infinity, `expected ${option} to be ${expected}, got Infinity`],
      [`${min + 1}`, `expected ${option} to be ${expected}, got "${min + 1}"`],
    ],
  };
}

function kind(option: string, expected: string, accept: unknown[], refused: unknown[]): OptionCase {
  return { option, accept, refuse: refused.map((v) => [v, `expected ${option} to be ${expected}, got ${describeValue(v)}`]) };
}

const fn = (option: string) => kind(option, 'a function', [() => 1], ['f', {}, null]);
const bool = (option: string) => kind(option, 'a boolean', [true, false], ['true', 1, null]);
const str = (option: string) => kind(option, 'a string', ['', 'x'], [1, ['x'], null]);
const strings = (option: string) => kind(option, 'an array of strings', [[], ['a', 'b']], ['a', [1], null]);
const obj = (option: string) => kind(option, 'an object', [{}, { ca: 'x' }], ['x', [], null]);
const HEADER = 'an object or an array of "Name: value" strings';
const header = (option: string, accept: unknown[] = []): OptionCase => ({
  option,
  accept: [{}, { 'X-A': 'b' }, ['X-A: b'], ...accept],
  // Never the values: headers carry tokens.
  refuse: [
    ['X-A: b', `expected ${option} to be ${HEADER}, got a string`],
    [['X-Token: s3cret', 5], `expected ${option} to be ${HEADER}, got [a string, a number]`],
    [null, `expected ${option} to be ${HEADER}, got null`],
  ],
});
const secretString = (option: string): OptionCase => ({
  option,
  accept: ['a=b'],
  refuse: [
    [5, `expected ${option} to be a string, got a number`],
    [['a=s3cret'], `expected ${option} to be a string, got an array of 1 item`],
  ],
});
const socket = (option: string) =>
  kind(option, 'a connected net.Socket or tls.TLSSocket', [{ write() {}, on() {} }], [{}, 'socket', null]);
const signal = (option: string) => kind(option, 'an AbortSignal', [new AbortController().signal], [{}, true]);

const windowBits = (option: string, orBoolean: boolean): OptionCase => {
  const expected = orBoolean ? 'an integer from 8 to 15, or a boolean' : 'an integer from 8 to 15';
  return {
    option,
    accept: orBoolean ? [8, 15, true, false] : [8, 15],
    refuse: [7, 16, 9.5, '9', ...(orBoolean ? [] : [true])].map((v) => [v, `expected ${option} to be ${expected}, got ${describeValue(v)}`]),
  };
};

// maxQueueBytes (the byte bound on unread messages) is listed apart, below, with its rule.
const WEBSOCKET_CASES: Record<Exclude<keyof WebSocketOptions, 'maxQueueBytes'>, OptionCase> = {
  getMaskKey: fn('getMaskKey'),
  skipUtf8Validation: bool('skipUtf8Validation'),
  fireContFrame: bool('fireContFrame'),
  enableMultithread: bool('enableMultithread'),
  sockopt: {
    option: 'sockopt',
    accept: [{}, { noDelay: false, keepAlive: true }, { keepAlive: 0 }, { keepAlive: 2 ** 31 - 1 }],
    refuse: [
      ['fast', 'expected sockopt to be an object, got "fast"'],
      [{ noDelay: 'yes' }, 'expected sockopt.noDelay to be a boolean, got "yes"'],
      [{ keepAlive: -5 }, `expected sockopt.keepAlive to be a boolean or ${MS}, got -5`],
      [{ keepAlive: 3e9 }, `expected sockopt.keepAlive to be a boolean or ${MS}, got 3000000000`],
      [{ keepAlive: '30000' }, `expected sockopt.keepAlive to be a boolean or ${MS}, got "30000"`],
    ],
  },
  sslopt: obj('sslopt'),
  maxPayload: count('maxPayload', 0),
  maxQueue: count('maxQueue', 1),
  maxFragments: count('maxFragments', 1),
  fragmentSize: count('fragmentSize', 0),
  perMessageDeflate: {
    option: 'perMessageDeflate',
    accept: [true, false, {}, { clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: false, threshold: 0 }],
    refuse: [
      [3, 'expected perMessageDeflate to be true, false or an object, got 3'],
      ['true', 'expected perMessageDeflate to be true, false or an object, got "true"'],
      [null, 'expected perMessageDeflate to be true, false or an object, got null'],
      [[], 'expected perMessageDeflate to be true, false or an object, got []'],
      [{ clientNoContextTakeover: 1 }, 'expected perMessageDeflate.clientNoContextTakeover to be a boolean, got 1'],
      [{ serverNoContextTakeover: 'no' }, 'expected perMessageDeflate.serverNoContextTakeover to be a boolean, got "no"'],
      [{ threshold: -1 }, 'expected perMessageDeflate.threshold to be an integer >= 0, got -1'],
      ...windowBits('perMessageDeflate.clientMaxWindowBits', true).refuse.map(
        ([v, m]): [unknown, string] => [{ clientMaxWindowBits: v }, m],
      ),
      ...windowBits('perMessageDeflate.serverMaxWindowBits', false).refuse.map(
        ([v, m]): [unknown, string] => [{ serverMaxWindowBits: v }, m],
      ),
    ],
  },
};

/** The byte bound on unread messages: an integer >= 1 (its own behaviour is tested with the receive queue). */
const MAX_QUEUE_BYTES = count('maxQueueBytes', 1);

const PROXY_TYPES = '"http", "https", "socks4", "socks4a", "socks5", "socks5h"';
const CONNECT_CASES: Record<keyof ConnectOptions, OptionCase> = {
  timeout: ms('timeout', true),
  header: header('header'),
  cookie: secretString('cookie'),
  origin: str('origin'),
  suppressOrigin: bool('suppressOrigin'),
  host: str('host'),
  subprotocols: strings('subprotocols'),
  redirectLimit: count('redirectLimit', 0),
  httpProxyHost: str('httpProxyHost'),
  httpProxyPort: {
    option: 'httpProxyPort',
    accept: [1, 3128, 65535],
    refuse: [0, 65536, 1.5, '3128', -1].map((v) => [v, `expected httpProxyPort to be an integer from 1 to 65535, got ${describeValue(v)}`]),
    error: WebSocketProxyException,
  },
  httpProxyAuth: {
    option: 'httpProxyAuth',
    accept: [['alice', 's3cret'], ['', '']],
    // Never the credentials themselves.
    refuse: [
      [['alice'], 'expected httpProxyAuth to be a [user, password] pair of strings, got [a string]'],
      [['alice', 5], 'expected httpProxyAuth to be a [user, password] pair of strings, got [a string, a number]'],
      ['alice:s3cret', 'expected httpProxyAuth to be a [user, password] pair of strings, got a string'],
    ],
    error: WebSocketProxyException,
  },
  httpProxyTimeout: ms('httpProxyTimeout', false),
  httpNoProxy: strings('httpNoProxy'),
  proxyType: {
    option: 'proxyType',
    accept: ['http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h'],
    refuse: [
      ['socks6', `expected proxyType to be one of ${PROXY_TYPES}, got "socks6"`],
      ['HTTP', `expected proxyType to be one of ${PROXY_TYPES}, got "HTTP"`],
      [5, `expected proxyType to be one of ${PROXY_TYPES}, got 5`],
    ],
    error: WebSocketProxyException,
  },
  proxySslopt: obj('proxySslopt'),
  socket: socket('socket'),
  signal: signal('signal'),
  perMessageDeflate: WEBSOCKET_CASES.perMessageDeflate,
};

type RunForeverOwn = Exclude<keyof RunForeverOptions, keyof ConnectOptions | keyof WebSocketOptions>;
const RUN_FOREVER_CASES: Record<RunForeverOwn, OptionCase> = {
  pingInterval: ms('pingInterval', false),
  pingTimeout: {
    option: 'pingTimeout',
    accept: [0.5, 1, 2 ** 31 - 1, null],
    refuse: [0, -1, 2 ** 31, Number.NaN, '50'].map((v) => [v, `expected pingTimeout to be ${MS_ABOVE_0}, or null to wait forever, got ${describeValue(v)}`]),
  },
  pingPayload: {
    option: 'pingPayload',
    accept: ['', 'hb', 'x'.repeat(125), Buffer.alloc(125), new Uint8Array(3)],
    refuse: [
      ['x'.repeat(126), 'expected pingPayload to be a string or bytes of at most 125 bytes (RFC 6455 §5.5), got 126 bytes'],
      ['é'.repeat(63), 'expected pingPayload to be a string or bytes of at most 125 bytes (RFC 6455 §5.5), got 126 bytes'],
      [Buffer.alloc(200), 'expected pingPayload to be a string or bytes of at most 125 bytes (RFC 6455 §5.5), got 200 bytes'],
      [5, 'expected pingPayload to be a string or bytes of at most 125 bytes (RFC 6455 §5.5), got 5'],
    ],
  },
  reconnect: ms('reconnect', false),
  reconnectMax: {
    option: 'reconnectMax',
    accept: [1, 30_000, 2 ** 31 - 1],
    refuse: [0, -1, 2 ** 31, '100'].map((v) => [v, `expected reconnectMax to be ${MS_ABOVE_0}, got ${describeValue(v)}`]),
  },
  maxReconnects: {
    option: 'maxReconnects',
    accept: [0, 3, Infinity],
    refuse: [-1, 1.5, -Infinity, '3'].map((v) => [v, `expected maxReconnects to be an integer >= 0, or Infinity, got ${describeValue(v)}`]),
  },
};

const APP_CASES: Record<keyof WebSocketAppOptions, OptionCase> = {
  header: header('header', [() => ({ 'X-A': 'b' })]),
  cookie: secretString('cookie'),
  subprotocols: strings('subprotocols'),
  getMaskKey: fn('getMaskKey'),
  socket: socket('socket'),
  onOpen: fn('onOpen'),
  onReconnect: fn('onReconnect'),
  onMessage: fn('onMessage'),
  onData: fn('onData'),
  onContMessage: fn('onContMessage'),
  onPing: fn('onPing'),
  onPong: fn('onPong'),
  onError: fn('onError'),
  onClose: fn('onClose'),
};

const GROUPS: Array<[string, (options: object) => void, Record<string, OptionCase>, Readonly<Record<string, unknown>>]> = [
  ['the WebSocket constructor', checkWebSocketOptions, { ...WEBSOCKET_CASES, maxQueueBytes: MAX_QUEUE_BYTES }, WEBSOCKET_OPTION_RULES],
  ['connect()', checkConnectOptions, CONNECT_CASES, CONNECT_OPTION_RULES],
  ['runForever()', checkRunForeverOptions, RUN_FOREVER_CASES, RUN_FOREVER_OPTION_RULES],
  ['the WebSocketApp constructor', checkAppOptions, APP_CASES, APP_OPTION_RULES],
];

function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(GROUPS)('options of %s', (_what, check, cases, rules) => {
  it('every option has a rule and a case here', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(rules).sort());
  });

  it.each(Object.values(cases).flatMap((c) => c.accept.map((value) => [c.option, value] as const)))(
    'accepts %s = %o',
    (option, value) => {
      expect(() => check({ [option]: value })).not.toThrow();
    },
  );

  it.each(Object.values(cases).flatMap((c) => c.refuse.map(([value, message]) => [c.option, value, message, c.error] as const)))(
    'refuses %s = %o',
    (option, value, message, error = WebSocketException) => {
      const e = thrown(() => check({ [option]: value }));
      expect(e).toBeInstanceOf(error);
      expect((e as Error).message).toBe(message);
    },
  );

  it('skips options left undefined and refuses an options value that is not an object', () => {
    expect(() => check({})).not.toThrow();
    expect(() => check(Object.fromEntries(Object.keys(cases).map((k) => [k, undefined])))).not.toThrow();
    expect(thrown(() => check(null as unknown as object))).toBeInstanceOf(WebSocketException);
    expect(thrown(() => check(5 as unknown as object))).toBeInstanceOf(WebSocketException);
  });
});

describe('runForever() options together', () => {
  it('checks the connect and WebSocket options it passes on', () => {
    expect(thrown(() => checkRunForeverOptions({ timeout: '5' as never }))).toEqual(
      new WebSocketException(`expected timeout to be ${MS_OR_NULL}, got "5"`, { code: 'WS_ERR_INVALID_OPTION' }),
    );
    expect(thrown(() => checkRunForeverOptions({ maxQueue: 0 }))).toEqual(
      new WebSocketException('expected maxQueue to be an integer >= 1, got 0', { code: 'WS_ERR_INVALID_OPTION' }),
    );
  });

  it('refuses pingInterval <= pingTimeout, unless pings are off or wait forever', () => {
    expect(thrown(() => checkRunForeverOptions({ pingInterval: 100, pingTimeout: 100 }))).toEqual(
      new WebSocketException('expected pingInterval to be greater than pingTimeout (100), got 100', { code: 'WS_ERR_INVALID_OPTION' }),
    );
    expect(() => checkRunForeverOptions({ pingInterval: 101, pingTimeout: 100 })).not.toThrow();
    expect(() => checkRunForeverOptions({ pingInterval: 0, pingTimeout: 100 })).not.toThrow();
    expect(() => checkRunForeverOptions({ pingInterval: 100, pingTimeout: null })).not.toThrow();
  });

  it('names the options object when it is not one', () => {
    expect((thrown(() => checkRunForeverOptions('x')) as Error).message).toBe('expected the runForever options to be an object, got "x"');
    expect((thrown(() => checkWebSocketOptions(null)) as Error).message).toBe('expected the WebSocket options to be an object, got null');
  });
});

describe('describeValue', () => {
  it.each([
    ['5', '"5"'],
    ['', '""'],
    ['say "hi"\n', '"say \\"hi\\"\\n"'],
    ['x'.repeat(100), `"${'x'.repeat(60)}"…`],
    [5, '5'],
    [3e9, '3000000000'],
    [1.5, '1.5'],
    [-0, '-0'],
    [Number.NaN, 'NaN'],
    [-Infinity, '-Infinity'],
    [10n, '10n'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [Symbol('s'), 'Symbol(s)'],
    [() => 1, 'a function'],
    [[1, 'a', null], '[1, "a", null]'],
    [[1, 2, 3, 4, 5, 6, 7], '[1, 2, 3, 4, 5, …]'],
    [[[1]], '[an array of 1 item]'],
    [{ password: 's3cret' }, 'an object'],
    [Buffer.from('abc'), 'a Buffer of 3 bytes'],
    [new Uint8Array(2), 'a Uint8Array of 2 bytes'],
    [new Date(0), 'a Date'],
    [new AbortController(), 'an AbortController'],
    [Object.create(null), 'an object'],
  ])('shows %o as %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});
