/**
 * The frame layer, `rfc6455/frame`: RFC 6455 §5 frames with no I/O — build and
 * parse frames, mask payloads, validate UTF-8, encode and decode close payloads.
 * For testing servers with hand-made frames and for benchmarking frames.
 */
export { ABNF } from './abnf.js';
export type { ABNFInit, Bit } from './abnf.js';
export {
  OPCODE_CONT,
  OPCODE_TEXT,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_NAMES,
  MAX_CONTROL_PAYLOAD,
} from './opcodes.js';
export { encodeFrame, encodeTextFrame, randomMaskKey } from './encoder.js';
export type { EncodeOptions } from './encoder.js';
export { FrameParser, DEFAULT_MAX_PAYLOAD } from './parser.js';
export type { FrameHeader, FrameHandler, FrameParserOptions } from './parser.js';
export { maskInPlace, maskInto } from './mask.js';
export { Utf8Validator, isValidUtf8 } from './utf8.js';
export { isValidWireCloseCode, decodeClosePayload, encodeClosePayload } from './close.js';
export { CloseCode } from './close-codes.js';
