/**
 * `node:tls`, `node:zlib` and `node:dns` are loaded by the first connection
 * that needs them, not by importing the library: a process that only talks
 * ws:// to addresses without compression never holds their code in its heap.
 * Run in a child process, whose module list is its own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echo, startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const child = fileURLToPath(new URL('../helpers/lazy-builtins-child.ts', import.meta.url));

function runChild(port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not exit within 20 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 20_000);
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

let server: WsTestServer;
beforeAll(async () => {
  server = await startWsServer(echo, { perMessageDeflate: { threshold: 0 } });
});
afterAll(async () => {
  await server.close();
});

describe('built-in modules loaded on first use', () => {
  it('tls, zlib and dns are loaded by the first wss://, compressed and host-name connection, not before', async () => {
    const { code, stdout, stderr } = await runChild(server.port);
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
