/**
 * Handshake error analysis (websocket-client's guide): when the server
 * answers the Upgrade request with something else than 101, the
 * WebSocketBadStatusException carries the status, the headers and the body.
 *
 *   npx tsx examples/handshake-error-analysis.ts ws://127.0.0.1:8080/protected-endpoint
 */
import { pathToFileURL } from 'node:url';
import { WebSocketBadStatusException, createConnection } from '../src/index.js';

export interface HandshakeAnalysis {
  /** True when the handshake succeeded (the connection was closed again at once). */
  connected: boolean;
  statusCode?: number;
  statusMessage?: string;
  headers?: Record<string, string>;
  body?: string;
  /** What the status means for the caller. */
  diagnosis?: 'authentication required' | 'access forbidden' | 'endpoint not found' | 'server error' | 'other status';
  /** For errors that are not a bad status: class and message. */
  otherError?: string;
  lines: string[];
}

function diagnose(status: number): NonNullable<HandshakeAnalysis['diagnosis']> {
  if (status === 401) return 'authentication required';
  if (status === 403) return 'access forbidden';
  if (status === 404) return 'endpoint not found';
  if (status >= 500) return 'server error';
  return 'other status';
}

export async function main(url: string, timeout = 5000): Promise<HandshakeAnalysis> {
  const lines: string[] = [];
  try {
    const ws = await createConnection(url, { timeout });
    lines.push(`Connected (status ${ws.status})`);
    await ws.close();
    return { connected: true, statusCode: ws.status, lines };
  } catch (error) {
    if (!(error instanceof WebSocketBadStatusException)) {
      const e = error as Error;
      lines.push(`Other error: ${e.message}`);
      return { connected: false, otherError: `${e.name}: ${e.message}`, lines };
    }
    lines.push(`Handshake failed: ${error.message}`);
    lines.push(`HTTP Status: ${error.statusCode}`);
    if (error.respHeaders) {
      lines.push('Response headers:');
      for (const [name, value] of Object.entries(error.respHeaders)) lines.push(`  ${name}: ${value}`);
    }
    const body = error.respBody?.toString('utf8');
    if (body) lines.push(`Response body: ${body}`);
    const diagnosis = diagnose(error.statusCode);
    lines.push(diagnosis[0]?.toUpperCase() + diagnosis.slice(1));
    return {
      connected: false,
      statusCode: error.statusCode,
      statusMessage: error.statusMessage,
      headers: error.respHeaders,
      body,
      diagnosis,
      lines,
    };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines } = await main(process.argv[2] ?? 'ws://127.0.0.1:8080/protected-endpoint');
  for (const line of lines) console.log(line);
}
