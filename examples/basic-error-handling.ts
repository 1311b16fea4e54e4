/**
 * Basic exception handling (websocket-client's guide, "Basic Exception
 * Handling"): connect, send, receive, close — and tell the failures apart.
 *
 *   npx tsx examples/basic-error-handling.ts ws://127.0.0.1:8080/
 */
import { pathToFileURL } from 'node:url';
import {
  WebSocketConnectionClosedException,
  WebSocketException,
  WebSocketTimeoutException,
  createConnection,
} from '../src/index.js';

export type BasicOutcome = 'received' | 'closed' | 'timeout' | 'websocket-error' | 'unexpected';

export interface BasicResult {
  outcome: BasicOutcome;
  /** The echoed message, or the error's class and message. */
  detail: string;
  lines: string[];
}

/** Sends "Hello" to `url` and reads one message, within `timeout` ms. */
export async function main(url: string, timeout = 5000): Promise<BasicResult> {
  const lines: string[] = [];
  const result = (outcome: BasicOutcome, detail: string, line: string): BasicResult => {
    lines.push(line);
    return { outcome, detail, lines };
  };
  try {
    const ws = await createConnection(url, { timeout });
    await ws.send('Hello');
    const response = await ws.recv();
    await ws.close();
    const text = typeof response === 'string' ? response : response.toString('hex');
    return result('received', text, `Received: ${text}`);
  } catch (error) {
    // Most specific first: every class below extends WebSocketException.
    if (error instanceof WebSocketConnectionClosedException) {
      return result('closed', `${error.name}: ${error.message}`, `Connection was closed unexpectedly: ${error.message}`);
    }
    if (error instanceof WebSocketTimeoutException) {
      return result('timeout', `${error.name}: ${error.message}`, `Connection timed out: ${error.message}`);
    }
    if (error instanceof WebSocketException) {
      return result('websocket-error', `${error.name}: ${error.message}`, `WebSocket error: ${error.message}`);
    }
    // A refused or reset TCP connection is the Node system error (code ECONNREFUSED…).
    const e = error as NodeJS.ErrnoException;
    return result('unexpected', `${e.code ?? e.name}: ${e.message}`, `Unexpected error: ${e.message}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines } = await main(process.argv[2] ?? 'ws://127.0.0.1:8080/');
  for (const line of lines) console.log(line);
}
