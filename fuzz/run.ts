/**
 * `npm run fuzz`: runs every fuzz target for a fixed time budget, each in its
 * own child process (bounded heap) watched for hangs and crashes, and prints
 * inputs, inputs/s and peak RSS per target. A failure prints the fast-check
 * seed and path with the command that replays it.
 *
 *   npm run fuzz                               every target, 60 s each
 *   npm run fuzz -- --seconds 5                5 s each
 *   npm run fuzz -- --target session           one target
 *   npm run fuzz -- --target session --seed 42 --path "3:1:0"   replay a failure
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { TARGETS } from './targets/index.js';
import type { FuzzTarget } from './support.js';

/** Inputs per fast-check batch; each batch has its own seed, reported on a hang. */
const BATCH = 500;
/** A batch that shows no progress for this long is a hang. */
const HANG_MS = 60_000;
/** Heap of each child: far above what any target needs, so a leak or a bomb shows. */
const CHILD_HEAP_MB = 512;

interface Args {
  seconds: number;
  target: string | null;
  seed: number | null;
  path: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 60, target: null, seed: null, path: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag}: expected a value`);
    if (flag === '--seconds') args.seconds = Number(value);
    else if (flag === '--target') args.target = value;
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--path') args.path = value;
    else throw new Error(`unknown argument ${flag}: expected --seconds N, --target NAME, --seed N, --path P`);
    i++;
  }
  if (!(args.seconds > 0)) throw new Error(`--seconds: expected a positive number, got ${argv[argv.indexOf('--seconds') + 1]}`);
  if (args.target !== null && !TARGETS.some((t) => t.name === args.target)) {
    throw new Error(`--target: expected one of ${TARGETS.map((t) => t.name).join(', ')}, got ${args.target}`);
  }
  return args;
}

function findTarget(name: string): FuzzTarget {
  return TARGETS.find((t) => t.name === name) as FuzzTarget;
}

// ---- child: one target for a budget ---------------------------------------

type ChildMessage =
  | { type: 'batch'; seed: number; runs: number }
  | { type: 'failure'; seed: number; path: string; counterexample: string; error: string }
  | { type: 'done'; runs: number; ms: number; maxRssMb: number };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

async function child(name: string, seconds: number): Promise<void> {
  const target = findTarget(name);
  const started = performance.now();
  const until = started + seconds * 1000;
  let runs = 0;
  while (performance.now() < until) {
    const seed = (Math.random() * 0x7fff_ffff) | 0;
    await send({ type: 'batch', seed, runs });
    const details = fc.check(target.property, { seed, numRuns: BATCH });
    runs += details.numRuns;
    if (details.failed) {
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      await send({ type: 'failure', seed: details.seed, path: details.counterexamplePath ?? '', counterexample: fc.stringify(details.counterexample).slice(0, 4000), error: error.slice(0, 4000) });
      process.exit(1);
    }
  }
  await send({ type: 'done', runs, ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 });
  process.exit(0);
}

// ---- parent: run children, watch them, report -----------------------------

interface Outcome {
  name: string;
  runs: number;
  ms: number;
  maxRssMb: number;
  problem: string | null;
}

function runTarget(name: string, seconds: number): Promise<Outcome> {
  const self = fileURLToPath(import.meta.url);
  const childProcess = fork(self, ['--child', name, String(seconds)], {
    execArgv: [...process.execArgv, `--max-old-space-size=${CHILD_HEAP_MB}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    let lastSeed = -1;
    let runs = 0;
    let outcome: Outcome | null = null;
    const started = performance.now();
    let watchdog = setTimeout(onHang, HANG_MS);
    function onHang(): void {
      outcome = {
        name, runs, ms: performance.now() - started, maxRssMb: 0,
        problem: `no progress for ${HANG_MS / 1000} s inside the batch of seed ${lastSeed}: a hang. Replay: npm run fuzz -- --target ${name} --seed ${lastSeed}`,
      };
      childProcess.kill('SIGKILL');
    }
    childProcess.on('message', (message: ChildMessage) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(onHang, HANG_MS);
      if (message.type === 'batch') {
        lastSeed = message.seed;
        runs = message.runs;
      } else if (message.type === 'failure') {
        outcome = {
          name, runs, ms: performance.now() - started, maxRssMb: 0,
          problem: `property failed: ${message.error}\ncounterexample: ${message.counterexample}\nReplay: npm run fuzz -- --target ${name} --seed ${message.seed} --path "${message.path}"`,
        };
      } else {
        outcome = { name, runs: message.runs, ms: message.ms, maxRssMb: message.maxRssMb, problem: null };
      }
    });
    childProcess.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      outcome ??= {
        name, runs, ms: performance.now() - started, maxRssMb: 0,
        problem: `the process died (exit ${code}, signal ${signal}) inside the batch of seed ${lastSeed}: a crash or heap exhaustion (limit ${CHILD_HEAP_MB} MB). Replay: npm run fuzz -- --target ${name} --seed ${lastSeed}`,
      };
      resolve(outcome);
    });
  });
}

function replay(name: string, seed: number, path: string | null): void {
  const target = findTarget(name);
  console.log(`replaying ${name} with seed ${seed}${path === null ? '' : ` path ${path}`}`);
  fc.assert(target.property, path === null ? { seed, numRuns: BATCH } : { seed, path, endOnFailure: true });
  console.log('no failure');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1] as string, Number(argv[2]));
    return;
  }
  const args = parseArgs(argv);
  if (args.seed !== null) {
    replay(args.target ?? TARGETS[0]!.name, args.seed, args.path);
    return;
  }
  const chosen = args.target === null ? TARGETS : [findTarget(args.target)];
  console.log(`fuzzing ${chosen.length} target(s) for ${args.seconds} s each (Node ${process.version}, heap limit ${CHILD_HEAP_MB} MB per target)\n`);
  let total = 0;
  let failed = 0;
  for (const target of chosen) {
    console.log(`${target.name}: ${target.what}`);
    const o = await runTarget(target.name, args.seconds);
    total += o.runs;
    const rate = o.runs / (o.ms / 1000);
    console.log(`  ${o.runs.toLocaleString('en-US')} inputs in ${(o.ms / 1000).toFixed(1)} s = ${Math.round(rate).toLocaleString('en-US')} inputs/s, peak RSS ${o.maxRssMb.toFixed(0)} MB`);
    if (o.problem !== null) {
      failed++;
      console.log(`  FAILED: ${o.problem}`);
    }
  }
  console.log(`\n${total.toLocaleString('en-US')} inputs in total, ${failed} target(s) failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
