/**
 * The proxy handshakes as sans-I/O byte machines: HTTP CONNECT (RFC 9110
 * §9.3.6), SOCKS4 and SOCKS4a, SOCKS5 (RFC 1928) with username/password
 * authentication (RFC 1929). Each one gives the bytes to send, takes the
 * proxy's bytes in chunks of any size, and ends with whatever came after the
 * proxy's final reply. No sockets, no timers: the caller does the I/O.
 */
import net from 'node:net';
import { createError, type WebSocketProxyException } from '../exceptions.js';
import { checkPort } from '../options.js';
import { formatHostPort } from '../url.js';

/**
 * What a handshake wants after it was fed: send bytes, wait for more, or done
 * (with the bytes past the final reply, and bytes still to send first when the
 * proxy's replies outran the requests, all in one chunk).
 */
export type HandshakeStep =
  | { readonly kind: 'write'; readonly data: Buffer }
  | { readonly kind: 'wait' }
  | { readonly kind: 'done'; readonly rest: Buffer; readonly data?: Buffer };

/** A proxy handshake driven by bytes. Every method throws WebSocketProxyException on a bad reply. */
export interface ProxyHandshake {
  /** The first bytes to send to the proxy. */
  start(): Buffer;
  /** Takes bytes from the proxy; once `done`, feeding again is an error of the caller. */
  feed(chunk: Uint8Array): HandshakeStep;
  /** What the handshake is waiting for, for timeout and early-close messages. */
  readonly waitingFor: string;
  /** Bytes received and not yet consumed by a complete reply. */
  readonly pending: number;
}

/** The longest HTTP CONNECT reply head accepted (status line and headers). */
export const MAX_CONNECT_REPLY_HEAD = 16 * 1024;

/** Shows up to `max` bytes for an error message: quoted text if printable, hex otherwise. */
export function describeBytes(bytes: Uint8Array, max = 16): string {
  const shown = bytes.subarray(0, max);
  const printable = shown.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0d || b === 0x0a || b === 0x09);
  const more = bytes.length > max ? '…' : '';
  if (printable) return JSON.stringify(Buffer.from(shown).toString('latin1')) + more;
  return Array.from(shown, hex).join(' ') + more;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** A hint when a SOCKS reply starts with 'H': an HTTP server or proxy answered. */
function httpHint(firstByte: number): string {
  return firstByte === 0x48 ? ' (it looks like an HTTP reply: is this an HTTP proxy?)' : '';
}

/** HTTP CONNECT: one request, one reply head; any 2xx opens the tunnel. */
export class HttpConnectHandshake implements ProxyHandshake {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private lineLength = 0; // bytes of the current line, CR excluded
  private done = false;
  readonly waitingFor = 'the HTTP CONNECT reply';

  constructor(
    private readonly target: { host: string; port: number },
    private readonly auth?: readonly [user: string, pass: string],
  ) {
    checkPort('target port', target.port, 'WS_ERR_INVALID_TARGET');
    if (/[\s\x00-\x1f\x7f/?#@]/.test(target.host) || target.host === '') {
      throw createError('WS_ERR_INVALID_TARGET', `target host: expected a host name or IP address, got ${JSON.stringify(target.host)}`);
    }
  }

  get pending(): number {
    return this.received;
  }

  start(): Buffer {
    const where = formatHostPort(this.target.host, this.target.port);
    const lines = [`CONNECT ${where} HTTP/1.1`, `Host: ${where}`];
    if (this.auth !== undefined) {
      // RFC 7617 §2: user-id ":" password, UTF-8, base64.
      const token = Buffer.from(`${this.auth[0]}:${this.auth[1]}`, 'utf8').toString('base64');
      lines.push(`Proxy-Authorization: Basic ${token}`);
    }
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  }

  feed(chunk: Uint8Array): HandshakeStep {
    if (this.done) throw createError('WS_ERR_PROXY_HANDSHAKE_FINISHED', 'HTTP CONNECT handshake already finished');
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const before = this.received;
    this.chunks.push(bytes);
    this.received += bytes.length;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (before + i === 4) this.checkStart();
      if (byte === 0x0a) {
        // A line of nothing (or only CR) ends the head (RFC 9112 §2.1; bare LF tolerated, §2.2).
        if (this.lineLength === 0) return this.finish(before + i + 1);
        this.lineLength = 0;
      } else if (byte !== 0x0d) {
        this.lineLength++;
      }
      if (before + i + 1 >= MAX_CONNECT_REPLY_HEAD) {
        throw createError(
          'WS_ERR_PROXY_BAD_REPLY',
          `expected an HTTP CONNECT reply head of at most ${MAX_CONNECT_REPLY_HEAD} bytes from the proxy, got more without an empty line`,
        );
      }
    }
    return { kind: 'wait' };
  }

  /** Fails fast when the proxy does not speak HTTP at all (a SOCKS server, for one). */
  private checkStart(): void {
    const head = Buffer.concat(this.chunks).subarray(0, 5);
    if (head.toString('latin1') !== 'HTTP/') {
      throw createError('WS_ERR_PROXY_BAD_REPLY', `expected an HTTP status line from the proxy, got ${describeBytes(head)}`);
    }
  }

  private finish(headLength: number): HandshakeStep {
    this.done = true;
    const all = Buffer.concat(this.chunks);
    const head = all.subarray(0, headLength).toString('latin1');
    const statusLine = head.slice(0, head.indexOf('\n')).replace(/\r$/, '');
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!match) {
      throw createError(
        'WS_ERR_PROXY_BAD_REPLY',
        `expected an HTTP/1.x status line such as "HTTP/1.1 200 Connection established" from the proxy, got ${JSON.stringify(statusLine)}`,
      );
    }
    const statusCode = Number(match[1]);
    const statusMessage = (match[2] ?? '').trim();
    if (statusCode < 200 || statusCode > 299) throw this.refused(statusCode, statusMessage);
    return { kind: 'done', rest: all.subarray(headLength) };
  }

  /** The error for a non-2xx CONNECT reply, carrying its `statusCode` and `statusMessage`. */
  private refused(statusCode: number, statusMessage: string): WebSocketProxyException {
    const where = formatHostPort(this.target.host, this.target.port);
    let message = `proxy refused CONNECT to ${where}: expected a 2xx status, got ${statusCode}${statusMessage ? ` ${statusMessage}` : ''}`;
    if (statusCode === 407) {
      message += this.auth === undefined
        ? ' (the proxy requires authentication: pass httpProxyAuth or user:pass@ in the proxy URL)'
        : ' (the proxy refused the credentials)';
    }
    return createError(statusCode === 407 ? 'WS_ERR_PROXY_AUTH' : 'WS_ERR_PROXY_REFUSED', message, { statusCode, statusMessage });
  }
}

/** Packs an IPv4 literal into 4 bytes. */
function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** Packs an IPv6 literal (with `::` and an optional trailing IPv4 part) into 16 bytes. */
export function ipv6Bytes(address: string): Buffer {
  const bare = address.replace(/%.*$/, ''); // a zone id is local to this host
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
        return [(a << 8) | b, (c << 8) | d];
      }
      return [parseInt(group, 16)];
    });
  };
  const gap = bare.indexOf('::');
  const head = toGroups(gap === -1 ? bare : bare.slice(0, gap));
  const tail = gap === -1 ? [] : toGroups(bare.slice(gap + 2));
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(group, i * 2));
  return out;
}

/** SOCKS4 reply codes (the protocol's CD field) other than 0x5A granted. */
const SOCKS4_REPLIES: Record<number, string> = {
  0x5b: 'request rejected or failed',
  0x5c: 'request rejected because the SOCKS server cannot connect to identd on the client',
  0x5d: 'request rejected because the client program and identd report different user ids',
};

/**
 * SOCKS4 (`remoteDns` false: the target must be an IPv4 literal) and SOCKS4a
 * (`remoteDns` true: a host name is sent for the proxy to resolve). The user id
 * is `auth[0]`; SOCKS4 has no password.
 */
export class Socks4Handshake implements ProxyHandshake {
  private buffer = Buffer.alloc(0);
  private done = false;
  readonly waitingFor = 'the SOCKS4 reply (8 bytes)';

  constructor(
    private readonly target: { host: string; port: number },
    remoteDns: boolean,
    private readonly userId = '',
  ) {
    checkPort('target port', target.port, 'WS_ERR_INVALID_TARGET');
    const version = remoteDns ? 'SOCKS4a' : 'SOCKS4';
    if (net.isIPv6(target.host)) {
      throw createError('WS_ERR_PROXY_UNSUPPORTED_TARGET', `${version} carries IPv4 addresses only, got the IPv6 target ${target.host}: use socks5`);
    }
    if (!remoteDns && !net.isIPv4(target.host)) {
      throw createError('WS_ERR_INVALID_TARGET', `SOCKS4 needs the target as an IPv4 address (resolved locally), got ${JSON.stringify(target.host)}`);
    }
    if (userId.includes('\0') || target.host.includes('\0')) {
      throw createError('WS_ERR_INVALID_PROXY_OPTION', `${version} user id and host name cannot contain NUL bytes`);
    }
  }

  get pending(): number {
    return this.buffer.length;
  }

  start(): Buffer {
    const byName = !net.isIPv4(this.target.host);
    const header = Buffer.alloc(8);
    header[0] = 4; // VN
    header[1] = 1; // CD = CONNECT
    header.writeUInt16BE(this.target.port, 2);
    // SOCKS4a: DSTIP 0.0.0.x (x != 0) means "the host name follows the user id".
    if (byName) header.set([0, 0, 0, 1], 4);
    else header.set(ipv4Bytes(this.target.host), 4);
    const parts = [header, Buffer.from(this.userId, 'utf8'), Buffer.of(0)];
    if (byName) parts.push(Buffer.from(this.target.host, 'utf8'), Buffer.of(0));
    return Buffer.concat(parts);
  }

  feed(chunk: Uint8Array): HandshakeStep {
    if (this.done) throw createError('WS_ERR_PROXY_HANDSHAKE_FINISHED', 'SOCKS4 handshake already finished');
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const first = this.buffer[0];
    // The reply's VN is 0; some servers echo 4.
    if (first !== undefined && first !== 0 && first !== 4) {
      throw createError('WS_ERR_PROXY_BAD_REPLY', `expected SOCKS4 reply version 0, got ${hex(first)}${httpHint(first)}`);
    }
    const code = this.buffer[1];
    if (code !== undefined && code !== 0x5a) {
      const meaning = SOCKS4_REPLIES[code] ?? 'unknown reply code';
      throw createError(
        'WS_ERR_PROXY_REFUSED',
        `SOCKS4 proxy refused CONNECT to ${formatHostPort(this.target.host, this.target.port)}: ${meaning} (0x${code.toString(16).toUpperCase()})`,
      );
    }
    if (this.buffer.length < 8) return { kind: 'wait' };
    this.done = true;
    return { kind: 'done', rest: this.buffer.subarray(8) };
  }
}

/** RFC 1928 §6 reply field meanings. */
const SOCKS5_REPLIES: Record<number, string> = {
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused by destination',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/** RFC 1928 §3 method numbers. */
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;

type Socks5Phase = 'method' | 'auth' | 'connect' | 'done';

/**
 * SOCKS5 (RFC 1928) CONNECT, with username/password (RFC 1929) offered when
 * `auth` is given. The target goes as an IPv4/IPv6 address when it is one, and
 * as a domain name otherwise (socks5h: the proxy resolves it).
 */
export class Socks5Handshake implements ProxyHandshake {
  private buffer = Buffer.alloc(0);
  private phase: Socks5Phase = 'method';

  constructor(
    private readonly target: { host: string; port: number },
    private readonly auth?: readonly [user: string, pass: string],
  ) {
    checkPort('target port', target.port, 'WS_ERR_INVALID_TARGET');
    if (Buffer.byteLength(target.host) > 255 || target.host === '') {
      throw createError('WS_ERR_INVALID_TARGET', `SOCKS5 target host: expected 1 to 255 bytes, got ${Buffer.byteLength(target.host)}`);
    }
    if (auth !== undefined) {
      for (const [field, value] of [['user name', auth[0]], ['password', auth[1]]] as const) {
        if (Buffer.byteLength(value) > 255) {
          throw createError('WS_ERR_INVALID_PROXY_OPTION', `SOCKS5 ${field}: expected at most 255 bytes (RFC 1929), got ${Buffer.byteLength(value)}`);
        }
      }
    }
  }

  get pending(): number {
    return this.buffer.length;
  }

  get waitingFor(): string {
    switch (this.phase) {
      case 'method':
        return 'the SOCKS5 method selection reply (2 bytes)';
      case 'auth':
        return 'the SOCKS5 username/password reply (2 bytes)';
      default:
        return 'the SOCKS5 CONNECT reply';
    }
  }

  start(): Buffer {
    // RFC 1928 §3: VER, NMETHODS, METHODS.
    return this.auth === undefined ? Buffer.of(5, 1, NO_AUTH) : Buffer.of(5, 2, NO_AUTH, USER_PASS);
  }

  feed(chunk: Uint8Array): HandshakeStep {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    let step: HandshakeStep = { kind: 'wait' };
    const writes: Buffer[] = [];
    // Several replies may arrive in one chunk only if the proxy ran ahead; handle each in turn.
    for (;;) {
      step = this.step();
      if (step.kind === 'write') writes.push(step.data);
      else break;
    }
    if (writes.length === 0) return step;
    const data = Buffer.concat(writes);
    return step.kind === 'done' ? { kind: 'done', rest: step.rest, data } : { kind: 'write', data };
  }

  private consume(length: number): void {
    this.buffer = this.buffer.subarray(length);
  }

  private step(): HandshakeStep {
    switch (this.phase) {
      case 'method':
        return this.methodReply();
      case 'auth':
        return this.authReply();
      case 'connect':
        return this.connectReply();
      default:
        throw createError('WS_ERR_PROXY_HANDSHAKE_FINISHED', 'SOCKS5 handshake already finished');
    }
  }

  private checkVersion(expected: number, what: string): void {
    const version = this.buffer[0];
    if (version !== undefined && version !== expected) {
      throw createError('WS_ERR_PROXY_BAD_REPLY', `expected SOCKS version ${expected} in ${what}, got ${hex(version)}${httpHint(version)}`);
    }
  }

  /** RFC 1928 §3: VER, METHOD. */
  private methodReply(): HandshakeStep {
    this.checkVersion(5, 'reply');
    if (this.buffer.length < 2) return { kind: 'wait' };
    const method = this.buffer[1] as number;
    this.consume(2);
    if (method === NO_ACCEPTABLE) {
      const offered = this.auth === undefined ? 'no authentication; the proxy may require credentials' : 'no authentication, username/password';
      throw createError('WS_ERR_PROXY_AUTH', `SOCKS5 proxy accepted none of the offered authentication methods (${offered})`);
    }
    if (method === NO_AUTH) return this.sendConnect();
    if (method === USER_PASS && this.auth !== undefined) return this.sendAuth(this.auth);
    throw createError(
      'WS_ERR_PROXY_BAD_REPLY',
      `expected SOCKS5 method 0x00${this.auth === undefined ? '' : ' or 0x02'} (offered), got ${hex(method)}`,
    );
  }

  /** RFC 1929 §2: VER=1, ULEN, UNAME, PLEN, PASSWD. */
  private sendAuth([user, pass]: readonly [string, string]): HandshakeStep {
    const name = Buffer.from(user, 'utf8');
    const word = Buffer.from(pass, 'utf8');
    this.phase = 'auth';
    return { kind: 'write', data: Buffer.concat([Buffer.of(1, name.length), name, Buffer.of(word.length), word]) };
  }

  /** RFC 1929 §2: VER=1, STATUS (0 = success). */
  private authReply(): HandshakeStep {
    this.checkVersion(1, 'the username/password reply');
    if (this.buffer.length < 2) return { kind: 'wait' };
    const status = this.buffer[1] as number;
    this.consume(2);
    if (status !== 0) {
      throw createError('WS_ERR_PROXY_AUTH', `SOCKS5 proxy auth rejected: the username/password was refused (status ${hex(status)})`);
    }
    return this.sendConnect();
  }

  /** RFC 1928 §4: VER, CMD=CONNECT, RSV, ATYP, DST.ADDR, DST.PORT. */
  private sendConnect(): HandshakeStep {
    const { host, port } = this.target;
    let address: Buffer;
    if (net.isIPv4(host)) address = Buffer.concat([Buffer.of(1), ipv4Bytes(host)]);
    else if (net.isIPv6(host)) address = Buffer.concat([Buffer.of(4), ipv6Bytes(host)]);
    else {
      const name = Buffer.from(host, 'utf8');
      address = Buffer.concat([Buffer.of(3, name.length), name]);
    }
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16BE(port);
    this.phase = 'connect';
    return { kind: 'write', data: Buffer.concat([Buffer.of(5, 1, 0), address, portBytes]) };
  }

  /** RFC 1928 §6: VER, REP, RSV, ATYP, BND.ADDR, BND.PORT. */
  private connectReply(): HandshakeStep {
    this.checkVersion(5, 'the CONNECT reply');
    const reply = this.buffer[1];
    if (reply !== undefined && reply !== 0) {
      const meaning = SOCKS5_REPLIES[reply] ?? 'unassigned reply code';
      throw createError(
        'WS_ERR_PROXY_REFUSED',
        `SOCKS5 proxy refused CONNECT to ${formatHostPort(this.target.host, this.target.port)}: ${meaning} (${hex(reply)})`,
      );
    }
    const type = this.buffer[3];
    if (type === undefined) return { kind: 'wait' };
    let addressLength: number;
    if (type === 1) addressLength = 4;
    else if (type === 4) addressLength = 16;
    else if (type === 3) {
      if (this.buffer.length < 5) return { kind: 'wait' };
      addressLength = 1 + (this.buffer[4] as number);
    } else {
      throw createError('WS_ERR_PROXY_BAD_REPLY', `expected address type 0x01, 0x03 or 0x04 in the SOCKS5 CONNECT reply, got ${hex(type)}`);
    }
    const length = 4 + addressLength + 2;
    if (this.buffer.length < length) return { kind: 'wait' };
    this.phase = 'done';
    return { kind: 'done', rest: this.buffer.subarray(length) };
  }
}
