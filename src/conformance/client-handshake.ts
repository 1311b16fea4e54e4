/**
 * The client side of the opening handshake (RFC 6455 §4.1), for the server suite: connect
 * over TCP or TLS, send the upgrade request, check the server's 101 answer (§4.1 steps 1–6
 * of the client's checks), and hand over the socket with any bytes that came after the head.
 */
import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { MAX_HEAD_BYTES, acceptKey } from './handshake.js';

export interface ClientHandshakeOptions {
  /** `Origin` header, when set. */
  origin?: string;
  /** subprotocols offered in `Sec-WebSocket-Protocol`. */
  protocols?: readonly string[];
  /** `Sec-WebSocket-Extensions` offer, when set. */
  extensions?: string;
  /** give up on connecting and the handshake after this long. */
  timeoutMs: number;
  /** verify the server's TLS certificate (wss); true by default. */
  rejectUnauthorized?: boolean;
}

export interface OpenedConnection {
  socket: Socket;
  /** bytes received after the response head (the server's first frames). */
  rest: Buffer;
  request: string;
  response: string;
  /** the server's `Sec-WebSocket-Extensions`, when it sent one. */
  extensions: string | undefined;
}

/** The opening handshake did not succeed; the message says what was expected and what came. */
export class HandshakeFailure extends Error {
  constructor(
    message: string,
    readonly request: string,
    readonly response: string,
  ) {
    super(message);
    this.name = 'HandshakeFailure';
  }
}

function headerValues(lines: string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return headers;
}

function hasToken(value: string | undefined, token: string): boolean {
  return (value ?? '').split(',').some((t) => t.trim().toLowerCase() === token);
}

/** Checks the 101 answer (RFC 6455 §4.1); returns the problem, or null when the answer is valid. */
export function responseProblem(head: string, key: string, offered: { extensions: boolean; protocols: readonly string[] } = { extensions: false, protocols: [] }): string | null {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine);
  if (status === null || status[1] !== '101') return `expected "HTTP/1.1 101 Switching Protocols", got "${statusLine}"`;
  const headers = headerValues(lines);
  if (!hasToken(headers.get('upgrade'), 'websocket')) return `expected Upgrade: websocket, got ${headers.get('upgrade') ?? 'none'}`;
  if (!hasToken(headers.get('connection'), 'upgrade')) return `expected Connection: Upgrade, got ${headers.get('connection') ?? 'none'}`;
  const accept = headers.get('sec-websocket-accept');
  if (accept !== acceptKey(key)) return `expected Sec-WebSocket-Accept ${acceptKey(key)}, got ${accept ?? 'none'}`;
  // RFC 6455 §4.1 steps 5–6: no extension or subprotocol that was not offered.
  const extensions = headers.get('sec-websocket-extensions');
  if (extensions !== undefined && !offered.extensions) return `expected no Sec-WebSocket-Extensions (none was offered), got "${extensions}"`;
  const protocol = headers.get('sec-websocket-protocol');
  if (protocol !== undefined && !offered.protocols.includes(protocol))
    return `expected Sec-WebSocket-Protocol to be one of the offered [${offered.protocols.join(', ')}], got "${protocol}"`;
  return null;
}

/** Opens a WebSocket connection to `url` (ws: or wss:) without any extension unless one is offered. */
export function openClientConnection(url: URL, options: ClientHandshakeOptions): Promise<OpenedConnection> {
  const secure = url.protocol === 'wss:';
  if (!secure && url.protocol !== 'ws:') return Promise.reject(new Error(`expected a ws: or wss: URL, got ${url.href}`));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    'User-Agent: rfc6455-wstest',
  ];
  if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
  if (options.protocols !== undefined && options.protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
  if (options.extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  const request = `${lines.join('\r\n')}\r\n\r\n`;

  return new Promise<OpenedConnection>((resolve, reject) => {
    const socket: Socket = secure
      ? connectTls({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: options.rejectUnauthorized ?? true })
      : connectTcp({ host, port });
    let head = Buffer.alloc(0);
    let response = '';
    const fail = (message: string): void => {
      cleanup();
      socket.destroy();
      reject(new HandshakeFailure(message, request, response));
    };
    const timer = setTimeout(() => fail(`expected the opening handshake to finish within ${options.timeoutMs} ms`), options.timeoutMs);
    const onError = (error: Error): void => fail(`could not connect to ${url.href}: ${error.message}`);
    const onClose = (): void => fail(`expected a 101 answer, but the server closed the connection after ${head.length} bytes`);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) fail(`expected a response head under ${MAX_HEAD_BYTES} bytes`);
        return;
      }
      response = head.subarray(0, end).toString('latin1');
      const problem = responseProblem(response, key, { extensions: options.extensions !== undefined, protocols: options.protocols ?? [] });
      if (problem !== null) {
        fail(problem);
        return;
      }
      cleanup();
      const headers = headerValues(response.split('\r\n').slice(1));
      resolve({ socket, rest: head.subarray(end + 4), request, response, extensions: headers.get('sec-websocket-extensions') });
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(request));
  });
}
