/**
 * wsdump as a process: the built bin (run through its shebang) against local
 * peers — a `ws` server that obeys commands, a raw HTTP server answering 403,
 * a silent server, a closed port, a TLS server with a self-signed
 * certificate, and fake HTTP CONNECT and SOCKS5 proxies.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';
import { startFakeProxy, type FakeConnection, type FakeProxy } from '../helpers/fake-proxy.js';
import { requireBinary } from '../helpers/proxies.js';
import { findClosedPort, startSilentServer, type TestServer } from '../helpers/servers.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';
import { buildPackage, killAll, runWsdump, startWsdump, type BuiltPackage } from './wsdump-process.js';

/** What the command server saw, by request path (each test connects to its own path: tests run concurrently). */
const closeCodes = new Map<string, number[]>();
const pongs = new Map<string, string[]>();

function record<T>(map: Map<string, T[]>, path: string, value: T): void {
  map.set(path, [...(map.get(path) ?? []), value]);
}

/**
 * Echoes text and binary, except for commands: `bin:HEX`, `zlib:T`, `gzip:T`,
 * `raw:T` (deflate without header), `ping:T`, `pong:T`, `close:CODE:REASON`,
 * `later:MS:T` (reply T after MS), `frag` (text "hé" in two frames, é split).
 */
function commands(peer: WsPeer, request: http.IncomingMessage): void {
  const path = request.url ?? '/';
  peer.on('pong', (data) => record(pongs, path, data.toString()));
  peer.on('close', (code) => record(closeCodes, path, code));
  peer.on('message', (data, isBinary) => {
    const text = data.toString();
    const [command, ...rest] = text.split(':');
    const arg = rest.join(':');
    if (isBinary) peer.send(data, { binary: true });
    else if (command === 'bin') peer.send(Buffer.from(arg, 'hex'));
    else if (command === 'zlib') peer.send(deflateSync(arg));
    else if (command === 'gzip') peer.send(gzipSync(arg));
    else if (command === 'raw') peer.send(deflateRawSync(arg));
    else if (command === 'ping') peer.ping(arg);
    else if (command === 'pong') peer.pong(arg);
    else if (command === 'close') peer.close(Number(rest[0]), rest.slice(1).join(':'));
    else if (command === 'later') setTimeout(() => peer.send(rest.slice(1).join(':')), Number(rest[0]));
    else if (command === 'frag') {
      const bytes = Buffer.from('hé');
      peer.send(bytes.subarray(0, 2), { binary: false, fin: false });
      peer.send(bytes.subarray(2), { binary: false, fin: true });
    } else peer.send(text);
  });
}

let built: BuiltPackage;
let server: WsTestServer;

beforeAll(async () => {
  [built, server] = await Promise.all([buildPackage(), startWsServer(commands)]);
}, 60_000);

afterAll(async () => {
  killAll();
  await server?.close();
  await built?.remove();
});

/** The close codes the server recorded for `path`, once it has recorded one (or after 10 s). */
async function closesOf(path: string): Promise<number[] | undefined> {
  for (let i = 0; i < 500 && !closeCodes.has(path); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return closeCodes.get(path);
}

describe.concurrent('wsdump: command line', { timeout: 60_000 }, () => {
  it('prints the help and the version from package.json', async () => {
    const help = await runWsdump(built.bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: wsdump /);
    for (const flag of ['--proxy', '--verbose', '--nocert', '--raw', '--subprotocols', '--origin', '--eof-wait', '--text', '--timings', '--headers']) {
      expect(help.stdout).toContain(flag);
    }
    const short = await runWsdump(built.bin, ['-h']);
    expect(short.stdout).toBe(help.stdout);
    const version = await runWsdump(built.bin, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: 'wsdump (rfc6455) 0.1.0\n', stderr: '' });
  });

  // Every usage rule is unit-tested in args.test.ts; here, that the process prints the usage and exits 2.
  it.each([
    [[], 'expected a ws_url (ws://… or wss://…), got none'],
    [['-p', 'ftp://proxy:21', 'ws://a'], "-p/--proxy: expected a proxy URL scheme://[user:pass@]host[:port] with scheme http, https, socks4, socks4a, socks5, socks5h; unknown scheme 'ftp', got 'ftp://proxy:21'"],
  ])('refuses %j with the usage and exit status 2', async (args, message) => {
    const result = await runWsdump(built.bin, args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^usage: wsdump /);
    expect(result.stderr.endsWith(`\nwsdump: error: ${message}\n`)).toBe(true);
  });
});

describe.concurrent('wsdump: sessions', { timeout: 60_000 }, () => {
  it('runs a scripted raw session: text, hex, zlib, gzip, raw deflate, UTF-8; closes with 1000 at EOF', async () => {
    const wsdump = startWsdump(built.bin, ['-r', `${server.url}/scripted`]);
    const steps: Array<[string, string]> = [
      ['hello', 'hello\n'],
      ['bin:0102ff', '[hex] 0102ff\n'],
      ['zlib:squeezed', '[zlib] squeezed\n'],
      ['gzip:zipped', '[gzip] zipped\n'],
      ['raw:deflated', '[zlib] deflated\n'],
      ['wörld ✓', 'wörld ✓\n'],
      ['', '\n'],
    ];
    let expected = '';
    for (const [line, printed] of steps) {
      wsdump.write(`${line}\n`);
      expected += printed;
      await wsdump.waitForOutput(expected);
    }
    wsdump.endInput();
    const result = await wsdump.exited();
    expect(result).toMatchObject({ code: 0, stdout: expected, stderr: '' });
    expect(await closesOf('/scripted')).toEqual([1000]);
  });

  it('without -r: a banner and "< " before each message, no colours when stdout is not a terminal', async () => {
    const result = await runWsdump(built.bin, ['-t', 'hello', '--eof-wait', '1', server.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Press Ctrl+C to quit\n< hello\n');
    expect(result.stdout).not.toContain('\x1b');
  });

  it('-t sends a text at start; --eof-wait keeps receiving after stdin ends, then closes', async () => {
    // A reply 100 ms after the message, well inside a 3 s --eof-wait.
    const waited = await runWsdump(built.bin, ['-r', '-t', 'later:100:slow reply', '--eof-wait', '3', server.url]);
    expect(waited).toMatchObject({ code: 0, stdout: 'slow reply\n', stderr: '' });
    // Without the wait, wsdump closes as soon as stdin ends: a reply 3 s late never comes.
    const hurried = await runWsdump(built.bin, ['-r', '-t', 'later:3000:slow reply', server.url]);
    expect(hurried).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a close from the server prints its code and reason and exits 0, even with stdin open or during --eof-wait', async () => {
    const open = startWsdump(built.bin, ['-r', server.url]);
    open.write('close:4000:see you\n');
    expect(await open.exited()).toMatchObject({ code: 0, stdout: '[close] 4000 see you\n', stderr: '' });

    const started = Date.now();
    const waiting = await runWsdump(built.bin, ['-r', '-t', 'close:4001:done', '--eof-wait', '300', server.url]);
    expect(waiting).toMatchObject({ code: 0, stdout: '[close] 4001 done\n', stderr: '' });
    // Not the 300 s of --eof-wait: the close ended it (process start included, on a loaded machine).
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('-v prefixes opcodes and shows pings (answered) and pongs; fragments are printed frame by frame', async () => {
    const wsdump = startWsdump(built.bin, ['-r', '-v', `${server.url}/verbose`]);
    for (const line of ['hello', 'ping:are you there', 'pong:unsolicited', 'frag', 'bin:01']) wsdump.write(`${line}\n`);
    await wsdump.waitForOutput(/binary: \[hex\] 01\n/);
    wsdump.write('close:1000:bye\n');
    const result = await wsdump.exited();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'text: hello\nping: are you there\npong: unsolicited\ntext: h\ncont: é\nbinary: [hex] 01\nclose: 1000 bye\n',
    );
    expect(pongs.get('/verbose')).toEqual(['are you there']);
  });

  it('without -v, pings and pongs are not shown', async () => {
    const wsdump = startWsdump(built.bin, ['-r', server.url]);
    wsdump.write('ping:p\npong:q\nafter\n');
    await wsdump.waitForOutput(/after\n/);
    wsdump.endInput();
    expect(await wsdump.exited()).toMatchObject({ code: 0, stdout: 'after\n' });
  });

  it('-vv also traces the handshake and frames to stderr', async () => {
    const result = await runWsdump(built.bin, ['-r', '-vv', '-t', 'traced', '--eof-wait', '0.5', server.url]);
    expect(result.code).toBe(0);
    // In verbose mode the server's reply to our close is shown too.
    expect(result.stdout).toBe('text: traced\nclose: 1000\n');
    expect(result.stderr).toContain('GET / HTTP/1.1');
    expect(result.stderr).toMatch(/upgrade: websocket/i);
    expect(result.stderr).toContain('101');
  });

  it('--timings prefixes the seconds since start with 6 decimals', async () => {
    const result = await runWsdump(built.bin, ['-r', '--timings', '-v', '-t', 'timed', '--eof-wait', '0.5', server.url]);
    expect(result.code).toBe(0);
    const match = /^(\d+\.\d{6}): text: timed\n\d+\.\d{6}: close: 1000\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(0);
    // Seconds, not milliseconds: the first message comes well within 30 s of the start, even on a loaded machine.
    expect(Number(match?.[1])).toBeLessThan(30);
  });

  it('-s, -o and --headers reach the server', async () => {
    const result = await runWsdump(built.bin, [
      '-r', '-s', 'chat', 'superchat', '-o', 'http://origin.test', '--headers', 'X-One: 1, X-Two: two', `${server.url}/headers`,
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const request = server.requests.find((r) => r.url === '/headers') as http.IncomingMessage;
    expect(request.headers['sec-websocket-protocol']).toBe('chat, superchat');
    expect(request.headers.origin).toBe('http://origin.test');
    expect(request.headers['x-one']).toBe('1');
    expect(request.headers['x-two']).toBe('two');
  });

  it('Ctrl+C (SIGINT) closes cleanly with 1000 and exits 0', async () => {
    const wsdump = startWsdump(built.bin, ['-r', `${server.url}/interrupted`]);
    wsdump.write('still here\n');
    await wsdump.waitForOutput(/still here\n/);
    wsdump.child.kill('SIGINT');
    expect(await wsdump.exited()).toMatchObject({ code: 0, signal: null, stdout: 'still here\n', stderr: '' });
    expect(await closesOf('/interrupted')).toEqual([1000]);
  });

  it('colours and the prompt appear only on a terminal (run under script(1) for a pty)', async () => {
    const script = requireBinary('script', 'bsdutils');
    const command = `${built.bin} -t hello ${server.url}`;
    const wsdump = startWsdump(script, ['-qfec', command, '/dev/null'], { NO_COLOR: '', TERM: 'xterm' });
    await wsdump.waitForOutput(/hello/);
    // Ctrl+D at the prompt ends the input.
    wsdump.write('\x04');
    const result = await wsdump.exited();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Press Ctrl+C to quit');
    expect(result.stdout).toContain('> ');
    expect(result.stdout).toContain('\x1b[34m< hello\x1b[39m');
  });
});

describe.concurrent('wsdump: failures', { timeout: 60_000 }, () => {
  it('a refused connection prints the Node error and exits 1', async () => {
    const port = await findClosedPort();
    const result = await runWsdump(built.bin, [`ws://127.0.0.1:${port}`]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('a 403 prints the BadStatus exception with status, headers and body, and exits 1', async () => {
    const forbidding = http.createServer((_request, response) => {
      response.writeHead(403, 'Forbidden', { 'Content-Type': 'text/plain', 'X-Reason': 'no entry' });
      response.end('you shall not pass');
    });
    forbidding.listen(0, '127.0.0.1');
    await once(forbidding, 'listening');
    try {
      const { port } = forbidding.address() as net.AddressInfo;
      const result = await runWsdump(built.bin, [`ws://127.0.0.1:${port}/secret`]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      const lines = result.stderr.split('\n');
      expect(lines[0]).toMatch(/^WebSocketBadStatusException \[WS_ERR_BAD_STATUS\]: .*403 Forbidden/);
      expect(lines[1]).toBe('status: 403 Forbidden');
      expect(lines[2]).toBe('headers:');
      expect(lines).toContain('  content-type: text/plain');
      expect(lines).toContain('  x-reason: no entry');
      expect(result.stderr.endsWith('body (18 bytes):\nyou shall not pass\n')).toBe(true);
    } finally {
      forbidding.closeAllConnections();
      await new Promise((resolve) => forbidding.close(resolve));
    }
  });

  it('a bad URL prints the Address exception and exits 1', async () => {
    const result = await runWsdump(built.bin, ['http://127.0.0.1/']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^WebSocketAddressException \[WS_ERR_INVALID_URL\]: .*"http:\/\/127\.0\.0\.1\/".*expected the scheme ws, wss/);
  });

  it('a silent server times out after --timeout seconds and exits 1', async () => {
    const silent: TestServer = await startSilentServer();
    try {
      const started = Date.now();
      const result = await runWsdump(built.bin, ['--timeout', '0.5', `ws://127.0.0.1:${silent.port}`]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^WebSocketTimeoutException \[WS_ERR_OPEN_TIMEOUT\]: .*timed out after 500 ms/);
      // A bound on a hang (no --timeout waits forever), process start included.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await silent.close();
    }
  });

  it('a connection lost without a close frame prints ConnectionClosed and exits 1', async () => {
    const dropping = await startWsServer((peer) => peer.on('message', () => peer.terminate()));
    try {
      const wsdump = startWsdump(built.bin, ['-r', dropping.url]);
      wsdump.write('drop me\n');
      const result = await wsdump.exited();
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^WebSocketConnectionClosedException \[WS_ERR_CONNECTION_LOST\]: connection to remote host was lost/);
    } finally {
      await dropping.close();
    }
  });
});

describe.concurrent('wsdump: TLS and proxies', { timeout: 60_000 }, () => {
  let certificates: TestCertificates;
  let secure: https.Server;
  let secureUrl: string;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    secure = https.createServer({ cert: certificates.selfSignedCertPem, key: certificates.selfSignedKeyPem });
    new WebSocketServer({ server: secure }).on('connection', commands);
    secure.listen(0, '127.0.0.1');
    await once(secure, 'listening');
    secureUrl = `wss://127.0.0.1:${(secure.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    secure?.closeAllConnections();
    await new Promise((resolve) => (secure ? secure.close(resolve) : resolve(undefined)));
    await certificates?.remove();
  });

  it('refuses a self-signed certificate, and accepts it with -n', async () => {
    const checked = await runWsdump(built.bin, ['-r', '-t', 'x', secureUrl]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT|self[- ]signed/i);
    const unchecked = await runWsdump(built.bin, ['-r', '-n', '-t', 'over tls', '--eof-wait', '0.5', secureUrl]);
    expect(unchecked).toMatchObject({ code: 0, stdout: 'over tls\n', stderr: '' });
  });

  /** Upstream sockets the fake proxies opened, destroyed at the end. */
  const upstreams = new Set<net.Socket>();

  async function tunnel(conn: FakeConnection, host: string, port: number, reply: string | Uint8Array): Promise<void> {
    const upstream = net.connect(port, host);
    upstreams.add(upstream);
    upstream.on('error', () => conn.socket.destroy());
    upstream.on('close', () => upstreams.delete(upstream));
    await once(upstream, 'connect');
    await conn.write(reply);
    conn.socket.pipe(upstream);
    upstream.pipe(conn.socket);
  }

  afterAll(() => {
    for (const socket of upstreams) socket.destroy();
  });

  it('-p http://user:pass@host:port tunnels through an HTTP CONNECT proxy with Basic auth', async () => {
    const heads: string[] = [];
    const proxy: FakeProxy = await startFakeProxy(async (conn) => {
      const head = (await conn.readUntil('\r\n\r\n')).toString('latin1');
      heads.push(head);
      const target = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(head);
      if (target === null) throw new Error(`not a CONNECT request: ${head}`);
      await tunnel(conn, target[1], Number(target[2]), 'HTTP/1.1 200 Connection established\r\n\r\n');
    });
    try {
      const result = await runWsdump(built.bin, [
        '-r', '-p', `http://alice:p%40ss@127.0.0.1:${proxy.port}`, '-t', 'via proxy', '--eof-wait', '0.5', server.url,
      ]);
      expect(result).toMatchObject({ code: 0, stdout: 'via proxy\n', stderr: '' });
      expect(proxy.errors).toEqual([]);
      expect(heads).toHaveLength(1);
      expect(heads[0]).toMatch(new RegExp(`^CONNECT 127\\.0\\.0\\.1:${server.port} HTTP/1\\.1\\r\\n`));
      expect(heads[0]).toContain(`\r\nProxy-Authorization: Basic ${Buffer.from('alice:p@ss').toString('base64')}\r\n`);
    } finally {
      await proxy.stop();
    }
  });

  it('-p socks5h://user:pass@host:port tunnels through a SOCKS5 proxy with username/password auth', async () => {
    const seen: Array<{ user: string; pass: string; host: string; port: number }> = [];
    const proxy: FakeProxy = await startFakeProxy(async (conn) => {
      const [version, methodCount] = await conn.read(2);
      const methods = [...(await conn.read(methodCount))];
      if (version !== 5 || !methods.includes(2)) throw new Error(`expected SOCKS5 offering method 2, got ${version} ${methods}`);
      await conn.write(Uint8Array.of(5, 2));
      // RFC 1929 username/password sub-negotiation.
      const [, userLength] = await conn.read(2);
      const user = (await conn.read(userLength)).toString();
      const [passLength] = await conn.read(1);
      const pass = (await conn.read(passLength)).toString();
      await conn.write(Uint8Array.of(1, 0));
      const [, command, , addressType] = await conn.read(4);
      if (command !== 1) throw new Error(`expected CONNECT (1), got ${command}`);
      let host: string;
      if (addressType === 3) host = (await conn.read((await conn.read(1))[0])).toString();
      else if (addressType === 1) host = [...(await conn.read(4))].join('.');
      else throw new Error(`unexpected address type ${addressType}`);
      const port = (await conn.read(2)).readUInt16BE(0);
      seen.push({ user, pass, host, port });
      await tunnel(conn, host, port, Uint8Array.of(5, 0, 0, 1, 127, 0, 0, 1, 0, 0));
    });
    try {
      const result = await runWsdump(built.bin, [
        '-r', '-p', `socks5h://bob:s3cret@127.0.0.1:${proxy.port}`, '-t', 'via socks', '--eof-wait', '0.5', server.url,
      ]);
      expect(result).toMatchObject({ code: 0, stdout: 'via socks\n', stderr: '' });
      expect(proxy.errors).toEqual([]);
      expect(seen).toEqual([{ user: 'bob', pass: 's3cret', host: '127.0.0.1', port: server.port }]);
    } finally {
      await proxy.stop();
    }
  });

  it('a proxy that refuses prints the Proxy exception and exits 1', async () => {
    const proxy: FakeProxy = await startFakeProxy(async (conn) => {
      await conn.readUntil('\r\n\r\n');
      await conn.write('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
    });
    try {
      const result = await runWsdump(built.bin, ['-p', `http://127.0.0.1:${proxy.port}`, server.url]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^WebSocketProxyException \[WS_ERR_PROXY_AUTH\]: .*407/);
    } finally {
      await proxy.stop();
    }
  });
});
