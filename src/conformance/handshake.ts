/**
 * The server side of the opening handshake (RFC 6455 §4.2), just enough to be a strict judge:
 * parse the request head, validate it, answer 101 or an HTTP error.
 */
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
/** Upper bound on the request head we are willing to buffer. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** header names lower-cased; repeated headers joined with ", ". */
  headers: Map<string, string>;
}

/** Parses an HTTP/1.1 request head (without the final CRLFCRLF). Throws with a reason on malformed input. */
export function parseRequestHead(head: string): RequestHead {
  const lines = head.split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) throw new Error(`expected "METHOD target HTTP/1.1", got "${requestLine}"`);
  const [method, target, version] = parts as [string, string, string];
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`expected "Name: value" header line, got "${line}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return { method, target, version, headers };
}

/** Sec-WebSocket-Accept for a given key (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

function hasToken(value: string | undefined, token: string): boolean {
  return (value ?? '')
    .split(',')
    .some((t) => t.trim().toLowerCase() === token);
}

/** Checks the request is a valid WebSocket upgrade (RFC 6455 §4.2.1); returns the error text or null. */
export function upgradeProblem(req: RequestHead): { status: number; text: string } | null {
  if (req.method !== 'GET') return { status: 405, text: `expected GET, got ${req.method}` };
  if (req.version !== 'HTTP/1.1') return { status: 400, text: `expected HTTP/1.1, got ${req.version}` };
  if (!req.headers.has('host')) return { status: 400, text: 'expected a Host header, got none' };
  if (!hasToken(req.headers.get('upgrade'), 'websocket'))
    return { status: 400, text: `expected Upgrade: websocket, got ${req.headers.get('upgrade') ?? 'none'}` };
  if (!hasToken(req.headers.get('connection'), 'upgrade'))
    return { status: 400, text: `expected Connection: Upgrade, got ${req.headers.get('connection') ?? 'none'}` };
  const version = req.headers.get('sec-websocket-version');
  if (version !== '13') return { status: 426, text: `expected Sec-WebSocket-Version: 13, got ${version ?? 'none'}` };
  const key = req.headers.get('sec-websocket-key');
  if (key === undefined || Buffer.from(key, 'base64').length !== 16 || !/^[A-Za-z0-9+/]{22}==$/.test(key))
    return { status: 400, text: `expected Sec-WebSocket-Key of 16 base64 bytes, got ${key ?? 'none'}` };
  return null;
}

/**
 * The 101 answer. No subprotocol is ever accepted; `extensions` is the accepted
 * permessage-deflate answer of a compression case (RFC 7692 §5), none otherwise.
 */
export function switchingProtocols(key: string, extensions?: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`) +
    'Server: rfc6455-fuzzingserver\r\n\r\n'
  );
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
};

/** A complete HTTP error answer with a plain-text body; the connection is closed after it. */
export function httpError(status: number, text: string): string {
  const body = `${text}\n`;
  const extra = status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
    extra +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
