/** Promises handed to users that never crash the process when nobody awaits them. */

/** Does nothing: the rejection handler of a promise marked as handled, and `.then` for a result nobody needs. */
export function nothing(): void {}

/**
 * The promise itself, marked as handled: it still rejects for whoever awaits
 * it, but a caller that fires and forgets never gets an unhandled rejection
 * (which ends a Node process); the failure is reported by the next call anyway.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(nothing);
  return promise;
}
