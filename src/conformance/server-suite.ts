/**
 * The server suite (Autobahn|Testsuite's fuzzingclient mode): the tester is the client. Each
 * case opens its own connection to the server under test, plays the case with masked frames,
 * expects the server to echo, and judges it with Autobahn's verdicts. Cases run concurrently
 * (`jobs`), except the section 9 limits/performance cases, which run alone so their durations
 * mean something; the permessage-deflate cases (12–13) run last.
 */
import { ALL_CASES } from './cases/index.js';
import { HandshakeFailure, openClientConnection } from './client-handshake.js';
import { DeflateCodec } from './deflate-codec.js';
import { clientOffer, readServerAnswer } from './deflate-negotiation.js';
import { serverSuiteTexts } from './roles.js';
import type { FuzzingClientConfig } from './config.js';
import { excludedForAgent, resolveCases } from './patterns.js';
import { FuzzPeer } from './peer.js';
import { CaseRun, recordingHandlers, type CaseDefinition } from './run.js';
import type { CaseResult } from './types.js';

export interface ServerSuiteOptions {
  /** ws:// or wss:// URL of the echo server under test. */
  url: string;
  /** case patterns (Autobahn syntax); all cases by default. */
  cases?: readonly string[];
  /** case patterns left out. */
  excludeCases?: readonly string[];
  /** concurrent cases outside section 9; 1 by default. */
  jobs?: number;
  /** 1 = Autobahn sizes; below 1 shrinks section 9's payloads and waits (for quick checks). */
  scale?: number;
  /** a case that has not finished after this long (section 9 may allow more) is cut and FAILED; 30 s by default. */
  caseTimeoutMs?: number;
  /** how long the server has to answer a close or to close TCP; 2 s by default. */
  closeTimeoutMs?: number;
  /** fail a connection by dropping TCP instead of a close frame (Autobahn's `failByDrop`); false by default. */
  failByDrop?: boolean;
  /**
   * judge stricter than Autobahn: also fail a case on a bad close, a protocol violation or a
   * permessage-deflate answer that leaves out what the offer asked of the server (RFC 7692 §7.1);
   * false by default (Autobahn's verdicts, those findings in the case's notes).
   */
  strict?: boolean;
  origin?: string;
  protocols?: readonly string[];
  /** verify the TLS certificate of a wss:// server; true by default. */
  rejectUnauthorized?: boolean;
  /** called after each case, with the number done and the total. */
  onResult?: (result: CaseResult, done: number, total: number) => void;
}

/** The server cannot be reached at all (TCP connect failed): no case can run. */
export class ServerUnreachable extends Error {
  override name = 'ServerUnreachable';
}

/** The cases the server suite plays, in Autobahn's order. */
export const SERVER_SUITE_CASES: readonly CaseDefinition[] = ALL_CASES;

const MAX_MESSAGE = 64 * 1024 * 1024;

/** Resolves case patterns against the server suite's cases; all cases when `cases` is not given. */
export function selectServerCases(cases: readonly string[] = ['*'], excludeCases: readonly string[] = []): CaseDefinition[] {
  const ids = new Set(resolveCases(SERVER_SUITE_CASES.map((c) => c.id), cases, excludeCases));
  return SERVER_SUITE_CASES.filter((c) => ids.has(c.id));
}

function isTimingCase(definition: CaseDefinition): boolean {
  return definition.id.startsWith('9.');
}

function isCompressionCase(definition: CaseDefinition): boolean {
  return definition.deflate !== undefined;
}

/**
 * Cases run at once by default: four per core. Every case waits on the server most of the time (one
 * message in flight, pauses by design), so a core serves several; past about four per core the
 * longest single case bounds the run anyway.
 */
export function defaultJobs(cores: number): number {
  return Math.min(32, Math.max(1, cores) * 4);
}

/** Plays one case against the server and resolves with its verdict. */
export async function runServerCase(definition: CaseDefinition, options: ServerSuiteOptions): Promise<CaseResult> {
  const scale = options.scale ?? 1;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
  const hardMs = Math.max(options.caseTimeoutMs ?? 30_000, Math.round(definition.timeoutMs?.(scale) ?? 0));
  const started = performance.now();
  let opened;
  try {
    opened = await openClientConnection(new URL(options.url), {
      origin: options.origin,
      protocols: options.protocols,
      extensions: definition.deflate === undefined ? undefined : clientOffer(definition.deflate),
      timeoutMs: Math.min(hardMs, 10_000),
      rejectUnauthorized: options.rejectUnauthorized,
    });
  } catch (error) {
    const why = error instanceof HandshakeFailure ? error.message : (error as Error).message;
    return {
      id: definition.id,
      description: serverSuiteTexts(definition).description,
      behavior: 'FAILED',
      behaviorClose: 'FAILED',
      durationMs: Math.round(performance.now() - started),
      remoteCloseCode: null,
      localCloseCode: null,
      reason: `opening handshake failed: ${why}`,
    };
  }
  const negotiation = definition.deflate === undefined ? null : readServerAnswer(opened.extensions, definition.deflate, options.strict ?? false);
  return new Promise<CaseResult>((resolve) => {
    let run: CaseRun;
    let hardTimer: NodeJS.Timeout | undefined;
    const peer = new FuzzPeer(
      opened.socket,
      {
        ...recordingHandlers(() => run),
        onConnectionLost: () => {
          clearTimeout(hardTimer);
          const result = run.conclude();
          const texts = serverSuiteTexts(definition);
          result.description = texts.description;
          if (result.detail !== undefined) {
            result.detail.expectation = texts.expectation;
            result.detail.http = { request: opened.request, response: opened.response };
          }
          resolve(result);
        },
      },
      {
        role: 'client',
        failByDrop: options.failByDrop ?? false,
        maxPayload: MAX_MESSAGE,
        closeTimeoutMs,
        deflate: negotiation?.kind === 'accepted' ? new DeflateCodec(negotiation.params, 'client') : undefined,
      },
    );
    run = new CaseRun(definition, peer, scale, negotiation, options.strict ?? false);
    if (negotiation?.kind === 'accepted') run.notes.push(...negotiation.notes);
    hardTimer = setTimeout(() => {
      run.timedOut = `case ${definition.id} did not finish within ${hardMs} ms`;
      peer.destroy();
    }, hardMs);
    definition.start(run);
    peer.feed(opened.rest);
  });
}

/** One connection before the run, so an unreachable server is one error instead of a FAILED verdict per case. */
async function probe(url: URL, options: ServerSuiteOptions): Promise<void> {
  try {
    const { socket } = await openClientConnection(url, {
      origin: options.origin,
      protocols: options.protocols,
      timeoutMs: 10_000,
      rejectUnauthorized: options.rejectUnauthorized,
    });
    socket.destroy();
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('could not connect')) throw new ServerUnreachable(message);
    // A server that connects but refuses the handshake is judged case by case (every case FAILED, with the reason).
  }
}

/**
 * Runs the selected cases against one server: `jobs` at a time, section 9 one by one, then 12–13 `jobs` at a time.
 * Resolves with the results in Autobahn's case order.
 */
export async function runServerSuite(options: ServerSuiteOptions): Promise<CaseResult[]> {
  const url = new URL(options.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`expected a ws:// or wss:// URL, got ${options.url}`);
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`expected jobs to be an integer >= 1, got ${jobs}`);
  const selected = selectServerCases(options.cases, options.excludeCases);
  await probe(url, options);
  const results = new Map<string, CaseResult>();
  let done = 0;
  const play = async (definition: CaseDefinition): Promise<void> => {
    const result = await runServerCase(definition, options);
    results.set(definition.id, result);
    options.onResult?.(result, ++done, selected.length);
  };
  // Three phases, so that no case shares the server with a heavier one it was not run with at --jobs 1:
  // the protocol cases (their verdicts depend on timings of a second or two), then section 9 one
  // case at a time (its durations are the result), then the permessage-deflate cases, most work first.
  const concurrently = async (cases: readonly CaseDefinition[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) await play(cases[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, cases.length)) }, worker));
  };
  await concurrently(selected.filter((c) => !isTimingCase(c) && !isCompressionCase(c)));
  for (const definition of selected.filter(isTimingCase)) await play(definition);
  // Longest first, so the run does not end waiting for one long case started last.
  await concurrently(selected.filter(isCompressionCase).sort((a, b) => (b.cost ?? 0) - (a.cost ?? 0)));
  return selected.map((c) => results.get(c.id)!);
}

/** The server's `Server` header from a case's handshake, Autobahn's agent name when the config gives none. */
export function serverHeader(results: readonly CaseResult[]): string | undefined {
  for (const r of results) {
    const match = /^server:\s*(.+)$/im.exec(r.detail?.http?.response ?? '');
    if (match !== null) return match[1]!.trim();
  }
  return undefined;
}

/**
 * Runs a fuzzingclient.json: every server in turn, its cases minus those `exclude-agent-cases`
 * names for its agent. Resolves with the results per agent.
 */
export async function runServerSuiteConfig(
  config: FuzzingClientConfig,
  options: Omit<ServerSuiteOptions, 'url' | 'cases' | 'excludeCases' | 'failByDrop' | 'origin' | 'protocols'> & {
    onServer?: (agent: string, url: string, total: number) => void;
  } = {},
): Promise<Map<string, CaseResult[]>> {
  const all = new Map<string, CaseResult[]>();
  for (const server of config.servers) {
    const named = server.agent ?? new URL(server.url).host;
    const excluded = selectServerCases(config.cases, config.excludeCases)
      .filter((c) => excludedForAgent(config.excludeAgentCases, named, c.id))
      .map((c) => c.id);
    options.onServer?.(named, server.url, selectServerCases(config.cases, [...config.excludeCases, ...excluded]).length);
    const results = await runServerSuite({
      ...options,
      url: server.url,
      cases: config.cases,
      excludeCases: [...config.excludeCases, ...excluded],
      failByDrop: server.failByDrop,
      origin: server.origin,
      protocols: server.protocols,
    });
    all.set(server.agent ?? serverHeader(results) ?? 'UnknownServer', results);
  }
  return all;
}
