/**
 * A handshake as a sans-I/O step machine: it gives the first bytes to send,
 * takes the peer's bytes in chunks of any size, and answers every event with
 * the next step. The opening handshake (upgrade.ts) and the proxy handshakes
 * (transport/proxy-handshake.ts) are such machines; one driver
 * (transport/drive.ts) runs any of them over a socket under one deadline.
 */

/** What a machine wants next. */
export type Step<T> =
  /** Send these bytes, then keep reading. */
  | { readonly kind: 'write'; readonly data: Buffer }
  /** Keep reading; with `patience`, for at most that many ms more: then reading stops as if the peer had ended (`end()`). */
  | { readonly kind: 'wait'; readonly patience?: number }
  /** Finished with `value`; `data`, if any, is sent first. */
  | { readonly kind: 'done'; readonly value: T; readonly data?: Buffer };

/**
 * A handshake driven by events. Every method may throw: the error ends the
 * handshake and is what the driver rejects with.
 */
export interface StepMachine<T> {
  /** The first bytes to send. */
  start(): Buffer;
  /** Bytes from the peer. */
  feed(chunk: Buffer): Step<T>;
  /** The peer closed the connection, or a `wait` step's patience ran out: a `done` step or a throw (nothing more is read). */
  end(): Step<T>;
  /** The deadline passed or the caller aborted, with this reason; without the method the reason is thrown. */
  abort?(reason: unknown): Step<T>;
  /** The socket failed; without the method the error is thrown unchanged. */
  error?(error: Error): Step<T>;
}
