/**
 * The package as a user gets it: built from the sources into a staging folder
 * laid out like the repository (package.json, README.md, LICENSE, dist/),
 * packed with `npm pack`, and installed from the tarball into fresh projects
 * copied from test/consumers/projects/. Every child runs on the Node that runs
 * the tests (its folder first on PATH), so `npx` and bin shebangs do too.
 */
import { copyFile, cp, mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, run, type Ran } from '../helpers/run-child.js';

export { childEnv, run, type Ran };

export const repo = fileURLToPath(new URL('../../', import.meta.url));
const projects = fileURLToPath(new URL('./projects/', import.meta.url));
const tscCli = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

/** Like {@link run}, and throws with everything printed unless it exits 0. */
export async function runOk(command: string, args: string[], cwd: string): Promise<Ran> {
  const ran = await run(command, args, cwd);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${ran.code}:\n${ran.stdout}${ran.stderr}`);
  return ran;
}

/** One file of `npm pack --json`'s listing. */
export interface PackedFile {
  path: string;
  mode: number;
}

export interface Packed {
  tarball: string;
  files: PackedFile[];
  /** The staged package, as packed (dist/ included). */
  staged: string;
}

/**
 * Builds the package from src/ into `dir/stage` as `npm run build` does
 * (scripts/build.mjs), and packs it into `dir`.
 */
export async function buildAndPack(dir: string): Promise<Packed> {
  const staged = path.join(dir, 'stage');
  await mkdir(staged);
  for (const file of ['package.json', 'README.md', 'LICENSE']) await copyFile(path.join(repo, file), path.join(staged, file));
  // `npm run build`'s script; type checking is `npm run typecheck`'s job.
  await runOk(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--no-check', '--out', path.join(staged, 'dist')], repo);
  // --ignore-scripts: `prepack` would build again, from a folder with no sources.
  const packed = await runOk('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], staged);
  const [result] = JSON.parse(packed.stdout) as Array<{ filename: string; files: PackedFile[] }>;
  return { tarball: path.join(dir, result!.filename), files: result!.files, staged };
}

/** The versions CI pins, from .ci/versions (KEY=VALUE lines). */
export async function pinnedVersions(): Promise<Record<string, string>> {
  const text = await readFile(path.join(repo, '.ci', 'versions'), 'utf8');
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}

/** The folder that holds CI's Node binaries and @types/node, outside the repository. */
export function cacheDir(): string {
  return process.env.RFC6455_NODE_CACHE || path.join(homedir(), '.cache', 'rfc6455-node');
}

/**
 * `@types/node` of the pinned 22.x version, installed once from the npm
 * registry into the cache folder; returns its folder.
 */
export async function typesNode22(): Promise<string> {
  const version = (await pinnedVersions()).TYPES_NODE_22;
  if (!version) throw new Error('.ci/versions has no TYPES_NODE_22=<version> line');
  const prefix = path.join(cacheDir(), `types-node-${version}`);
  const folder = path.join(prefix, 'node_modules', '@types', 'node');
  const installed = async (): Promise<boolean> => {
    try {
      return (JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')) as { version: string }).version === version;
    } catch {
      return false;
    }
  };
  if (await installed()) return folder;
  const args = ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `@types/node@${version}`];
  const ran = await run('npm', args, repo, { ms: 120_000 });
  if (ran.code !== 0 || !(await installed())) {
    throw new Error(`could not install @types/node@${version} into ${prefix} (the npm registry is needed once); run: npm ${args.join(' ')}\n${ran.stderr}`);
  }
  return folder;
}

export type ProjectName = 'esm-js' | 'cjs-js' | 'ts-nodenext-esm' | 'ts-nodenext-cjs' | 'ts-bundler' | 'ts-dom-node22';

/**
 * A fresh project in `dir/<name>` from test/consumers/projects/<name> (the
 * TypeScript ones get consumer.ts in src/), with the tarball installed by
 * `npm install` and, for TypeScript, `@types/node` linked from `typesNode`.
 */
export async function makeProject(dir: string, name: ProjectName, tarball: string, typesNode?: string): Promise<string> {
  const root = path.join(dir, name);
  await cp(path.join(projects, name), root, { recursive: true });
  if (name.startsWith('ts-')) {
    await mkdir(path.join(root, 'src'), { recursive: true });
    await copyFile(path.join(projects, 'consumer.ts'), path.join(root, 'src', 'consumer.ts'));
  }
  // The tarball has no dependencies: nothing comes from the registry.
  await runOk('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], root);
  if (typesNode !== undefined) {
    await mkdir(path.join(root, 'node_modules', '@types'), { recursive: true });
    await symlink(typesNode, path.join(root, 'node_modules', '@types', 'node'), 'dir');
  }
  await stat(path.join(root, 'node_modules', 'rfc6455', 'package.json'));
  return root;
}

/** Type-checks and compiles a TypeScript project with the repository's compiler. */
export function compile(root: string): Promise<Ran> {
  return run(process.execPath, [tscCli, '-p', root], root, { ms: 60_000 });
}
