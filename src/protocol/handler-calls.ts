/**
 * The one path from a `ClientSession` to its `SessionHandler`: every hook is
 * called through here, so a hook that throws is noticed in one place. The
 * session is then told (it stops for good) and the error goes on out of
 * `receive()` unchanged.
 */
import type { Received } from './received.js';
import type { SessionFailure, SessionHandler, WriteKind } from './session.js';

function bit(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** A frame as it came; `rsv` holds rsv1..rsv3 as bits 2..0. */
function frameRecord(opcode: number, fin: boolean, rsv: number, data: Buffer): Received<Buffer> {
  return {
    opcode,
    data,
    fin: bit(fin),
    rsv1: bit((rsv & 4) !== 0),
    rsv2: bit((rsv & 2) !== 0),
    rsv3: bit((rsv & 1) !== 0),
    frame: true,
  };
}

/**
 * Calls the hooks of a session's handler; the session (the subclass) is told
 * through {@link HandlerCalls.hookThrew} once one has thrown, before its error goes on.
 */
export abstract class HandlerCalls {
  /** @param handler the session's handler. */
  constructor(protected readonly handler: SessionHandler) {}

  /** Told once a hook has thrown, before its error goes on. */
  abstract hookThrew(): void;

  /** @internal */
  emitText(text: string, size: number, frames?: readonly number[]): void {
    try {
      this.handler.onText(text, size, frames);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  emitBinary(data: Buffer, frames?: readonly number[]): void {
    try {
      this.handler.onBinary(data, frames);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal One frame of a fragmented message, for fireContFrame; `rsv` holds rsv1..rsv3 as bits 2..0. */
  emitFragment(opcode: number, fin: boolean, rsv: number, data: Buffer): void {
    try {
      this.handler.onFragment(frameRecord(opcode, fin, rsv, data));
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal A frame as it came, for raw frame mode; `rsv` holds rsv1..rsv3 as bits 2..0. */
  emitFrame(opcode: number, fin: boolean, rsv: number, data: Buffer, message?: Buffer): void {
    const record = frameRecord(opcode, fin, rsv, data);
    if (message !== undefined) record.message = message;
    try {
      this.handler.onFrame(record);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  protected emitPing(payload: Buffer): void {
    try {
      this.handler.onPing(payload);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  protected emitPong(payload: Buffer): void {
    try {
      this.handler.onPong(payload);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  protected emitClose(code: number | null, reason: string, payload: Buffer): void {
    try {
      this.handler.onClose(code, reason, payload);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  protected emitWrite(bytes: Buffer, kind: WriteKind): void {
    try {
      this.handler.onWrite(bytes, kind);
    } catch (error) {
      throw this.stopped(error);
    }
  }

  /** @internal */
  protected emitFailure(error: SessionFailure, closeFrame: Buffer | null): void {
    try {
      this.handler.onFailure(error, closeFrame);
    } catch (thrown) {
      throw this.stopped(thrown);
    }
  }

  private stopped(error: unknown): unknown {
    this.hookThrew();
    return error;
  }
}
