/**
 * A fake clock for tests that check WHICH schedule the library follows (one
 * interval or two, one deadline or a fresh one per step): the library's timers
 * (the global setTimeout/setInterval) and clocks (Date, performance) are faked,
 * while sockets still do real I/O on the real event loop. The test moves the
 * clock with `vi.advanceTimersByTimeAsync` and, between moves, waits for the
 * real I/O it needs with `until`, so a loaded machine changes how long a test
 * takes, never what it sees.
 */
import { expect, vi } from 'vitest';

// Taken before any test fakes them: `until` polls on the real clock.
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

/** Fakes the timers and clocks the library uses; setImmediate and process.nextTick stay real (sockets need them). */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
}

/**
 * Resolves once `condition()` holds, checking every few real milliseconds; the
 * fake clock does not move meanwhile. Rejects with `what` after `limitMs` of
 * real time, a bound on a hang, not on the schedule under test.
 */
export async function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const started = realNow();
  while (!condition()) {
    if (realNow() - started > limitMs) throw new Error(`expected ${what} within ${limitMs} ms (real time)`);
    await new Promise((resolve) => realSetTimeout(resolve, 5));
  }
}

/**
 * `promise` if it settles within `limitMs` of real time with the fake clock
 * standing still, else a rejection naming `what`: for "this ends without
 * waiting for any timer".
 */
export function settlesWithoutTimers<T>(promise: Promise<T>, what: string, limitMs = 10_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => realSetTimeout(() => reject(new Error(`expected ${what} within ${limitMs} ms (real time), without moving the clock`)), limitMs).unref()),
  ]);
}

/** Whether `promise` has settled yet, read synchronously: `const state = watch(p); ...; expect(state.settled)`. */
export function watch(promise: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * `promise` settles exactly `ms` fake milliseconds from now: still pending
 * at `ms - 1`, then settled by the last millisecond's timers alone (see
 * {@link settlesWithoutTimers}). Returns what it settled with.
 */
export async function settlesAt<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const state = watch(promise);
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(state.settled, `${what}: settled before ${ms} ms`).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  return settlesWithoutTimers(promise, what);
}
