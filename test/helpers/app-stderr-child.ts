/**
 * Run in a child process by test/app/error-reporting.test.ts: a WebSocketApp
 * that fails to connect, with or without onError; prints what runForever
 * resolved with and what onError got as one JSON line on stdout. Whatever the
 * library writes to stderr is the child's stderr.
 *
 * Usage: node --import tsx app-stderr-child.ts <with-onError|without-onError> <url>
 */
import { WebSocketApp } from '../../src/index.js';

const [mode, url] = process.argv.slice(2);
if ((mode !== 'with-onError' && mode !== 'without-onError') || url === undefined) {
  throw new Error('usage: app-stderr-child.ts <with-onError|without-onError> <url>');
}

const errors: string[] = [];
const app =
  mode === 'with-onError'
    ? new WebSocketApp(url, { onMessage() {}, onError: (_a, e) => errors.push(`${(e as Error).name}: ${(e as Error).message}`) })
    : new WebSocketApp(url, { onMessage() {} });
const failed = await app.runForever();
console.log(JSON.stringify({ failed, errors }));
