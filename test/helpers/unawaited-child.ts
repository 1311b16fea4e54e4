/**
 * Run in a child process by test/integration/unawaited.test.ts: every method
 * of WebSocket that returns a promise is called without `await` where it
 * rejects (Node ends a process with code 1 on an unhandled rejection), then
 * the same calls awaited must still reject. Prints one JSON line.
 *
 * Usage: node --import tsx unawaited-child.ts <url of a server that closes at once>
 */
import { ABNF, WebSocket } from '../../src/index.js';
import { startRawServer } from './raw-server.js';

const [url] = process.argv.slice(2);
if (url === undefined) throw new Error('usage: unawaited-child.ts <url>');

/** Each call once: a promise the caller may ignore. */
function calls(ws: WebSocket): Array<[name: string, call: () => Promise<unknown>]> {
  return [
    ['send', () => ws.send('x')],
    ['sendText', () => ws.sendText('x')],
    ['sendBinary', () => ws.sendBinary(new Uint8Array([1]))],
    ['sendBytes', () => ws.sendBytes(new Uint8Array([1]))],
    ['sendFrame', () => ws.sendFrame(ABNF.createFrame('x', ABNF.OPCODE_TEXT))],
    ['ping', () => ws.ping('p')],
    ['pong', () => ws.pong('p')],
    // A timeout that is not a duration: close() rejects before looking at the connection.
    ['close', () => ws.close({ timeout: -1 })],
  ];
}

async function awaitedOutcomes(ws: WebSocket): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const [name, call] of calls(ws)) {
    outcomes[name] = await call().then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
  }
  return outcomes;
}

// Never connected.
const idle = new WebSocket();
for (const [, call] of calls(idle)) void call();

// Closed by the server.
const ws = new WebSocket();
await ws.connect(url, { timeout: 3000 });
await ws.recv().catch(() => undefined);
for (const [, call] of calls(ws)) void call();

// A send accepted but not flushed within the timeout: a server that stops reading.
const deaf = await startRawServer(async (peer) => {
  await peer.accept();
  peer.socket.pause();
});
const big = Buffer.alloc(32 * 1024 * 1024, 1);
const congested = new WebSocket();
await congested.connect(deaf.url, { timeout: 3000 });
congested.timeout = 50;
void congested.send(big);
await new Promise((resolve) => setTimeout(resolve, 200));
const timedOut = await congested.send(big).then(
  () => 'resolved',
  (error: unknown) => (error as Error).name,
);
congested.abort();
await deaf.close();

// Let any unhandled rejection surface before reporting.
await new Promise((resolve) => setTimeout(resolve, 100));
console.log(JSON.stringify({ idle: await awaitedOutcomes(idle), closed: await awaitedOutcomes(ws), timedOut }));
