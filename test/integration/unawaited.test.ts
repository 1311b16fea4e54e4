/**
 * A promise the user does not await never crashes the process when it
 * rejects (send, sendText, sendBinary, sendBytes, sendFrame, ping, pong,
 * close), and still rejects for whoever awaits it. Run in a child process:
 * Node exits with code 1 on an unhandled rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHelperChild } from '../helpers/run-child.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let closing: WsTestServer;
beforeAll(async () => {
  closing = await startWsServer((peer) => peer.close(4000, 'bye'));
});
afterAll(async () => {
  await closing.close();
});

describe('promises nobody awaits', () => {
  it('rejecting sends, pings, pongs and closes nobody awaits do not end the process; awaited ones still reject', async () => {
    const { code, stdout, stderr } = await runHelperChild('unawaited-child.ts', [closing.url]);
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
