/**
 * permessage-deflate (RFC 7692) negotiation, client side: the user's options,
 * the `Sec-WebSocket-Extensions` offer, and the check of the server's answer,
 * which must accept a valid subset of what was offered (§5, §7) or fail the
 * connection. The per-message compressor and decompressor are in
 * `deflate-codec.ts`.
 *
 * A server answer is checked before the connection is established, so a bad
 * one closes TCP without a close frame (RFC 6455 §4.1: the client fails the
 * connection while no WebSocket connection exists yet). The client never
 * requires the extension: a server that does not answer with it simply
 * declines it (messages then go uncompressed), so close code 1010 never applies.
 */
import { createError } from '../exceptions.js';
import { checkPerMessageDeflate, isWindowBits, MAX_WINDOW_BITS } from '../options.js';
import { parseExtensions } from './extension-header.js';

/** The `perMessageDeflate` option when given as an object (all fields optional). */
export interface DeflateOptions {
  /** Ask the server to let the client reset its compression context after each message. Default false. */
  clientNoContextTakeover?: boolean;
  /** Ask the server to reset its compression context after each message. Default false. */
  serverNoContextTakeover?: boolean;
  /**
   * The client's LZ77 window: a number 8-15 offers `client_max_window_bits=N`
   * (the client never compresses with a larger window); `true` (default) offers
   * `client_max_window_bits` with no value, letting the server choose the
   * window; `false` leaves the parameter out of the offer.
   */
  clientMaxWindowBits?: number | boolean;
  /** Ask the server to compress with a window of at most 2^N bytes (8-15). Default: not offered (server's choice, up to 15). */
  serverMaxWindowBits?: number;
  /** Messages of at least this many bytes are sent compressed, smaller ones as they are. Default 1024. */
  threshold?: number;
}

/** Default of {@link DeflateOptions.threshold}. */
const DEFAULT_DEFLATE_THRESHOLD = 1024;

/** The options, checked and with defaults filled in. */
export interface DeflateConfig {
  clientNoContextTakeover: boolean;
  serverNoContextTakeover: boolean;
  /** `true`: offered without a value; `false`: not offered. */
  clientMaxWindowBits: number | boolean;
  /** `null`: not offered. */
  serverMaxWindowBits: number | null;
  threshold: number;
}

/** What both sides agreed on (RFC 7692 §7.1). */
export interface DeflateParams {
  /** The server starts each message with an empty window: no inflate context is kept. */
  serverNoContextTakeover: boolean;
  /** The client starts each message with an empty window: no deflate context is kept. */
  clientNoContextTakeover: boolean;
  /** The server's window is at most 2^N bytes (15 when not negotiated). */
  serverMaxWindowBits: number;
  /** The client compresses with a window of at most 2^N bytes. */
  clientMaxWindowBits: number;
}

const EXTENSION = 'permessage-deflate';
/**
 * Check the `perMessageDeflate` option. `undefined` and `false` mean off (`null`),
 * `true` means on with every default.
 *
 * @throws WebSocketException for a value of the wrong type or out of range.
 */
export function deflateConfig(option: boolean | DeflateOptions | undefined): DeflateConfig | null {
  checkPerMessageDeflate(option);
  if (option === undefined || option === false) return null;
  const o: DeflateOptions = option === true ? {} : option;
  return {
    clientNoContextTakeover: o.clientNoContextTakeover === true,
    serverNoContextTakeover: o.serverNoContextTakeover === true,
    clientMaxWindowBits: o.clientMaxWindowBits ?? true,
    serverMaxWindowBits: o.serverMaxWindowBits ?? null,
    threshold: o.threshold ?? DEFAULT_DEFLATE_THRESHOLD,
  };
}

/** The `Sec-WebSocket-Extensions` value offering permessage-deflate as configured (RFC 7692 §5, §7.1). */
export function deflateOffer(config: DeflateConfig): string {
  let offer = EXTENSION;
  if (config.clientNoContextTakeover) offer += '; client_no_context_takeover';
  if (config.serverNoContextTakeover) offer += '; server_no_context_takeover';
  if (config.serverMaxWindowBits !== null) offer += `; server_max_window_bits=${config.serverMaxWindowBits}`;
  if (config.clientMaxWindowBits === true) offer += '; client_max_window_bits';
  else if (config.clientMaxWindowBits !== false) offer += `; client_max_window_bits=${config.clientMaxWindowBits}`;
  return offer;
}

/** RFC 7692 §7.1.2: a decimal integer 8-15 without leading zeros. */
function windowBitsValue(name: string, value: string | null, fail: (detail: string) => never): number {
  if (value === null) return fail(`expected ${name} to have a value 8-15, got none (RFC 7692 §7.1.2)`);
  const bits = value.length <= 2 && value[0] !== '0' ? Number(value) : NaN;
  if (!isWindowBits(bits)) {
    return fail(`expected ${name} to be an integer 8-15 without leading zeros, got ${JSON.stringify(value)} (RFC 7692 §7.1.2)`);
  }
  return bits;
}

/**
 * Check the server's `Sec-WebSocket-Extensions` answer to {@link deflateOffer}
 * and return what was agreed, or `null` when the server declined (no header).
 *
 * @throws WebSocketProtocolException when the answer names another extension
 *   or permessage-deflate twice, or carries an unknown, duplicated or
 *   ill-valued parameter, or one the offer did not allow (RFC 7692 §5, §7).
 */
export function acceptDeflateResponse(header: string | null, config: DeflateConfig): DeflateParams | null {
  if (header === null) return null;
  const fail = (detail: string): never => {
    throw createError('WS_ERR_EXTENSION_NEGOTIATION', `permessage-deflate refused: server answered Sec-WebSocket-Extensions ${JSON.stringify(header)}: ${detail}`);
  };
  const elements = parseExtensions(header);
  for (const element of elements) {
    if (element.name !== EXTENSION) fail(`expected only ${EXTENSION}, got extension "${element.name}" that was not offered (RFC 6455 §9.1)`);
  }
  if (elements.length > 1) fail(`expected ${EXTENSION} at most once, got it ${elements.length} times (RFC 7692 §5)`);

  let serverNoContextTakeover = false;
  let clientNoContextTakeover = false;
  let serverBits: number | null = null;
  let clientBits: number | null = null;
  const seen = new Set<string>();
  for (const { name, value } of elements[0].params) {
    if (seen.has(name)) fail(`expected each parameter at most once, got ${name} twice (RFC 7692 §7)`);
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        // RFC 7692 §7.1.1: these parameters have no value.
        if (value !== null) fail(`expected ${name} without a value, got ${JSON.stringify(value)} (RFC 7692 §7.1.1)`);
        if (name === 'server_no_context_takeover') serverNoContextTakeover = true;
        else clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        serverBits = windowBitsValue(name, value, fail);
        // RFC 7692 §7.1.2.1: the same or a smaller value than offered.
        if (config.serverMaxWindowBits !== null && serverBits > config.serverMaxWindowBits) {
          fail(`expected server_max_window_bits <= ${config.serverMaxWindowBits} as offered, got ${serverBits} (RFC 7692 §7.1.2.1)`);
        }
        break;
      case 'client_max_window_bits':
        // RFC 7692 §7.1.2.2: only in answer to an offer that had it, never larger than offered.
        if (config.clientMaxWindowBits === false) {
          fail('expected no client_max_window_bits since the offer did not include it (RFC 7692 §7.1.2.2)');
        }
        clientBits = windowBitsValue(name, value, fail);
        if (typeof config.clientMaxWindowBits === 'number' && clientBits > config.clientMaxWindowBits) {
          fail(`expected client_max_window_bits <= ${config.clientMaxWindowBits} as offered, got ${clientBits} (RFC 7692 §7.1.2.2)`);
        }
        break;
      default:
        fail(`expected only server_no_context_takeover, client_no_context_takeover, server_max_window_bits or client_max_window_bits, got unknown parameter ${name} (RFC 7692 §7)`);
    }
  }
  // RFC 7692 §7.1.1.1, §7.1.2.1: the server accepts these offers by repeating them.
  if (config.serverNoContextTakeover && !serverNoContextTakeover) {
    fail('expected server_no_context_takeover in the answer since it was offered (RFC 7692 §7.1.1.1)');
  }
  if (config.serverMaxWindowBits !== null && serverBits === null) {
    fail(`expected server_max_window_bits in the answer since ${config.serverMaxWindowBits} was offered (RFC 7692 §7.1.2.1)`);
  }
  const offeredClientBits = typeof config.clientMaxWindowBits === 'number' ? config.clientMaxWindowBits : MAX_WINDOW_BITS;
  return {
    serverNoContextTakeover,
    // RFC 7692 §7.1.1.2: the client may always choose not to keep its context.
    clientNoContextTakeover: clientNoContextTakeover || config.clientNoContextTakeover,
    serverMaxWindowBits: serverBits ?? MAX_WINDOW_BITS,
    clientMaxWindowBits: clientBits ?? offeredClientBits,
  };
}

/** One line for `enableTrace`: the agreed parameters. */
export function describeDeflateParams(params: DeflateParams, threshold: number): string {
  return (
    `permessage-deflate: server_no_context_takeover=${params.serverNoContextTakeover} ` +
    `client_no_context_takeover=${params.clientNoContextTakeover} ` +
    `server_max_window_bits=${params.serverMaxWindowBits} client_max_window_bits=${params.clientMaxWindowBits} ` +
    `threshold=${threshold}`
  );
}
