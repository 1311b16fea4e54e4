/**
 * The Autobahn|Testsuite fuzzingserver agent for rfc6455: asks the server how many cases it
 * has (`/getCaseCount`), plays each case (`/runCase?case=i&agent=NAME`) by echoing every text
 * and binary message back unchanged, then asks it to write its reports (`/updateReports`).
 * It uses the package's public API only, so it measures exactly what users get, and it runs
 * unmodified against the real fuzzingserver as well as against src/conformance (wstest client-suite).
 *
 *   npx tsx test/conformance/autobahn-agent.ts --url ws://127.0.0.1:9001 --agent rfc6455 \
 *     [--cases 1-100] [--case-timeout MS] [--deflate] [--quiet]
 */
import { pathToFileURL } from 'node:url';
import { createConnection, type WebSocket, type WebSocketOptions } from '../../src/index.js';

export interface AgentOptions {
  /** the fuzzingserver's base URL, e.g. ws://127.0.0.1:9001 */
  url: string;
  /** the agent name the server files the results under. */
  agent: string;
  /** which case numbers (1-based, as the server counts them) to play, e.g. "1-100" or "3,7,200-210"; all by default. */
  cases?: string;
  /** wall-clock limit of one case (connect, echo, close); the connection is aborted past it. 120 000 ms by default. */
  caseTimeoutMs?: number;
  /** offer permessage-deflate (RFC 7692), needed for Autobahn's sections 12 and 13. Off by default. */
  perMessageDeflate?: WebSocketOptions['perMessageDeflate'];
  /** progress lines (one per case); silent by default. */
  log?: (line: string) => void;
}

/** How one case ended from the agent's side (the verdict is the server's). */
export interface AgentCaseOutcome {
  /** the case number as the server counts it (1-based). */
  index: number;
  /** messages echoed back. */
  echoed: number;
  /** 'closed' after a closing handshake, else the error that ended the connection. */
  ending: 'closed' | string;
  durationMs: number;
}

export interface AgentRun {
  caseCount: number;
  outcomes: AgentCaseOutcome[];
}

const DEFAULT_CASE_TIMEOUT_MS = 120_000;
/** Bound on the control exchanges (/getCaseCount, /updateReports), which never carry a case. */
const CONTROL_TIMEOUT_MS = 60_000;

/**
 * Parses a case selection such as "1-100" or "3,7,200-210" against the server's case count.
 * @throws RangeError when a part is malformed or outside 1..caseCount.
 */
export function parseCaseSelection(selection: string | undefined, caseCount: number): number[] {
  const all = Array.from({ length: caseCount }, (_, i) => i + 1);
  if (selection === undefined || selection.trim() === '' || selection.trim() === '*') return all;
  const chosen = new Set<number>();
  for (const part of selection.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) throw new RangeError(`expected a case number or range like "1-100", got "${part}"`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to > caseCount || from > to) {
      throw new RangeError(`expected cases within 1-${caseCount} (the server's count), got "${part}"`);
    }
    for (let i = from; i <= to; i++) chosen.add(i);
  }
  return all.filter((i) => chosen.has(i));
}

function endpoint(base: string, path: string, query: Record<string, string | number>): string {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  return url.href;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Runs `body` on a fresh connection to `url`, aborting it after `limitMs`; always ends with the closing handshake. */
async function withConnection<T>(
  url: string,
  limitMs: number,
  options: Pick<AgentOptions, 'perMessageDeflate'>,
  body: (ws: WebSocket) => Promise<T>,
): Promise<T> {
  let ws: WebSocket | null = null;
  let expired = false;
  const connecting = new AbortController();
  const deadline = setTimeout(() => {
    expired = true;
    connecting.abort();
    ws?.abort();
  }, limitMs);
  try {
    ws = await createConnection(url, {
      timeout: limitMs,
      signal: connecting.signal,
      perMessageDeflate: options.perMessageDeflate ?? false,
    });
    // The deadline may have passed while the opening handshake was completing.
    if (expired) ws.abort();
    // Reads and writes are bounded by the case deadline, not by a per-call timeout.
    ws.timeout = null;
    try {
      return await body(ws);
    } finally {
      await ws.close();
    }
  } catch (error) {
    if (expired) throw new Error(`gave up after ${limitMs} ms (${describeError(error)})`, { cause: error });
    throw error;
  } finally {
    clearTimeout(deadline);
  }
}

/** Reads the one text message of /getCaseCount. */
export async function getCaseCount(options: Pick<AgentOptions, 'url' | 'agent'>): Promise<number> {
  const url = endpoint(options.url, 'getCaseCount', {});
  const text = await withConnection(url, CONTROL_TIMEOUT_MS, {}, (ws) => ws.recv());
  const count = typeof text === 'string' ? Number(text) : Number.NaN;
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`expected /getCaseCount to send a case count as text, got ${JSON.stringify(String(text)).slice(0, 80)}`);
  }
  return count;
}

/** Plays one case: echo every message, text as text and binary as binary, until the connection ends. */
export async function runCase(options: AgentOptions, index: number): Promise<AgentCaseOutcome> {
  const url = endpoint(options.url, 'runCase', { case: index, agent: options.agent });
  const started = performance.now();
  let echoed = 0;
  let ending = 'closed';
  try {
    await withConnection(url, options.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS, options, async (ws) => {
      for await (const message of ws) {
        await ws.send(message);
        echoed++;
      }
    });
  } catch (error) {
    // Failing the connection is what many cases ask for; the server judges it.
    ending = describeError(error);
  }
  return { index, echoed, ending, durationMs: Math.round(performance.now() - started) };
}

/** Asks the server to write its reports for `agent`; resolves once it closed the connection. */
export async function updateReports(options: Pick<AgentOptions, 'url' | 'agent'>): Promise<void> {
  const url = endpoint(options.url, 'updateReports', { agent: options.agent });
  await withConnection(url, CONTROL_TIMEOUT_MS, {}, async (ws) => {
    for await (const _ of ws) {
      // the server sends nothing but its close frame
    }
  });
}

/** The whole agent run: case count, every selected case in order, then the reports. */
export async function runAgent(options: AgentOptions): Promise<AgentRun> {
  const caseCount = await getCaseCount(options);
  const indexes = parseCaseSelection(options.cases, caseCount);
  const outcomes: AgentCaseOutcome[] = [];
  for (const index of indexes) {
    const outcome = await runCase(options, index);
    outcomes.push(outcome);
    options.log?.(`case ${index}/${caseCount}: echoed ${outcome.echoed}, ${outcome.ending} (${outcome.durationMs} ms)`);
  }
  await updateReports(options);
  return { caseCount, outcomes };
}

const USAGE =
  'usage: npx tsx test/conformance/autobahn-agent.ts --url ws://127.0.0.1:9001 --agent NAME ' +
  '[--cases 1-100] [--case-timeout MS] [--deflate] [--quiet]';

/** Parses the command line; throws with the usage on a bad switch. */
export function parseAgentArgs(argv: readonly string[]): AgentOptions & { quiet: boolean } {
  let url: string | undefined;
  let agent: string | undefined;
  let cases: string | undefined;
  let caseTimeoutMs: number | undefined;
  let deflate = false;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} expects a value\n${USAGE}`);
      return next;
    };
    switch (arg) {
      case '--url':
        url = value();
        break;
      case '--agent':
        agent = value();
        break;
      case '--cases':
        cases = value();
        break;
      case '--case-timeout': {
        const raw = value();
        caseTimeoutMs = Number(raw);
        if (!Number.isInteger(caseTimeoutMs) || caseTimeoutMs <= 0 || caseTimeoutMs > 2 ** 31 - 1) {
          throw new Error(`--case-timeout expects a positive number of milliseconds, got "${raw}"\n${USAGE}`);
        }
        break;
      }
      case '--deflate':
        deflate = true;
        break;
      case '--quiet':
        quiet = true;
        break;
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  if (url === undefined || agent === undefined) throw new Error(`--url and --agent are required\n${USAGE}`);
  if (!/^wss?:\/\//.test(url)) throw new Error(`--url expects a ws:// or wss:// URL, got "${url}"\n${USAGE}`);
  return { url, agent, cases, caseTimeoutMs, perMessageDeflate: deflate, quiet };
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseAgentArgs>;
  try {
    options = parseAgentArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const log = options.quiet ? undefined : (line: string) => console.log(line);
  const run = await runAgent({ ...options, log });
  console.log(`${run.outcomes.length} of ${run.caseCount} cases played as "${options.agent}"; reports updated`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(describeError(error));
    process.exitCode = 1;
  });
}
