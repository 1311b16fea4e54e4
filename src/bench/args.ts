/**
 * The command line of wsbench: `wsbench URL [options]`, `wsbench merge FILE…`.
 */
import { availableParallelism } from 'node:os';
import { parseByteCount, parseSizeSpec, type SizeSpec } from './payload.js';

/** A command line that cannot run, with what was expected and what came. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

/** A rate search target: the highest rate whose percentile `percentile` stays under `limitUs`. */
export interface RateTarget {
  percentile: number;
  limitUs: number;
}

export interface BenchArgs {
  url: string;
  connections: number;
  inflight: number;
  /** Messages/s over all connections (open loop), null for closed loop. */
  rate: number | null;
  rateSearch: RateTarget | null;
  durationMs: number | null;
  messages: number | null;
  warmupMs: number;
  connectRate: number | null;
  sizes: SizeSpec;
  sizeText: string;
  text: boolean;
  fragment: number;
  payloadFile: string | null;
  mode: 'echo' | 'send-only' | 'receive-only';
  startMessage: string | null;
  workers: number;
  drainMs: number;
  timeoutMs: number;
  headers: string[];
  subprotocols: string[];
  origin: string | null;
  insecure: boolean;
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
  servername: string | null;
  proxy: string | null;
  deflate: boolean;
  json: string | null;
  html: string | null;
  compare: string | null;
  quiet: boolean;
}

export type BenchCommand =
  | { kind: 'run'; args: BenchArgs }
  | { kind: 'merge'; files: string[]; json: string | null; html: string | null; compare: string | null }
  | { kind: 'help' }
  | { kind: 'version' };

export const BENCH_USAGE = 'usage: wsbench URL [options]\n       wsbench merge RESULT.json... [--json FILE] [--html FILE] [--compare BASE.json]';

export const BENCH_HELP = `${BENCH_USAGE}

Measure a WebSocket server's message throughput and latency.

Load:
  -c, --connections N     connections (default 10)
      --inflight K        closed loop: messages outstanding per connection (default 1)
  -r, --rate R            open loop: R messages/s in total, sent on schedule; latency from
                          each message's intended send time (coordinated omission corrected)
      --rate @P99<50ms    search the highest rate whose p99 (or p50, p90, p99.9…) stays under the target
  -d, --duration TIME     how long to measure, e.g. 10s, 500ms, 1m (default 10s unless --messages)
  -n, --messages N        messages in total instead of a duration
      --warmup TIME       load before measuring, not counted (default 0)
      --connect-rate N    open at most N connections per second (default: all at once)
  -s, --size SIZE         payload bytes: 20, 4k, a range 16-4096 or a list 20,100,1k (default 20)
      --text              text messages (default binary)
      --fragment BYTES    split each message into frames of at most BYTES
      --payload-file FILE send this file's content as every message
      --send-only         only send (the server consumes)
      --receive-only      only receive what the server pushes (see --start-message)
      --start-message T   receive-only: text message sent on each connection first
  -w, --workers N         worker threads, each driving a share of the connections (default: cores)
      --drain TIME        wait this long for outstanding echoes at the end (default 2s)

Connection (as the rfc6455 client takes them):
  -H, --header 'N: v'     request header (repeatable)
      --subprotocol NAME  offer a subprotocol (repeatable)
      --origin URL        Origin header
      --deflate           offer permessage-deflate
  -p, --proxy URL         http://, https://, socks4://, socks4a://, socks5://, socks5h:// proxy
  -k, --insecure          do not check the server's TLS certificate
      --ca FILE, --cert FILE, --key FILE, --servername NAME   TLS options
      --timeout TIME      connect + handshake timeout per connection (default 10s)

Output:
      --json FILE         write the whole result (parameters, machine, histograms) as JSON
      --html FILE         write a self-contained HTML report
      --compare BASE.json print ratios against an earlier result
  -q, --quiet             no progress line (it is only shown on a terminal anyway)
  -h, --help, --version`;

const ALIASES: Record<string, string> = {
  '-c': '--connections', '-r': '--rate', '-d': '--duration', '-n': '--messages', '-s': '--size', '-w': '--workers',
  '-H': '--header', '-p': '--proxy', '-k': '--insecure', '-q': '--quiet', '-h': '--help',
};

const SWITCHES = new Set(['--text', '--binary', '--send-only', '--receive-only', '--deflate', '--insecure', '--quiet', '--help', '--version']);

/** `10s`, `500ms`, `1m`, `2` (seconds) in ms. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new BenchUsageError(`${flag}: expected a duration such as 10s, 500ms or 1m, got '${text}'`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Number(match[1]) * factor;
}

function positiveInteger(flag: string, text: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new BenchUsageError(`${flag}: expected an integer >= ${min}, got '${text}'`);
  }
  return Number(text);
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new BenchUsageError(`${flag}: expected a number > 0, got '${text}'`);
  return value;
}

/** `@P99<50ms` -> { percentile: 99, limitUs: 50000 }. */
export function parseRateTarget(text: string): RateTarget {
  const match = /^@p(\d+(?:\.\d+)?)<(.+)$/i.exec(text);
  if (match === null) throw new BenchUsageError(`--rate: expected messages/s or a target such as @P99<50ms, got '${text}'`);
  const percentile = Number(match[1]);
  if (!(percentile > 0 && percentile <= 100)) throw new BenchUsageError(`--rate: expected a percentile in 0-100, got '${match[1]}'`);
  return { percentile, limitUs: parseDuration('--rate', match[2]!) * 1000 };
}

function defaults(): Omit<BenchArgs, 'url'> {
  return {
    connections: 10, inflight: 1, rate: null, rateSearch: null, durationMs: null, messages: null, warmupMs: 0,
    connectRate: null, sizes: { kind: 'fixed', size: 20 }, sizeText: '20', text: false, fragment: 0, payloadFile: null,
    mode: 'echo', startMessage: null, workers: availableParallelism(), drainMs: 2000, timeoutMs: 10_000, headers: [],
    subprotocols: [], origin: null, insecure: false, caFile: null, certFile: null, keyFile: null, servername: null,
    proxy: null, deflate: false, json: null, html: null, compare: null, quiet: false,
  };
}

/** @throws BenchUsageError */
export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  const args = defaults();
  const positionals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const token = argv[i++]!;
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const written = eq === -1 ? token : token.slice(0, eq);
    const flag = ALIASES[written] ?? written;
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    if (SWITCHES.has(flag) && inline !== undefined) throw new BenchUsageError(`${written}: expected no value, got '${inline}'`);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i++];
      if (next === undefined) throw new BenchUsageError(`${written}: expected a value, got nothing`);
      return next;
    };
    switch (flag) {
      case '--help': return { kind: 'help' };
      case '--version': return { kind: 'version' };
      case '--connections': args.connections = positiveInteger(written, value()); break;
      case '--inflight': args.inflight = positiveInteger(written, value()); break;
      case '--rate': {
        const text = value();
        if (text.startsWith('@')) args.rateSearch = parseRateTarget(text);
        else args.rate = positiveNumber(written, text);
        break;
      }
      case '--duration': args.durationMs = parseDuration(written, value()); break;
      case '--messages': args.messages = positiveInteger(written, value()); break;
      case '--warmup': args.warmupMs = parseDuration(written, value()); break;
      case '--connect-rate': args.connectRate = positiveNumber(written, value()); break;
      case '--size': {
        const text = value();
        try {
          args.sizes = parseSizeSpec(text);
        } catch (error) {
          throw new BenchUsageError((error as Error).message);
        }
        args.sizeText = text;
        break;
      }
      case '--text': args.text = true; break;
      case '--binary': args.text = false; break;
      case '--fragment': {
        const text = value();
        try {
          args.fragment = parseByteCount(text, written);
        } catch (error) {
          throw new BenchUsageError((error as Error).message);
        }
        if (args.fragment < 1) throw new BenchUsageError(`${written}: expected at least 1 byte per frame, got '${text}'`);
        break;
      }
      case '--payload-file': args.payloadFile = value(); break;
      case '--send-only': args.mode = 'send-only'; break;
      case '--receive-only': args.mode = 'receive-only'; break;
      case '--start-message': args.startMessage = value(); break;
      case '--workers': args.workers = positiveInteger(written, value()); break;
      case '--drain': args.drainMs = parseDuration(written, value()); break;
      case '--timeout': args.timeoutMs = parseDuration(written, value()); break;
      case '--header': {
        const header = value();
        if (!/^[^:\s]+:/.test(header)) throw new BenchUsageError(`${written}: expected 'Name: value', got '${header}'`);
        args.headers.push(header);
        break;
      }
      case '--subprotocol': args.subprotocols.push(value()); break;
      case '--origin': args.origin = value(); break;
      case '--deflate': args.deflate = true; break;
      case '--proxy': args.proxy = value(); break;
      case '--insecure': args.insecure = true; break;
      case '--ca': args.caFile = value(); break;
      case '--cert': args.certFile = value(); break;
      case '--key': args.keyFile = value(); break;
      case '--servername': args.servername = value(); break;
      case '--json': args.json = value(); break;
      case '--html': args.html = value(); break;
      case '--compare': args.compare = value(); break;
      case '--quiet': args.quiet = true; break;
      default:
        throw new BenchUsageError(`unknown option '${written}': expected one of the options listed by --help`);
    }
  }
  if (positionals[0] === 'merge') {
    if (positionals.length < 2) throw new BenchUsageError('merge: expected at least one result file, got none');
    return { kind: 'merge', files: positionals.slice(1), json: args.json, html: args.html, compare: args.compare };
  }
  if (positionals.length !== 1) {
    throw new BenchUsageError(
      positionals.length === 0 ? 'expected a URL (ws://… or wss://…), got none' : `expected one URL, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  if (args.mode === 'receive-only' && args.durationMs === null) {
    if (args.messages !== null) throw new BenchUsageError('--receive-only: expected --duration (it counts what arrives in that time), got --messages');
  }
  if (args.startMessage !== null && args.mode !== 'receive-only') throw new BenchUsageError('--start-message: expected --receive-only with it');
  if (args.rateSearch !== null && args.mode !== 'echo') throw new BenchUsageError('--rate @…: expected an echo workload (latency is measured on echoes)');
  if (args.durationMs === null && args.messages === null) args.durationMs = 10_000;
  return { kind: 'run', args: { ...args, url: positionals[0]! } };
}
