/** The process-wide default timeout (ms) used by createConnection and by connect() without a timeout. */

import { WebSocketException } from './exceptions.js';

let defaultTimeout: number | null = null;

/**
 * Set the default timeout in milliseconds (null = wait forever), used by
 * `createConnection`, `WebSocketApp` and `connect()` when no timeout is given.
 */
export function setDefaultTimeout(ms: number | null): void {
  if (ms !== null && (!Number.isFinite(ms) || ms < 0)) {
    throw new WebSocketException(`default timeout must be a non-negative number of milliseconds or null, got ${String(ms)}`);
  }
  defaultTimeout = ms;
}

/** The default timeout in milliseconds, or null (wait forever; the initial value, as in websocket-client). */
export function getDefaultTimeout(): number | null {
  return defaultTimeout;
}
