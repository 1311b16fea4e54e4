/**
 * The one driver of handshake step machines (handshake/machine.ts) over a
 * socket: the opening handshake and every proxy handshake run here, under the
 * caller's abort signal (which carries the one deadline of the open). It owns
 * the listeners, so each machine only answers events with steps.
 */
import type net from 'node:net';
import type { Step, StepMachine } from '../handshake/machine.js';
import { abortReason } from './deadline.js';

/** Event handlers by event name. */
type Handlers = Record<string, (...args: never[]) => void>;

/**
 * Attaches each handler to `emitter` and returns the function that detaches
 * exactly those (safe to call more than once): the listeners of one step of an
 * open never outlive it.
 */
export function hook(emitter: NodeJS.EventEmitter, handlers: Handlers): () => void {
  const entries = Object.entries(handlers) as Array<[string, (...args: unknown[]) => void]>;
  for (const [event, handler] of entries) emitter.on(event, handler);
  return () => {
    for (const [event, handler] of entries) emitter.off(event, handler);
  };
}

/**
 * Like {@link hook}, for a step that ends at the first of these events: every
 * handler is detached before the one whose event came first runs.
 */
export function hookFirst(emitter: NodeJS.EventEmitter, handlers: Handlers): () => void {
  const once = Object.fromEntries(
    Object.entries(handlers as Record<string, (...args: unknown[]) => void>).map(([event, handler]) => [
      event,
      (...args: unknown[]) => {
        unhook();
        handler(...args);
      },
    ]),
  );
  const unhook = hook(emitter, once);
  return unhook;
}

/** Options of {@link driveHandshake}. */
export interface DriveOptions {
  /** Aborting (the deadline included) hands the reason to the machine's `abort`. */
  signal?: AbortSignal;
  /** What is being done, for an abort whose signal carries no reason. */
  what: string;
  /** Sees every chunk sent (`sent`) and received, for tracing. */
  bytes?: (data: Buffer, sent: boolean) => void;
}

/**
 * Writes the machine's first bytes, feeds it what the socket reads, and
 * settles with the value of its `done` step: the socket is then paused, with
 * no listener of ours left on it. When the machine throws, the socket fails
 * or closes, or the signal aborts, the socket is destroyed and the promise
 * rejects with what the machine made of it.
 */
export function driveHandshake<T>(socket: net.Socket, machine: StepMachine<T>, options: DriveOptions): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    let patience: NodeJS.Timeout | undefined;
    let unhook = (): void => {};
    const release = (): void => {
      clearTimeout(patience);
      unhook();
      signal?.removeEventListener('abort', onAbort);
    };
    const send = (data: Buffer): void => {
      options.bytes?.(data, true);
      socket.write(data);
    };
    const run = (next: () => Step<T>): void => {
      let step: Step<T>;
      try {
        step = next();
      } catch (error) {
        release();
        socket.destroy();
        reject(error);
        return;
      }
      if (step.kind === 'write') {
        send(step.data);
      } else if (step.kind === 'wait') {
        if (step.patience !== undefined && patience === undefined) {
          patience = setTimeout(() => run(() => machine.end()), step.patience);
        }
      } else {
        if (step.data !== undefined) send(step.data);
        socket.pause();
        release();
        resolve(step.value);
      }
    };
    const onAbort = (): void => {
      const reason = abortReason(signal as AbortSignal, options.what);
      run(() => {
        if (machine.abort === undefined) throw reason;
        return machine.abort(reason);
      });
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    const onEnd = (): void => run(() => machine.end());
    unhook = hook(socket, {
      data: (chunk: Buffer) => {
        options.bytes?.(chunk, false);
        run(() => machine.feed(chunk));
      },
      end: onEnd,
      close: onEnd,
      error: (error: Error) =>
        run(() => {
          if (machine.error === undefined) throw error;
          return machine.error(error);
        }),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    send(machine.start());
    socket.resume();
  });
}
