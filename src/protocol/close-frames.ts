/**
 * The close frames a client session makes itself, as wire bytes: the reply to
 * the server's close frame (RFC 6455 §5.5.1) and the one close frame of a
 * failed connection (§7.1.7). The server's close payload is checked by
 * `decodeClosePayload` (frame/close.ts); the user's close frames are built
 * from the user's code and reason by `ClientSession.sendClose`.
 */
import { WebSocketProtocolException } from '../exceptions.js';
import { encodeClosePayload } from '../frame/close.js';
import { OPCODE_CLOSE } from '../frame/opcodes.js';
import { encodeControl, type MaskKeySource } from './sender.js';
import type { SessionFailure } from './session.js';

const EMPTY = Buffer.alloc(0);

/** RFC 6455 §5.5.1: the reply echoes the server's code; an empty close frame answers an empty one. */
export function closeReply(code: number | null, maskKey: MaskKeySource): Buffer {
  return encodeControl(OPCODE_CLOSE, code === null ? EMPTY : encodeClosePayload(code), maskKey);
}

/**
 * RFC 6455 §7.1.7: the code a failure closes the connection with, its
 * `closeCode`; an error that came without one gets 1002 (protocol) or 1007
 * (payload), set on it.
 */
export function failureCode(error: SessionFailure): number {
  return (error.closeCode ??= error instanceof WebSocketProtocolException ? 1002 : 1007);
}

/** RFC 6455 §7.1.7: the one close frame of a failed connection, with the failure's code (see {@link failureCode}). */
export function failureClose(code: number, maskKey: MaskKeySource): Buffer {
  return encodeControl(OPCODE_CLOSE, encodeClosePayload(code), maskKey);
}
