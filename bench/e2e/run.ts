/**
 * End-to-end benchmark: rfc6455 against its rivals, each client in its own
 * child process, against a peer in another, all on 127.0.0.1, on every Node
 * line (20, 22, 24) in one run. Run: `npm run bench` (5 rounds: about 14 minutes
 * on a busy 2-core machine; `--node` and `--only` narrow it).
 *
 * Clients (the CLIENTS table below), alternated A B C D… over several rounds
 * per scenario: rfc6455; ws with its native helpers (bufferutil,
 * utf-8-validate), the baseline of every ratio; ws without them
 * (WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1); Node's global WebSocket
 * (undici, Node 22 and later); and a plain `net` socket moving the same bytes
 * between the same processes (the limit). A client is a row of CLIENTS plus
 * its loader in client.ts (LIBRARIES). For instance, a WHATWG interface of
 * this library at src/web/ takes: `'rfc6455-web'` added to ClientKind, the
 * loader `'rfc6455-web': async () => whatwgLibrary((await
 * import('../../src/web/index.js')).WebSocket)` in LIBRARIES, and the row
 * `{ name: 'rfc6455-web', client: 'rfc6455-web', env: {}, minNode: 20,
 * ours: true, memory: true }` here (`ours`: held to the same targets).
 * rfc6455-web is such a row, held instead to WEB_OF_MAIN of the main API's
 * rate on the receive scenarios.
 *
 * Peers: bench/e2e/server.ts, a raw server doing as little as possible per
 * byte, for every scenario but one; the many-connections scenario runs
 * against a `ws` echo server (ws-echo-server.ts) pinned to CPU 0 with
 * `taskset -c 0`, its clients pinned to CPU 1.
 *
 * The library and the clients are compiled with tsc into .bench-build/ at
 * the root of the checkout first (git-ignored; one per checkout, so two
 * checkouts can bench at once), and the children run that plain JavaScript
 * (no loader in their CPU time or RSS) on each Node binary in turn.
 *
 * Flags: `--node 20,22,24` (the Node lines, default all three; `current` for
 * the Node running this script only; see nodes.ts), `--json`
 * (machine-readable output only), `--quick` (tiny sizes, one round, no
 * warm-up, the clients of a round at once, memory checks of rfc6455 only:
 * a smoke test), `--rounds N`,
 * `--only id,id` (scenario ids), `--profile DIR` (rfc6455 children write
 * `node --cpu-prof` profiles there), `--no-memory` (skip the memory checks),
 * `--check` (exit 1 when a target is missed by more than its scenario's
 * noise; see check.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_MIN_ROUNDS, failures, median, ratioTarget, type RatioTarget } from './check.js';
import type { ClientKind, Job, Measurement, ScenarioKind } from './client.js';
import { DEFAULT_NODES, resolveNodes, type NodeBinary } from './nodes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = join(ROOT, '.bench-build');
const CLIENT_JS = join(BUILD, 'bench', 'e2e', 'client.js');
const SERVER_JS = join(BUILD, 'bench', 'e2e', 'server.js');
const WS_ECHO_SERVER_JS = join(BUILD, 'bench', 'e2e', 'ws-echo-server.js');
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
  /** The raw server (server.ts) or the `ws` echo server pinned to one core, the client pinned to the other. */
  peer: 'raw' | 'ws-pinned';
  connections: number;
  /** Least ratio of ours to ws (native). */
  goal: number;
}

const SCENARIOS: Scenario[] = [
  { id: 'echo16', title: 'echo round trips, 16 B text', scenario: 'echo', size: 16, text: true, count: 20_000, quickCount: 200, unit: 'msg/s', peer: 'raw', connections: 1, goal: 1.0 },
  { id: 'send64k', title: 'send 64 KiB binary', scenario: 'send', size: 65536, text: false, count: 6144, quickCount: 32, unit: 'MB/s', peer: 'raw', connections: 1, goal: 1.0 },
  { id: 'recv64k', title: 'receive 64 KiB binary', scenario: 'recv', size: 65536, text: false, count: 6144, quickCount: 32, unit: 'MB/s', peer: 'raw', connections: 1, goal: 1.0 },
  { id: 'recv32', title: 'receive 2M × 32 B text', scenario: 'recv', size: 32, text: true, count: 2_000_000, quickCount: 2000, unit: 'msg/s', peer: 'raw', connections: 1, goal: 1.3 },
  { id: 'recv16m', title: 'receive 16 MiB text', scenario: 'recv', size: 16 * 1024 * 1024, text: true, count: 6, quickCount: 1, unit: 'MB/s', peer: 'raw', connections: 1, goal: 1.0 },
  { id: 'many100', title: '100 connections, 20 B round trips (ws server)', scenario: 'many', size: 20, text: true, count: 50_000, quickCount: 1000, unit: 'msg/s', peer: 'ws-pinned', connections: 100, goal: 1.0 },
];

/** 64 KiB receive: least ratio of ours to the plain socket. */
const RECV64K_OF_LIMIT = 0.9;

interface Client {
  name: string;
  client: ClientKind;
  env: Record<string, string>;
  /** The oldest Node line it runs on. */
  minNode: number;
  /** Ours: its ratios are held to the targets. */
  ours: boolean;
  /** Included in the memory checks (peak RSS, heap per idle connection). */
  memory: boolean;
}

const BASELINE = 'ws (native)';
const LIMIT = 'net limit';
/** This library's WHATWG interface (rfc6455/web), held to a share of the main API's rate on the receive scenarios. */
const WEB = 'rfc6455-web';
const WEB_OF_MAIN = 0.9;
const CLIENTS: Client[] = [
  { name: 'rfc6455', client: 'rfc6455', env: {}, minNode: 20, ours: true, memory: true },
  { name: WEB, client: 'rfc6455-web', env: {}, minNode: 20, ours: false, memory: false },
  { name: BASELINE, client: 'ws', env: {}, minNode: 20, ours: false, memory: true },
  { name: 'ws (no native)', client: 'ws', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' }, minNode: 20, ours: false, memory: false },
  { name: 'node WebSocket', client: 'node-websocket', env: {}, minNode: 22, ours: false, memory: false },
  { name: LIMIT, client: 'net', env: {}, minNode: 20, ours: false, memory: false },
];

interface Options {
  json: boolean;
  quick: boolean;
  rounds: number;
  only: string[] | null;
  profileDir: string | null;
  memory: boolean;
  nodes: string[];
  check: boolean;
}

const USAGE = 'expected --node 20,22,24|current, --json, --quick, --rounds N, --only ids, --profile DIR, --no-memory, --check';

function parseArgs(argv: string[]): Options {
  const options: Options = { json: false, quick: false, rounds: 5, only: null, profileDir: null, memory: true, nodes: DEFAULT_NODES, check: false };
  let roundsGiven = false;
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
    else if (arg === '--check') options.check = true;
    else if (arg === '--node') options.nodes = value().split(',');
    else if (arg === '--rounds') {
      const rounds = Number(value());
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`expected --rounds to be an integer >= 1, got ${argv[i]}`);
      options.rounds = rounds;
      roundsGiven = true;
    } else if (arg === '--only') {
      options.only = value().split(',');
      const unknown = options.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
      if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}: expected some of ${SCENARIOS.map((s) => s.id).join(', ')}`);
    } else if (arg === '--profile') options.profileDir = resolve(value());
    else throw new Error(`unknown argument ${arg}: ${USAGE}`);
  }
  if (options.quick && !roundsGiven) options.rounds = 1;
  if (options.check && options.rounds < CHECK_MIN_ROUNDS) {
    throw new Error(`expected at least ${CHECK_MIN_ROUNDS} rounds with --check (the noise margin comes from their spread), got ${options.rounds}`);
  }
  return options;
}

function compile(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench', 'e2e', 'tsconfig.json'), '--outDir', BUILD], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // Type errors elsewhere in the tree do not stop the emit; a missing output does.
  for (const file of [CLIENT_JS, SERVER_JS, WS_ECHO_SERVER_JS]) {
    if (!existsSync(file)) throw new Error(`tsc did not emit ${file}:\n${result.stdout}${result.stderr}`);
  }
}

/** `taskset -c CPU` before a command, when pinning is possible (taskset on PATH, two CPUs or more). */
function pinningAvailable(): boolean {
  if (cpus().length < 2) return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'taskset')));
}

function command(node: NodeBinary, args: string[], cpu: number | null): [string, string[]] {
  return cpu === null ? [node.path, args] : ['taskset', ['-c', String(cpu), node.path, ...args]];
}

function startServer(node: NodeBinary, script: string, cpu: number | null): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolvePort, reject) => {
    const [file, args] = command(node, [script], cpu);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolvePort({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server ${script} exited with code ${code} before listening`)));
  });
}

function runChild(node: NodeBinary, job: Job, env: Record<string, string>, nodeFlags: string[], cpu: number | null): Promise<Measurement> {
  return new Promise((resolveRun, reject) => {
    const [file, args] = command(node, [...nodeFlags, CLIENT_JS, JSON.stringify(job)], cpu);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`client ${job.client} ${job.scenario} on Node ${node.version} exited with ${signal ?? code}: ${err.trim()}`));
        return;
      }
      resolveRun(JSON.parse(out.trim().split('\n').pop() as string) as Measurement);
    });
  });
}

interface ClientResult {
  /** msg/s or MB/s, one per round. */
  samples: number[];
  median: number;
  /** Median over rounds of CPU milliseconds per MB of payload the client sent and received. */
  cpuMsPerMB: number;
  /** Round-trip scenarios: median over rounds of client CPU microseconds per round trip. */
  cpuUsPerRoundTrip?: number;
  /** Echo: medians over rounds of the rounds' p50 and p99 round-trip latency, microseconds. */
  p50Us?: number;
  p99Us?: number;
  /** Largest peak RSS over the rounds, MB. */
  peakRssMB: number;
  /** median / the baseline's median. */
  ratio: number;
}

interface ScenarioResult {
  id: string;
  title: string;
  unit: string;
  count: number;
  size: number;
  connections: number;
  /** Whether the peer and the clients were pinned to one core each. */
  pinned: boolean;
  clients: Record<string, ClientResult>;
}

interface Peers {
  raw: number;
  wsPinned: number;
  pinned: boolean;
}

async function runScenario(node: NodeBinary, clients: Client[], scenario: Scenario, peers: Peers, options: Options, log: (line: string) => void): Promise<ScenarioResult> {
  const count = options.quick ? scenario.quickCount : scenario.count;
  const roundTrips = scenario.scenario === 'echo' || scenario.scenario === 'many';
  const payloadMB = (count * scenario.size * (roundTrips ? 2 : 1)) / MB;
  const pinned = scenario.peer === 'ws-pinned' && peers.pinned;
  const port = scenario.peer === 'raw' ? peers.raw : peers.wsPinned;
  const raw: Record<string, Measurement[]> = {};
  const measure = async (client: Client, round: number): Promise<Measurement> => {
    const job: Job = { client: client.client, scenario: scenario.scenario, port, size: scenario.size, count, connections: scenario.connections, text: scenario.text, warmup: !options.quick };
    const flags = options.profileDir !== null && client.ours ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `node${node.major}-${client.client}-${scenario.id}-${round}.cpuprofile`] : [];
    const m = await runChild(node, job, client.env, flags, pinned ? 1 : null);
    if (client.client === 'ws' && m.nativeHelpers !== (client.name === BASELINE)) {
      throw new Error(`${client.name}: ws native helpers ${m.nativeHelpers ? 'loaded' : 'missing'}`);
    }
    return m;
  };
  for (let round = 0; round < options.rounds; round++) {
    // A quick run measures nothing, so its clients run at once (a smoke test of seconds);
    // otherwise one at a time, alternating, so that every client of a round sees the same machine.
    const ms = options.quick ? await Promise.all(clients.map((client) => measure(client, round))) : [];
    if (!options.quick) for (const client of clients) ms.push(await measure(client, round));
    clients.forEach((client, i) => (raw[client.name] ??= []).push(ms[i]));
    log(`  Node ${node.version} ${scenario.id}: round ${round + 1}/${options.rounds} done`);
  }
  const results: Record<string, ClientResult> = {};
  for (const client of clients) {
    const ms = raw[client.name];
    const samples = ms.map((m) => (scenario.unit === 'msg/s' ? count / m.seconds : (count * scenario.size) / MB / m.seconds));
    const result: ClientResult = {
      samples,
      median: median(samples),
      cpuMsPerMB: median(ms.map((m) => m.cpuMs / payloadMB)),
      peakRssMB: Math.max(...ms.map((m) => m.maxRssKiB / 1024)),
      ratio: 0,
    };
    if (roundTrips) result.cpuUsPerRoundTrip = median(ms.map((m) => (m.cpuMs * 1000) / count));
    if (scenario.scenario === 'echo') {
      result.p50Us = median(ms.map((m) => m.p50Us as number));
      result.p99Us = median(ms.map((m) => m.p99Us as number));
    }
    results[client.name] = result;
  }
  for (const result of Object.values(results)) result.ratio = result.median / results[BASELINE].median;
  return { id: scenario.id, title: scenario.title, unit: scenario.unit, count, size: scenario.size, connections: scenario.connections, pinned, clients: results };
}

interface MemoryResult {
  recvBytes: number;
  recvPeakRssMB: Record<string, number>;
  idleConnections: number;
  idleHeapBytes: Record<string, number>;
  idleExternalBytes: Record<string, number>;
}

async function runMemory(node: NodeBinary, clients: Client[], port: number, quick: boolean): Promise<MemoryResult> {
  const messages = quick ? 64 : 16384; // 64 KiB each: 4 MiB or 1 GiB
  const connections = quick ? 10 : 1000;
  const result: MemoryResult = { recvBytes: messages * 65536, recvPeakRssMB: {}, idleConnections: connections, idleHeapBytes: {}, idleExternalBytes: {} };
  const measured = clients.filter((c) => c.memory).slice(0, quick ? 1 : undefined);
  for (const client of measured) {
    const base = { client: client.client, port, connections: 1, text: false, warmup: false };
    const recv = await runChild(node, { ...base, scenario: 'recv', size: 65536, count: messages }, client.env, [], null);
    result.recvPeakRssMB[client.name] = recv.maxRssKiB / 1024;
    const idle = await runChild(node, { ...base, scenario: 'idle', size: 0, count: connections }, client.env, ['--expose-gc'], null);
    result.idleHeapBytes[client.name] = idle.heapPerConnection as number;
    result.idleExternalBytes[client.name] = idle.externalPerConnection as number;
  }
  return result;
}

function targets(clients: Client[], results: ScenarioResult[]): RatioTarget[] {
  const list: RatioTarget[] = [];
  for (const client of clients.filter((c) => c.ours)) {
    for (const r of results) {
      const scenario = SCENARIOS.find((s) => s.id === r.id) as Scenario;
      list.push(ratioTarget(`${r.id}: ${client.name} / ${BASELINE}`, scenario.goal, r.clients[client.name].samples, r.clients[BASELINE].samples));
      if (r.id === 'recv64k') {
        list.push(ratioTarget(`recv64k: ${client.name} / ${LIMIT}`, RECV64K_OF_LIMIT, r.clients[client.name].samples, r.clients[LIMIT].samples));
      }
    }
  }
  // The web interface is a thin layer over the same connection: on the receive scenarios it keeps most of the main API's rate.
  if (clients.some((c) => c.name === WEB)) {
    for (const r of results.filter((result) => result.id.startsWith('recv'))) {
      list.push(ratioTarget(`${r.id}: ${WEB} / rfc6455`, WEB_OF_MAIN, r.clients[WEB].samples, r.clients.rfc6455.samples));
    }
  }
  return list;
}

interface NodeRun {
  node: string;
  scenarios: ScenarioResult[];
  memory: MemoryResult | null;
  targets: RatioTarget[];
}

async function runNode(node: NodeBinary, options: Options, log: (line: string) => void): Promise<NodeRun> {
  const clients = CLIENTS.filter((c) => node.major >= c.minNode);
  const scenarios = SCENARIOS.filter((s) => options.only === null || options.only.includes(s.id));
  const pinned = pinningAvailable();
  const raw = await startServer(node, SERVER_JS, null);
  const needsWs = scenarios.some((s) => s.peer === 'ws-pinned');
  const wsServer = needsWs ? await startServer(node, WS_ECHO_SERVER_JS, pinned ? 0 : null) : null;
  try {
    const peers: Peers = { raw: raw.port, wsPinned: wsServer?.port ?? 0, pinned };
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) results.push(await runScenario(node, clients, scenario, peers, options, log));
    const memory = options.memory ? await runMemory(node, clients, raw.port, options.quick) : null;
    return { node: node.version, scenarios: results, memory, targets: targets(clients, results) };
  } finally {
    raw.child.kill('SIGTERM');
    wsServer?.child.kill('SIGTERM');
  }
}

// ---- the report ---------------------------------------------------------------------

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
  return rows
    .map((row) => `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`)
    .map((line, i) => (i === 0 ? `${line}\n|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|` : line))
    .join('\n');
}

function describeTarget(t: RatioTarget): string {
  const mark = t.verdict === 'met' ? 'met   ' : t.verdict === 'within noise' ? 'noise ' : 'MISSED';
  return `  ${mark} ${t.what}: ${t.value.toFixed(2)} ± ${t.margin.toFixed(2)} (goal ≥ ${t.goal}; per round ${t.perRound.map((r) => r.toFixed(2)).join(' ')})`;
}

function reportNode(run: NodeRun, rounds: number): string {
  const names = Object.keys(run.scenarios[0]?.clients ?? {});
  const lines: string[] = [`### Node ${run.node}`, ''];
  if (run.scenarios.length > 0) {
    lines.push(`Medians of ${rounds} round(s); in brackets the ratio to ${BASELINE}.`, '');
    lines.push(table([['scenario', 'unit', ...names], ...run.scenarios.map((r) => [r.title, r.unit, ...names.map((n) => `${formatRate(r.clients[n].median)} (${r.clients[n].ratio.toFixed(2)}×)`)])]));
    const trips = run.scenarios.filter((r) => r.clients[names[0]].cpuUsPerRoundTrip !== undefined);
    if (trips.length > 0) {
      lines.push('', 'Round trips: client CPU per round trip (µs), and for the echo its p50/p99 round-trip latency (µs):', '');
      lines.push(table([
        ['scenario', ...names],
        ...trips.flatMap((r) => {
          const rows = [[`${r.title}${r.pinned ? ', pinned' : ''}: CPU µs`, ...names.map((n) => (r.clients[n].cpuUsPerRoundTrip as number).toFixed(1))]];
          if (r.clients[names[0]].p50Us !== undefined) rows.push([`${r.title}: p50 / p99 µs`, ...names.map((n) => `${(r.clients[n].p50Us as number).toFixed(0)} / ${(r.clients[n].p99Us as number).toFixed(0)}`)]);
          return rows;
        }),
      ]));
    }
    lines.push('', 'CPU time of the client process per MB of payload (ms/MB), and its peak RSS (MB):', '');
    lines.push(table([
      ['scenario', ...names.map((n) => `${n} CPU`), ...names.map((n) => `${n} RSS`)],
      ...run.scenarios.map((r) => [r.title, ...names.map((n) => r.clients[n].cpuMsPerMB.toFixed(2)), ...names.map((n) => r.clients[n].peakRssMB.toFixed(0))]),
    ]));
  }
  if (run.memory !== null) {
    lines.push('');
    lines.push(table([
      ['memory', ...Object.keys(run.memory.recvPeakRssMB)],
      [`peak RSS receiving ${formatBytes(run.memory.recvBytes)} in 64 KiB messages (MB)`, ...Object.values(run.memory.recvPeakRssMB).map((v) => v.toFixed(0))],
      [`JS heap per idle connection, ${run.memory.idleConnections} open (KiB)`, ...Object.values(run.memory.idleHeapBytes).map((v) => (v / 1024).toFixed(1))],
      [`external memory per idle connection, ${run.memory.idleConnections} open (KiB)`, ...Object.values(run.memory.idleExternalBytes).map((v) => (v / 1024).toFixed(1))],
    ]));
  }
  if (run.targets.length > 0) {
    lines.push('', 'Targets (median of the per-round ratios ± the noise, 1.4826 × their MAD):');
    for (const t of run.targets) lines.push(describeTarget(t));
  }
  return lines.join('\n');
}

/** Ratio to ws (native) of every client on every Node line: one column per client, the lines side by side in each cell. */
function summary(runs: NodeRun[]): string {
  const present = new Set(runs.flatMap((run) => Object.keys(run.scenarios[0]?.clients ?? {})));
  const names = CLIENTS.map((c) => c.name).filter((n) => n !== BASELINE && present.has(n));
  const ids = [...new Set(runs.flatMap((run) => run.scenarios.map((s) => s.id)))];
  const lines = runs.map((run) => run.node.split('.')[0].slice(1)).join(' / ');
  const rows = ids.map((id) => [
    (SCENARIOS.find((s) => s.id === id) as Scenario).title,
    ...names.map((n) =>
      runs
        .map((run) => {
          const r = run.scenarios.find((s) => s.id === id)?.clients[n];
          return r === undefined ? '—' : `${r.ratio.toFixed(2)}×`;
        })
        .join(' / '),
    ),
  ]);
  return table([[`ratio to ${BASELINE}, Node ${lines}`, ...names], ...rows]);
}

function report(runs: NodeRun[], machine: Record<string, string | number>, options: Options, seconds: number): string {
  const lines = [`Machine: ${machine.cpu}, ${machine.nproc} CPUs; Node ${runs.map((r) => r.node).join(', ')}; ${options.rounds} round(s) per scenario.`, ''];
  if (runs.length > 1 && runs.some((r) => r.scenarios.length > 0)) lines.push(summary(runs), '');
  for (const run of runs) lines.push(reportNode(run, options.rounds), '');
  lines.push(`Total time: ${seconds.toFixed(0)} s`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const nodes = resolveNodes(ROOT, options.nodes);
  const log = (line: string): void => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const began = performance.now();
  compile();
  const runs: NodeRun[] = [];
  for (const node of nodes) runs.push(await runNode(node, options, log));
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', nproc: cpus().length };
  const seconds = (performance.now() - began) / 1000;
  const failed = runs.flatMap((run) => failures(run.targets).map((t) => `Node ${run.node} ${t.what}: ${t.value.toFixed(2)}, below ${t.goal} by more than the noise ${t.margin.toFixed(2)}`));
  if (options.json) {
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
    process.stdout.write(`${JSON.stringify({ machine, command, rounds: options.rounds, quick: options.quick, runs, check: options.check ? { failed } : null, seconds }, null, 2)}\n`);
  } else {
    process.stdout.write(`${report(runs, machine, options, seconds)}\n`);
  }
  if (options.check) {
    if (failed.length > 0) {
      process.stderr.write(`bench --check: ${failed.length} target(s) missed beyond the noise:\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
      process.exitCode = 1;
    } else if (!options.json) {
      process.stderr.write('bench --check: every target met or within the noise of its scenario\n');
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
