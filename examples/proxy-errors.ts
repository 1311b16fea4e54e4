/**
 * Proxy errors (websocket-client's guide, "Proxy Error Handling"): an
 * unreachable proxy, a wrong proxy port and a proxy that wants credentials
 * all raise WebSocketProxyException, with a message saying what happened.
 *
 *   npx tsx examples/proxy-errors.ts ws://echo.example/ proxy.example:3128
 */
import { pathToFileURL } from 'node:url';
import { WebSocketProxyException, createConnection, type ConnectOptions } from '../src/index.js';

export interface ProxyConfigCase {
  name: string;
  httpProxyHost: string;
  httpProxyPort: number;
  httpProxyAuth?: [user: string, pass: string];
  proxyType?: ConnectOptions['proxyType'];
}

export interface ProxyOutcome {
  name: string;
  outcome: 'connected' | 'proxy-error' | 'other-error';
  /** The error's class and message, or the echoed reply once connected. */
  detail: string;
}

export async function main(url: string, configs: ProxyConfigCase[], timeout = 5000): Promise<{ results: ProxyOutcome[]; lines: string[] }> {
  const lines: string[] = [];
  const results: ProxyOutcome[] = [];
  for (const config of configs) {
    lines.push(`Testing ${config.name}`);
    try {
      const ws = await createConnection(url, {
        timeout,
        httpProxyHost: config.httpProxyHost,
        httpProxyPort: config.httpProxyPort,
        httpProxyAuth: config.httpProxyAuth,
        proxyType: config.proxyType,
      });
      await ws.send('through the proxy');
      const reply = String(await ws.recv());
      await ws.close();
      results.push({ name: config.name, outcome: 'connected', detail: reply });
      lines.push('  Proxy connection successful');
    } catch (error) {
      const e = error as Error;
      if (error instanceof WebSocketProxyException) {
        results.push({ name: config.name, outcome: 'proxy-error', detail: `${e.name}: ${e.message}` });
        lines.push(`  Proxy error: ${e.message}`);
      } else {
        results.push({ name: config.name, outcome: 'other-error', detail: `${e.name}: ${e.message}` });
        lines.push(`  Other error: ${e.message}`);
      }
    }
  }
  return { results, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url = 'ws://127.0.0.1:8080/', proxy = '127.0.0.1:3128'] = process.argv.slice(2);
  const [host = '127.0.0.1', port = '3128'] = proxy.split(':');
  const { lines } = await main(url, [
    { name: 'Given proxy', httpProxyHost: host, httpProxyPort: Number(port) },
    { name: 'Invalid proxy host', httpProxyHost: 'nonexistent.proxy.invalid', httpProxyPort: 8080 },
    { name: 'Wrong proxy port', httpProxyHost: host, httpProxyPort: 9 },
  ]);
  for (const line of lines) console.log(line);
}
