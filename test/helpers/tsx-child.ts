/**
 * Runs a TypeScript file of test/helpers in a child Node process (through
 * tsx) and collects what it printed, for tests that need a process of their
 * own: its exit code on an unhandled rejection, its real stderr, its own list
 * of loaded modules.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a child ended, with everything it printed. */
export interface ChildOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `test/helpers/<file>` with `args`; rejects (and kills it) when it has not exited within `ms`. */
export function runHelperChild(file: string, args: readonly string[], ms = 15_000): Promise<ChildOutcome> {
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${ms / 1000} s; stdout: ${stdout} stderr: ${stderr}`));
    }, ms);
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
