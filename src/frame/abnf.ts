/**
 * `ABNF`: one WebSocket frame as an object, named after the frame grammar of
 * RFC 6455 §5.2 like websocket-client's class. `format()` encodes anything the
 * header can express (also frames the RFC forbids, to test servers with);
 * `validate()` applies the receive rules.
 */
import { createError } from '../exceptions.js';
import { toBuffer } from './bytes.js';
import { CloseCode } from './close-codes.js';
import { decodeClosePayload } from './close.js';
import { encodeFrame, randomMaskKey } from './encoder.js';
import { maskInto } from './mask.js';
import {
  MAX_CONTROL_PAYLOAD,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONT,
  OPCODE_NAMES,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from './opcodes.js';
import type { FrameHeader } from './parser.js';
import { isValidUtf8 } from './utf8.js';

/** A header bit: 0 or 1. */
export type Bit = 0 | 1;

/** Fields of a new {@link ABNF}; every one is optional. */
export interface ABNFInit {
  /** Default 1 (the last frame of its message). */
  fin?: Bit;
  rsv1?: Bit;
  rsv2?: Bit;
  rsv3?: Bit;
  /** Default `ABNF.OPCODE_TEXT`. */
  opcode?: number;
  /** 1 (default): `format()` masks the payload with a key from `getMaskKey`. */
  mask?: Bit;
  /** The payload; a string is UTF-8 encoded. Default empty. */
  data?: string | Uint8Array;
}

const RSV_BITS = ['rsv1', 'rsv2', 'rsv3'] as const;

/** One frame: header fields, payload, and the codec to and from the wire. */
export class ABNF {
  static readonly OPCODE_CONT = OPCODE_CONT;
  static readonly OPCODE_TEXT = OPCODE_TEXT;
  static readonly OPCODE_BINARY = OPCODE_BINARY;
  static readonly OPCODE_CLOSE = OPCODE_CLOSE;
  static readonly OPCODE_PING = OPCODE_PING;
  static readonly OPCODE_PONG = OPCODE_PONG;
  /** The opcodes RFC 6455 §5.2 defines; the others are reserved. */
  static readonly OPCODES: readonly number[] = Object.freeze([OPCODE_CONT, OPCODE_TEXT, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG]);
  /** Opcode -> name, as websocket-client spells them. */
  static readonly OPCODE_MAP: Readonly<Record<number, string>> = OPCODE_NAMES;

  // Close status codes under websocket-client's names; CloseCode (frame/close-codes.ts) names them too.
  static readonly STATUS_NORMAL = CloseCode.NORMAL;
  static readonly STATUS_GOING_AWAY = CloseCode.GOING_AWAY;
  static readonly STATUS_PROTOCOL_ERROR = CloseCode.PROTOCOL_ERROR;
  static readonly STATUS_UNSUPPORTED_DATA_TYPE = CloseCode.UNSUPPORTED_DATA;
  /** Never sent: reports a close frame that carried no code. */
  static readonly STATUS_STATUS_NOT_AVAILABLE = CloseCode.NO_STATUS;
  /** Never sent: reports a connection lost without a close frame. */
  static readonly STATUS_ABNORMAL_CLOSED = CloseCode.ABNORMAL_CLOSURE;
  static readonly STATUS_INVALID_PAYLOAD = CloseCode.INVALID_PAYLOAD;
  static readonly STATUS_POLICY_VIOLATION = CloseCode.POLICY_VIOLATION;
  static readonly STATUS_MESSAGE_TOO_BIG = CloseCode.MESSAGE_TOO_BIG;
  static readonly STATUS_INVALID_EXTENSION = CloseCode.MANDATORY_EXTENSION;
  static readonly STATUS_UNEXPECTED_CONDITION = CloseCode.INTERNAL_ERROR;
  static readonly STATUS_SERVICE_RESTART = CloseCode.SERVICE_RESTART;
  static readonly STATUS_TRY_AGAIN_LATER = CloseCode.TRY_AGAIN_LATER;
  static readonly STATUS_BAD_GATEWAY = CloseCode.BAD_GATEWAY;
  /** Never sent: reports a failed TLS handshake. */
  static readonly STATUS_TLS_HANDSHAKE_ERROR = CloseCode.TLS_HANDSHAKE;
  /** The registered codes that may be sent in a close frame; 3000-4999 are allowed as well. */
  static readonly VALID_CLOSE_STATUS: readonly number[] = Object.freeze([
    CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.PROTOCOL_ERROR, CloseCode.UNSUPPORTED_DATA,
    CloseCode.INVALID_PAYLOAD, CloseCode.POLICY_VIOLATION, CloseCode.MESSAGE_TOO_BIG, CloseCode.MANDATORY_EXTENSION,
    CloseCode.INTERNAL_ERROR, CloseCode.SERVICE_RESTART, CloseCode.TRY_AGAIN_LATER, CloseCode.BAD_GATEWAY,
  ]);

  fin: Bit;
  rsv1: Bit;
  rsv2: Bit;
  rsv3: Bit;
  opcode: number;
  mask: Bit;
  /** The payload: a Buffer when received; a string assigned here is sent UTF-8 encoded. */
  data: Buffer | string;
  /** Source of masking keys for `format()`; default: 4 bytes from the CSPRNG (RFC 6455 §10.3). */
  getMaskKey: (length: number) => Uint8Array = randomMaskKey;

  constructor(init: ABNFInit = {}) {
    this.fin = init.fin ?? 1;
    this.rsv1 = init.rsv1 ?? 0;
    this.rsv2 = init.rsv2 ?? 0;
    this.rsv3 = init.rsv3 ?? 0;
    this.opcode = init.opcode ?? ABNF.OPCODE_TEXT;
    this.mask = init.mask ?? 1;
    this.data = toBuffer(init.data ?? '');
  }

  /** A frame to send: masked, rsv 0; a string is UTF-8 encoded. */
  static createFrame(data: string | Uint8Array, opcode: number, fin: Bit = 1): ABNF {
    return new ABNF({ fin, opcode, mask: 1, data });
  }

  /** The frame a {@link FrameParser} decoded: its header and its (unmasked) payload. */
  static fromParsed(header: FrameHeader, payload: Buffer): ABNF {
    return new ABNF({
      fin: header.fin ? 1 : 0,
      rsv1: header.rsv1 ? 1 : 0,
      rsv2: header.rsv2 ? 1 : 0,
      rsv3: header.rsv3 ? 1 : 0,
      opcode: header.opcode,
      mask: header.masked ? 1 : 0,
      data: payload,
    });
  }

  /**
   * XOR `data` with the 4-byte `maskKey` (RFC 6455 §5.3) into a new Buffer;
   * `data` is not modified. The same call unmasks.
   *
   * @throws WebSocketProtocolException when the key is not 4 bytes.
   */
  static mask(maskKey: Uint8Array, data: Uint8Array): Buffer {
    if (maskKey.length !== 4) {
      throw createError(
        'WS_ERR_INVALID_MASK_KEY',
        `cannot mask with a ${maskKey.length}-byte key: expected 4 bytes (RFC 6455 §5.3)`,
      );
    }
    const out = Buffer.allocUnsafe(data.length);
    maskInto(data, maskKey, out);
    return out;
  }

  /**
   * The wire bytes of this frame (RFC 6455 §5.2): 7-, 16- or 64-bit length,
   * masked with `getMaskKey(4)` when `mask` is 1. Encodes frames that
   * `validate()` rejects (reserved opcodes and rsv bits, fragmented or
   * oversize control frames, bad close codes).
   *
   * @throws WebSocketProtocolException only for what cannot be encoded: a bit
   *   field that is not 0 or 1, an opcode outside 0-15, a key not 4 bytes.
   */
  format(): Buffer {
    for (const field of ['fin', 'rsv1', 'rsv2', 'rsv3', 'mask'] as const) {
      const bit: unknown = this[field];
      if (bit !== 0 && bit !== 1) {
        throw createError('WS_ERR_INVALID_FRAME_FIELD', `cannot encode ${field}=${String(bit)}: expected 0 or 1`);
      }
    }
    const masked = this.mask === 1;
    // The default key source writes its key straight into the frame.
    const randomMask = masked && this.getMaskKey === randomMaskKey;
    return encodeFrame(this.opcode, toBuffer(this.data), {
      fin: this.fin === 1,
      rsv1: this.rsv1 === 1,
      rsv2: this.rsv2 === 1,
      rsv3: this.rsv3 === 1,
      maskKey: masked && !randomMask ? this.getMaskKey(4) : null,
      randomMask,
    });
  }

  /**
   * Check this frame against the receive rules of RFC 6455.
   *
   * @param skipUtf8Validation do not check that close reasons and fin=1 text
   *   frames are UTF-8.
   * @param allowedRsv rsv bits a negotiated extension uses (4 = rsv1, 2 = rsv2,
   *   1 = rsv3); default none.
   * @throws WebSocketProtocolException (closeCode 1002) for an rsv bit not
   *   negotiated, a reserved opcode, a control frame with fin=0 or a payload
   *   over 125 bytes, a 1-byte close payload, a close code not allowed on the wire.
   * @throws WebSocketPayloadException (closeCode 1007) for invalid UTF-8 in a
   *   close reason or in a text frame with fin=1.
   */
  validate(skipUtf8Validation = false, allowedRsv = 0): void {
    const bits = [this.rsv1, this.rsv2, this.rsv3];
    for (let i = 0; i < 3; i++) {
      if (bits[i] !== 0 && (allowedRsv & (4 >> i)) === 0) {
        throw createError('WS_ERR_UNEXPECTED_RSV', `${RSV_BITS[i]} set but no extension negotiated it (RFC 6455 §5.2)`);
      }
    }
    const opcode = this.opcode;
    if (!ABNF.OPCODES.includes(opcode)) {
      const shown = Number.isInteger(opcode) && opcode >= 0 ? `0x${opcode.toString(16)}` : String(opcode);
      throw createError('WS_ERR_INVALID_OPCODE', `reserved opcode ${shown}: expected one of 0x0-0x2, 0x8-0xa (RFC 6455 §5.2)`);
    }
    const data = toBuffer(this.data);
    if (opcode >= 8) {
      const name = OPCODE_NAMES[opcode];
      if (this.fin !== 1) {
        throw createError('WS_ERR_FRAGMENTED_CONTROL', `control frame (${name}) with fin=0: control frames must not be fragmented (RFC 6455 §5.5)`);
      }
      if (data.length > MAX_CONTROL_PAYLOAD) {
        throw createError('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', `control frame (${name}) payload of ${data.length} bytes exceeds 125 (RFC 6455 §5.5)`);
      }
      if (opcode === ABNF.OPCODE_CLOSE) decodeClosePayload(data, skipUtf8Validation);
    } else if (opcode === ABNF.OPCODE_TEXT && this.fin === 1 && !skipUtf8Validation && !isValidUtf8(data)) {
      throw createError('WS_ERR_INVALID_UTF8', `text frame of ${data.length} bytes is not valid UTF-8 (RFC 6455 §8.1)`);
    }
  }

  /** `fin=1 opcode=1 data=...`, as websocket-client prints frames in traces. */
  toString(): string {
    const data = toBuffer(this.data);
    const shown = this.opcode === ABNF.OPCODE_TEXT ? JSON.stringify(data.toString('utf8')) : `0x${data.toString('hex')}`;
    return `fin=${this.fin} opcode=${this.opcode} data=${shown}`;
  }
}
