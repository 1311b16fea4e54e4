/**
 * Deliberately broken WebSocket echo servers on raw node:net, for checking that the server
 * suite gives them Autobahn's verdicts. The server echoes frame by frame, unchecked:
 * - 'lenient': every data frame comes back as it came (RSV bits, reserved opcodes and invalid
 *   UTF-8 included), pings get pongs, a close is answered and TCP closed;
 * - 'no-close-reply': as 'lenient', but a close frame is ignored and TCP left open;
 * - 'deflate-uncompressed': accepts permessage-deflate, then echoes each frame's payload as it came
 *   (still compressed) with RSV1 cleared, i.e. as an uncompressed message;
 * - 'deflate-ignores-params': answers any permessage-deflate offer with a bare "permessage-deflate"
 *   (leaving out server_no_context_takeover / server_max_window_bits the offer asked for) and
 *   echoes every frame as it came: the client's compressed stream comes back as the server's,
 *   which inflates right because it keeps its context with a 2^15 window, as the answer says;
 * - 'flips-bytes': as 'lenient', but the last byte of every data frame has its low bit flipped (same length; ASCII stays ASCII);
 * - 'keeps-tcp-open': fails a frame with RSV bits with close 1002 and answers a close frame, as it
 *   should, but never closes TCP (RFC 6455 §7.1.1 says the server closes it first);
 * - 'resets-on-violation': as 'lenient', but a frame with RSV bits makes it stop reading and, 300 ms
 *   later, reset TCP (no close frame), as a server does that closes its socket with octets unread. The
 *   wait lets the client read the echo first: Linux reports a reset that comes while bytes are still
 *   unread as the end of the stream, not as ECONNRESET.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';

export type Breakage =
  | 'lenient'
  | 'no-close-reply'
  | 'deflate-uncompressed'
  | 'deflate-ignores-params'
  | 'flips-bytes'
  | 'keeps-tcp-open'
  | 'resets-on-violation';

export interface BrokenServer {
  url: string;
  close(): Promise<void>;
}

function frame(first: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([first, len]) : len < 65536 ? Buffer.from([first, 126, len >> 8, len & 255]) : Buffer.alloc(10);
  if (len >= 65536) {
    head[0] = first;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

function serve(socket: Socket, breakage: Breakage, input: Buffer): void {
  let buffer = input;
  let closeSent = false;
  const onBytes = (): void => {
    for (;;) {
      if (buffer.length < 2) return;
      const len7 = buffer[1]! & 0x7f;
      const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      if (buffer.length < 2 + extra + 4) return;
      const length = len7 === 126 ? buffer.readUInt16BE(2) : len7 === 127 ? Number(buffer.readBigUInt64BE(2)) : len7;
      const start = 2 + extra + 4;
      if (buffer.length < start + length) return;
      const mask = buffer.subarray(2 + extra, start);
      const payload = Buffer.from(buffer.subarray(start, start + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      const first = buffer[0]!;
      buffer = buffer.subarray(start + length);
      const opcode = first & 0x0f;
      if (opcode === 8) {
        if (breakage === 'no-close-reply') continue;
        if (breakage === 'keeps-tcp-open') {
          if (!closeSent) socket.write(frame(0x88, payload));
          closeSent = true;
          continue;
        }
        socket.end(frame(0x88, payload));
        return;
      }
      if (breakage === 'resets-on-violation' && (first & 0x70) !== 0) {
        socket.pause();
        setTimeout(() => socket.resetAndDestroy(), 300);
        return;
      }
      if (breakage === 'keeps-tcp-open' && (first & 0x70) !== 0) {
        socket.write(frame(0x88, Buffer.from([0x03, 0xea]))); // close 1002
        closeSent = true;
        continue;
      }
      const echoed = breakage === 'deflate-uncompressed' ? first & ~0x40 : first;
      if (breakage === 'flips-bytes' && opcode < 8 && payload.length > 0) payload[payload.length - 1]! ^= 0x01;
      socket.write(frame(opcode === 9 ? (first & 0xf0) | 10 : echoed, payload));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    onBytes();
  });
  onBytes();
}

/** Starts a broken echo server on 127.0.0.1. */
export async function startBrokenServer(breakage: Breakage): Promise<BrokenServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? '';
      const offered = /sec-websocket-extensions:[^\r\n]*permessage-deflate/i.test(head.subarray(0, end).toString('latin1'));
      const answers = breakage === 'deflate-uncompressed' || (breakage === 'deflate-ignores-params' && offered);
      const extensions = answers ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extensions}\r\n`);
      serve(socket, breakage, head.subarray(end + 4));
    };
    socket.on('data', onHead);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
