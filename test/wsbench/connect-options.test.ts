import { createServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { parseBenchArgs, type BenchArgs } from '../../src/bench/args.js';
import { connectOptions, workloadSpec } from '../../src/bench/run.js';
import { runWorkload } from '../../src/bench/workload.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';

function args(argv: string[]): BenchArgs {
  const command = parseBenchArgs(argv);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.args;
}

describe('connection options from the command line', () => {
  it('maps headers, subprotocols, origin, deflate, fragments and a proxy URL with credentials to the client options', () => {
    const options = connectOptions(
      args(['ws://h/', '-H', 'X-A: 1', '--subprotocol', 'chat', '--origin', 'http://o', '--deflate', '--fragment', '100', '-p', 'socks5h://u:p@127.0.0.1:1080', '--timeout', '3s']),
    );
    expect(options).toMatchObject({
      timeout: 3000, header: ['X-A: 1'], subprotocols: ['chat'], origin: 'http://o', perMessageDeflate: true, fragmentSize: 100,
      httpProxyHost: '127.0.0.1', httpProxyPort: 1080, proxyType: 'socks5h', httpProxyAuth: ['u', 'p'],
    });
  });

  it('refuses a bad proxy URL with the client\'s own message, hiding the password', () => {
    expect(() => connectOptions(args(['ws://h/', '-p', 'gopher://u:secret@h:1']))).toThrow(/--proxy: expected a proxy URL .* got 'gopher:\/\/\*\*\*@h:1'/);
  });
});

describe('wss', () => {
  let certs: TestCertificates;
  let https: ReturnType<typeof createServer>;
  let url: string;
  const seenHeaders: string[] = [];

  beforeAll(async () => {
    certs = await makeTestCertificates();
    https = createServer({ cert: certs.certPem, key: certs.keyPem });
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (peer, request) => {
      seenHeaders.push(String(request.headers['x-bench']));
      peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const address = https.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    url = `wss://127.0.0.1:${address.port}/`;
  });

  afterAll(async () => {
    https?.closeAllConnections();
    await new Promise((resolve) => https?.close(resolve));
    await certs?.remove();
  });

  it('trusts the server with --ca, sends -H headers, and checks every echo', async () => {
    const spec = workloadSpec(args([url, '-c', '2', '-n', '100', '--ca', certs.files.ca, '-H', 'X-Bench: yes']));
    const result = await runWorkload(spec);
    expect(result.counts).toMatchObject({ received: 100, connectionsOpened: 2, corrupted: 0 });
    expect(seenHeaders.slice(-2)).toEqual(['yes', 'yes']);
  });

  it('refuses an unknown CA by default, and accepts it with -k', async () => {
    const refused = await runWorkload(workloadSpec(args([url, '-c', '1', '-n', '5'])));
    expect(refused.counts.connectionsFailed).toBe(1);
    expect(Object.keys(refused.errors)[0]).toMatch(/Error/);
    const accepted = await runWorkload(workloadSpec(args([url, '-c', '1', '-n', '5', '-k'])));
    expect(accepted.counts).toMatchObject({ received: 5, connectionsFailed: 0 });
  });
});
