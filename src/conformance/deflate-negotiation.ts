/**
 * permessage-deflate negotiation (RFC 7692 §5, §7) for sections 12–13. As the server: parse the
 * client's `Sec-WebSocket-Extensions` offers, check them, and answer one of them the way the case
 * is configured to (Autobahn's "accept" functions). As the client: make the case's offer and check
 * the server's answer. Independent of the library outside src/conformance/.
 */

/** How a case answers an acceptable offer: what the server asks of the client. */
export interface DeflateAcceptance {
  /** answer with `client_no_context_takeover` (RFC 7692 §7.1.1.2). */
  clientNoContextTakeover: boolean;
  /** answer with `client_max_window_bits=N`; 0 = leave the client's window alone (§7.1.2.2). */
  clientMaxWindowBits: number;
}

/** One permessage-deflate offer of the client, checked. */
export interface DeflateOffer {
  serverNoContextTakeover: boolean;
  /** null: not offered. */
  serverMaxWindowBits: number | null;
  clientNoContextTakeover: boolean;
  /** false: not offered; true: offered without a value; a number: offered with that value (a hint). */
  clientMaxWindowBits: boolean | number;
}

/** What both sides use once the server answered. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export type DeflateNegotiation =
  /** the client offered nothing the case can accept (Autobahn: UNIMPLEMENTED). */
  | { kind: 'declined'; why: string }
  /** the client's offer breaks RFC 7692 §7 (a strict judge fails the case; the offer is declined). */
  | { kind: 'invalid'; why: string }
  /** `notes`: RFC 7692 rules the answer breaks that Autobahn's verdicts do not count (server suite). */
  | { kind: 'accepted'; response: string; params: DeflateParams; notes: string[] };

const EXTENSION = 'permessage-deflate';
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 7230 §3.2.6 tchar

interface Element {
  name: string;
  params: Array<{ name: string; value: string | null }>;
}

/** Splits `value` at `separator` outside double quotes. */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new Error(`expected a closing double quote in ${JSON.stringify(value)}`);
  parts.push(value.slice(start));
  return parts;
}

/** Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1); throws with a reason on bad syntax. */
export function parseExtensionOffers(header: string): Element[] {
  return splitOutsideQuotes(header, ',').map((element) => {
    const [head, ...rest] = splitOutsideQuotes(element, ';').map((p) => p.trim());
    if (head === undefined || !TOKEN_CHARS.test(head)) throw new Error(`expected an extension name, got ${JSON.stringify(head ?? '')}`);
    const params = rest.map((param) => {
      const eq = param.indexOf('=');
      const name = (eq < 0 ? param : param.slice(0, eq)).trim();
      if (!TOKEN_CHARS.test(name)) throw new Error(`expected a parameter name in ${head}, got ${JSON.stringify(param)}`);
      if (eq < 0) return { name, value: null };
      let value = param.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      if (!TOKEN_CHARS.test(value)) throw new Error(`expected a token value for ${name}, got ${JSON.stringify(param.slice(eq + 1).trim())}`);
      return { name, value };
    });
    return { name: head.toLowerCase(), params };
  });
}

/** RFC 7692 §7.1.2: 8..15, decimal, no leading zero. */
function windowBits(name: string, value: string | null): number {
  if (value === null || !/^(8|9|1[0-5])$/.test(value)) {
    throw new Error(`expected ${name} to be an integer 8-15 without leading zeros, got ${value === null ? 'no value' : JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Checks one permessage-deflate offer (RFC 7692 §7: a server MUST decline an offer that breaks these rules). */
export function checkOffer(element: Element): DeflateOffer {
  const offer: DeflateOffer = { serverNoContextTakeover: false, serverMaxWindowBits: null, clientNoContextTakeover: false, clientMaxWindowBits: false };
  const seen = new Set<string>();
  for (const { name, value } of element.params) {
    if (seen.has(name)) throw new Error(`expected each parameter once, got ${name} twice`);
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== null) throw new Error(`expected ${name} without a value, got ${JSON.stringify(value)}`); // §7.1.1
        if (name === 'server_no_context_takeover') offer.serverNoContextTakeover = true;
        else offer.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        offer.serverMaxWindowBits = windowBits(name, value); // §7.1.2.1: a value is required
        break;
      case 'client_max_window_bits':
        offer.clientMaxWindowBits = value === null ? true : windowBits(name, value); // §7.1.2.2: value optional
        break;
      default:
        throw new Error(`unknown parameter ${name}`);
    }
  }
  return offer;
}

/** The answer to `offer` under `acceptance`, or null when the acceptance needs something the offer lacks. */
function answer(offer: DeflateOffer, acceptance: DeflateAcceptance): { response: string; params: DeflateParams } | null {
  // A server may only send client_max_window_bits when the offer carried it (RFC 7692 §7.1.2.2).
  if (acceptance.clientMaxWindowBits !== 0 && offer.clientMaxWindowBits === false) return null;
  const parts = [EXTENSION];
  // The server honours what the client asked of it (§7.1.1.1, §7.1.2.1).
  if (offer.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (offer.serverMaxWindowBits !== null) parts.push(`server_max_window_bits=${offer.serverMaxWindowBits}`);
  if (acceptance.clientNoContextTakeover) parts.push('client_no_context_takeover');
  let clientBits = 15;
  if (acceptance.clientMaxWindowBits !== 0) {
    // Never more than the client said it would use (the offered value is a hint, §7.1.2.2).
    clientBits = typeof offer.clientMaxWindowBits === 'number' ? Math.min(offer.clientMaxWindowBits, acceptance.clientMaxWindowBits) : acceptance.clientMaxWindowBits;
    parts.push(`client_max_window_bits=${clientBits}`);
  } else if (typeof offer.clientMaxWindowBits === 'number') clientBits = offer.clientMaxWindowBits;
  return {
    response: parts.join('; '),
    params: {
      serverNoContextTakeover: offer.serverNoContextTakeover,
      clientNoContextTakeover: acceptance.clientNoContextTakeover,
      serverMaxWindowBits: offer.serverMaxWindowBits ?? 15,
      clientMaxWindowBits: clientBits,
    },
  };
}

/**
 * Negotiates for a case: the acceptances are tried in order, each against the client's
 * permessage-deflate offers in the client's order (RFC 7692 §5: the server picks one offer);
 * the first that fits is the answer. Other extensions are ignored (declined).
 */
export function negotiateDeflate(header: string | undefined, acceptances: readonly DeflateAcceptance[]): DeflateNegotiation {
  if (header === undefined || header.trim() === '') return { kind: 'declined', why: 'the client offered no extension' };
  let offers: DeflateOffer[];
  try {
    offers = parseExtensionOffers(header)
      .filter((e) => e.name === EXTENSION)
      .map(checkOffer);
  } catch (error) {
    return { kind: 'invalid', why: `invalid offer "${header}": ${(error as Error).message} (RFC 7692 §7)` };
  }
  if (offers.length === 0) return { kind: 'declined', why: `the client did not offer ${EXTENSION} (offered "${header}")` };
  for (const acceptance of acceptances) {
    for (const offer of offers) {
      const accepted = answer(offer, acceptance);
      if (accepted !== null) return { kind: 'accepted', ...accepted, notes: [] };
    }
  }
  return { kind: 'declined', why: `no offer in "${header}" allows client_max_window_bits, which this case asks for` };
}

/**
 * The tester's offer as the client for a case of sections 12–13 (Autobahn's client offers): one
 * permessage-deflate offer per request, each saying the client can honour client_no_context_takeover
 * and client_max_window_bits, and asking the server for server_no_context_takeover /
 * server_max_window_bits=N as the case requests (the request's fields name what is asked of the peer).
 */
export function clientOffer(requests: readonly DeflateAcceptance[]): string {
  return requests
    .map((r) => {
      const parts = [EXTENSION, 'client_no_context_takeover', 'client_max_window_bits'];
      if (r.clientNoContextTakeover) parts.push('server_no_context_takeover');
      if (r.clientMaxWindowBits !== 0) parts.push(`server_max_window_bits=${r.clientMaxWindowBits}`);
      return parts.join('; ');
    })
    .join(', ');
}

/**
 * What the answer leaves out of what `request` asked of the server (RFC 7692 §7.1.1.1, §7.1.2.1: a
 * server that accepts an offer asking for server_no_context_takeover / server_max_window_bits=N
 * includes it in its answer, the window at most N); empty when the answer grants it all.
 */
function ungranted(answer: DeflateOffer, request: DeflateAcceptance): string[] {
  const missing: string[] = [];
  if (request.clientNoContextTakeover && !answer.serverNoContextTakeover)
    missing.push('the answer leaves out server_no_context_takeover, which the offer asked for and RFC 7692 §7.1.1.1 requires in the answer of a server that accepts the offer');
  if (request.clientMaxWindowBits !== 0) {
    if (answer.serverMaxWindowBits === null)
      missing.push(
        `the answer leaves out server_max_window_bits, which the offer asked for (=${request.clientMaxWindowBits}) and RFC 7692 §7.1.2.1 requires in the answer of a server that accepts the offer`,
      );
    else if (answer.serverMaxWindowBits > request.clientMaxWindowBits)
      missing.push(`the answer has server_max_window_bits=${answer.serverMaxWindowBits}, above the ${request.clientMaxWindowBits} the offer asked for (RFC 7692 §7.1.2.1)`);
  }
  return missing;
}

/**
 * Reads the server's answer to `clientOffer(requests)` (RFC 7692 §5, §7): none is 'declined'
 * (Autobahn: UNIMPLEMENTED); an answer that is not a valid permessage-deflate response is 'invalid'.
 * An answer that leaves out what the offer asked of the server is accepted, as Autobahn's client
 * accepts it, with the omission in `notes`; with `strict` it is 'invalid'.
 */
export function readServerAnswer(header: string | undefined, requests: readonly DeflateAcceptance[], strict = false): DeflateNegotiation {
  if (header === undefined || header.trim() === '') return { kind: 'declined', why: 'the server accepted no extension' };
  let elements: Element[];
  try {
    elements = parseExtensionOffers(header);
  } catch (error) {
    return { kind: 'invalid', why: `answer "${header}" is not a valid extension list: ${(error as Error).message}` };
  }
  const first = elements[0]!;
  if (elements.length !== 1 || first.name !== EXTENSION)
    return { kind: 'invalid', why: `expected one ${EXTENSION} answer (the only extension offered, RFC 6455 §9.1), got "${header}"` };
  let answer: DeflateOffer;
  try {
    answer = checkOffer(first);
  } catch (error) {
    return { kind: 'invalid', why: `answer "${header}" breaks RFC 7692 §7: ${(error as Error).message}` };
  }
  if (answer.clientMaxWindowBits === true)
    return { kind: 'invalid', why: `answer "${header}" has client_max_window_bits without a value (RFC 7692 §7.1.2.2)` };
  // The answer should grant what one of the offers asked of the server; the one it comes closest to is reported.
  const shortfalls = requests.map((r) => ungranted(answer, r)).sort((a, b) => a.length - b.length);
  const notes = shortfalls[0]!.map((finding) => `${finding} (answer "${header.trim()}")`);
  if (strict && notes.length > 0) return { kind: 'invalid', why: notes.join('; ') };
  return {
    kind: 'accepted',
    response: header.trim(),
    params: {
      serverNoContextTakeover: answer.serverNoContextTakeover,
      clientNoContextTakeover: answer.clientNoContextTakeover,
      serverMaxWindowBits: answer.serverMaxWindowBits ?? 15,
      clientMaxWindowBits: typeof answer.clientMaxWindowBits === 'number' ? answer.clientMaxWindowBits : 15,
    },
    notes,
  };
}
