/**
 * A robust client (websocket-client's guide, "Comprehensive Error Recovery"):
 * a WebSocketApp that keeps the connection alive with pings, reconnects with
 * exponential backoff after a loss, gives up after a number of failed attempts
 * in a row, and stops at once on a permanent error (HTTP 401, 403 or 404 at
 * the handshake), which no retry can fix.
 *
 *   npx tsx examples/robust-client.ts ws://127.0.0.1:8080/
 */
import { pathToFileURL } from 'node:url';
import {
  WebSocketApp,
  WebSocketBadStatusException,
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketTimeoutException,
} from '../src/index.js';

/** Handshake statuses that a retry cannot fix. */
const PERMANENT_STATUSES = [401, 403, 404];

export type RobustOutcome = 'closed' | 'permanent-error' | 'gave-up';

export interface RobustResult {
  /** closed: the server ended with a close handshake; permanent-error: 401/403/404; gave-up: maxReconnects failed attempts in a row. */
  outcome: RobustOutcome;
  /** Connections opened. */
  connections: number;
  /** Messages received, text as is, binary as hex. */
  messages: string[];
  /** The close code and reason given to onClose. */
  close: [code: number | null, reason: string | null];
  /** What was printed, in order. */
  lines: string[];
}

export interface RobustOptions {
  /** First wait before reconnecting, ms (doubles per failed attempt, with jitter). */
  reconnect?: number;
  /** Longest wait between attempts, ms. */
  reconnectMax?: number;
  /** Failed attempts in a row before giving up. */
  maxReconnects?: number;
  pingInterval?: number;
  pingTimeout?: number;
  /** Connect + handshake timeout, ms. */
  timeout?: number;
  /** Where lines go as they happen (default: nowhere, they are returned). */
  print?: (line: string) => void;
}

/** How an error is reported, most specific class first. */
function describe(error: unknown): string {
  if (error instanceof WebSocketBadStatusException) return `Handshake failed (HTTP ${error.statusCode}): ${error.message}`;
  if (error instanceof WebSocketConnectionClosedException) return `Connection closed, will retry: ${error.message}`;
  if (error instanceof WebSocketTimeoutException) return `Timeout, will retry: ${error.message}`;
  if (error instanceof WebSocketException) return `WebSocket error: ${error.message}`;
  // A refused or reset TCP connection is the Node system error (code ECONNREFUSED…).
  const e = error as NodeJS.ErrnoException;
  return `Network error${e.code ? ` (${e.code})` : ''}: ${e.message}`;
}

/** Run the robust client against `url` until it stops; resolves with what happened. */
export async function main(url: string, options: RobustOptions = {}): Promise<RobustResult> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    options.print?.(line);
  };
  const messages: string[] = [];
  let connections = 0;
  let permanent = false;
  let close: RobustResult['close'] = [null, null];

  const app = new WebSocketApp(url, {
    onOpen: () => {
      connections += 1;
      say('Connection established');
    },
    // Without onReconnect, onOpen runs for every reconnection too.
    onMessage: (_app, message) => {
      const text = typeof message === 'string' ? message : message.toString('hex');
      messages.push(text);
      say(`Received: ${text}`);
    },
    onError: (a, error) => {
      say(describe(error));
      if (error instanceof WebSocketBadStatusException && PERMANENT_STATUSES.includes(error.statusCode)) {
        permanent = true;
        say('Permanent error, not retrying');
        void a.close();
      }
    },
    onClose: (_app, code, reason) => {
      close = [code, reason];
      say(`Connection closed: ${code} - ${reason}`);
    },
  });

  const failed = await app.runForever({
    pingInterval: options.pingInterval ?? 30_000,
    pingTimeout: options.pingTimeout ?? 10_000,
    reconnect: options.reconnect ?? 1000,
    reconnectMax: options.reconnectMax ?? 30_000,
    maxReconnects: options.maxReconnects ?? 5,
    timeout: options.timeout ?? 10_000,
  });
  let outcome: RobustOutcome;
  if (permanent) outcome = 'permanent-error';
  else if (failed) {
    outcome = 'gave-up';
    say('Max reconnection attempts reached, giving up');
  } else outcome = 'closed';
  return { outcome, connections, messages, close, lines };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2] ?? 'ws://127.0.0.1:8080/';
  const result = await main(url, { print: (line) => console.log(line) });
  process.exitCode = result.outcome === 'closed' ? 0 : 1;
}
