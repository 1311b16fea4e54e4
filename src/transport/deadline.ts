/**
 * One deadline and one abort signal shared by every step of an open (DNS, TCP,
 * TLS): the timer becomes an abort whose reason is the Timeout exception, so
 * each step only has to watch a single signal.
 */
import { createError } from '../exceptions.js';

/** A combined signal and the means to drop its timer and listener. */
export interface Limit {
  /** Aborts when the caller's signal aborts or the deadline passes; undefined when neither can happen. */
  readonly signal: AbortSignal | undefined;
  /** Clears the timer and unhooks the caller's signal. Safe to call more than once. */
  dispose(): void;
}

/** The error an aborted operation rejects with: the signal's reason, or a WebSocketException when it has none. */
export function abortReason(signal: AbortSignal, what: string): unknown {
  return signal.reason ?? createError('WS_ERR_ABORTED', `${what} was aborted`);
}

/**
 * Combines the caller's signal with a deadline `timeout` ms from now. When the
 * deadline passes the returned signal aborts with `onTimeout()` as its reason.
 * `timeout` was checked by the caller (`checkMsOrNull` of options.ts).
 */
export function limit(
  timeout: number | null | undefined,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
  what: string,
): Limit {
  if (timeout === null || timeout === undefined) return { signal, dispose: () => {} };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(abortReason(signal as AbortSignal, what));
  const timer = setTimeout(() => controller.abort(onTimeout()), timeout);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
