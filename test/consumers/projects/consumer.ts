// One TypeScript program, compiled by each TypeScript project (ESM and CommonJS
// under nodenext, bundler resolution, DOM lib with @types/node 22).
import { createConnection, WebSocketException, WebSocketTimeoutException, type WebSocket, type WebSocketOptions } from 'rfc6455';
import { ABNF, OPCODE_TEXT, FrameParser, encodeFrame, isValidUtf8, maskInPlace, Utf8Validator, type FrameHeader } from 'rfc6455/frame';
import { ClientSession, deflateConfig, deflateOffer, type SessionHandler, type SessionOptions } from 'rfc6455/protocol';

/** Never called: proves the types are real (an `any` would make the directive unused, a compile error). */
export function typesAreChecked(): void {
  // @ts-expect-error createConnection takes the URL as a string
  void createConnection(42);
}

async function main(): Promise<void> {
  const [url, name] = process.argv.slice(2);
  const options: WebSocketOptions & { timeout: number } = { timeout: 5000 };
  const ws: WebSocket = await createConnection(url!, options);
  await ws.send(`hello from ${name}`);
  const reply: string | Buffer = await ws.recv();
  await ws.close();

  const frame = encodeFrame(OPCODE_TEXT, Buffer.from('parsed'));
  const headers: FrameHeader[] = [];
  const pieces: Buffer[] = [];
  new FrameParser({ onHeader: (header) => headers.push({ ...header }), onPayload: (piece) => pieces.push(Buffer.from(piece)) }).push(frame);

  let decoded = '';
  const ignore = (): void => {};
  const handler: SessionHandler = {
    onText: (text) => (decoded = text),
    onBinary: ignore,
    onFragment: ignore,
    onFrame: ignore,
    onPing: ignore,
    onPong: ignore,
    onClose: ignore,
    onWrite: ignore,
    onFailure: ignore,
  };
  const sessionOptions: SessionOptions = { maxPayload: 1024 };
  new ClientSession(handler, sessionOptions).receive(frame);

  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from('mask');
  maskInPlace(masked, key);
  const maskChanged = masked.toString() !== 'mask';
  maskInPlace(masked, key);

  const timeout: WebSocketException = new WebSocketTimeoutException('late');
  console.log(JSON.stringify({
    reply: String(reply),
    parsed: Buffer.concat(pieces).toString(),
    opcode: headers[0]?.opcode === ABNF.OPCODE_TEXT,
    session: decoded,
    mask: maskChanged && masked.toString() === 'mask',
    utf8: isValidUtf8(Buffer.from('é')) && new Utf8Validator().push(Buffer.from([0xc0])) === 0,
    offer: deflateOffer(deflateConfig(true)!),
    exception: timeout instanceof WebSocketException,
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
