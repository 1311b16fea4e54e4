/**
 * The packed tarball, installed into fresh projects as a user would, on the
 * Node that runs this test (`.ci/run` runs it on Node 20, 22 and 24): ESM and
 * CommonJS JavaScript, TypeScript under nodenext (ESM and CommonJS projects),
 * bundler resolution, the DOM lib with @types/node 22, and the wsdump bin.
 * Each exchanges a message with a local `ws` echo server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { buildAndPack, childEnv, compile, makeProject, repo, run, typesNode22, type Packed, type ProjectName, type Ran } from './packed-package.js';

let dir: string;
let server: WebSocketServer;
let url: string;
let packed: Packed;
const projects = new Map<ProjectName, string>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-consumers-'));
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  packed = await buildAndPack(dir);
  const bundled = path.join(repo, 'node_modules', '@types', 'node');
  const node22 = await typesNode22();
  const types: Record<ProjectName, string | undefined> = {
    'esm-js': undefined,
    'cjs-js': undefined,
    'ts-nodenext-esm': bundled,
    'ts-nodenext-cjs': bundled,
    'ts-bundler': bundled,
    'ts-dom-node22': node22,
  };
  await Promise.all(
    Object.entries(types).map(async ([name, typesNode]) => {
      projects.set(name as ProjectName, await makeProject(dir, name as ProjectName, packed.tarball, typesNode));
    }),
  );
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function project(name: ProjectName): string {
  const root = projects.get(name);
  if (root === undefined) throw new Error(`project ${name} was not set up`);
  return root;
}

/** Runs a consumer program and parses the one JSON line it prints. */
async function runConsumer(root: string, script: string, name: string): Promise<Record<string, unknown>> {
  const ran = await run(process.execPath, [script, url, name], root);
  expect(ran, `${name} failed:\n${ran.stdout}${ran.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(ran.stdout) as Record<string, unknown>;
}

function expectCompiled(ran: Ran): void {
  expect(ran.code, `tsc failed:\n${ran.stdout}${ran.stderr}`).toBe(0);
}

const javascriptResult = (name: string) => ({
  reply: `hello from ${name}`,
  parsed: 'parsed',
  session: 'function',
  webReply: 'web hello',
  sameClasses: true,
  thrownIsRequiredClass: true,
  requiredIsImportedClass: true,
});

const typescriptResult = (name: string) => ({
  reply: `hello from ${name}`,
  parsed: 'parsed',
  opcode: true,
  session: 'parsed',
  mask: true,
  utf8: true,
  offer: expect.stringMatching(/^permessage-deflate\b/),
  exception: true,
});

describe('the tarball', () => {
  it('holds package.json, README.md, LICENSE and dist/ JavaScript with its .d.ts, nothing else (allow-list of npm pack --json)', async () => {
    const names = packed.files.map((file) => file.path).sort();
    const allowed = (name: string) =>
      ['package.json', 'README.md', 'LICENSE'].includes(name) || /^dist\/(?:[a-z0-9-]+\/)*[a-z0-9-]+\.(?:js|d\.ts)$/.test(name);
    expect(names.filter((name) => !allowed(name))).toEqual([]);
    // Every module comes with its types, and every declaration with its module.
    const modules = names.filter((name) => name.endsWith('.js')).map((name) => name.slice(0, -3));
    const declarations = names.filter((name) => name.endsWith('.d.ts')).map((name) => name.slice(0, -5));
    expect(declarations).toEqual(modules);
    // Everything package.json points at is inside.
    const manifest = JSON.parse(await readFile(path.join(packed.staged, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
      bin: Record<string, string>;
      main: string;
      types: string;
    };
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin)];
    for (const entry of Object.values(manifest.exports)) targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    for (const target of targets) expect(names).toContain(path.posix.normalize(target));
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './frame', './protocol', './package.json']));
    expect(Object.keys(manifest.bin)).toContain('wsdump');
  });

  it('has the MIT LICENSE, no source maps, no comments in its JavaScript, and TSDoc but no internal names or missing documents in its types', async () => {
    const installed = path.join(project('esm-js'), 'node_modules', 'rfc6455');
    expect(await readFile(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 /);
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
    const files = (await readdir(path.join(installed, 'dist'), { recursive: true })).map(String);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    const leaks: string[] = [];
    for (const file of files.filter((name) => name.endsWith('.d.ts') || name.endsWith('.js'))) {
      const text = await readFile(path.join(installed, 'dist', file), 'utf8');
      if (text.includes('sourceMappingURL')) leaks.push(`${file}: sourceMappingURL`);
      // scripts/build.mjs: comments would sit in the JS heap of every process that loads the module.
      if (file.endsWith('.js') && /\/\*\*|^\s*\/\/ /m.test(text)) leaks.push(`${file}: a comment`);
      if (!file.endsWith('.d.ts')) continue;
      for (const name of ['readUnit', 'ReceivedUnit', 'API.md']) if (text.includes(name)) leaks.push(`${file}: ${name}`);
    }
    expect(leaks).toEqual([]);
    const websocketTypes = await readFile(path.join(installed, 'dist', 'websocket.d.ts'), 'utf8');
    expect(websocketTypes).toMatch(/\/\*\*\n(?:\s+\*.*\n)+\s+\*\/\n\s+recv\(/);
  });
});

/** Whether `version` (x.y.z) is in `range`, written as `^x.y.z` and `>=x.y.z` alternatives joined by `||`. */
function satisfies(version: string, range: string): boolean {
  const parse = (text: string) => text.split('.').map(Number) as [number, number, number];
  const compare = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const have = parse(version);
  return range.split('||').some((alternative) => {
    const match = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(alternative);
    if (!match) throw new Error(`unexpected engines alternative ${JSON.stringify(alternative)}`);
    const floor = parse(match[2]!);
    return compare(have, floor) >= 0 && (match[1] === '>=' || have[0] === floor[0]);
  });
}

describe('engines', () => {
  it('admits the Node running this test (CI runs it on every tested version) and no Node before require(esm)', async () => {
    const manifest = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { engines: { node: string } };
    const range = manifest.engines.node;
    expect(satisfies(process.versions.node, range), `${process.versions.node} is outside engines ${range}`).toBe(true);
    for (const old of ['18.20.0', '20.18.3', '22.11.0']) expect(satisfies(old, range), old).toBe(false);
  });
});

describe.concurrent('consumers of the installed tarball', () => {
  it('(a) ESM JavaScript: imports rfc6455, rfc6455/frame, rfc6455/protocol, rfc6455/web, exchanges messages; require() gives the same classes', async () => {
    expect(await runConsumer(project('esm-js'), 'main.js', 'esm-js')).toEqual(javascriptResult('esm-js'));
  });

  it('(b) CommonJS JavaScript: require() of rfc6455 and its subpaths (web included) works, exchanges messages; import() gives the same classes', async () => {
    expect(await runConsumer(project('cjs-js'), 'main.js', 'cjs-js')).toEqual(javascriptResult('cjs-js'));
  });

  it('(c) TypeScript module nodenext in an ESM project: type-checks (skipLibCheck off), compiles, exchanges a message', async () => {
    const root = project('ts-nodenext-esm');
    expectCompiled(await compile(root));
    expect(await readFile(path.join(root, 'out', 'consumer.js'), 'utf8')).toContain("from 'rfc6455'");
    expect(await runConsumer(root, 'out/consumer.js', 'ts-nodenext-esm')).toEqual(typescriptResult('ts-nodenext-esm'));
  });

  it('(c) TypeScript module nodenext in a CommonJS project: type-checks, compiles to require(), exchanges a message', async () => {
    const root = project('ts-nodenext-cjs');
    expectCompiled(await compile(root));
    const output = await readFile(path.join(root, 'out', 'consumer.js'), 'utf8');
    for (const entry of ['rfc6455', 'rfc6455/frame', 'rfc6455/protocol']) expect(output).toContain(`require("${entry}")`);
    expect(await runConsumer(root, 'out/consumer.js', 'ts-nodenext-cjs')).toEqual(typescriptResult('ts-nodenext-cjs'));
  });

  it('(d) TypeScript moduleResolution bundler: type-checks, compiles, exchanges a message', async () => {
    const root = project('ts-bundler');
    expectCompiled(await compile(root));
    expect(await runConsumer(root, 'out/consumer.js', 'ts-bundler')).toEqual(typescriptResult('ts-bundler'));
  });

  it("lib dom with @types/node 22 (both declare a global WebSocket): type-checks next to the package's WebSocket, exchanges a message", async () => {
    const root = project('ts-dom-node22');
    const types = JSON.parse(await readFile(path.join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
    expect(types.version).toMatch(/^22\./);
    expectCompiled(await compile(root));
    expect(await runConsumer(root, 'out/consumer.js', 'ts-dom-node22')).toEqual(typescriptResult('ts-dom-node22'));
  });

  it('(e) npx wsdump --help prints the usage and exits 0', async () => {
    const ran = await run('npx', ['--offline', 'wsdump', '--help'], project('esm-js'));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout + ran.stderr).toMatch(/^usage: wsdump /m);
  });

  it('(e) npx wsdump -r: a line typed on stdin comes back from the echo server; EOF closes with exit 0', async () => {
    const child = spawn('npx', ['--offline', 'wsdump', '-r', url], { cwd: project('esm-js'), env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      child.stdin.write('hello from wsdump\n');
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve();
        });
        child.on('close', () => resolve());
      });
      child.stdin.end();
      expect(await ended, stderr).toBe(0);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
    expect({ stdout, stderr }).toEqual({ stdout: 'hello from wsdump\n', stderr: '' });
  });
});
