/** The process-wide default timeout (ms) used by createConnection and by connect() without a timeout. */

import { checkMsOrNull } from './options.js';

let defaultTimeout: number | null = null;

/**
 * Set the default timeout in milliseconds (null = wait forever), used by
 * `createConnection`, `WebSocketApp` and `connect()` when no timeout is given.
 *
 * @throws WebSocketException unless `ms` is a number from 0 to 2^31 - 1 (Node's timer limit) or null.
 */
export function setDefaultTimeout(ms: number | null): void {
  checkMsOrNull('default timeout', ms);
  defaultTimeout = ms;
}

/** The default timeout in milliseconds, or null (wait forever; the initial value, as in websocket-client). */
export function getDefaultTimeout(): number | null {
  return defaultTimeout;
}
