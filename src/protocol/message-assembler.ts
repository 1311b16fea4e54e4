/**
 * The data messages of a client session: each data frame checked against the
 * fragmentation rules (RFC 6455 §5.4) and the size limits as soon as its header
 * is read, its payload gathered or handed out frame by frame, text checked as
 * UTF-8 while it arrives (§8.1), a compressed message inflated once complete
 * (RFC 7692 §7.2.2), and every message handed to the handler once complete.
 * Violations are thrown (the session fails the connection).
 */
import { createError } from '../exceptions.js';
import { OPCODE_BINARY, OPCODE_CONT, OPCODE_TEXT } from '../frame/opcodes.js';
import type { FrameHeader } from '../frame/parser.js';
import { Utf8Validator } from '../frame/utf8.js';
import type { HandlerCalls } from './handler-calls.js';
import { PayloadBuffer } from './payload-buffer.js';
import type { MessageCompression } from './session-options.js';

/**
 * Largest one-frame message gathered as a view of the reads it arrived in
 * ({@link MessageAssembler.held}): a larger one pins arenas for longer than
 * copying it costs.
 */
const HOLD_MAX_BYTES = 256 * 1024;

/** How the current data message is handed out. */
const DELIVER_MESSAGE = 0;
const DELIVER_FRAGMENTS = 1;
const DELIVER_FRAMES = 2;

/** The limits and settings of a session that concern its data messages (already checked). */
export interface AssemblyLimits {
  maxPayload: number;
  maxFragments: number;
  skipUtf8Validation: boolean;
  compression: MessageCompression | null;
  /** The pieces stay valid after the call that gave them (`SessionOptions.ownsChunks`): views of them may be kept. */
  ownsChunks: boolean;
}

/**
 * Most compressed bytes accepted for a message of at most `maxPayload` bytes:
 * incompressible data grows a little when deflated (5 bytes per stored block).
 */
function compressedLimit(maxPayload: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, maxPayload + Math.ceil(maxPayload / 1024) + 64);
}

/** Largest message on the wire: `maxPayload`, or a little more for compressed messages. */
export function wireLimitOf(maxPayload: number, compression: MessageCompression | null): number {
  return compression === null ? maxPayload : compressedLimit(maxPayload);
}

function opcodeName(opcode: number): string {
  return opcode === OPCODE_TEXT ? 'text' : opcode === OPCODE_BINARY ? 'binary' : 'continuation';
}

export class MessageAssembler {
  /** Largest message on the wire: `maxPayload`, or a little more for compressed messages. */
  readonly wireLimit: number;
  private readonly maxPayload: number;
  private readonly maxFragments: number;
  private readonly skipUtf8Validation: boolean;
  private readonly compression: MessageCompression | null;
  private readonly ownsChunks: boolean;
  // Made on first use: an idle connection holds none of them.
  private validatorMade: Utf8Validator | null = null;
  private payloadMade: PayloadBuffer | null = null;
  /** A compressed message's bytes, collected apart when its frames are delivered one by one. */
  private compressedPayloadMade: PayloadBuffer | null = null;
  /**
   * The payload received so far of a one-frame message that reads split, as
   * a view of the read buffer it arrived in (null: none). The next piece, when
   * it arrived right after it in the same memory (consecutive reads into one
   * arena), extends it instead of both being copied; otherwise it is copied
   * into the payload buffer and gathering goes on there.
   */
  private held: Buffer | null = null;

  // The frame being received.
  private frameOpcode = 0;
  private frameFin = true;
  /** rsv1..rsv3 as bits 2..0. */
  private frameRsv = 0;
  private frameRemaining = 0;
  /** Payload length of the frame being received. */
  private frameLength = 0;

  // The message being received.
  private continuationExpected = false;
  private messageOpcode = 0;
  private messageLength = 0;
  private messageReceived = 0;
  private fragmentCount = 0;
  /** Payload lengths of the frames of the uncompressed fragmented message being reassembled (null until its first frame ends). */
  private frameSizes: number[] | null = null;
  private delivery = DELIVER_MESSAGE;
  private validating = false;
  /** The message has rsv1 set on its first frame (RFC 7692 §6). */
  private compressed = false;

  constructor(
    /** The session, through which every hook is called. */
    private readonly hooks: HandlerCalls,
    limits: AssemblyLimits,
  ) {
    this.maxPayload = limits.maxPayload;
    this.maxFragments = limits.maxFragments;
    this.skipUtf8Validation = limits.skipUtf8Validation;
    this.compression = limits.compression;
    this.ownsChunks = limits.ownsChunks;
    this.wireLimit = wireLimitOf(this.maxPayload, this.compression);
  }

  private get validator(): Utf8Validator {
    return (this.validatorMade ??= new Utf8Validator());
  }

  private get payload(): PayloadBuffer {
    return (this.payloadMade ??= new PayloadBuffer(this.wireLimit));
  }

  private get compressedPayload(): PayloadBuffer {
    return (this.compressedPayloadMade ??= new PayloadBuffer(this.wireLimit));
  }

  /** Frames complete so far of an uncompressed fragmented message delivered whole; else 0 (see `ClientSession.messageFramesReceived`). */
  get framesSoFar(): number {
    return this.continuationExpected && this.delivery === DELIVER_MESSAGE && !this.compressed ? this.fragmentCount : 0;
  }

  /**
   * True when the next `bytes` bytes of input all belong to the payload of the
   * frame in progress and go into the buffer that gathers its message: a chunk
   * of that size is copied whole, and nothing keeps a view of it.
   */
  gathersNext(bytes: number): boolean {
    // A message held as a view (held) has nothing in the payload buffer yet, so it never counts here.
    return this.frameRemaining >= bytes && this.delivery === DELIVER_MESSAGE && this.payloadMade !== null && this.payloadMade.length > 0;
  }

  /** Bytes of incomplete payload held. */
  get bufferedBytes(): number {
    return (this.payloadMade?.held ?? 0) + (this.compressedPayloadMade?.held ?? 0) + (this.held?.length ?? 0);
  }

  /**
   * The header of a data frame (the parser already checked the §5.2 header
   * rules). `rawFrames` / `fireContFrame`: how a message starting here is handed out.
   */
  startFrame(header: FrameHeader, rawFrames: boolean, fireContFrame: boolean): void {
    const opcode = header.opcode;
    this.frameOpcode = opcode;
    this.frameFin = header.fin;
    this.frameRemaining = header.payloadLength;
    this.frameLength = header.payloadLength;
    this.frameRsv = (header.rsv1 ? 4 : 0) | (header.rsv2 ? 2 : 0) | (header.rsv3 ? 1 : 0);
    if (opcode === OPCODE_CONT) {
      // RFC 6455 §5.4: a continuation frame only continues a started message.
      if (!this.continuationExpected) {
        throw createError(
          'WS_ERR_UNEXPECTED_CONTINUATION',
          'expected a text or binary frame to start a message, got a continuation frame with no message in progress (RFC 6455 §5.4)',
        );
      }
      // RFC 7692 §6.1: only the first frame of a message carries rsv1.
      if (header.rsv1) {
        throw createError(
          'WS_ERR_UNEXPECTED_RSV',
          'expected rsv1 = 0 on a continuation frame, got rsv1 = 1: only the first frame of a compressed message has it (RFC 7692 §6.1)',
        );
      }
      if (++this.fragmentCount > this.maxFragments) {
        throw createError(
          'WS_ERR_TOO_MANY_FRAGMENTS',
          `message of more than ${this.maxFragments} frames: expected at most maxFragments = ${this.maxFragments}`,
        );
      }
    } else {
      if (this.continuationExpected) {
        throw createError(
          'WS_ERR_EXPECTED_CONTINUATION',
          `expected a continuation frame of the ${opcodeName(this.messageOpcode)} message in progress, got a new ${opcodeName(opcode)} frame (RFC 6455 §5.4)`,
        );
      }
      this.messageOpcode = opcode;
      this.messageLength = 0;
      this.messageReceived = 0;
      this.fragmentCount = 1;
      this.frameSizes = null;
      this.delivery = rawFrames ? DELIVER_FRAMES : fireContFrame && !header.fin ? DELIVER_FRAGMENTS : DELIVER_MESSAGE;
      this.compressed = header.rsv1;
      // A compressed message is validated once inflated.
      this.validating = opcode === OPCODE_TEXT && !this.skipUtf8Validation && !this.compressed;
      if (this.validating) this.validatorMade?.reset();
    }
    // RFC 6455 §10.4: refuse as soon as the announced size passes the limit.
    const total = this.messageLength + header.payloadLength;
    if (total > (this.compressed ? this.wireLimit : this.maxPayload)) {
      const what = this.compressed ? `compressed message of at least ${total} bytes: expected at most ${this.wireLimit} compressed bytes for` : `message of at least ${total} bytes: expected at most`;
      throw createError('WS_ERR_MESSAGE_TOO_BIG', `${what} maxPayload = ${this.maxPayload} bytes`);
    }
    this.messageLength = total;
    this.continuationExpected = !header.fin;
  }

  /** Payload bytes [start, end) of `chunk`, unmasked: no view is made unless a piece is kept or handed out as bytes. */
  piece(chunk: Buffer, start: number, end: number, frameEnd: boolean): void {
    const length = end - start;
    this.frameRemaining -= length;
    if (this.validating) {
      if (frameEnd && this.frameFin && this.messageReceived === 0 && this.delivery === DELIVER_MESSAGE) {
        this.wholeText(chunk, start, end);
        return;
      }
      this.checkUtf8(chunk, start, end, this.messageReceived, frameEnd && this.frameFin);
    }
    this.messageReceived += length;
    if (this.compressed && this.delivery !== DELIVER_MESSAGE && length > 0) {
      this.compressedPayload.append(chunk, start, end, this.frameRemaining);
    }
    if (frameEnd && this.delivery === DELIVER_MESSAGE && !this.compressed && (!this.frameFin || this.frameSizes !== null)) {
      // A frame of a fragmented message ends: remember its length (the message may still be read frame by frame).
      (this.frameSizes ??= []).push(this.frameLength);
    }
    const held = this.held;
    if (held !== null) {
      this.held = null;
      if (chunk.buffer === held.buffer && chunk.byteOffset + start === held.byteOffset + held.length) {
        const joined = Buffer.from(held.buffer, held.byteOffset, held.length + length);
        if (frameEnd) this.deliver(joined, 0, joined.length);
        else this.held = joined;
        return;
      }
      this.payload.append(held, 0, held.length, this.frameRemaining + length);
    } else if (
      this.ownsChunks &&
      !frameEnd &&
      length > 0 &&
      this.messageReceived === length &&
      this.delivery === DELIVER_MESSAGE &&
      this.frameFin &&
      !this.compressed &&
      this.frameLength <= HOLD_MAX_BYTES
    ) {
      // The first piece of a one-frame message.
      this.held = chunk.subarray(start, end);
      return;
    }
    if (frameEnd && (this.frameFin || this.delivery !== DELIVER_MESSAGE)) {
      if (this.payloadMade !== null && this.payloadMade.length > 0) {
        this.payload.append(chunk, start, end, 0);
        const whole = this.payload.take();
        this.deliver(whole, 0, whole.length);
        // Decoded to a string, the bytes are spent: the next message of this chunk may fill the same buffer.
        if (this.delivery === DELIVER_MESSAGE && this.messageOpcode === OPCODE_TEXT && !this.compressed) this.payload.reuse(whole);
      } else {
        this.deliver(chunk, start, end);
      }
    } else if (length > 0) {
      this.payload.append(chunk, start, end, this.frameRemaining);
    }
  }

  /**
   * A whole unfragmented message in one uncompressed frame, bytes [start, end)
   * of `chunk`: checked and delivered at once, no state of a message in
   * progress touched. Returns false, delivering nothing, when a message is
   * already in progress (RFC 6455 §5.4) or the frame passes `maxPayload`: the
   * frame then goes through {@link startFrame}, which reports the violation.
   */
  wholeMessage(opcode: number, chunk: Buffer, start: number, end: number): boolean {
    if (this.continuationExpected || end - start > this.maxPayload) return false;
    if (opcode === OPCODE_BINARY) {
      this.hooks.emitBinary(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    } else if (this.skipUtf8Validation) {
      this.hooks.emitText(chunk.toString('utf8', start, end), end - start);
    } else {
      this.wholeText(chunk, start, end);
    }
    return true;
  }

  /** The chunk given to the parser is done with: a buffer given back for reuse is not held between reads. */
  chunkDone(): void {
    this.payloadMade?.dropSpare();
  }

  /** Drop the message in progress: nothing more of it will be read (a close frame was sent or received, or the connection failed). */
  drop(): void {
    this.continuationExpected = false;
    this.held = null;
    this.payloadMade?.clear();
    this.compressedPayloadMade?.clear();
  }

  /**
   * RFC 6455 §8.1: bytes [start, end) continue the text message, `before`
   * bytes of which came earlier; fail at the first byte that cannot be part of
   * valid UTF-8, or when `messageEnds` here inside a character.
   */
  private checkUtf8(chunk: Buffer, start: number, end: number, before: number, messageEnds: boolean): void {
    const invalidAt = this.validator.push(chunk, start, end);
    if (invalidAt !== -1) {
      throw createError(
        'WS_ERR_INVALID_UTF8',
        `invalid UTF-8 in text message at byte ${before + invalidAt - start}: expected valid UTF-8 (RFC 6455 §8.1)`,
      );
    }
    if (messageEnds && !this.validator.complete) {
      throw createError(
        'WS_ERR_INVALID_UTF8',
        `text message ends inside a UTF-8 sequence after ${before + end - start} bytes: expected valid UTF-8 (RFC 6455 §8.1)`,
      );
    }
  }

  /**
   * A whole text message in one range, the common case: decoded first, and
   * checked by the automaton only when the string holds U+FFFD. The decoder
   * puts U+FFFD in place of every invalid sequence, so a string without it
   * came from valid UTF-8 (checking the decoded string is several times
   * cheaper than running the automaton); one with it may be valid text that
   * carries U+FFFD, or invalid, and the automaton tells which and where.
   */
  private wholeText(chunk: Buffer, start: number, end: number): void {
    const text = chunk.toString('utf8', start, end);
    if (text.indexOf('\uFFFD') !== -1) {
      this.validator.reset();
      this.checkUtf8(chunk, start, end, 0, true);
    }
    this.hooks.emitText(text, end - start);
  }

  /** A message (or, in frame and fragment modes, a frame) is complete: bytes [start, end) of `source`. */
  private deliver(source: Buffer, start: number, end: number): void {
    let inflated: Buffer | undefined;
    if (this.compressed && this.frameFin) {
      // Frames delivered one by one go out as they came; the message is still
      // inflated to check it and to keep the shared window (RFC 7692 §7.2.2).
      if (this.delivery === DELIVER_MESSAGE) {
        source = this.inflate(source.subarray(start, end));
        start = 0;
        end = source.length;
      } else {
        inflated = this.inflate(this.compressedPayload.take());
      }
    }
    if (this.delivery === DELIVER_MESSAGE && this.messageOpcode === OPCODE_TEXT) {
      // Decoded straight from the range: a view first would cost more than the decoding of a short text.
      this.hooks.emitText(source.toString('utf8', start, end), end - start, this.takeFrameSizes());
      return;
    }
    const data = start === 0 && end === source.length ? source : source.subarray(start, end);
    if (this.delivery === DELIVER_MESSAGE) {
      this.hooks.emitBinary(data, this.takeFrameSizes());
    } else if (this.delivery === DELIVER_FRAGMENTS) {
      const first = this.fragmentCount === 1;
      this.hooks.emitFragment(first ? this.messageOpcode : OPCODE_CONT, this.frameFin, this.frameRsv, data);
    } else {
      this.hooks.emitFrame(this.frameOpcode, this.frameFin, this.frameRsv, data, inflated);
    }
  }

  /** The frame lengths of the message just completed, if it was fragmented; undefined for one frame. */
  private takeFrameSizes(): number[] | undefined {
    const sizes = this.frameSizes;
    if (sizes === null) return undefined;
    this.frameSizes = null;
    return sizes;
  }

  /** RFC 7692 §7.2.2: inflate a whole compressed message, then check its text (RFC 6455 §8.1). */
  private inflate(compressed: Buffer): Buffer {
    const inflated = (this.compression as MessageCompression).decompress(compressed, this.maxPayload);
    if (this.messageOpcode === OPCODE_TEXT && !this.skipUtf8Validation) {
      this.validator.reset();
      const invalidAt = this.validator.push(inflated);
      if (invalidAt !== -1 || !this.validator.complete) {
        const where = invalidAt !== -1 ? `at byte ${invalidAt}` : `ending inside a UTF-8 sequence after ${inflated.length} bytes`;
        throw createError(
          'WS_ERR_INVALID_UTF8',
          `invalid UTF-8 in compressed text message ${where} of its ${inflated.length} inflated bytes: expected valid UTF-8 (RFC 6455 §8.1)`,
        );
      }
    }
    return inflated;
  }
}
