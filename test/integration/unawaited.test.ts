/**
 * A promise the user does not await never crashes the process when it
 * rejects (send, sendText, sendBinary, sendBytes, sendFrame, ping, pong,
 * close), and still rejects for whoever awaits it. Run in a child process:
 * Node exits with code 1 on an unhandled rejection.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const child = fileURLToPath(new URL('../helpers/unawaited-child.ts', import.meta.url));

function runChild(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not exit within 15 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 15_000);
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

let closing: WsTestServer;
beforeAll(async () => {
  closing = await startWsServer((peer) => peer.close(4000, 'bye'));
});
afterAll(async () => {
  await closing.close();
});

describe('promises nobody awaits', () => {
  it('rejecting sends, pings, pongs and closes nobody awaits do not end the process; awaited ones still reject', async () => {
    const { code, stdout, stderr } = await runChild(closing.url);
    expect(stderr).not.toContain('Unhandled');
    expect(code).toBe(0);
    const outcome = JSON.parse(stdout.trim()) as Record<string, Record<string, string>>;
    const closed = 'WebSocketConnectionClosedException';
    const everyMethod = { send: closed, sendText: closed, sendBinary: closed, sendBytes: closed, sendFrame: closed, ping: closed, pong: closed };
    const refused = expect.stringMatching(/^WebSocket\w*Exception$/);
    expect(outcome).toEqual({
      idle: { ...everyMethod, close: refused },
      closed: { ...everyMethod, close: refused },
      // A send written but not flushed within the timeout.
      timedOut: 'WebSocketTimeoutException',
    });
  }, 20_000);
});
