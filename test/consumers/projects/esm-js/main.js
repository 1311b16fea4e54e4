// An ES module project: imports the package, its subpaths, and requires it too.
import { createRequire } from 'node:module';
import { createConnection, WebSocketException, WebSocketAddressException } from 'rfc6455';
import { encodeFrame, FrameParser, OPCODE_TEXT } from 'rfc6455/frame';
import { ClientSession } from 'rfc6455/protocol';
import { WebSocket as WebWebSocket } from 'rfc6455/web';

const [url] = process.argv.slice(2);
const ws = await createConnection(url, { timeout: 5000 });
await ws.send('hello from esm-js');
const reply = await ws.recv();
await ws.close();

const pieces = [];
new FrameParser({ onHeader() {}, onPayload: (piece) => pieces.push(Buffer.from(piece)) }).push(encodeFrame(OPCODE_TEXT, Buffer.from('parsed')));

// The WHATWG interface: a message through onmessage.
const webReply = await new Promise((resolve, reject) => {
  const socket = new WebWebSocket(url);
  socket.onopen = () => socket.send('web hello');
  socket.onmessage = (event) => {
    socket.close();
    resolve(event.data);
  };
  socket.onerror = (event) => reject(event.error ?? new Error('web socket error'));
});

// One copy of each class whether the package is imported or required.
const required = createRequire(import.meta.url)('rfc6455');
let thrown = null;
try {
  await createConnection('ftp://127.0.0.1/', { timeout: 5000 });
} catch (error) {
  thrown = error;
}
console.log(JSON.stringify({
  reply,
  parsed: Buffer.concat(pieces).toString(),
  session: typeof ClientSession,
  webReply,
  sameClasses: required.WebSocketException === WebSocketException && required.createConnection === createConnection,
  thrownIsRequiredClass: thrown instanceof required.WebSocketAddressException && thrown instanceof required.WebSocketException,
  requiredIsImportedClass: new required.WebSocketAddressException('x') instanceof WebSocketAddressException,
}));
