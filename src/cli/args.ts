/**
 * wsdump's command line: the flags of websocket-client's wsdump, parsed into
 * one options object, with a usage error that says what was expected.
 */

/** What the command line asked for. */
export interface WsdumpArgs {
  url: string;
  /** `-p/--proxy`: a proxy URL (http, https, socks4, socks4a, socks5, socks5h). */
  proxy?: string;
  /** `-v/--verbose`: 0 quiet, 1 opcode of each message, 2 also the protocol trace. */
  verbose: number;
  /** `-n/--nocert`: do not check the server's (or an https proxy's) certificate. */
  nocert: boolean;
  /** `-r/--raw`: plain lines, no prompt, no colours. */
  raw: boolean;
  /** `-s/--subprotocols`: offered subprotocols, in order. */
  subprotocols: string[];
  /** `-o/--origin`: the Origin header. */
  origin?: string;
  /** `--eof-wait`: seconds to keep receiving after stdin ends. */
  eofWait: number;
  /** `-t/--text`: one text message sent right after connecting. */
  text?: string;
  /** `--timings`: prefix each received message with the seconds since start. */
  timings: boolean;
  /** `--headers 'A: b, C: d'`: extra request header lines. */
  headers: string[];
  /** `--timeout`: seconds allowed to open the connection (proxy, TLS and handshake included). */
  timeout: number;
}

/** What to do: run a session, or print help or the version. */
export type Command = { kind: 'run'; args: WsdumpArgs } | { kind: 'help' } | { kind: 'version' };

/** A bad command line; wsdump prints the usage and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Default `--timeout` in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 30;

export const USAGE =
  'usage: wsdump [-h] [--version] [-p PROXY] [-v [N]] [-n] [-r] [-s SUBPROTOCOL [SUBPROTOCOL ...]]\n' +
  '              [-o ORIGIN] [--eof-wait SECONDS] [-t TEXT] [--timings] [--headers HEADERS]\n' +
  '              [--timeout SECONDS] ws_url';

export const HELP = `${USAGE}

An interactive WebSocket console: every line read from stdin is sent as a text
message, every frame received is printed.

positional arguments:
  ws_url                  websocket URL to connect to, e.g. ws://echo.example/chat

options:
  -h, --help              show this help and exit
  --version               show the version and exit
  -p, --proxy URL         proxy URL: http, https, socks4, socks4a, socks5 or socks5h,
                          with credentials if needed (socks5h://user:pass@host:1080);
                          without it, http_proxy, https_proxy, all_proxy and no_proxy apply
  -v, --verbose [N]       -v prints the opcode of each frame and shows pings and
                          pongs; -vv (or -v 2) also traces the protocol to stderr
  -n, --nocert            do not check TLS certificates (the server's, an https proxy's)
  -r, --raw               plain output for scripts: no prompt, no colours
  -s, --subprotocols P..  subprotocols to offer
  -o, --origin ORIGIN     the Origin header
  --eof-wait SECONDS      keep receiving this long after stdin ends, then close
  -t, --text TEXT         send TEXT right after connecting
  --timings               prefix each received frame with the seconds since start
  --headers HEADERS       extra headers, comma separated: 'A: b, C: d'
  --timeout SECONDS       limit for opening the connection (default ${DEFAULT_TIMEOUT_SECONDS})

A close from the server prints its code and reason and exits 0; Ctrl+C closes
cleanly. A failed connection prints the error and exits 1; a bad command line
exits 2.`;

const FLAG_ALIASES: Readonly<Record<string, string>> = {
  '-h': '--help',
  '-p': '--proxy',
  '-v': '--verbose',
  '-n': '--nocert',
  '-r': '--raw',
  '-s': '--subprotocols',
  '-o': '--origin',
  '-t': '--text',
};

/** Flags that take a value, also as `--flag=value`. */
const VALUE_FLAGS = new Set(['--proxy', '--origin', '--eof-wait', '--text', '--headers', '--timeout', '--subprotocols', '--verbose']);

/** Parses `argv` (without node and the script path). @throws UsageError */
export function parseArgs(argv: readonly string[]): Command {
  const args: Partial<WsdumpArgs> & { verbose: number; subprotocols: string[]; headers: string[] } = {
    verbose: 0,
    nocert: false,
    raw: false,
    subprotocols: [],
    eofWait: 0,
    timings: false,
    headers: [],
    timeout: DEFAULT_TIMEOUT_SECONDS,
  };
  const positionals: string[] = [];
  let i = 0;
  const next = (flag: string): string => {
    const value = argv[i++];
    if (value === undefined) throw new UsageError(`${flag}: expected a value, got nothing`);
    return value;
  };
  while (i < argv.length) {
    const token = argv[i++];
    if (token === '--') {
      positionals.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    if (/^-[nrv]{2,}$/.test(token)) {
      // Bundled switches: -vv counts twice, -rv is -r -v.
      for (const letter of token.slice(1)) {
        if (letter === 'v') args.verbose += 1;
        else if (letter === 'r') args.raw = true;
        else args.nocert = true;
      }
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const written = eq === -1 ? token : token.slice(0, eq);
    const flag = FLAG_ALIASES[written] ?? written;
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const value = (): string => inline ?? next(written);
    if (inline !== undefined && !VALUE_FLAGS.has(flag)) {
      throw new UsageError(`${written}: expected no value, got '${inline}'`);
    }
    switch (flag) {
      case '--help':
        return { kind: 'help' };
      case '--version':
        return { kind: 'version' };
      case '--proxy':
        args.proxy = value();
        break;
      case '--verbose': {
        const level = inline ?? (/^\d+$/.test(argv[i] ?? '') ? argv[i++] : undefined);
        if (level === undefined) args.verbose += 1;
        else if (/^\d+$/.test(level)) args.verbose = Number(level);
        else throw new UsageError(`${written}: expected a level such as 1 or 2, got '${level}'`);
        break;
      }
      case '--nocert':
        args.nocert = true;
        break;
      case '--raw':
        args.raw = true;
        break;
      case '--subprotocols': {
        const taken = inline === undefined ? takeSubprotocols(argv, i, written) : [inline];
        if (inline === undefined) i += taken.length;
        args.subprotocols.push(...taken);
        break;
      }
      case '--origin':
        args.origin = value();
        break;
      case '--eof-wait':
        args.eofWait = seconds(written, value(), true);
        break;
      case '--text':
        args.text = value();
        break;
      case '--timings':
        args.timings = true;
        break;
      case '--headers':
        args.headers.push(...parseHeaders(value()));
        break;
      case '--timeout':
        args.timeout = seconds(written, value(), false);
        break;
      default:
        throw new UsageError(`unknown option '${written}': expected one of the options listed by --help`);
    }
  }
  if (positionals.length === 0) throw new UsageError('expected a ws_url (ws://… or wss://…), got none');
  if (positionals.length > 1) {
    throw new UsageError(`expected one ws_url, got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  return { kind: 'run', args: { ...args, url: positionals[0] } as WsdumpArgs };
}

/** `-s` takes the following arguments up to the next option or the URL (subprotocol tokens never contain "://"). */
function countSubprotocols(argv: readonly string[], from: number): number {
  let n = 0;
  while (from + n < argv.length && !argv[from + n].startsWith('-') && !argv[from + n].includes('://')) n++;
  return n;
}

function takeSubprotocols(argv: readonly string[], from: number, flag: string): string[] {
  const n = countSubprotocols(argv, from);
  if (n === 0) throw new UsageError(`${flag}: expected at least one subprotocol, got ${argv[from] === undefined ? 'nothing' : `'${argv[from]}'`}`);
  return argv.slice(from, from + n);
}

/** The longest wait a Node timer can hold (2^31 - 1 ms), in whole seconds. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function seconds(flag: string, text: string, zeroAllowed: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0) || value > MAX_SECONDS) {
    throw new UsageError(
      `${flag}: expected a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds up to ${MAX_SECONDS}, got '${text}'`,
    );
  }
  return value;
}

/** `'A: b, C: d'` -> `['A: b', 'C: d']`, as websocket-client's wsdump splits them (so a value cannot hold a comma). */
export function parseHeaders(text: string): string[] {
  const lines = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const line of lines) {
    if (!/^[^:\s]+:/.test(line)) throw new UsageError(`--headers: expected 'Name: value' entries, got '${line}'`);
  }
  return lines;
}
