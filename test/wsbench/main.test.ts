import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_ERRORS, EXIT_OK, wsbench } from '../../src/bench/main.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let server: WsTestServer;
let dir: string;
beforeAll(async () => {
  server = await startWsServer();
  dir = await mkdtemp(path.join(tmpdir(), 'wsbench-main-'));
});
afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], tty: boolean): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await wsbench(argv, { out: (t) => (out += t), err: (t) => (err += t), tty });
  return { status, out, err };
}

describe('wsbench progress line', () => {
  it('shows one line per second on a terminal, rewritten in place, and clears it before the report', async () => {
    const { status, out, err } = await run([server.url, '-c', '2', '-d', '2.2s', '-w', '1'], true);
    expect(status).toBe(EXIT_OK);
    expect(err).toMatch(/^\r\x1b\[K\[1 s\] [\d,]+ msg\/s {2}[\d.]+ MB\/s {2}p50 .+ {2}p99 .+ {2}0 errors\r\x1b\[K\[2 s\] /);
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    expect(out).toMatch(/^wsbench /);
  });

  it('is quiet when not on a terminal, and with --quiet', async () => {
    expect((await run([server.url, '-c', '2', '-d', '1.2s', '-w', '1'], false)).err).toBe('');
    expect((await run([server.url, '-c', '2', '-d', '1.2s', '-w', '1', '-q'], true)).err).toBe('');
  });
});

describe('wsbench outputs', () => {
  it('refuses a --compare file that is not a wsbench result, saying which file and why', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ format: 'something else' }));
    const { status, out, err } = await run([server.url, '-c', '1', '-n', '10', '-w', '1', '--compare', bad], false);
    expect(status).toBe(EXIT_ERRORS);
    // Checked before the run: no run was wasted.
    expect(out).toBe('');
    expect(err).toContain(`${bad}: expected a wsbench result with format 'wsbench/1', got "something else"`);
  });

  it('keeps header values and proxy credentials out of the JSON', async () => {
    const json = path.join(dir, 'secret.json');
    const { status } = await run([server.url, '-c', '1', '-n', '10', '-w', '1', '-H', 'Authorization: Bearer s3cret', '--json', json], false);
    expect(status).toBe(EXIT_OK);
    const text = await import('node:fs/promises').then((fs) => fs.readFile(json, 'utf8'));
    expect(text).not.toContain('s3cret');
    expect(text).toContain('Authorization: ***');
  });
});
