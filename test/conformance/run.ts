/**
 * `npm run conformance`: starts our fuzzing server at Autobahn's full sizes, lets the agent
 * (offering permessage-deflate, for sections 12–13) play every client case, writes reports/conformance.json and prints the table of case,
 * verdict and duration, then the per-section counts. Exits 1 when a case is neither OK nor
 * INFORMATIONAL.
 *
 *   npm run conformance -- [--cases '9.*'] [--scale 0.25] [--out reports/conformance.json]
 */
import { resolve } from 'node:path';
import { failingResults, formatTable, writeJsonReport } from '../../src/conformance/report.js';
import { startFuzzingServer } from '../../src/conformance/server.js';
import { runAgent } from './autobahn-agent.js';
import { formatSectionTable, summarizeBySection } from './sections.js';

const AGENT = 'rfc6455';
const USAGE = "usage: npm run conformance -- [--cases '1.*,9.1.*'] [--scale 0 < s <= 1] [--out FILE]";

interface RunOptions {
  cases?: string;
  scale: number;
  out: string;
}

function parseArgs(argv: readonly string[]): RunOptions {
  const options: RunOptions = { scale: 1, out: 'reports/conformance.json' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} expects a value\n${USAGE}`);
    if (arg === '--cases') options.cases = value;
    else if (arg === '--out') options.out = value;
    else if (arg === '--scale') {
      options.scale = Number(value);
      if (!(options.scale > 0 && options.scale <= 1)) throw new Error(`--scale expects a number in (0, 1], got "${value}"\n${USAGE}`);
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const server = await startFuzzingServer({ scale: options.scale, cases: options.cases, strict: true });
  const started = performance.now();
  try {
    await runAgent({ url: server.url, agent: AGENT, perMessageDeflate: true });
  } finally {
    await server.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const results = server.results().get(AGENT) ?? [];
  const out = resolve(options.out);
  await writeJsonReport(server.results(), out);
  console.log(formatTable(results));
  console.log('');
  console.log(formatSectionTable(summarizeBySection(results)));
  console.log('');
  const scale = options.scale === 1 ? 'full Autobahn sizes' : `sections 9 and 12–13 at scale ${options.scale}`;
  console.log(`${results.length} cases in ${seconds} s (${scale}); JSON report: ${out}`);
  const failing = failingResults(results);
  if (failing.length > 0) {
    console.log(`${failing.length} case(s) below the bar (not OK / INFORMATIONAL): ${failing.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
