#!/usr/bin/env node
/**
 * wstest: the WebSocket conformance tester (Autobahn|Testsuite's cases and verdicts).
 *   wstest server-suite --url ws://host:port/path   test a server (Autobahn's fuzzingclient)
 *   wstest server-suite --config fuzzingclient.json
 *   wstest client-suite --port 9001                 test a client (Autobahn's fuzzingserver)
 *   wstest client-suite --config fuzzingserver.json
 *   wstest compare RUN_A RUN_B                       compare two runs' index.json case by case
 * See `wstest --help`. The work is done by src/conformance; this file parses and prints.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { IndexFormatError, compareIndexes, formatComparison, identical, parseIndex } from '../conformance/compare.js';
import { ConfigError, parseFuzzingClientConfig, parseFuzzingServerConfig, type FuzzingClientConfig, type FuzzingServerConfig } from '../conformance/config.js';
import { writeReportFolder } from '../conformance/outdir.js';
import { CasePatternError } from '../conformance/patterns.js';
import { startFuzzingServer } from '../conformance/server.js';
import { ServerUnreachable, defaultJobs, runServerSuiteConfig } from '../conformance/server-suite.js';
import { FAIL_ON_VALUES, formatSummary, progressLine, runFails, type FailOn } from '../conformance/summary.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export const HELP = `usage: wstest server-suite (--url URL [--agent NAME] | --config FILE) [options]
       wstest client-suite [--port PORT | --config FILE] [options]
       wstest compare RUN_A RUN_B

server-suite: test a WebSocket echo server with Autobahn|Testsuite's 517 cases (sections 1-7, 9, 10, 12, 13).
  --url URL             ws:// or wss:// URL of the echo server
  --agent NAME          name of the server in the reports (default: its host:port)
  --config FILE         an Autobahn fuzzingclient.json instead of --url
  --cases PATTERNS      comma-separated Autobahn case patterns (default "*"), e.g. "1.*,6.4.1"
  --exclude-cases P     comma-separated patterns left out
  --outdir DIR          report folder (default ./reports/servers, or the config's outdir)
  --jobs N              cases run at once (default: 4 per core, at most 32); section 9 always runs alone
  --fail-on LEVEL       exit 1 on: FAILED (default: a FAILED case or a FAILED/UNCLEAN close),
                        NON-STRICT (also NON-STRICT cases, WRONG CODE / FAILED BY CLIENT
                        closes), UNIMPLEMENTED (also those), none (never)
  --fail-by-drop        fail connections by dropping TCP (Autobahn's failByDrop option)
  --strict              also FAIL what Autobahn lets pass (a bad close, a protocol violation, a
                        permessage-deflate answer without what the offer asked of the server, a
                        section 9 echo with the right length but other bytes); without it these
                        are notes in the case's report
  --insecure            do not verify a wss:// server's certificate
  --quiet               no progress bar

client-suite: serve the client cases (Autobahn's fuzzingserver agent protocol) until interrupted.
  --port PORT           port to listen on (default 9001)
  --host HOST           address to listen on (default 127.0.0.1)
  --config FILE         an Autobahn fuzzingserver.json (url, outdir, cases, exclude-cases, cert, key)
  --cases PATTERNS      comma-separated case patterns (default "*")
  --exclude-cases P     comma-separated patterns left out
  --outdir DIR          where /updateReports writes its reports (default ./reports/clients)
  --cert FILE --key FILE  serve wss:// with this PEM certificate and key
  --strict              also FAIL what Autobahn lets pass (a bad close, a protocol violation of the
                        client, a section 9 echo with the right length but other bytes); without it
                        these are notes in the case's report

compare: compare two runs case by case (verdict, close verdict, close code the peer sent).
  RUN_A, RUN_B          report folders (their index.json) or index.json files, ours or Autobahn's
  Exit status 0 when identical, 1 when some case differs or is on one side only.

Exit status: 0 pass, 1 a case failed by the --fail-on rule or the server cannot be reached,
2 bad command line or config.`;

class UsageError extends Error {}

interface ServerSuiteArgs {
  config: FuzzingClientConfig;
  outdir: string;
  jobs: number;
  failOn: FailOn;
  strict: boolean;
  insecure: boolean;
  quiet: boolean;
}

function takeValue(argv: string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`expected a value after ${flag}`);
  return value;
}

function patterns(text: string): string[] {
  return text.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

function parseServerSuite(argv: string[]): ServerSuiteArgs {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (['--fail-by-drop', '--strict', '--insecure', '--quiet'].includes(arg)) switches.add(arg);
    else if (['--url', '--agent', '--config', '--cases', '--exclude-cases', '--outdir', '--jobs', '--fail-on'].includes(arg)) {
      flags.set(arg, takeValue(argv, i, arg));
      i++;
    } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
  }
  const url = flags.get('--url');
  const file = flags.get('--config');
  if ((url === undefined) === (file === undefined)) throw new UsageError('expected exactly one of --url or --config');
  let config: FuzzingClientConfig;
  if (file !== undefined) {
    config = parseFuzzingClientConfig(readConfig(file));
    if (flags.has('--cases')) config.cases = patterns(flags.get('--cases')!);
    if (flags.has('--exclude-cases')) config.excludeCases = patterns(flags.get('--exclude-cases')!);
  } else {
    if (!/^wss?:\/\//i.test(url!)) throw new UsageError(`expected --url to be a ws:// or wss:// URL, got ${JSON.stringify(url)}`);
    config = {
      outdir: './reports/servers',
      servers: [{ url: url!, agent: flags.get('--agent'), failByDrop: switches.has('--fail-by-drop') }],
      cases: patterns(flags.get('--cases') ?? '*'),
      excludeCases: patterns(flags.get('--exclude-cases') ?? ''),
      excludeAgentCases: {},
      ignoredOptions: [],
    };
  }
  if (switches.has('--fail-by-drop')) for (const s of config.servers) s.failByDrop = true;
  const jobsText = flags.get('--jobs');
  const jobs = jobsText === undefined ? defaultJobs(availableParallelism()) : Number(jobsText);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`expected --jobs to be an integer >= 1, got ${JSON.stringify(jobsText)}`);
  const failOn = (flags.get('--fail-on') ?? 'FAILED') as FailOn;
  if (!FAIL_ON_VALUES.includes(failOn)) throw new UsageError(`expected --fail-on to be one of ${FAIL_ON_VALUES.join(', ')}, got ${JSON.stringify(failOn)}`);
  return {
    config,
    outdir: flags.get('--outdir') ?? config.outdir,
    jobs,
    failOn,
    strict: switches.has('--strict'),
    insecure: switches.has('--insecure'),
    quiet: switches.has('--quiet'),
  };
}

async function serverSuite(args: ServerSuiteArgs): Promise<number> {
  for (const option of args.config.ignoredOptions) process.stderr.write(`wstest: ignoring Autobahn option ${option} (not used by wstest)\n`);
  const tty = process.stderr.isTTY === true && !args.quiet;
  const started = performance.now();
  let serverStarted = started;
  const results = await runServerSuiteConfig(args.config, {
    jobs: args.jobs,
    strict: args.strict,
    rejectUnauthorized: !args.insecure,
    onServer: (agent, url, total) => {
      serverStarted = performance.now();
      process.stderr.write(`wstest: ${total} cases against ${agent} (${url}), ${args.jobs} at a time\n`);
    },
    onResult: (result, done, total) => {
      if (tty) process.stderr.write(`\r\x1b[K${progressLine(done, total, result)}${done === total ? '\n' : ''}`);
    },
  });
  const elapsed = performance.now() - serverStarted;
  for (const [agent, cases] of results) process.stdout.write(`${formatSummary(agent, cases, results.size === 1 ? elapsed : performance.now() - started)}\n`);
  await writeReportFolder(args.outdir, results, 'wstest server suite');
  process.stdout.write(`reports: ${args.outdir}/index.html, ${args.outdir}/index.json\n`);
  const all = [...results.values()].flat();
  return runFails(all, args.failOn) ? EXIT_FAILED : EXIT_OK;
}

async function clientSuite(argv: string[]): Promise<number> {
  const flags = new Map<string, string>();
  let strict = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--strict') {
      strict = true;
      continue;
    }
    if (!['--port', '--host', '--cases', '--exclude-cases', '--outdir', '--config', '--cert', '--key'].includes(arg))
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    flags.set(arg, takeValue(argv, i++, arg));
  }
  let config: FuzzingServerConfig;
  const file = flags.get('--config');
  if (file !== undefined) {
    config = parseFuzzingServerConfig(readConfig(file));
  } else config = { host: '127.0.0.1', port: 9001, outdir: './reports/clients', cases: ['*'], excludeCases: [], excludeAgentCases: {} };
  if (flags.has('--host')) config.host = flags.get('--host')!;
  if (flags.has('--port')) {
    const port = Number(flags.get('--port'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`expected --port to be 0-65535, got ${JSON.stringify(flags.get('--port'))}`);
    config.port = port;
  }
  if (flags.has('--cases')) config.cases = patterns(flags.get('--cases')!);
  if (flags.has('--exclude-cases')) config.excludeCases = patterns(flags.get('--exclude-cases')!);
  if (flags.has('--outdir')) config.outdir = flags.get('--outdir')!;
  if (flags.has('--cert')) config.cert = flags.get('--cert')!;
  if (flags.has('--key')) config.key = flags.get('--key')!;
  if ((config.cert === undefined) !== (config.key === undefined)) throw new UsageError('expected both --cert and --key for wss://, or neither');
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (config.cert !== undefined) {
    try {
      tls = { cert: readFileSync(config.cert), key: readFileSync(config.key!) };
    } catch (error) {
      throw new UsageError(`could not read the certificate or key: ${(error as Error).message}`);
    }
  }
  const server = await startFuzzingServer({
    host: config.host,
    port: config.port,
    casePatterns: config.cases,
    excludeCases: config.excludeCases,
    excludeAgentCases: config.excludeAgentCases,
    reportDir: config.outdir,
    tls,
    strict,
  });
  process.stdout.write(
    `wstest: client suite listening on ${server.url} (agent protocol: /getCaseCount, /runCase, /getCaseInfo, /getCaseStatus, /updateReports); ` +
      `reports into ${config.outdir} on /updateReports; Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return EXIT_OK;
}

/** The index.json of a report folder, or the file itself. */
function readIndex(path: string): string {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'index.json');
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`could not read ${file}: ${(error as Error).message}`);
  }
}

function compareRuns(argv: string[]): number {
  if (argv.length !== 2 || argv.some((a) => a.startsWith('--')))
    throw new UsageError(`expected two report folders or index.json files, got ${argv.length === 0 ? 'none' : argv.map((a) => JSON.stringify(a)).join(' ')}`);
  const [a, b] = argv as [string, string];
  const comparison = compareIndexes(parseIndex(readIndex(a), a), parseIndex(readIndex(b), b));
  process.stdout.write(`${formatComparison(comparison, a, b)}\n`);
  return identical(comparison) ? EXIT_OK : EXIT_FAILED;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help') {
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (command === 'server-suite') return await serverSuite(parseServerSuite(rest));
    if (command === 'client-suite') return await clientSuite(rest);
    if (command === 'compare') return compareRuns(rest);
    throw new UsageError(`unknown command ${JSON.stringify(command)}; expected server-suite, client-suite or compare`);
  } catch (error) {
    if (error instanceof ServerUnreachable) {
      process.stderr.write(`wstest: ${error.message}\n`);
      return EXIT_FAILED;
    }
    if (error instanceof IndexFormatError) {
      process.stderr.write(`wstest: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof CasePatternError) {
      process.stderr.write(`wstest: ${error.message}\n${HELP.split('\n\n')[0]}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));

/** The text of a --config file; a file that cannot be read is a usage error naming it. */
function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`could not read --config ${file}: ${(error as Error).message}`);
  }
}
