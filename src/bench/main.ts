/**
 * What `wsbench` does with its command line: run (or search a rate), print
 * the report, write --json / --html, compare; or merge result files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BENCH_HELP, BENCH_USAGE, BenchUsageError, parseBenchArgs, type BenchArgs } from './args.js';
import { htmlReport } from './html.js';
import { formatComparison, formatMicros, formatProgress, formatReport, machineInfo, readDocument, type BenchDocument } from './report.js';
import { RunResult } from './result.js';
import { describeWorkload, runSpread, searchRate, workloadSpec } from './run.js';

/** Exit statuses: 0 a clean run, 1 errors were counted (or nothing could run), 2 a bad command line. */
export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Show the live progress line (a terminal on stderr). */
  tty: boolean;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `wsbench (${manifest.name}) ${manifest.version}`;
}

/** The parameters kept in the JSON: everything but secrets (header values, proxy credentials). */
function shownParameters(args: BenchArgs): Record<string, unknown> {
  return {
    ...args,
    headers: args.headers.map((h) => `${h.slice(0, h.indexOf(':'))}: ***`),
    proxy: args.proxy?.replace(/^([^/]*\/\/)?[^@/]*@/, '$1***@') ?? null,
  };
}

/** The --compare baseline, read before the run so that a bad file costs no run. */
interface Baseline {
  file: string;
  result: RunResult;
}

function readBaseline(file: string | null): Baseline | null {
  return file === null ? null : { file, result: RunResult.fromJSON(readDocument(readFileSync(file, 'utf8'), file).result) };
}

function writeOutputs(doc: BenchDocument, result: RunResult, report: string, outputs: { json: string | null; html: string | null }, base: Baseline | null, io: BenchIo): void {
  if (outputs.json !== null) writeFileSync(outputs.json, `${JSON.stringify(doc)}\n`);
  if (outputs.html !== null) writeFileSync(outputs.html, htmlReport(`wsbench ${doc.url}`, doc.workload, report, result));
  if (base !== null) io.out(formatComparison(result, base.result, base.file));
}

async function run(args: BenchArgs, io: BenchIo): Promise<number> {
  const base = readBaseline(args.compare);
  const startedAt = new Date().toISOString();
  const spec = workloadSpec(args);
  const progress =
    io.tty && !args.quiet
      ? (index: number, entry: RunResult['timeline'][number]) => io.err(`\r\x1b[K${formatProgress(index, entry, args.warmupMs)}`)
      : undefined;
  let result: RunResult;
  let workload: string;
  if (args.rateSearch !== null) {
    const target = args.rateSearch;
    io.err(`searching the highest rate with p${target.percentile} < ${formatMicros(target.limitUs)}\n`);
    const found = await searchRate(spec, args.workers, target, (step) =>
      io.err(`  ${Math.round(step.rate)} msg/s: p${target.percentile} ${formatMicros(step.value)}, achieved ${Math.round(step.achieved)} msg/s: ${step.passed ? 'ok' : 'over'}\n`),
    );
    if (found.result === null) {
      io.err(`wsbench: no rate tried kept p${target.percentile} under ${formatMicros(target.limitUs)} without errors\n`);
      return EXIT_ERRORS;
    }
    io.out(`highest rate with p${target.percentile} < ${formatMicros(target.limitUs)}: ${Math.round(found.rate)} msg/s\n`);
    result = found.result;
    workload = describeWorkload({ ...args, rate: found.rate }, { ...spec, rate: found.rate });
  } else {
    result = await runSpread(spec, args.workers, progress);
    workload = describeWorkload(args, spec);
  }
  if (progress !== undefined) io.err('\r\x1b[K');
  const doc: BenchDocument = {
    format: 'wsbench/1',
    tool: version(),
    startedAt,
    workload,
    url: args.url,
    parameters: shownParameters(args),
    machines: [machineInfo()],
    result: result.toJSON(),
  };
  const report = formatReport(doc, result);
  io.out(report);
  writeOutputs(doc, result, report, args, base, io);
  const nothing = result.counts.connectionsOpened === 0;
  if (nothing) io.err('wsbench: no connection could be opened\n');
  return nothing || result.errorTotal > 0 ? EXIT_ERRORS : EXIT_OK;
}

function merge(files: string[], outputs: { json: string | null; html: string | null; compare: string | null }, io: BenchIo): number {
  const base = readBaseline(outputs.compare);
  const docs = files.map((file) => readDocument(readFileSync(file, 'utf8'), file));
  const result = docs.reduce((total, doc) => total.add(RunResult.fromJSON(doc.result)), new RunResult());
  const urls = [...new Set(docs.map((doc) => doc.url))];
  const workloads = [...new Set(docs.map((doc) => doc.workload))];
  const doc: BenchDocument = {
    format: 'wsbench/1',
    tool: docs[0]!.tool,
    startedAt: docs.map((d) => d.startedAt).sort()[0]!,
    workload: `${files.length} runs merged: ${workloads.join(' | ')}`,
    url: urls.join(' '),
    parameters: { mergedFrom: files, runs: docs.map((d) => d.parameters) },
    machines: docs.flatMap((d) => d.machines),
    result: result.toJSON(),
  };
  const report = formatReport(doc, result);
  io.out(report);
  writeOutputs(doc, result, report, outputs, base, io);
  return EXIT_OK;
}

/** Run wsbench with `argv` (the arguments after the script); resolves with the exit status. */
export async function wsbench(argv: readonly string[], io: BenchIo): Promise<number> {
  let command;
  try {
    command = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    io.err(`${BENCH_USAGE}\nwsbench: error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  try {
    if (command.kind === 'help') io.out(`${BENCH_HELP}\n`);
    else if (command.kind === 'version') io.out(`${version()}\n`);
    else if (command.kind === 'merge') return merge(command.files, command, io);
    else return await run(command.args, io);
    return EXIT_OK;
  } catch (error) {
    io.err(`wsbench: ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}\n`);
    return EXIT_ERRORS;
  }
}
