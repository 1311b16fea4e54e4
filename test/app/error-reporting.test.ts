/**
 * An error with no listener is never silent: a WebSocketApp without onError
 * writes each error (class name and message) to stderr; with onError, nothing
 * goes to stderr. Run in child processes to see the real stderr.
 */
import { describe, expect, it } from 'vitest';
import { findClosedPort } from '../helpers/servers.js';
import { runHelperChild } from '../helpers/run-child.js';

interface Outcome {
  code: number | null;
  output: { failed: boolean; errors: string[] } | null;
  stderr: string;
}

async function runChild(mode: 'with-onError' | 'without-onError', url: string): Promise<Outcome> {
  const { code, stdout, stderr } = await runHelperChild('app-stderr-child.ts', [mode, url]);
  const line = stdout.trim();
  return { code, output: line ? (JSON.parse(line) as Outcome['output']) : null, stderr };
}

describe('WebSocketApp error reporting', () => {
  it('without onError, a refused connection is written to stderr with its class name and message', async () => {
    const port = await findClosedPort();
    const outcome = await runChild('without-onError', `ws://127.0.0.1:${port}/`);
    expect(outcome.code).toBe(0);
    expect(outcome.output).toEqual({ failed: true, errors: [] });
    expect(outcome.stderr).toBe(`rfc6455 WebSocketApp: Error: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('without onError, a bad URL is written to stderr', async () => {
    const outcome = await runChild('without-onError', 'http://127.0.0.1/');
    expect(outcome.code).toBe(0);
    expect(outcome.output).toEqual({ failed: true, errors: [] });
    expect(outcome.stderr).toMatch(/^rfc6455 WebSocketApp: WebSocketAddressException: .*http.*\n$/);
  });

  it('with onError, the error goes to onError only and stderr stays empty', async () => {
    const port = await findClosedPort();
    const outcome = await runChild('with-onError', `ws://127.0.0.1:${port}/`);
    expect(outcome.code).toBe(0);
    expect(outcome.output).toEqual({ failed: true, errors: [`Error: connect ECONNREFUSED 127.0.0.1:${port}`] });
    expect(outcome.stderr).toBe('');
  });
});
