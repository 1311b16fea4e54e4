/**
 * Real proxy servers for tests, from Debian: tinyproxy (HTTP CONNECT, Basic
 * auth), danted (SOCKS4/4a/5/5h), microsocks (SOCKS5 with username/password),
 * plus a TLS front (node:tls) that turns tinyproxy into an HTTPS proxy. Each
 * runs in the foreground in its own process group, on 127.0.0.1, with a config
 * file in a temp dir; `stop()` kills the group and removes the dir.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A running peer: where it listens and how to stop it. */
export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of `binary`, or an error naming the Debian package to install. */
export function requireBinary(binary: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${binary} is not installed; run: apt-get install -y ${debianPackage}`);
}

/** A port that was free a moment ago on 127.0.0.1 (for daemons that cannot listen on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rfc6455-${prefix}-`));
}

/** Resolves once 127.0.0.1:port accepts a connection; fails if the child exits or 5 s pass. */
async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`proxy exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`proxy did not listen on ${port} within 5 s:\n${output()}`);
}

/** Process groups still running, killed if the test process exits without stopping them. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const group of liveGroups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Stops the child: SIGTERM to the daemon itself (so it can reap its workers),
 * at most 2 s to exit, then SIGKILL to its whole process group for anything left.
 */
async function killGroup(child: ChildProcess): Promise<void> {
  const group = child.pid;
  if (group === undefined) return;
  const signalGroup = (): void => {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
    await Promise.race([exited, late]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup();
      await exited;
    }
  }
  signalGroup();
}

/** Starts `binary args` in its own process group and waits until it listens on `port`. */
async function startDaemon(binary: string, args: string[], port: number, dir: string): Promise<RunningServer> {
  const child = spawn(binary, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = child.pid;
  if (group !== undefined) liveGroups.add(group);
  child.once('exit', () => {
    if (group !== undefined) liveGroups.delete(group);
  });
  let log = '';
  const collect = (chunk: Buffer): void => {
    if (log.length < 64 * 1024) log += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const stop = async (): Promise<void> => {
    await killGroup(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/** tinyproxy on 127.0.0.1, CONNECT to any port, optionally with Basic auth. */
export async function startTinyproxy(auth?: [user: string, pass: string]): Promise<RunningServer> {
  const binary = requireBinary('tinyproxy', 'tinyproxy');
  const dir = tempDir('tinyproxy');
  const port = await freePort();
  // No ConnectPort line: CONNECT is allowed to every port.
  const lines = [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', 'LogLevel Warning', 'MaxClients 64', 'Allow 127.0.0.1'];
  if (auth !== undefined) lines.push(`BasicAuth ${auth[0]} ${auth[1]}`);
  fs.writeFileSync(path.join(dir, 'tinyproxy.conf'), `${lines.join('\n')}\n`);
  return startDaemon(binary, ['-d', '-c', path.join(dir, 'tinyproxy.conf')], port, dir);
}

/** Dante's danted on 127.0.0.1: SOCKS4, SOCKS4a and SOCKS5 without authentication, CONNECT only. */
export async function startDanted(): Promise<RunningServer> {
  const binary = requireBinary('danted', 'dante-server');
  const dir = tempDir('danted');
  const port = await freePort();
  const conf = [
    'logoutput: stderr',
    `internal: 127.0.0.1 port = ${port}`,
    'external: 127.0.0.1',
    'clientmethod: none',
    'socksmethod: none',
    'user.privileged: root',
    'user.unprivileged: nobody',
    'client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n}',
    'socks pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  command: connect\n}',
  ];
  fs.writeFileSync(path.join(dir, 'danted.conf'), `${conf.join('\n')}\n`);
  // -f: config file; without -D danted stays in the foreground; -N 1: one worker.
  return startDaemon(binary, ['-f', path.join(dir, 'danted.conf'), '-N', '1', '-p', path.join(dir, 'danted.pid')], port, dir);
}

/** microsocks on 127.0.0.1: SOCKS5, with username/password when `auth` is given. */
export async function startMicrosocks(auth?: [user: string, pass: string]): Promise<RunningServer> {
  const binary = requireBinary('microsocks', 'microsocks');
  const dir = tempDir('microsocks');
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (auth !== undefined) args.push('-u', auth[0], '-P', auth[1]);
  return startDaemon(binary, args, port, dir);
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
export interface TestCertificate {
  key: string;
  cert: string;
}

/** Makes a throwaway self-signed EC certificate (SAN: localhost, 127.0.0.1) with openssl. */
export function makeCertificate(): TestCertificate {
  const openssl = requireBinary('openssl', 'openssl');
  const dir = tempDir('cert');
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Tracks a server's sockets so `stop()` can end them all. */
function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function listen(server: net.Server, sockets: Set<net.Socket>): Promise<RunningServer> {
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as net.AddressInfo).port, stop: closer(server, sockets) });
    });
  });
}

/**
 * A TLS front on 127.0.0.1 that pipes every decrypted connection to
 * 127.0.0.1:upstreamPort: in front of tinyproxy it is an HTTPS proxy.
 */
export function startTlsFront(upstreamPort: number, certificate: TestCertificate): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: certificate.key, cert: certificate.cert }, (client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.on('tlsClientError', () => {});
  return listen(server, sockets);
}

/** A TCP echo server on 127.0.0.1 (or a TLS one when `certificate` is given). */
export function startEchoServer(certificate?: TestCertificate): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const echo = (socket: net.Socket): void => {
    socket.on('error', () => {});
    socket.pipe(socket);
  };
  const server = certificate === undefined
    ? net.createServer(echo)
    : tls.createServer({ key: certificate.key, cert: certificate.cert }, echo);
  if (certificate !== undefined) server.on('tlsClientError', () => {});
  return listen(server, sockets);
}
