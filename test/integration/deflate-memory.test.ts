/**
 * Memory cost of permessage-deflate per connection: 200 connections to a `ws`
 * server (in a child process), one 4 KiB message echoed on each, with and
 * without compression; heap + external memory compared after a full GC.
 * The numbers are printed for the README; the bound asserted is generous.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection, type WebSocket } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CONNECTIONS = 200;
const here = path.dirname(fileURLToPath(import.meta.url));
let child: ChildProcess;
let url = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../helpers/ws-echo-server.ts'), '--threshold', '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`ws child exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  url = `ws://127.0.0.1:${port}`;
}, 20_000);

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  await exited;
});

function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function openMany(perMessageDeflate: boolean): Promise<{ perConnection: number; rssPerConnection: number; sockets: WebSocket[] }> {
  const message = Buffer.from('{"kind":"sample","values":[1,2,3,4,5,6,7,8]} '.repeat(90)).subarray(0, 4096);
  const before = used();
  const rssBefore = process.memoryUsage().rss;
  const sockets: WebSocket[] = [];
  for (let batch = 0; batch < CONNECTIONS / 20; batch++) {
    const opened = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = await createConnection(url, { perMessageDeflate });
        await ws.send(message);
        expect(await ws.recv()).toEqual(message);
        return ws;
      }),
    );
    sockets.push(...opened);
  }
  const perConnection = (used() - before) / CONNECTIONS;
  const rssPerConnection = (process.memoryUsage().rss - rssBefore) / CONNECTIONS;
  return { perConnection, rssPerConnection, sockets };
}

it('permessage-deflate costs at most the two windows per connection (2 x 32 KiB), no zlib state', async () => {
  const plain = await openMany(false);
  await Promise.all(plain.sockets.map((ws) => ws.close()));
  const deflate = await openMany(true);
  await Promise.all(deflate.sockets.map((ws) => ws.close()));
  const extra = deflate.perConnection - plain.perConnection;
  console.log(
    `memory per connection (heap + external, after GC, ${CONNECTIONS} connections): ` +
      `without deflate ${(plain.perConnection / 1024).toFixed(1)} KiB, with deflate ${(deflate.perConnection / 1024).toFixed(1)} KiB, ` +
      `difference ${(extra / 1024).toFixed(1)} KiB; RSS growth per connection ${(plain.rssPerConnection / 1024).toFixed(1)} KiB vs ${(deflate.rssPerConnection / 1024).toFixed(1)} KiB`,
  );
  // The windows hold 4 KiB each here (one 4 KiB message each way), 2 x 32 KiB at most.
  expect(extra).toBeLessThan(64 * 1024);
}, 30_000);
