/**
 * The error a test expects: what a call threw or what a promise rejected with.
 * Either fails the test when nothing was thrown or rejected.
 */

/** What `fn` throws; fails the test when it returns. */
export function thrownBy(fn: () => unknown): Error & { closeCode?: number } {
  try {
    fn();
  } catch (error) {
    return error as Error & { closeCode?: number };
  }
  throw new Error('expected the call to throw, it returned');
}

/** What `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { closeCode?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { closeCode?: number; code?: string };
  }
  throw new Error('expected a rejection, the promise resolved');
}
