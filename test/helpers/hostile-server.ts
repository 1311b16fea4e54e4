/**
 * A hostile WebSocket server on 127.0.0.1 (plain TCP or TLS) for robustness
 * tests: each connection is handed to a script that decides byte by byte
 * what the client gets — a dribbled or endless handshake, lying frame
 * lengths, floods — and whether the server reads at all. Client frames can be
 * collected and decoded (unmasked) when the script chooses to read.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A frame the client sent, unmasked. */
export interface ClientFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** One accepted connection, as a script sees it. */
export interface HostileConnection {
  /** The stream to write to (the TLS socket for a TLS server). */
  readonly socket: net.Socket;
  /** The TCP socket underneath (the same as `socket` without TLS): reset it to abort. */
  readonly tcp: net.Socket;
  /** Reads the client's request head (nothing more), then stops reading. Resolves with its Sec-WebSocket-Key. */
  request(): Promise<string>;
  /** The head of a valid 101 answer for `key`. */
  upgradeHead(key: string): string;
  /** Reads the request and writes a valid 101; the socket is then not read. */
  upgrade(): Promise<void>;
  /** Starts reading: every client frame is decoded into `frames`. */
  collect(): void;
  /** The client frames decoded so far (after `collect()`). */
  readonly frames: ClientFrame[];
  /** Resolves once `predicate(frames)` holds; rejects after `ms`. */
  waitFor(predicate: (frames: ClientFrame[]) => boolean, ms?: number): Promise<ClientFrame[]>;
  /** Writes `bytes` and resolves once they were handed to the kernel (respects backpressure). */
  write(bytes: Uint8Array | string): Promise<void>;
  /** Resolves when the connection closed (either way). */
  readonly closed: Promise<void>;
}

export interface HostileServer {
  port: number;
  /** `ws://127.0.0.1:port/` or `wss://localhost:port/`. */
  url: string;
  /** Scripts still running or failed: awaited by `close()` so a broken script fails the test. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** An unmasked server frame with a payload of any size. */
export function frame(opcode: number, payload: Uint8Array | string = '', fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return Buffer.concat([frameHeader(opcode, data.length, fin), data]);
}

/** The header alone of an unmasked server frame announcing `length` bytes (any 64-bit value). */
export function frameHeader(opcode: number, length: number | bigint, fin = true): Buffer {
  const n = BigInt(length);
  const first = (fin ? 0x80 : 0) | opcode;
  if (n <= 125n) return Buffer.of(first, Number(n));
  if (n <= 0xffffn) {
    const header = Buffer.of(first, 126, 0, 0);
    header.writeUInt16BE(Number(n), 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = first;
  header[1] = 127;
  header.writeBigUInt64BE(n, 2);
  return header;
}

/** Decodes complete masked client frames from `bytes`; returns them and the bytes used. */
function decodeClientFrames(bytes: Buffer): { frames: ClientFrame[]; used: number } {
  const frames: ClientFrame[] = [];
  let pos = 0;
  for (;;) {
    if (bytes.length - pos < 2) break;
    const b0 = bytes[pos];
    const b1 = bytes[pos + 1];
    let length = b1 & 0x7f;
    let at = pos + 2;
    if (length === 126) {
      if (bytes.length - at < 2) break;
      length = bytes.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (bytes.length - at < 8) break;
      length = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const keyAt = at;
    if (masked) at += 4;
    if (bytes.length - at < length) break;
    const payload = Buffer.from(bytes.subarray(at, at + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= bytes[keyAt + (i & 3)];
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    pos = at + length;
  }
  return { frames, used: pos };
}

function connection(socket: net.Socket, tcp: net.Socket): HostileConnection {
  let buffered: Buffer = Buffer.alloc(0);
  const frames: ClientFrame[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  tcp.on('error', () => {});
  socket.pause();

  const conn: HostileConnection = {
    socket,
    tcp,
    frames,
    closed,
    request() {
      return new Promise((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onData);
          socket.pause();
          const head = buffered.subarray(0, end).toString('latin1');
          // Bytes past the head (a client frame already) stay for collect().
          buffered = buffered.subarray(end + 4);
          const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1];
          if (key === undefined) reject(new Error(`no Sec-WebSocket-Key in ${JSON.stringify(head)}`));
          else resolve(key);
        };
        socket.on('data', onData);
        socket.resume();
      });
    },
    upgradeHead(key) {
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
    },
    async upgrade() {
      const key = await conn.request();
      await conn.write(conn.upgradeHead(key));
    },
    collect() {
      const take = () => {
        const { frames: got, used } = decodeClientFrames(buffered);
        frames.push(...got);
        buffered = buffered.subarray(used);
      };
      take();
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        take();
      });
      socket.resume();
    },
    async waitFor(predicate, ms = 5000) {
      const until = Date.now() + ms;
      while (!predicate(frames)) {
        if (Date.now() > until) throw new Error(`client frames did not match within ${ms} ms: got ${frames.map((f) => f.opcode).join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return frames;
    },
    write(bytes) {
      return new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        const ok = socket.write(bytes);
        if (ok) return resolve();
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    },
  };
  return conn;
}

/**
 * Starts a hostile server; `script` runs once per connection. With `tls`
 * (key and cert), the script gets the TLS socket and `tcp` underneath.
 */
export async function startHostileServer(
  script: (conn: HostileConnection) => Promise<void> | void,
  options: { tls?: { key: string; cert: string } } = {},
): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const errors: unknown[] = [];
  const running = new Set<Promise<void>>();
  const run = (conn: HostileConnection) => {
    const p = Promise.resolve()
      .then(() => script(conn))
      .catch((error: unknown) => {
        if (!conn.socket.destroyed) errors.push(error);
      })
      .finally(() => running.delete(p));
    running.add(p);
  };
  let server: net.Server;
  if (options.tls) {
    server = tls.createServer({ key: options.tls.key, cert: options.tls.cert });
    // The TCP socket under each TLS socket, found by the client's port.
    const byPort = new Map<number, net.Socket>();
    server.on('connection', (tcp: net.Socket) => {
      const clientPort = tcp.remotePort ?? -1;
      sockets.add(tcp);
      byPort.set(clientPort, tcp);
      tcp.on('error', () => {});
      tcp.once('close', () => {
        sockets.delete(tcp);
        byPort.delete(clientPort);
      });
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => run(connection(socket, byPort.get(socket.remotePort ?? -1) ?? socket)));
    server.on('tlsClientError', () => {});
  } else {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      run(connection(socket, socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: options.tls ? `wss://localhost:${port}/` : `ws://127.0.0.1:${port}/`,
    errors,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
    },
  };
}
