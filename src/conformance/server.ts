/**
 * A fuzzing server that speaks the Autobahn|Testsuite fuzzingserver protocol
 * (/getCaseCount, /runCase, /getCaseInfo, /getCaseStatus, /updateReports) and plays the
 * client cases of sections 1–7, 9, 10 and 12–13 (permessage-deflate) against any WebSocket client. Independent of the library outside src/conformance/:
 * its handshake, frame writer and reader are its own, so it can judge the library.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { ALL_CASES, selectCases } from './cases/index.js';
import { excludedForAgent, resolveCases } from './patterns.js';
import { DeflateCodec } from './deflate-codec.js';
import { negotiateDeflate, type DeflateNegotiation } from './deflate-negotiation.js';
import { MAX_HEAD_BYTES, httpError, parseRequestHead, switchingProtocols, upgradeProblem, type RequestHead } from './handshake.js';
import { FuzzPeer } from './peer.js';
import { writeReportFolder } from './outdir.js';
import { writeJsonReport } from './report.js';
import { CaseRun, recordingHandlers, type CaseDefinition } from './run.js';
import type { CaseResult } from './types.js';

export type { CaseResult } from './types.js';

export interface FuzzingServerOptions {
  /** interface to listen on; 127.0.0.1 by default. */
  host?: string;
  /** port; 0 (ephemeral) by default. */
  port?: number;
  /** 1 = Autobahn sizes; below 1 shrinks section 9's large payloads (and their waits). */
  scale?: number;
  /** case filter such as '1.*,2.1,6.4.*'; all cases by default. */
  cases?: string;
  /** Autobahn case patterns (fuzzingserver.json's `cases`, e.g. '12.*.[1234]$'); used instead of `cases` when given. */
  casePatterns?: readonly string[];
  /** Autobahn case patterns left out (fuzzingserver.json's `exclude-cases`). */
  excludeCases?: readonly string[];
  /** {agent pattern: [case patterns]} not run for matching agents: the case's connection is just closed (Autobahn's `exclude-agent-cases`). */
  excludeAgentCases?: Readonly<Record<string, readonly string[]>>;
  /** serve wss:// with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** hard limit per case before it is cut and FAILED with 'timeout'; 10 s by default (section 9 may allow more). */
  caseTimeoutMs?: number;
  /** when set, /updateReports writes `report.json` into this folder. */
  reportDir?: string;
  /**
   * judge stricter than Autobahn: a bad close or a protocol violation of the client fails the
   * case; false by default (Autobahn's verdicts, those findings in the case's notes).
   */
  strict?: boolean;
}

export interface FuzzingServer {
  port: number;
  /** ws://host:port, or wss://host:port with `tls` */
  url: string;
  /** results per agent, in case order (the latest run of each case). */
  results(): Map<string, CaseResult[]>;
  close(): Promise<void>;
}

const MAX_MESSAGE = 64 * 1024 * 1024;
const CLOSE_TIMEOUT_MS = 2_000;
const ENDPOINTS = new Set(['/getCaseCount', '/runCase', '/getCaseInfo', '/getCaseStatus', '/updateReports']);

/** Starts the server; resolves once it listens. */
export async function startFuzzingServer(options: FuzzingServerOptions = {}): Promise<FuzzingServer> {
  const host = options.host ?? '127.0.0.1';
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`expected scale in (0, 1], got ${scale}`);
  const caseTimeoutMs = options.caseTimeoutMs ?? 10_000;
  const cases =
    options.casePatterns === undefined && options.excludeCases === undefined
      ? selectCases(options.cases)
      : ((ids) => ALL_CASES.filter((c) => ids.has(c.id)))(new Set(resolveCases(ALL_CASES.map((c) => c.id), options.casePatterns ?? ['*'], options.excludeCases)));
  const order = new Map(cases.map((c, i) => [c.id, i]));
  const resultsByAgent = new Map<string, Map<string, CaseResult>>();
  const running = new Map<string, Set<Promise<void>>>();
  const sockets = new Set<Socket>();

  const waitForAgent = async (agent: string): Promise<void> => {
    await Promise.all([...(running.get(agent) ?? [])]);
  };

  const results = (): Map<string, CaseResult[]> => {
    const out = new Map<string, CaseResult[]>();
    for (const [agent, byCase] of resultsByAgent) {
      out.set(agent, [...byCase.values()].sort((a, b) => order.get(a.id)! - order.get(b.id)!));
    }
    return out;
  };

  const quietPeer = (socket: Socket): FuzzPeer =>
    new FuzzPeer(socket, { onMessage() {}, onPing() {}, onPong() {}, onConnectionLost() {} }, {
      maxPayload: MAX_MESSAGE,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
    });

  const answer = (socket: Socket, text: string): void => {
    const peer = quietPeer(socket);
    peer.sendFrame({ opcode: 1, payload: text });
    peer.sendClose(1000);
  };

  const runCase = (socket: Socket, definition: CaseDefinition, agent: string, rest: Buffer, negotiation: DeflateNegotiation | null): void => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const mine = running.get(agent) ?? new Set<Promise<void>>();
    running.set(agent, mine.add(finished));
    const hardMs = Math.max(caseTimeoutMs, Math.round(definition.timeoutMs?.(scale) ?? 0));
    let hardTimer: NodeJS.Timeout | undefined;
    let run: CaseRun;
    const peer = new FuzzPeer(
      socket,
      {
        ...recordingHandlers(() => run),
        onConnectionLost: () => {
          clearTimeout(hardTimer);
          const result = run.conclude();
          const byCase = resultsByAgent.get(agent) ?? new Map<string, CaseResult>();
          resultsByAgent.set(agent, byCase.set(result.id, result));
          mine.delete(finished);
          finish();
        },
      },
      {
        maxPayload: MAX_MESSAGE,
        closeTimeoutMs: CLOSE_TIMEOUT_MS,
        deflate: negotiation?.kind === 'accepted' ? new DeflateCodec(negotiation.params) : undefined,
      },
    );
    run = new CaseRun(definition, peer, scale, negotiation, options.strict ?? false);
    hardTimer = setTimeout(() => {
      run.timedOut = `case ${definition.id} did not finish within ${hardMs} ms`;
      peer.destroy();
    }, hardMs);
    peer.feed(rest);
    definition.start(run);
  };

  const route = async (socket: Socket, req: RequestHead, rest: Buffer): Promise<void> => {
    const url = new URL(req.target, 'http://fuzzingserver');
    if (!ENDPOINTS.has(url.pathname)) {
      socket.end(httpError(404, `unknown path ${url.pathname}; expected one of ${[...ENDPOINTS].join(', ')}`));
      return;
    }
    const problem = upgradeProblem(req);
    if (problem !== null) {
      socket.end(httpError(problem.status, problem.text));
      return;
    }
    const agent = url.searchParams.get('agent') ?? req.headers.get('user-agent') ?? 'unknown';
    let definition: CaseDefinition | undefined;
    if (url.pathname === '/runCase' || url.pathname === '/getCaseInfo' || url.pathname === '/getCaseStatus') {
      const raw = url.searchParams.get('case');
      const index = Number(raw);
      definition = Number.isInteger(index) ? cases[index - 1] : undefined;
      if (definition === undefined) {
        socket.end(httpError(400, `expected case=1..${cases.length}, got ${raw ?? 'none'}`));
        return;
      }
    }
    const negotiation =
      url.pathname === '/runCase' && definition!.deflate !== undefined
        ? negotiateDeflate(req.headers.get('sec-websocket-extensions'), definition!.deflate)
        : null;
    const extensions = negotiation?.kind === 'accepted' ? negotiation.response : undefined;
    socket.write(switchingProtocols(req.headers.get('sec-websocket-key')!, extensions));
    switch (url.pathname) {
      case '/getCaseCount':
        answer(socket, String(cases.length));
        return;
      case '/getCaseInfo':
        answer(socket, JSON.stringify({ id: definition!.id, description: definition!.description }));
        return;
      case '/getCaseStatus': {
        await waitForAgent(agent);
        const result = resultsByAgent.get(agent)?.get(definition!.id);
        answer(socket, JSON.stringify({ behavior: result?.behavior ?? 'UNKNOWN' }));
        return;
      }
      case '/updateReports': {
        await waitForAgent(agent);
        if (options.reportDir !== undefined) {
          await writeJsonReport(results(), join(options.reportDir, 'report.json'));
          await writeReportFolder(options.reportDir, results(), 'wstest client suite');
        }
        const peer = quietPeer(socket);
        peer.sendClose(1000);
        return;
      }
      default:
        if (excludedForAgent(options.excludeAgentCases ?? {}, agent, definition!.id)) quietPeer(socket).sendClose(1000);
        else runCase(socket, definition!, agent, rest, negotiation);
    }
  };

  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {
      // reported through 'close'
    });
    let head = Buffer.alloc(0);
    const onHeadData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) {
          socket.off('data', onHeadData);
          socket.end(httpError(400, `expected a request head under ${MAX_HEAD_BYTES} bytes`));
        }
        return;
      }
      socket.off('data', onHeadData);
      let req: RequestHead;
      try {
        req = parseRequestHead(head.subarray(0, end).toString('latin1'));
      } catch (error) {
        socket.end(httpError(400, (error as Error).message));
        return;
      }
      route(socket, req, head.subarray(end + 4)).catch((error: unknown) => {
        socket.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    };
    socket.on('data', onHeadData);
  };

  const server: Server = options.tls === undefined ? createServer(onConnection) : createTlsServer(options.tls, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`expected a TCP address, got ${String(address)}`);
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    port: address.port,
    url: `${options.tls === undefined ? 'ws' : 'wss'}://${urlHost}:${address.port}`,
    results,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
