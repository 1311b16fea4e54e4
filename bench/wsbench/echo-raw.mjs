// A minimal WebSocket echo server on raw `net`, about as fast as a server gets
// in Node: the handshake, then each masked client frame (payload < 126 bytes)
// is answered with an unmasked frame of the same opcode, all replies to one
// chunk in one write. Same stats protocol as echo-ws.mjs.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { serveStats } from './stats.mjs';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
let messages = 0;
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  let open = false;
  socket.on('data', (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    if (!open) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buffer.toString('latin1', 0, end))[1];
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      buffer = buffer.subarray(end + 4);
      open = true;
    }
    let size = 0;
    let at = 0;
    while (buffer.length - at >= 6) {
      const length = buffer[at + 1] & 0x7f;
      if (length >= 126 || buffer.length - at < 6 + length) break;
      size += 2 + length;
      at += 6 + length;
    }
    if (size === 0) return;
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (let i = 0; i < at; ) {
      const length = buffer[i + 1] & 0x7f;
      const opcode = buffer[i] & 0x0f;
      if (opcode === 8) return void socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
      out[o] = 0x80 | opcode;
      out[o + 1] = length;
      for (let j = 0; j < length; j++) out[o + 2 + j] = buffer[i + 6 + j] ^ buffer[i + 2 + (j & 3)];
      o += 2 + length;
      i += 6 + length;
      messages++;
    }
    buffer = buffer.subarray(at);
    socket.write(out);
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => serveStats(server.address().port, () => messages));
