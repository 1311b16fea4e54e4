/**
 * A raw fake proxy on 127.0.0.1 for the replies real proxies never send: each
 * accepted connection runs a script that reads the client's exact bytes and
 * writes crafted ones (whole, or one byte per write).
 */
import net from 'node:net';

/** One accepted connection, seen by a script. */
export interface FakeConnection {
  readonly socket: net.Socket;
  /** Exactly `length` bytes from the client (rejects if it closes first). */
  read(length: number): Promise<Buffer>;
  /** Bytes up to and including `marker` (for an HTTP request head). */
  readUntil(marker: string): Promise<Buffer>;
  /** Writes `bytes`, as one write or one byte per write (each flushed before the next). */
  write(bytes: Uint8Array | string, oneByteAtATime?: boolean): Promise<void>;
}

/** A running fake proxy: its port, the scripts' failures, and stop(). */
export interface FakeProxy {
  port: number;
  /** Errors thrown by scripts (a test asserts this is empty when the script checks requests). */
  errors: unknown[];
  stop(): Promise<void>;
}

function connection(socket: net.Socket): FakeConnection {
  let buffered = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', () => {});
  const waitFor = async (ready: () => number): Promise<Buffer> => {
    for (;;) {
      const length = ready();
      if (length >= 0) {
        const out = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        return out;
      }
      if (ended) throw new Error(`fake proxy: client closed with ${buffered.length} bytes unread`);
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
  const writeOnce = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  return {
    socket,
    read: (length) => waitFor(() => (buffered.length >= length ? length : -1)),
    readUntil: (marker) =>
      waitFor(() => {
        const at = buffered.indexOf(marker);
        return at === -1 ? -1 : at + marker.length;
      }),
    async write(bytes, oneByteAtATime = false) {
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
      if (!oneByteAtATime) return writeOnce(data);
      for (let i = 0; i < data.length; i++) {
        await writeOnce(data.subarray(i, i + 1));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
  };
}

/** Starts a fake proxy that runs `script` for every accepted connection. */
export function startFakeProxy(script: (conn: FakeConnection) => Promise<void>): Promise<FakeProxy> {
  const sockets = new Set<net.Socket>();
  const errors: unknown[] = [];
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    script(connection(socket)).catch((error: unknown) => {
      errors.push(error);
      socket.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        errors,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
