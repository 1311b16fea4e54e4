/**
 * Timeout configurations (websocket-client's guide, "Timeout Configuration
 * and Handling"): the same exchange with a short, a medium and no timeout.
 * Durations are in milliseconds; `timeout` bounds the connect + handshake and
 * then every recv(). A recv() that times out leaves the connection usable.
 *
 *   npx tsx examples/timeout-configuration.ts ws://127.0.0.1:8080/
 */
import { pathToFileURL } from 'node:url';
import { WebSocketTimeoutException, createConnection } from '../src/index.js';

export interface TimeoutConfig {
  name: string;
  /** ms, or null to wait forever. */
  timeout: number | null;
}

export interface TimeoutOutcome {
  name: string;
  timeout: number | null;
  outcome: 'success' | 'timeout' | 'error';
  /** The reply, or the error message. */
  detail: string;
  elapsedMs: number;
}

export const DEFAULT_CONFIGS: TimeoutConfig[] = [
  { name: 'Fast timeout', timeout: 1000 },
  { name: 'Medium timeout', timeout: 5000 },
  { name: 'No timeout', timeout: null },
];

export async function main(url: string, configs: TimeoutConfig[] = DEFAULT_CONFIGS): Promise<{ results: TimeoutOutcome[]; lines: string[] }> {
  const lines: string[] = [];
  const results: TimeoutOutcome[] = [];
  for (const config of configs) {
    lines.push(`Testing ${config.name} (timeout=${config.timeout})`);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const ws = await createConnection(url, { timeout: config.timeout });
      try {
        await ws.send('ping');
        const response = String(await ws.recv());
        results.push({ ...config, outcome: 'success', detail: response, elapsedMs: elapsed() });
        lines.push(`  Success: received '${response}' in ${elapsed()} ms`);
      } finally {
        await ws.close({ timeout: 1000 });
      }
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof WebSocketTimeoutException) {
        results.push({ ...config, outcome: 'timeout', detail: message, elapsedMs: elapsed() });
        lines.push(`  Timeout occurred after ${config.timeout} ms`);
      } else {
        results.push({ ...config, outcome: 'error', detail: message, elapsedMs: elapsed() });
        lines.push(`  Unexpected error: ${message}`);
      }
    }
  }
  return { results, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines } = await main(process.argv[2] ?? 'ws://127.0.0.1:8080/');
  for (const line of lines) console.log(line);
}
