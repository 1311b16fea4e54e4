/**
 * Runs the built wsdump as a child process: builds the package once into a
 * temp directory laid out like an installed package (package.json + dist/),
 * then spawns dist/cli/wsdump.js directly — through its shebang — so every
 * test also proves the bin entry works. Children are tracked and killed by
 * `killAll()`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A built copy of the package in a temp directory. */
export interface BuiltPackage {
  root: string;
  /** dist/cli/wsdump.js inside it. */
  bin: string;
  remove(): Promise<void>;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/** Builds the package with the build script's compiler settings into a fresh temp directory. */
export async function buildPackage(): Promise<BuiltPackage> {
  const root = await mkdtemp(path.join(tmpdir(), 'rfc6455-wsdump-'));
  try {
    await copyFile(path.join(repo, 'package.json'), path.join(root, 'package.json'));
    // `npm run build`'s script; type checking is `npm run typecheck`'s job.
    await run(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--no-check', '--out', path.join(root, 'dist')], repo);
    const bin = path.join(root, 'dist', 'cli', 'wsdump.js');
    await stat(bin);
    return { root, bin, remove: () => rm(root, { recursive: true, force: true }) };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** How a child ended, with everything it printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running wsdump. */
export interface Wsdump {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Writes to its stdin. */
  write(text: string): void;
  /** Ends its stdin. */
  endInput(): void;
  /** Resolves once stdout matches `pattern`, or equals it when a string (rejects after `ms` with what came so far). */
  waitForOutput(pattern: RegExp | string, ms?: number): Promise<void>;
  /** Resolves when it exits (rejects after `ms`, having killed it). */
  exited(ms?: number): Promise<Finished>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** The environment for children: no proxy from the developer's shell, no colour overrides. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy']) {
    delete env[name];
    delete env[name.toUpperCase()];
  }
  return { ...env, ...extra };
}

/** Starts `bin` with `args` (run directly, so through its shebang line). */
export function startWsdump(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Wsdump {
  const child = spawn(bin, args, { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.on('error', () => {});
  // A spawn failure (missing binary) surfaces as the exit with the error on stderr.
  child.on('error', (error) => (err += `spawn failed: ${error.message}\n`));
  const ended = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    write: (text) => child.stdin.write(text),
    endInput: () => child.stdin.end(),
    waitForOutput(pattern, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (typeof pattern === 'string' ? out !== pattern : !pattern.test(out)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`wsdump printed no ${String(pattern)} within ${ms} ms; stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
    exited(ms = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`wsdump did not exit within ${ms} ms; stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)}`));
        }, ms);
      });
      return Promise.race([ended, late]).finally(() => clearTimeout(timer));
    },
  };
}

/** Runs wsdump to the end with `input` on stdin (ended right away). */
export function runWsdump(bin: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}, ms = 15_000): Promise<Finished> {
  const wsdump = startWsdump(bin, args, env);
  wsdump.write(input);
  wsdump.endInput();
  return wsdump.exited(ms);
}

/** Kills every child still running (for afterAll). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}
