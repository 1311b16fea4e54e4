/**
 * Run in a child process by test/integration/lazy-builtins.test.ts: which of
 * `node:tls`, `node:zlib` and `node:dns` the process has loaded after each
 * step. Prints one JSON line: step name -> the modules loaded by then.
 *
 * Usage: node --import tsx lazy-builtins-child.ts <port of an echo server that offers permessage-deflate>
 */
import { createConnection } from '../../src/index.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) throw new Error('usage: lazy-builtins-child.ts <port>');

/** Node's list of the built-in modules loaded so far (`NativeModule tls`…), not in its types. */
const moduleLoadList = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
const loaded = () => ['tls', 'zlib', 'dns'].filter((name) => moduleLoadList().includes(`NativeModule ${name}`));
const seen: Record<string, string[]> = { imported: loaded() };

async function echo(url: string, options: Parameters<typeof createConnection>[1] = {}): Promise<string> {
  const ws = await createConnection(url, options);
  await ws.send('x'.repeat(2048));
  const answer = await ws.recv();
  await ws.close();
  return typeof answer === 'string' ? `${answer.length} chars` : 'binary';
}

seen.plain = [await echo(`ws://127.0.0.1:${port}/`), ...loaded()];
seen.deflate = [await echo(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } }), ...loaded()];
seen.hostname = [await echo(`ws://localhost:${port}/`), ...loaded()];
// A TLS handshake against the plain server fails; what counts is that it was tried.
seen.secure = [await echo(`wss://127.0.0.1:${port}/`, { timeout: 5000 }).then(() => 'opened', () => 'failed'), ...loaded()];
console.log(JSON.stringify(seen));
