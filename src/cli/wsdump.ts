#!/usr/bin/env node
/**
 * wsdump: the interactive WebSocket console of websocket-client, on rfc6455.
 * Lines read from stdin are sent as text messages; every frame received is
 * printed as it comes (no reassembly). See `wsdump --help`.
 */
import { readFileSync } from 'node:fs';
import {
  ABNF,
  createConnection,
  enableTrace,
  type ConnectOptions,
  type WebSocket,
  type WebSocketOptions,
} from '../index.js';
import { proxyUrlOptions } from '../transport/proxy.js';
import { HELP, USAGE, UsageError, parseArgs, type WsdumpArgs } from './args.js';
import { WsdumpConsole } from './console.js';
import { FrameDescriber, describeError, opcodeName } from './format.js';

/** Exit statuses: 0 after a clean end, 1 when the connection failed, 2 for a bad command line. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return `wsdump (${manifest.name}) ${manifest.version}`;
}

/** The createConnection options the flags ask for. @throws WebSocketProxyException for a bad -p URL */
function connectionOptions(args: WsdumpArgs): WebSocketOptions & ConnectOptions {
  const options: WebSocketOptions & ConnectOptions = { timeout: args.timeout * 1000 };
  if (args.nocert) options.sslopt = { rejectUnauthorized: false };
  if (args.origin !== undefined) options.origin = args.origin;
  if (args.subprotocols.length > 0) options.subprotocols = args.subprotocols;
  if (args.headers.length > 0) options.header = args.headers;
  if (args.proxy !== undefined) Object.assign(options, proxyUrlOptions(args.proxy, '-p/--proxy', args.nocert));
  return options;
}

function usageError(message: string): number {
  process.stderr.write(`${USAGE}\nwsdump: error: ${message}\n`);
  return EXIT_USAGE;
}

/** Runs wsdump with `argv` (the arguments after the script) and resolves with the exit status. */
async function main(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  let command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const args = command.args;
  let options;
  try {
    options = connectionOptions(args);
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (args.verbose >= 2) enableTrace(true);
  let ws: WebSocket;
  try {
    ws = await createConnection(args.url, options);
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return EXIT_FAILED;
  }
  // The timeout was for opening; from now on wsdump waits for frames as long as it takes.
  ws.timeout = null;
  return runSession(ws, args, started);
}

/** The session: stdin lines out, frames in, until stdin ends, Ctrl+C, or the server closes. */
function runSession(ws: WebSocket, args: WsdumpArgs, started: number): Promise<number> {
  const io = new WsdumpConsole({ raw: args.raw, input: process.stdin, output: process.stdout, env: process.env });
  const describer = new FrameDescriber();
  let finishing = false;
  let eofTimer: NodeJS.Timeout | null = null;

  const show = (frame: ABNF): void => {
    const control = frame.opcode >= ABNF.OPCODE_CLOSE;
    // Pings and pongs only in verbose mode (they are answered either way).
    if (control && frame.opcode !== ABNF.OPCODE_CLOSE && args.verbose === 0) return;
    let text = describer.describe(frame);
    if (args.verbose > 0) text = `${opcodeName(frame.opcode)}: ${text}`;
    else if (frame.opcode === ABNF.OPCODE_CLOSE) text = `[close] ${text}`;
    if (args.timings) text = `${((performance.now() - started) / 1000).toFixed(6)}: ${text}`;
    io.print(text, control ? 'control' : 'data');
  };

  /** Resolves with the exit status once the server's close frame came (0) or the connection broke (1). */
  const receiving = (async (): Promise<number> => {
    for (;;) {
      let frame: ABNF;
      try {
        frame = await ws.recvFrame();
      } catch (error) {
        if (finishing) return EXIT_OK;
        process.stderr.write(`${describeError(error)}\n`);
        return EXIT_FAILED;
      }
      // The reply to our own close is only news in verbose mode.
      if (!(finishing && frame.opcode === ABNF.OPCODE_CLOSE && args.verbose === 0)) show(frame);
      if (frame.opcode === ABNF.OPCODE_CLOSE) return EXIT_OK;
    }
  })();

  return new Promise<number>((resolve) => {
    const onSignal = (): void => void finish(EXIT_OK);
    const finish = async (status: number): Promise<void> => {
      if (finishing) {
        // A second Ctrl+C while closing: drop the connection now.
        ws.abort();
        return;
      }
      finishing = true;
      if (eofTimer !== null) clearTimeout(eofTimer);
      io.stop();
      try {
        await ws.close();
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        status = EXIT_FAILED;
      }
      await receiving;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(status);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void receiving.then((status) => {
      if (!finishing) void finish(status);
    });
    const send = (text: string): void => {
      ws.send(text).catch((error: unknown) => {
        if (finishing) return;
        process.stderr.write(`${describeError(error)}\n`);
        void finish(EXIT_FAILED);
      });
    };
    io.greet();
    if (args.text !== undefined) send(args.text);
    io.start({
      line: send,
      end: () => {
        eofTimer = setTimeout(() => void finish(EXIT_OK), args.eofWait * 1000);
      },
      interrupt: onSignal,
    });
  });
}

/** Exits once stdout and stderr have taken everything written. */
function exitAfterFlush(status: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}

main(process.argv.slice(2)).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`wsdump: unexpected ${describeError(error)}\n`);
  exitAfterFlush(EXIT_FAILED);
});
