/**
 * Close codes and close frame payloads: RFC 6455 §5.5.1 (payload layout) and
 * §7.4 (which status codes may appear on the wire).
 */
import { createError } from '../exceptions.js';
import { MAX_CONTROL_PAYLOAD } from './opcodes.js';
import { isValidUtf8 } from './utf8.js';

/** What {@link isValidWireCloseCode} accepts, for error messages. */
const WIRE_CLOSE_CODES = '1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)';

/**
 * True when `code` may be sent in a close frame (RFC 6455 §7.4.1, §7.4.2, IANA
 * registry): 1000-1003, 1007-1014 and 3000-4999. 1004 (reserved), 1005, 1006
 * and 1015 (reserved for local reporting, never sent), 1016-2999 (reserved
 * for future RFCs), 0-999 and 5000+ (unused) are not.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/**
 * Decode a received close frame payload (RFC 6455 §5.5.1): an empty payload
 * carries no code; otherwise a 2-byte big-endian code, then a UTF-8 reason.
 *
 * @param skipUtf8Validation when true, an invalid reason is decoded with
 *   U+FFFD replacements instead of being rejected.
 * @throws WebSocketProtocolException (closeCode 1002) for a 1-byte payload or a
 *   code not allowed on the wire.
 * @throws WebSocketPayloadException (closeCode 1007) for a reason that is not
 *   valid UTF-8.
 */
export function decodeClosePayload(
  payload: Uint8Array,
  skipUtf8Validation = false,
): { code: number | null; reason: string } {
  if (payload.length === 0) return { code: null, reason: '' };
  if (payload.length === 1) {
    throw createError('WS_ERR_INVALID_CLOSE_PAYLOAD', 'close frame payload of 1 byte: expected none or a 2-byte status code (RFC 6455 §5.5.1)');
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) {
    throw createError('WS_ERR_INVALID_CLOSE_CODE', `close code ${code} is not allowed on the wire: expected ${WIRE_CLOSE_CODES}`);
  }
  const reasonBytes = payload.subarray(2);
  if (!skipUtf8Validation && !isValidUtf8(reasonBytes)) {
    throw createError('WS_ERR_INVALID_UTF8', `close reason of ${reasonBytes.length} bytes is not valid UTF-8 (RFC 6455 §5.5.1)`);
  }
  const reason = Buffer.from(reasonBytes.buffer, reasonBytes.byteOffset, reasonBytes.length).toString('utf8');
  return { code, reason };
}

/**
 * Encode a close frame payload (RFC 6455 §5.5.1): the code as 2 big-endian
 * bytes, then the reason (a string is UTF-8 encoded; bytes are sent as given).
 * A `null` code gives an empty payload, which cannot carry a reason.
 *
 * @throws WebSocketProtocolException when the code may not be sent (see
 *   {@link isValidWireCloseCode}), a reason comes without a code, or the
 *   payload would exceed 125 bytes.
 */
export function encodeClosePayload(code: number | null, reason: string | Uint8Array = ''): Buffer {
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason;
  if (code === null) {
    if (reasonBytes.length > 0) {
      throw createError(
        'WS_ERR_CLOSE_REASON_WITHOUT_CODE',
        `close reason of ${reasonBytes.length} bytes without a status code: a reason needs a code (RFC 6455 §5.5.1)`,
      );
    }
    return Buffer.alloc(0);
  }
  if (!isValidWireCloseCode(code)) {
    throw createError('WS_ERR_UNSENDABLE_CLOSE_CODE', `close code ${code} cannot be sent: expected ${WIRE_CLOSE_CODES}`);
  }
  const length = 2 + reasonBytes.length;
  if (length > MAX_CONTROL_PAYLOAD) {
    throw createError(
      'WS_ERR_CONTROL_PAYLOAD_TOO_LONG',
      `close payload of ${length} bytes (code + ${reasonBytes.length}-byte reason) exceeds 125 (RFC 6455 §5.5)`,
    );
  }
  const payload = Buffer.allocUnsafe(length);
  payload.writeUInt16BE(code, 0);
  payload.set(reasonBytes, 2);
  return payload;
}
