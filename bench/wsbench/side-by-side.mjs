// wsbench against the `ws` client loop, each against the `ws` echo server and
// the raw `net` echo server: the server pinned to core 0, the load generator
// to core 1, pairs alternating, several rounds. For each run, over a window
// that starts once the connections are up and the load is steady:
//   round trips/s   messages the server echoed in the window / window length
//   CPU per round trip, of each process: its user + system CPU time over the
//   window (the server's from process.cpuUsage(), the load generator's from
//   /proc/PID/stat, all threads) / the round trips of the window.
// CPU time is counted by the kernel per process, so it stays meaningful on a
// shared machine where wall-clock rates swing from run to run.
//
// Usage: node bench/wsbench/side-by-side.mjs [--rounds 3] [--settle 2] [--window 4]
//          [--connections 100] [--size 20] [--servers ws,raw]
//          [--client NAME=wsbench:PATH/TO/wsbench.js | NAME=ws] ...
// Default clients: wsbench=wsbench:dist/cli/wsbench.js (run `npm run build` first) and ws=ws.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const here = new URL('.', import.meta.url).pathname;
const options = { rounds: 3, settle: 2, window: 4, connections: 100, size: 20, servers: 'ws,raw' };
const clients = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '');
  if (name === 'client') clients.push(argv[i + 1]);
  else if (name in options) options[name] = typeof options[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  else throw new Error(`unknown option ${argv[i]}`);
}
if (clients.length === 0) clients.push('wsbench=wsbench:dist/cli/wsbench.js', 'ws=ws');
const TICK_MICROS = 1e6 / 100; // USER_HZ

function procCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS; // utime, stime
}

async function startServer(kind) {
  const child = spawn('taskset', ['-c', '0', process.execPath, `${here}echo-${kind}.mjs`], { stdio: ['pipe', 'pipe', 'inherit'] });
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

function startClient(spec, url) {
  const [, kind, path] = /^[^=]+=(wsbench|ws)(?::(.*))?$/.exec(spec);
  const seconds = options.settle + options.window + 2;
  const args =
    kind === 'ws'
      ? [`${here}ws-client-loop.mjs`, url, String(options.connections), String(options.size), String(seconds)]
      : [path, url, '-c', String(options.connections), '-s', String(options.size), '-w', '1', '-d', `${seconds}s`, '--warmup', '0', '-q'];
  const child = spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { pid: child.pid, done: new Promise((resolve) => child.on('exit', resolve)), kill: () => child.kill('SIGKILL') };
}

async function measure(serverKind, clientSpec) {
  const server = await startServer(serverKind);
  const client = startClient(clientSpec, `ws://127.0.0.1:${server.port}/`);
  await sleep(options.settle * 1000);
  const s0 = await server.stats();
  const c0 = procCpuMicros(client.pid);
  const t0 = performance.now();
  await sleep(options.window * 1000);
  const s1 = await server.stats();
  const c1 = procCpuMicros(client.pid);
  const wall = (performance.now() - t0) * 1000;
  client.kill();
  await client.done;
  await server.stop();
  const roundTrips = s1.messages - s0.messages;
  return {
    rate: roundTrips / (wall / 1e6),
    clientCpu: (c1 - c0) / roundTrips,
    serverCpu: (s1.cpuMicros - s0.cpuMicros) / roundTrips,
    clientBusy: (c1 - c0) / wall,
    serverBusy: (s1.cpuMicros - s0.cpuMicros) / wall,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const results = new Map();
for (let round = 1; round <= options.rounds; round++) {
  for (const serverKind of options.servers.split(',')) {
    for (const clientSpec of clients) {
      const key = `${serverKind} | ${clientSpec.split('=')[0]}`;
      const r = await measure(serverKind, clientSpec);
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(r);
      process.stderr.write(
        `round ${round} ${key}: ${Math.round(r.rate)} rt/s, client ${r.clientCpu.toFixed(1)} µs/rt (${Math.round(r.clientBusy * 100)}%), server ${r.serverCpu.toFixed(1)} µs/rt (${Math.round(r.serverBusy * 100)}%)\n`,
      );
    }
  }
}
const fmt = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const micro = (x) => x.toFixed(1);
const pct = (x) => `${Math.round(x * 100)}%`;
console.log(`| Server (core 0) | Load generator (core 1) | round trips/s | load generator CPU µs per round trip | its core busy | server CPU µs per round trip | server core busy |`);
console.log('|---|---|---|---|---|---|---|');
for (const [key, rs] of results) {
  const [serverKind, client] = key.split(' | ');
  console.log(
    `| ${serverKind === 'ws' ? '`ws` echo' : 'raw `net` echo'} | ${client} | ${fmt(rs.map((r) => r.rate), int)} | ${fmt(rs.map((r) => r.clientCpu), micro)} | ${fmt(rs.map((r) => r.clientBusy), pct)} | ${fmt(rs.map((r) => r.serverCpu), micro)} | ${fmt(rs.map((r) => r.serverBusy), pct)} |`,
  );
}
