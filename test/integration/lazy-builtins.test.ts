/**
 * `node:tls`, `node:zlib` and `node:dns` are loaded by the first connection
 * that needs them, not by importing the library: a process that only talks
 * ws:// to addresses without compression never holds their code in its heap.
 * Run in a child process, whose module list is its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHelperChild } from '../helpers/run-child.js';
import { echo, startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let server: WsTestServer;
beforeAll(async () => {
  server = await startWsServer(echo, { perMessageDeflate: { threshold: 0 } });
});
afterAll(async () => {
  await server.close();
});

describe('built-in modules loaded on first use', () => {
  it('tls, zlib and dns are loaded by the first wss://, compressed and host-name connection, not before', async () => {
    const { code, stdout, stderr } = await runHelperChild('lazy-builtins-child.ts', [String(server.port)], 20_000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({
      imported: [],
      plain: ['2048 chars'],
      deflate: ['2048 chars', 'zlib'],
      hostname: ['2048 chars', 'zlib', 'dns'],
      secure: ['failed', 'tls', 'zlib', 'dns'],
    });
    // The compressed step really compressed: the server saw the extension offered and accepted.
    expect(server.requests[1]?.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
  }, 25_000);
});
