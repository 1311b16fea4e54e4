/**
 * Child processes for tests: a command run to its end with everything it
 * printed collected, and the TypeScript helpers of test/helpers run that way
 * (through tsx) for tests that need a process of their own: its exit code on
 * an unhandled rejection, its real stderr, its own list of loaded modules.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** What a child printed and how it ended. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of every child: this Node first on PATH, no proxy or npm settings from the caller. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(?:npm_|https?_proxy$|all_proxy$|no_proxy$)/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

/** Runs a command to its end (killed after `ms`), with `input` on its stdin. */
export function run(command: string, args: string[], cwd: string, options: { input?: string; ms?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const ms = options.ms ?? 15_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${ms} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, ms);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `test/helpers/<file>` with `args` on this Node through tsx (see {@link run}). */
export function runHelperChild(file: string, args: string[], ms = 15_000): Promise<Ran> {
  return run(process.execPath, ['--import', 'tsx', path.join(repo, 'test', 'helpers', file), ...args], repo, { ms });
}
