// A CommonJS project (what `npm init -y` makes): requires the package and its subpaths, and imports it too.
const { createConnection, WebSocketException, WebSocketAddressException } = require('rfc6455');
const { encodeFrame, FrameParser, OPCODE_TEXT } = require('rfc6455/frame');
const { ClientSession } = require('rfc6455/protocol');
const { WebSocket: WebWebSocket } = require('rfc6455/web');

async function main() {
  const [url] = process.argv.slice(2);
  const ws = await createConnection(url, { timeout: 5000 });
  await ws.send('hello from cjs-js');
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

  // One copy of each class whether the package is required or imported.
  const imported = await import('rfc6455');
  let thrown = null;
  try {
    await imported.createConnection('ftp://127.0.0.1/', { timeout: 5000 });
  } catch (error) {
    thrown = error;
  }
  console.log(JSON.stringify({
    reply,
    parsed: Buffer.concat(pieces).toString(),
    session: typeof ClientSession,
    webReply,
    sameClasses: imported.WebSocketException === WebSocketException && imported.createConnection === createConnection,
    thrownIsRequiredClass: thrown instanceof WebSocketAddressException && thrown instanceof WebSocketException,
    requiredIsImportedClass: new WebSocketAddressException('x') instanceof imported.WebSocketAddressException,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
