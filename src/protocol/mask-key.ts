/**
 * Masking keys for client frames (RFC 6455 §5.3: a fresh, unpredictable key
 * per frame, from a strong source of entropy). Random bytes are drawn 4 KiB at
 * a time and handed out in slices, which costs far less than one
 * `randomFillSync` call per frame.
 */
import { randomFillSync } from 'node:crypto';

/** Returns `n` fresh random bytes (the session always asks for 4). */
export type MaskKeySource = (n: number) => Uint8Array;

const POOL_BYTES = 4096;

let pool = Buffer.allocUnsafe(0);
let used = 0;

/**
 * The default {@link MaskKeySource}: `n` cryptographically random bytes.
 * The result is a view of a pool that is never written again once handed out
 * (an exhausted pool is replaced, not refilled), so callers may keep it.
 */
export function randomMaskKey(n: number): Uint8Array {
  if (n > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(n));
  if (used + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    used = 0;
  }
  const key = pool.subarray(used, used + n);
  used += n;
  return key;
}
