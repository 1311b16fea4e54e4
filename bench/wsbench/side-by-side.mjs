// Load generators side by side, each against the `ws` echo server and the raw
// `net` echo server: the server pinned to core 0, the load generator to core 1,
// pairs alternating, several rounds. Every generator keeps one 20-byte message
// in flight on each of 100 connections. For each run, over a window that
// starts once the load has been flowing for --settle seconds:
//   round trips/s   messages the server echoed in the window / window length
//   CPU per round trip, of each process: its user + system CPU time over the
//   window (the server's from process.cpuUsage(), the load generator's from
//   /proc/PID/stat, summed over the process and its child processes, all
//   threads) / the round trips of the window.
// CPU time is counted by the kernel per process, so it stays meaningful on a
// shared machine where wall-clock rates swing from run to run.
//
// Usage: node bench/wsbench/side-by-side.mjs [--rounds 3] [--settle 2] [--window 4]
//          [--connections 100] [--size 20] [--servers ws,raw] [--loadtools /tmp/loadtools]
//          [--client NAME=wsbench:PATH/TO/wsbench.js | NAME=ws | NAME=thor | NAME=artillery] ...
// Default clients: wsbench (dist/cli/wsbench.js: run `npm run build` first), ws,
// and thor and artillery when bench/wsbench/install-loadtools.sh has put them
// in the --loadtools directory (skipped with a message otherwise).
// Prints the markdown table on stdout, one line per run on stderr.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const here = new URL('.', import.meta.url).pathname;
const options = { rounds: 3, settle: 2, window: 4, connections: 100, size: 20, servers: 'ws,raw', loadtools: '/tmp/loadtools' };
const clients = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '');
  if (name === 'client') clients.push(argv[i + 1]);
  else if (name in options) options[name] = typeof options[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  else throw new Error(`unknown option ${argv[i]}`);
}

const thorBin = join(options.loadtools, 'thor/bin/thor');
const artilleryBin = join(options.loadtools, 'node_modules/artillery/bin/run');
if (clients.length === 0) {
  clients.push('wsbench=wsbench:dist/cli/wsbench.js', 'ws=ws');
  for (const [name, bin] of [['thor', thorBin], ['artillery', artilleryBin]]) {
    if (existsSync(bin)) clients.push(`${name}=${name}`);
    else process.stderr.write(`skipping ${name}: ${bin} not found (bench/wsbench/install-loadtools.sh installs it)\n`);
  }
}

/** What each load generator checks of an echo, for the table. */
const checks = {
  wsbench: 'length + checksum of every echo, every latency recorded',
  ws: 'nothing',
  thor: 'nothing; a latency in ms per message, sent to its master process',
  artillery: 'content of every echo (JSON match); text frames',
};

const TICK_MICROS = 1e6 / 100; // USER_HZ

/** User and system CPU time of `pid` and its descendants, in µs. */
function treeCpuMicros(pid) {
  let user = 0;
  let system = 0;
  const visit = (p) => {
    let stat;
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      return; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(fields[11]) * TICK_MICROS; // utime
    system += Number(fields[12]) * TICK_MICROS; // stime
    for (const task of readdirSync(`/proc/${p}/task`)) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter((c) => c !== '')) visit(child);
    }
  };
  visit(pid);
  return { user, system, total: user + system };
}

/** Kills of the processes running now: a signal to the harness ends them too (the load generators run detached). */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const kill of running) kill();
    process.exit(130);
  });
}

/** Track `child` until it exits; `kill` ends it (and what it started). */
function track(child, kill) {
  running.add(kill);
  child.on('exit', () => running.delete(kill));
}

async function startServer(kind) {
  const child = spawn('taskset', ['-c', '0', process.execPath, `${here}echo-${kind}.mjs`], { stdio: ['pipe', 'pipe', 'inherit'] });
  track(child, () => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { port } = JSON.parse((await lines.next()).value);
  return {
    port,
    async stats() {
      child.stdin.write('stats\n');
      return JSON.parse((await lines.next()).value);
    },
    stop() {
      child.stdin.end();
      return new Promise((resolve) => child.on('exit', resolve));
    },
  };
}

/** An Artillery script: `connections` virtual users arriving within 1 s, each sending a 20-byte JSON text and waiting for its echo, in a loop. */
function artilleryScript(url, dir) {
  const filler = 'x'.repeat(Math.max(1, options.size - 8));
  const file = join(dir, 'echo.yml');
  writeFileSync(
    file,
    [
      'config:',
      `  target: "${url}"`,
      '  phases:',
      `    - { duration: 1, arrivalCount: ${options.connections} }`,
      'scenarios:',
      '  - engine: ws',
      '    flow:',
      '      - loop:',
      `          - send: { payload: '{"a":"${filler}"}', match: { json: "$.a", value: "${filler}" } }`,
      '        count: 1000000000',
      '',
    ].join('\n'),
  );
  return file;
}

function startClient(spec, url, dir) {
  const [, kind, path] = /^[^=]+=(wsbench|ws|thor|artillery)(?::(.*))?$/.exec(spec);
  const seconds = 60; // killed once the window is over
  const n = String(options.connections);
  const size = String(options.size);
  const args = {
    ws: () => [process.execPath, `${here}ws-client-loop.mjs`, url, n, size, String(seconds)],
    wsbench: () => [process.execPath, path, url, '-c', n, '-s', size, '-w', '1', '-d', `${seconds}s`, '--warmup', '0', '-q'],
    thor: () => [process.execPath, thorBin, '-A', n, '--messages', '1000000000', '-B', size, '-W', '1', '--masked', '-b', url],
    artillery: () => [process.execPath, artilleryBin, 'run', '--quiet', artilleryScript(url, dir)],
  }[kind]();
  const child = spawn('taskset', ['-c', '1', ...args], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const kill = () => process.kill(-child.pid, 'SIGKILL'); // its process group: thor's worker too
  track(child, kill);
  return {
    kind,
    pid: child.pid,
    done: new Promise((resolve) => child.on('exit', resolve)),
    kill,
  };
}

/** Wait until the server has echoed messages (tools that start slowly, such as Artillery, take seconds). */
async function untilFlowing(server, timeoutMs = 60000) {
  const started = performance.now();
  let last = (await server.stats()).messages;
  while (performance.now() - started < timeoutMs) {
    await sleep(250);
    const now = (await server.stats()).messages;
    if (now > last + options.connections) return;
    last = now;
  }
  throw new Error('the load generator sent nothing');
}

async function measure(serverKind, clientSpec) {
  const server = await startServer(serverKind);
  const dir = mkdtempSync(join(tmpdir(), 'side-by-side-'));
  const client = startClient(clientSpec, `ws://127.0.0.1:${server.port}/`, dir);
  try {
    await untilFlowing(server);
    await sleep(options.settle * 1000);
    const s0 = await server.stats();
    const c0 = treeCpuMicros(client.pid);
    const t0 = performance.now();
    await sleep(options.window * 1000);
    const s1 = await server.stats();
    const c1 = treeCpuMicros(client.pid);
    const wall = (performance.now() - t0) * 1000;
    const roundTrips = s1.messages - s0.messages;
    return {
      rate: roundTrips / (wall / 1e6),
      clientCpu: (c1.total - c0.total) / roundTrips,
      clientUser: (c1.user - c0.user) / roundTrips,
      clientSystem: (c1.system - c0.system) / roundTrips,
      serverCpu: (s1.cpuMicros - s0.cpuMicros) / roundTrips,
      serverUser: (s1.userMicros - s0.userMicros) / roundTrips,
      serverSystem: (s1.systemMicros - s0.systemMicros) / roundTrips,
      clientBusy: (c1.total - c0.total) / wall,
      serverBusy: (s1.cpuMicros - s0.cpuMicros) / wall,
    };
  } finally {
    client.kill();
    await client.done;
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const results = new Map();
for (let round = 1; round <= options.rounds; round++) {
  for (const serverKind of options.servers.split(',')) {
    for (const clientSpec of clients) {
      const key = `${serverKind} | ${clientSpec.split('=')[0]}`;
      const r = await measure(serverKind, clientSpec);
      if (!results.has(key)) results.set(key, { kind: /=(\w+)/.exec(clientSpec)[1], runs: [] });
      results.get(key).runs.push(r);
      process.stderr.write(
        `round ${round} ${key}: ${Math.round(r.rate)} rt/s, client ${r.clientCpu.toFixed(1)} µs/rt (user ${r.clientUser.toFixed(1)}, system ${r.clientSystem.toFixed(1)}; ${Math.round(r.clientBusy * 100)}%), server ${r.serverCpu.toFixed(1)} µs/rt (user ${r.serverUser.toFixed(1)}, system ${r.serverSystem.toFixed(1)}; ${Math.round(r.serverBusy * 100)}%)\n`,
      );
    }
  }
}
/** The median and, in brackets, the range: `12.3 µs (11.9–14.0 µs)`. */
const fmt = (xs, f, unit = '') => `${f(median(xs))}${unit} (${f(Math.min(...xs))}–${f(Math.max(...xs))}${unit})`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const micro = (x) => x.toFixed(1);
const pct = (x) => String(Math.round(x * 100));
const label = { wsbench: '`wsbench -w 1`', ws: '`ws` client loop', thor: 'thor', artillery: 'Artillery (ws engine)' };
console.log(
  '| Server (core 0) | Load generator (core 1) | checks | round trips/s | load generator CPU per round trip | its core busy | server CPU per round trip | server core busy |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [key, { kind, runs }] of results) {
  const [serverKind, name] = key.split(' | ');
  const generator = name === kind ? label[kind] : `${name} (${label[kind]})`;
  console.log(
    `| ${serverKind === 'ws' ? '`ws` echo' : 'raw `net` echo'} | ${generator} | ${checks[kind]} | ${fmt(runs.map((r) => r.rate), int)} | ${fmt(runs.map((r) => r.clientCpu), micro, ' µs')} | ${fmt(runs.map((r) => r.clientBusy), pct, '%')} | ${fmt(runs.map((r) => r.serverCpu), micro, ' µs')} | ${fmt(runs.map((r) => r.serverBusy), pct, '%')} |`,
  );
}
