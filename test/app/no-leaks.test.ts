/**
 * After runForever resolves, nothing of the app is left: a child process
 * running one scenario must exit by itself right after printing its outcome.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDeafServer, type DeafServer } from '../helpers/app-servers.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const child = fileURLToPath(new URL('../helpers/app-child.ts', import.meta.url));

interface Outcome {
  code: number | null;
  output: { failed: boolean; events: string[]; left: string[] } | null;
  /** ms between the outcome line and the process exit */
  exitDelay: number;
  stderr: string;
}

function runChild(scenario: string, url: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, scenario, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let printedAt = 0;
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child "${scenario}" did not exit within 15 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 15_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (printedAt === 0 && stdout.includes('\n')) printedAt = Date.now();
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(killer);
      const line = stdout.trim();
      resolve({
        code,
        output: line ? (JSON.parse(line) as Outcome['output']) : null,
        exitDelay: printedAt === 0 ? Infinity : Date.now() - printedAt,
        stderr,
      });
    });
  });
}

let server: WsTestServer;
let closingServer: WsTestServer;
let deaf: DeafServer;
beforeAll(async () => {
  server = await startWsServer();
  closingServer = await startWsServer((peer) => peer.close(4001, 'bye'));
  deaf = await startDeafServer();
});
afterAll(async () => {
  await Promise.all([server.close(), closingServer.close(), deaf.close()]);
});

describe('WebSocketApp leaves nothing behind', () => {
  it.each([
    ['close', () => server.url, false, ['open', 'message hi', 'close 1000 ']],
    ['server-close', () => closingServer.url, false, ['open', 'close 4001 bye']],
    ['ping-timeout', () => deaf.url, true, ['open', 'error ping/pong timed out: expected a pong within pingTimeout = 50 ms of the ping, got none', 'close null null']],
  ])('a process that ran the "%s" scenario exits by itself', async (scenario, url, failed, events) => {
    const outcome = await runChild(scenario, url());
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.output).toEqual({ failed, events, left: [] });
    // Leaks are found by `left` (a timer or socket still active); the delay
    // only bounds the exit loosely, for a loaded machine.
    expect(outcome.exitDelay).toBeLessThan(5000);
  });

  it('a process whose app gave up reconnecting exits by itself', async () => {
    const port = await freePort();
    const outcome = await runChild('give-up', `ws://127.0.0.1:${port}`);
    expect(outcome.code).toBe(0);
    expect(outcome.output?.failed).toBe(true);
    expect(outcome.output?.events).toHaveLength(4);
    expect(outcome.output?.events.at(-1)).toBe('close null null');
    expect(outcome.output?.left).toEqual([]);
    // Leaks are found by `left` (a timer or socket still active); the delay
    // only bounds the exit loosely, for a loaded machine.
    expect(outcome.exitDelay).toBeLessThan(5000);
  });
});
