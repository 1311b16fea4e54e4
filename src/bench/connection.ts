/**
 * One benchmark connection: opened by the library's own opening sequence
 * (proxies, TLS, redirects, permessage-deflate negotiation, exactly as
 * `WebSocket.connect()` does) and driven through the library's sans-I/O
 * `ClientSession`, without a Promise per message.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { openConnection, type OpeningParams } from '../opening.js';
import { deflateConfig, type DeflateOptions } from '../protocol/deflate.js';
import { ClientSession, type SessionFailure } from '../protocol/session.js';
import { setReadSink } from '../transport/large-reads.js';

/** How to open each connection: the client's own connection options. */
export interface BenchConnectOptions extends Omit<OpeningParams, 'deflate' | 'signal' | 'socket'> {
  perMessageDeflate?: boolean | DeflateOptions;
  /** Split each message into frames of at most this many payload bytes (0: one frame). */
  fragmentSize?: number;
}

/** What happens on a connection, reported to its workload. */
export interface ConnectionEvents {
  /** A whole message came (a string for text); a Buffer may be a view of a read buffer, valid only during the call. */
  onMessage(data: Buffer | string): void;
  /** The connection failed: a session failure, a socket error. */
  onError(error: Error): void;
  /** The socket closed; `closeCode` is the server's close code, if it sent a close frame. */
  onEnd(closeCode: number | null): void;
}

/**
 * An open benchmark connection: {@link BenchConnection.send} encodes a message
 * through the session and writes it; messages, failures and the end of the
 * connection are reported through the {@link ConnectionEvents} given to
 * {@link BenchConnection.open}.
 */
export class BenchConnection {
  /** WebSocket frame bytes written and read (headers included). */
  wireBytesSent = 0;
  wireBytesReceived = 0;
  /** True when reads come straight from the socket's read buffer, false when they come as 'data' events (TLS). */
  direct = false;
  private ended = false;
  private closeCode: number | null = null;
  /** While a received chunk is handled: the bytes written meanwhile, to leave in one write after it. */
  private batching = false;
  private readonly batch: Buffer[] = [];

  private constructor(
    private readonly socket: net.Socket | tls.TLSSocket,
    private readonly session: ClientSession,
  ) {}

  /**
   * Open a connection to `url`. Resolves once the handshake is done and the
   * connection is reading; rejects with the library's exception on failure.
   */
  static async open(url: string, options: BenchConnectOptions, events: ConnectionEvents): Promise<BenchConnection> {
    const opened = await openConnection(url, { ...options, deflate: deflateConfig(options.perMessageDeflate) });
    const { socket, compression } = opened;
    let connection: BenchConnection | null = null;
    const session = new ClientSession(
      {
        onText: (text) => events.onMessage(text),
        onBinary: (data) => events.onMessage(data),
        onFragment: () => {},
        onFrame: () => {},
        onPing: () => {},
        onPong: () => {},
        onClose: (code) => {
          connection!.closeCode = code;
        },
        onWrite: (bytes, kind) => {
          connection!.write(bytes);
          if (kind === 'close') {
            session.closeWritten();
            connection!.end();
          }
        },
        onFailure: (error: SessionFailure, closeFrame) => {
          events.onError(error);
          if (closeFrame !== null) {
            session.closeWritten();
            connection!.write(closeFrame);
          }
          connection!.end();
        },
      },
      { fragmentSize: options.fragmentSize ?? 0, compression },
    );
    connection = new BenchConnection(socket, session);
    const receive = (chunk: Buffer): void => connection!.receive(chunk);
    if (opened.head.length > 0) receive(opened.head);
    // A plain socket's reads come straight from its read buffer (no copy, no
    // stream per read; the session keeps no view of a chunk once it returns,
    // since it is never paused here); a TLS socket's come as 'data' events.
    // Anything the stream still holds from the opening comes as 'data' too,
    // on resume(), before any new read.
    connection.direct = setReadSink(socket, receive, { borrow: true });
    socket.on('data', receive);
    socket.on('error', (error) => events.onError(error));
    socket.on('close', () => {
      connection!.ended = true;
      compression?.release();
      events.onEnd(connection!.closeCode);
    });
    socket.resume();
    return connection;
  }

  /** Bytes from the server: parsed at once, the replies they cause written in one write. */
  private receive(chunk: Buffer): void {
    this.wireBytesReceived += chunk.length;
    this.batching = true;
    this.session.receive(chunk);
    this.flush();
  }

  /** True once the socket closed. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** True while the socket takes more bytes without buffering past its high-water mark. */
  get writable(): boolean {
    return !this.ended && !this.socket.writableNeedDrain;
  }

  /** Call `listener` once the socket's buffer has drained. */
  onceDrained(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  /** Send one message; returns false when the connection can no longer send. */
  send(data: Buffer | string): boolean {
    if (this.ended || this.session.state !== 'open') return false;
    this.write(typeof data === 'string' ? this.session.sendText(data) : this.session.sendBinary(data));
    return true;
  }

  /** Batch the writes made until {@link uncork}. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** Start the closing handshake (1000), or just end the socket if the session is done. */
  close(): void {
    if (this.ended) return;
    if (this.session.state === 'open') this.write(this.session.sendClose(1000));
    else this.socket.end();
  }

  /** Drop the connection now. */
  destroy(): void {
    this.socket.destroy();
  }

  private write(bytes: Buffer): void {
    this.wireBytesSent += bytes.length;
    if (this.batching) this.batch.push(bytes);
    else this.socket.write(bytes);
  }

  /** Write what was batched: one buffer as it is (no cork, no copy), several corked into one writev. */
  private flush(): void {
    this.batching = false;
    const batch = this.batch;
    if (batch.length === 0) return;
    if (batch.length === 1) {
      this.socket.write(batch[0]!);
    } else {
      this.socket.cork();
      for (const bytes of batch) this.socket.write(bytes);
      this.socket.uncork();
    }
    batch.length = 0;
  }

  /** End the socket after anything batched. */
  private end(): void {
    this.flush();
    this.socket.end();
  }
}
