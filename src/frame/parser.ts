/**
 * Incremental frame decoder (RFC 6455 §5.2): bytes in any chunking, frames out
 * through a handler. Headers are checked as soon as their bytes are in; data
 * payloads are handed on piece by piece as views into the pushed chunks,
 * unmasked in place, so a message is never copied here. A whole short data
 * frame may instead be offered to the handler in one call, header rules
 * checked, so that the commonest frame costs no per-piece bookkeeping.
 */
import { createError } from '../exceptions.js';
import { maskInPlace } from './mask.js';
import { MAX_CONTROL_PAYLOAD, OPCODE_NAMES } from './opcodes.js';

/** The fields of one frame header, as received. */
export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Payload length in bytes (at most `maxPayload`). */
  payloadLength: number;
}

/** Receives what the parser decodes, synchronously from `push`. */
export interface FrameHandler {
  /**
   * Called once per frame, as soon as its header is complete and has passed
   * the header rules. `header` is one object per parser, overwritten for
   * every frame (no allocation per frame): copy its fields to keep them.
   */
  onHeader(header: Readonly<FrameHeader>): void;
  /**
   * Payload pieces in order, already unmasked. Data frames (opcode 0/1/2):
   * each piece as it arrives, a view into the pushed chunk (no copy),
   * unmasked in place; `frameEnd` is true on the last piece. Control frames
   * (8/9/10): exactly one call with the whole payload (buffered if it spans
   * chunks). A zero-length frame gets one call with an empty buffer and
   * `frameEnd` true.
   */
  onPayload(piece: Buffer, frameEnd: boolean): void;
  /**
   * Optional: when present, data frame payloads come here instead of
   * `onPayload`, as the range [start, end) of the pushed chunk (unmasked in
   * place), so no view is made per piece; same pieces, same order, same
   * `frameEnd`. Control frames still go to `onPayload`.
   */
  onPayloadRange?(chunk: Buffer, start: number, end: number, frameEnd: boolean): void;
  /**
   * Optional: a whole short data frame. When a pushed chunk holds the complete
   * header and the complete payload of a data frame (opcode 0/1/2) of at most
   * {@link WHOLE_FRAME_LIMIT} bytes, the parser offers it here first, after
   * every header rule has passed, its payload [start, end) of `chunk`
   * unmasked in place. Return true to take the frame: it is then done with,
   * and `onHeader` and the payload calls are not made for it. Return false to
   * decline: the frame comes through `onHeader` and the payload calls as
   * usual (already unmasked). `header` is the reused object of `onHeader`.
   */
  onWholeFrame?(header: Readonly<FrameHeader>, chunk: Buffer, start: number, end: number): boolean;
}

/** Limits and negotiated options of a {@link FrameParser}. */
export interface FrameParserOptions {
  /**
   * Largest frame payload in bytes; default 64 MiB. A larger declared length is
   * a WebSocketPayloadException (closeCode 1009) from the header alone. May be
   * `Infinity`; lengths of 2^53 bytes or more are refused in any case.
   */
  maxPayload?: number;
  /**
   * Accept (and unmask) masked frames. Default false: server-to-client frames
   * must not be masked (RFC 6455 §5.1). True for a server side or symmetric tests.
   */
  acceptMasked?: boolean;
  /** RSV bits a negotiated extension uses: 4 = rsv1, 2 = rsv2, 1 = rsv3. Default 0. */
  allowedRsv?: number;
}

/**
 * Largest payload of a data frame offered whole to {@link FrameHandler.onWholeFrame}.
 * Small frames, the many short messages of chat, games and RPC, are where
 * the per-frame bookkeeping costs most next to the bytes themselves.
 */
export const WHOLE_FRAME_LIMIT = 4096;
/** Default largest payload: 64 MiB (of a frame here, of a message in the session). */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Largest header: 2 bytes, 8-byte extended length, 4-byte masking key. */
const MAX_HEADER_LENGTH = 14;
const TWO_TO_32 = 0x1_0000_0000;
/** High word of a 64-bit length from which the length is 2^53 or more. */
const UNSAFE_HIGH_WORD = 0x20_0000;
const EMPTY = Buffer.alloc(0);

const RSV_NAMES: Record<number, string> = { 4: 'rsv1', 2: 'rsv2', 1: 'rsv3' };

/** Bytes a header occupies, known from its second byte. */
function headerLength(byte1: number): number {
  const length7 = byte1 & 0x7f;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (byte1 & 0x80 ? 4 : 0);
}

/**
 * Decodes frames from a byte stream. Every header rule of RFC 6455 §5.2 is
 * enforced before the frame's payload is read:
 * rsv bits not negotiated (`allowedRsv`); reserved opcodes 0x3-0x7, 0xB-0xF;
 * a control frame with fin=0 or a payload over 125 bytes (§5.5); a masked frame
 * unless `acceptMasked` (§5.1); a 64-bit length with the top bit set; a length
 * over `maxPayload`. The first violation throws and kills the parser.
 */
export class FrameParser {
  private readonly handler: FrameHandler;
  /** The handler takes data payloads as ranges (`onPayloadRange`). */
  private readonly takesRanges: boolean;
  /** The handler may take whole short data frames (`onWholeFrame`). */
  private readonly takesWholeFrames: boolean;
  private maxPayload = DEFAULT_MAX_PAYLOAD;
  private acceptMasked = false;
  private allowedRsv = 0;

  /** The header handed to `onHeader`, reused for every frame. */
  private readonly header: FrameHeader = { fin: false, rsv1: false, rsv2: false, rsv3: false, opcode: 0, masked: false, payloadLength: 0 };

  /** The error that killed the parser, thrown again by every later push. */
  private failure: unknown = null;
  /** Set by {@link interrupt}: the push in progress returns after the current step. */
  private interrupted = false;

  /** Header bytes gathered so far when a header spans chunks (made the first time one does: an idle connection holds none). */
  private headerBytes: Buffer | null = null;
  private headerFill = 0;

  /** True while the payload of the current frame is being read. */
  private inPayload = false;
  private isControl = false;
  private masked = false;
  /** The current frame's masking key, made at the first masked frame (a server's frames are not masked). */
  private maskKey: Uint8Array | null = null;
  private maskPhase = 0;
  /** Payload bytes of the current frame not yet seen. */
  private remaining = 0;
  /** A control payload that spans chunks, and how much of it has arrived. */
  private controlPayload: Buffer | null = null;
  private controlFill = 0;

  constructor(handler: FrameHandler, options?: FrameParserOptions) {
    this.handler = handler;
    this.takesRanges = typeof handler.onPayloadRange === 'function';
    this.takesWholeFrames = typeof handler.onWholeFrame === 'function';
    if (options !== undefined) this.setOptions(options);
  }

  /** True when no partial frame is buffered (between frames). */
  get idle(): boolean {
    return !this.inPayload && this.headerFill === 0;
  }

  /**
   * Change limits after extension negotiation. Applies from the next header.
   *
   * @throws RangeError for a `maxPayload` that is not a non-negative integer or
   *   Infinity, or an `allowedRsv` outside 0-7.
   */
  setOptions(options: Partial<FrameParserOptions>): void {
    if (options.maxPayload !== undefined) {
      const max = options.maxPayload;
      if (!(max === Infinity || (Number.isSafeInteger(max) && max >= 0))) {
        throw new RangeError(`expected maxPayload to be a non-negative integer or Infinity, got ${max}`);
      }
      this.maxPayload = max;
    }
    if (options.allowedRsv !== undefined) {
      const rsv = options.allowedRsv;
      if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) {
        throw new RangeError(`expected allowedRsv to be a bit mask 0-7, got ${rsv}`);
      }
      this.allowedRsv = rsv;
    }
    if (options.acceptMasked !== undefined) this.acceptMasked = options.acceptMasked;
  }

  /**
   * Feed bytes; the handler is called synchronously. Data payloads are
   * unmasked in place in `chunk`.
   *
   * @param start where in `chunk` the bytes to parse begin (the rest of a
   *   chunk whose parse was interrupted, pushed again without a view of it).
   * @returns the offset in `chunk` up to which it was consumed: its length,
   *   unless the handler called {@link interrupt}; the caller then pushes the
   *   rest later.
   * @throws WebSocketProtocolException (closeCode 1002) or
   *   WebSocketPayloadException (closeCode 1009) at the first violation, and
   *   the same error on every later push. An error thrown by the handler
   *   propagates and likewise kills the parser.
   */
  push(chunk: Uint8Array, start = 0): number {
    if (this.failure !== null) throw this.failure;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      let pos = start;
      const end = bytes.length;
      while (pos < end) {
        pos = this.inPayload ? this.readPayload(bytes, pos) : this.readHeader(bytes, pos);
        if (this.interrupted) {
          this.interrupted = false;
          return pos;
        }
      }
      return end;
    } catch (error) {
      this.interrupted = false;
      this.failure = error;
      throw error;
    }
  }

  /**
   * Called by the handler during a {@link push}: the push returns as soon as
   * the handler call in progress returns, with the bytes consumed so far (so
   * a consumer can stop after a frame and keep the rest of the chunk as bytes).
   */
  interrupt(): void {
    this.interrupted = true;
  }

  /** Undo an {@link interrupt} made during the same handler call. */
  cancelInterrupt(): void {
    this.interrupted = false;
  }

  private readHeader(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    if (this.headerFill === 0 && available >= 2) {
      const needed = headerLength(chunk[pos + 1]);
      if (available >= needed) {
        this.decodeHeader(chunk, pos);
        const start = pos + needed;
        if (this.takesWholeFrames && this.remaining <= WHOLE_FRAME_LIMIT && this.remaining <= available - needed && this.header.fin && !this.isControl) {
          const end = this.offerWholeFrame(chunk, start);
          if (end !== -1) return end;
        }
        this.announceFrame();
        return start;
      }
    }
    // The header spans chunks: gather it, checking the first two bytes as soon as they are in.
    const gathered = (this.headerBytes ??= Buffer.alloc(MAX_HEADER_LENGTH));
    let fill = this.headerFill;
    const end = chunk.length;
    if (fill < 2) {
      while (fill < 2 && pos < end) gathered[fill++] = chunk[pos++];
      if (fill < 2) {
        this.headerFill = fill;
        return pos;
      }
      this.checkFirstBytes(gathered[0], gathered[1]);
    }
    const needed = headerLength(gathered[1]);
    const take = Math.min(needed - fill, end - pos);
    gathered.set(chunk.subarray(pos, pos + take), fill);
    fill += take;
    pos += take;
    if (fill < needed) {
      this.headerFill = fill;
      return pos;
    }
    this.headerFill = 0;
    this.decodeHeader(gathered, 0);
    this.announceFrame();
    return pos;
  }

  /** RFC 6455 §5.2 rules that the first two header bytes decide. */
  private checkFirstBytes(byte0: number, byte1: number): void {
    const stray = (byte0 >>> 4) & 7 & ~this.allowedRsv;
    if (stray !== 0) {
      const bit = stray & 4 ? 4 : stray & 2 ? 2 : 1;
      throw createError('WS_ERR_UNEXPECTED_RSV', `${RSV_NAMES[bit]} set but no extension negotiated it (RFC 6455 §5.2)`);
    }
    const opcode = byte0 & 0x0f;
    if ((opcode > 2 && opcode < 8) || opcode > 10) {
      throw createError('WS_ERR_INVALID_OPCODE', `reserved opcode 0x${opcode.toString(16)} (RFC 6455 §5.2)`);
    }
    if (opcode >= 8 && (byte0 & 0x80) === 0) {
      throw createError(
        'WS_ERR_FRAGMENTED_CONTROL',
        `control frame (${OPCODE_NAMES[opcode]}) with fin=0: control frames must not be fragmented (RFC 6455 §5.5)`,
      );
    }
    if (byte1 & 0x80 && !this.acceptMasked) {
      throw createError('WS_ERR_MASKED_FRAME', 'masked frame from server (RFC 6455 §5.1)');
    }
  }

  /**
   * A whole short final data frame, payload at [start, start + length) of
   * `chunk`: unmasked, then offered to the handler. Returns where the next
   * frame starts if the handler took it, -1 if it declined (the frame then
   * goes on as any other, its payload no longer masked).
   */
  private offerWholeFrame(chunk: Buffer, start: number): number {
    const end = start + this.remaining;
    if (this.masked) {
      maskInPlace(chunk.subarray(start, end), this.maskKey as Uint8Array, 0);
      this.masked = false;
    }
    if (!(this.handler as Required<FrameHandler>).onWholeFrame(this.header, chunk, start, end)) return -1;
    this.remaining = 0;
    this.inPayload = false;
    return end;
  }

  /** Decode and check a complete header at `source[at]`; the parser is then set to read its payload. */
  private decodeHeader(source: Uint8Array, at: number): void {
    const byte0 = source[at];
    const byte1 = source[at + 1];
    this.checkFirstBytes(byte0, byte1);
    const opcode = byte0 & 0x0f;
    let length = byte1 & 0x7f;
    /** A 64-bit length of 2^53 or more, exact, for the error message; such a length is always refused. */
    let unsafeLength: bigint | null = null;
    let p = at + 2;
    if (length === 126) {
      length = (source[p] << 8) | source[p + 1];
      p += 2;
    } else if (length === 127) {
      const high = source[p] * 0x100_0000 + ((source[p + 1] << 16) | (source[p + 2] << 8) | source[p + 3]);
      const low = source[p + 4] * 0x100_0000 + ((source[p + 5] << 16) | (source[p + 6] << 8) | source[p + 7]);
      p += 8;
      if (high >= 0x8000_0000) {
        const bits = `0x${high.toString(16)}${low.toString(16).padStart(8, '0')}`;
        throw createError('WS_ERR_INVALID_PAYLOAD_LENGTH', `64-bit payload length ${bits} has the most significant bit set (RFC 6455 §5.2)`);
      }
      if (high >= UNSAFE_HIGH_WORD) unsafeLength = (BigInt(high) << 32n) | BigInt(low);
      length = high * TWO_TO_32 + low;
    }
    const isControl = opcode >= 8;
    if (isControl && length > MAX_CONTROL_PAYLOAD) {
      throw createError(
        'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
        `control frame (${OPCODE_NAMES[opcode]}) payload of ${unsafeLength ?? length} bytes exceeds 125 (RFC 6455 §5.5)`,
      );
    }
    if (unsafeLength !== null || length > this.maxPayload) {
      const limit = this.maxPayload === Infinity ? 'the largest safe length 2^53-1' : `maxPayload ${this.maxPayload}`;
      throw createError('WS_ERR_MESSAGE_TOO_BIG', `frame payload of ${unsafeLength ?? length} bytes exceeds ${limit}`);
    }
    const masked = (byte1 & 0x80) !== 0;
    if (masked) {
      const key = (this.maskKey ??= new Uint8Array(4));
      key[0] = source[p];
      key[1] = source[p + 1];
      key[2] = source[p + 2];
      key[3] = source[p + 3];
    }
    this.masked = masked;
    this.maskPhase = 0;
    this.isControl = isControl;
    this.remaining = length;
    this.inPayload = length > 0;

    const header = this.header;
    header.fin = (byte0 & 0x80) !== 0;
    header.rsv1 = (byte0 & 0x40) !== 0;
    header.rsv2 = (byte0 & 0x20) !== 0;
    header.rsv3 = (byte0 & 0x10) !== 0;
    header.opcode = opcode;
    header.masked = masked;
    header.payloadLength = length;
  }

  /** Hand the decoded header on; a frame with no payload ends here. */
  private announceFrame(): void {
    this.handler.onHeader(this.header);
    if (this.remaining === 0) {
      if (this.takesRanges && !this.isControl) (this.handler as Required<FrameHandler>).onPayloadRange(EMPTY, 0, 0, true);
      else this.handler.onPayload(EMPTY, true);
    }
  }

  private readPayload(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    const remaining = this.remaining;
    if (this.isControl) return this.readControlPayload(chunk, pos, available);

    const take = remaining < available ? remaining : available;
    const stop = pos + take;
    const whole = pos === 0 && take === chunk.length;
    if (this.masked) this.maskPhase = maskInPlace(whole ? chunk : chunk.subarray(pos, stop), this.maskKey as Uint8Array, this.maskPhase);
    const left = remaining - take;
    this.remaining = left;
    if (left === 0) this.inPayload = false;
    if (this.takesRanges) (this.handler as Required<FrameHandler>).onPayloadRange(chunk, pos, stop, left === 0);
    else this.handler.onPayload(whole ? chunk : chunk.subarray(pos, stop), left === 0);
    return stop;
  }

  /** Control payloads are delivered whole (at most 125 bytes, RFC 6455 §5.5). */
  private readControlPayload(chunk: Buffer, pos: number, available: number): number {
    const remaining = this.remaining;
    let payload = this.controlPayload;
    if (payload === null && available >= remaining) {
      const piece = chunk.subarray(pos, pos + remaining);
      this.finishControl(piece);
      return pos + remaining;
    }
    if (payload === null) {
      payload = Buffer.allocUnsafe(remaining);
      this.controlPayload = payload;
      this.controlFill = 0;
    }
    const take = Math.min(payload.length - this.controlFill, available);
    payload.set(chunk.subarray(pos, pos + take), this.controlFill);
    this.controlFill += take;
    if (this.controlFill === payload.length) {
      this.controlPayload = null;
      this.finishControl(payload);
    } else {
      this.remaining = payload.length - this.controlFill;
    }
    return pos + take;
  }

  private finishControl(payload: Buffer): void {
    if (this.masked) maskInPlace(payload, this.maskKey as Uint8Array, 0);
    this.remaining = 0;
    this.inPayload = false;
    this.handler.onPayload(payload, true);
  }
}
