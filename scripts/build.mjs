// Builds the package from src/ with tsconfig.build.json:
//   node scripts/build.mjs [--out DIR] [--no-check]
// DIR (default dist/) is emptied first. The JavaScript is emitted without
// comments: every comment would otherwise be part of the module's source
// string, kept in the JS heap of every process that loads the library (about
// a quarter of a MiB in all). The declarations keep their TSDoc, which is
// where editors read it. Then
// every bin of package.json is made executable. --no-check skips type
// checking (for tests that only need what the build emits; `npm run
// typecheck` checks).
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-check': { type: 'boolean' } } });
const out = path.resolve(values.out ?? path.join(root, 'dist'));
const tscCli = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const project = ['-p', path.join(root, 'tsconfig.build.json'), '--outDir', out];

function tsc(flags) {
  const result = spawnSync(process.execPath, [tscCli, ...project, ...flags], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync(out, { recursive: true, force: true });
tsc(['--removeComments', '--declaration', 'false', ...(values['no-check'] ? ['--noCheck'] : [])]);
// The first run checked the types already.
tsc(['--emitDeclarationOnly', '--noCheck']);
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const bin of Object.values(manifest.bin ?? {})) chmodSync(path.join(out, path.relative('dist', bin)), 0o755);
