/**
 * The client side of a WebSocket connection as a sans-I/O state machine
 * (RFC 6455 §5–§8): bytes from the server go in through {@link ClientSession.receive},
 * messages, control frames and bytes to write come out through a
 * {@link SessionHandler}; frames to send come back from the `send*` methods.
 * No sockets, no timers: the caller owns the transport and the clock.
 */
import {
  createError,
  WebSocketConnectionClosedException,
  WebSocketPayloadException,
  WebSocketProtocolException,
} from '../exceptions.js';
import { decodeClosePayload, encodeClosePayload } from '../frame/close.js';
import { encodeFrame, encodeTextFrame } from '../frame/encoder.js';
import {
  MAX_CONTROL_PAYLOAD,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONT,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from '../frame/opcodes.js';
import { DEFAULT_MAX_PAYLOAD, FrameParser, type FrameHandler, type FrameHeader } from '../frame/parser.js';
import { Utf8Validator } from '../frame/utf8.js';
import { checkCount } from '../options.js';
import { PayloadBuffer } from './payload-buffer.js';
import type { Received } from './received.js';
import { encodeControl, encodeMessage, masking, type FrameAllocator, type MaskKeySource } from './sender.js';

/** Default largest number of frames in one fragmented message. */
const DEFAULT_MAX_FRAGMENTS = 131072;

/**
 * `'open'`: messages flow both ways. `'closing'`: the client sent a close frame
 * and waits for the server's (received data frames are ignored). `'closed'`:
 * the closing handshake is complete, or the connection was failed.
 */
export type SessionState = 'open' | 'closing' | 'closed';

/**
 * What the transport should do now (read after every `receive()` and `send*()`):
 * - `'keep-open'`: keep reading and writing.
 * - `'await-peer-close'`: the closing handshake is complete; RFC 6455 §7.1.1
 *   lets the server close TCP first, so wait for its EOF and close the socket
 *   yourself only after a timeout.
 * - `'close-now'`: the connection was failed (§7.1.7) or a handler threw;
 *   write the failure's close frame, if any, then close the socket.
 */
export type TransportAdvice = 'keep-open' | 'await-peer-close' | 'close-now';

/** Why the session asks for bytes to be written without being asked to send. */
export type WriteKind = 'pong' | 'close';

/** The errors that fail a connection: 1002 (protocol) or 1007 / 1009 (payload), set as `closeCode`. */
export type SessionFailure = WebSocketProtocolException | WebSocketPayloadException;

/** A frame to send exactly as described, rule-breaking or not (for testing servers). */
export interface OutgoingFrame {
  /** Default 1. */
  fin?: 0 | 1;
  rsv1?: 0 | 1;
  rsv2?: 0 | 1;
  rsv3?: 0 | 1;
  opcode: number;
  /** 1 (default) masks with a fresh key, 0 sends the payload unmasked. */
  mask?: 0 | 1;
  /** A string is UTF-8 encoded. Default empty. */
  data?: string | Uint8Array;
}

/**
 * The session's outputs. Hooks run synchronously inside `receive()`, in the
 * order the frames arrived. Buffers handed to hooks belong to the handler;
 * data payloads may be views of the chunk given to `receive()`.
 */
export interface SessionHandler {
  /**
   * A complete text message, validated UTF-8 unless `skipUtf8Validation`;
   * `size` is its length in UTF-8 bytes (inflated, if it came compressed).
   * `frames`: see {@link SessionHandler.onBinary}.
   */
  onText(text: string, size: number, frames?: readonly number[]): void;
  /**
   * A complete binary message. `frames` is given for a fragmented message
   * that came uncompressed: the payload length of each of its frames, in
   * order (so that its frames can still be handed out one by one).
   */
  onBinary(data: Buffer, frames?: readonly number[]): void;
  /**
   * With `fireContFrame`: one frame of a fragmented message, as it completes.
   * Its `opcode` is TEXT or BINARY for the first frame and CONT (0) for the
   * rest; `fin` is 1 on the last. Text fragments are raw bytes (a character
   * may be split between two), still validated as they arrive. The frames of
   * a compressed message (RFC 7692) come as they arrived, still compressed,
   * `rsv1` set on the first; the message is checked once it is complete.
   */
  onFragment(frame: Received<Buffer>): void;
  /** With `rawFrames`: every frame, data and control, instead of onText/onBinary/onFragment/onPing/onPong. */
  onFrame(frame: Received<Buffer>): void;
  /** A ping arrived; its pong was already handed to `onWrite` (unless a close was sent). */
  onPing(payload: Buffer): void;
  /** A pong arrived (solicited or not: never an error, RFC 6455 §5.5.3). */
  onPong(payload: Buffer): void;
  /**
   * The server's close frame (code `null` when it sent none; `payload` is the
   * frame's payload as received). Called in every mode; when the server
   * started the closing handshake, the reply was already handed to `onWrite`.
   */
  onClose(code: number | null, reason: string, payload: Buffer): void;
  /**
   * Bytes the transport must write, in call order: an automatic pong (one per
   * ping, same payload) or a close reply. RFC 6455 §5.5.3 lets a client answer
   * only the latest of several pings, so the transport may replace a `'pong'`
   * it has not written yet with a newer one. A `'close'` reply is the last
   * frame of the session; the transport may hold it back while the user reacts
   * to the messages delivered before it (`WebSocket` does: one turn, longer
   * while they are unread, up to 1 s), since §5.5.1 lets an endpoint finish
   * sending its current message first. Messages sent meanwhile are encoded
   * as usual; the transport calls {@link ClientSession.closeWritten} once it
   * writes the reply.
   */
  onWrite(bytes: Buffer, kind: WriteKind): void;
  /**
   * The connection was failed (RFC 6455 §7.1.7). Everything that arrived
   * complete before the violation was already delivered. `closeFrame` is the
   * one close frame to write (1002, 1007 or 1009; `null` if a close frame had
   * already been sent); the transport chooses when, calls
   * {@link ClientSession.closeWritten}, writes it, then closes the socket.
   */
  onFailure(error: SessionFailure, closeFrame: Buffer | null): void;
}

/**
 * The negotiated per-message compression (RFC 7692), synchronous so that the
 * session stays a sans-I/O state machine (see `deflate-codec.ts`).
 */
export interface MessageCompression {
  /** The payload to send with rsv1 set, or `null` to send `data` uncompressed. */
  compress(data: Uint8Array): Buffer | null;
  /**
   * One whole compressed message's payload, inflated.
   * @throws WebSocketPayloadException (1009) past `limit` bytes, found before they are allocated;
   *   WebSocketProtocolException (1002) for data that does not inflate.
   */
  decompress(compressed: Buffer, limit: number): Buffer;
  /** Drop the compression contexts: nothing will be sent or received anymore. */
  release(): void;
}

/** Settings of a {@link ClientSession}. */
export interface SessionOptions {
  /** Largest message in bytes, summed over its fragments; more fails with 1009. Default 64 MiB. */
  maxPayload?: number;
  /** Most frames in one message; more fails with 1009. Default 131072. */
  maxFragments?: number;
  /** Do not validate UTF-8 in text messages and close reasons (invalid bytes decode as U+FFFD). */
  skipUtf8Validation?: boolean;
  /** Deliver the frames of fragmented messages one by one through `onFragment`. */
  fireContFrame?: boolean;
  /** Start in raw frame mode (see {@link ClientSession.rawFrames}). */
  rawFrames?: boolean;
  /** Split sent messages into frames of at most this many payload bytes; 0 (default) never splits. */
  fragmentSize?: number;
  /** Source of masking keys; default: crypto-random bytes from a pool. */
  getMaskKey?: (n: number) => Uint8Array;
  /**
   * Where unfragmented data frames are built: a Buffer of exactly `size`
   * bytes (such as `allocateFrame` of frame-ring.ts, whose frames the
   * transport gives back once written). Default: a new Buffer per frame.
   */
  allocateFrame?: (size: number) => Buffer;
  /**
   * The negotiated permessage-deflate: rsv1 is then accepted on the first frame
   * of a data message, whose payload is inflated before UTF-8 validation and
   * delivery, and sent messages go through `compress`.
   */
  compression?: MessageCompression | null;
}

/** How the current data message is handed out. */
const DELIVER_MESSAGE = 0;
const DELIVER_FRAGMENTS = 1;
const DELIVER_FRAMES = 2;

/** What the frame being received is. */
const FRAME_DATA = 0;
const FRAME_CONTROL = 1;
const FRAME_IGNORED = 2;

/** Thrown inside the parser to stop it once the server's close frame is handled. */
const HALT = Symbol('halt');

const EMPTY = Buffer.alloc(0);

/** rsv1, the "Per-Message Compressed" bit (RFC 7692 §6), in the first header byte. */
const RSV1_BIT = 0x40;

/**
 * Most compressed bytes accepted for a message of at most `maxPayload` bytes:
 * incompressible data grows a little when deflated (5 bytes per stored block).
 */
function compressedLimit(maxPayload: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, maxPayload + Math.ceil(maxPayload / 1024) + 64);
}

function opcodeName(opcode: number): string {
  return opcode === OPCODE_TEXT ? 'text' : opcode === OPCODE_BINARY ? 'binary' : 'continuation';
}

function bit(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/**
 * A client connection after the opening handshake, with no I/O of its own.
 *
 * Receiving: feed every byte from the socket to {@link receive}. Sending: the
 * `send*` methods return the bytes to write (masked, RFC 6455 §5.3) and throw
 * {@link WebSocketConnectionClosedException} once a close frame was sent or
 * received or the connection was failed.
 *
 * Violations never throw out of `receive()`: the session reports them through
 * `onFailure` and ignores all later input. permessage-deflate (RFC 7692) is
 * negotiated by the caller and handed in as `compression`; without it the
 * parser rejects every rsv bit. A compressed message is collected whole,
 * inflated (the inflated size bounded by `maxPayload` while inflating), then
 * validated and delivered: see {@link MessageCompression}.
 */
export class ClientSession implements FrameHandler {
  /**
   * Raw frame mode: each frame is handed to `onFrame` as it arrived, with no
   * reassembly (every protocol rule still applies, pings are still answered).
   * May be switched at any time; a data message already started keeps the
   * mode it started with.
   */
  rawFrames: boolean;
  /** Deliver fragmented messages frame by frame (see `onFragment`); taken into account per message. */
  fireContFrame: boolean;
  private splitAt: number;

  private readonly handler: SessionHandler;
  private readonly parser: FrameParser;
  private readonly validator = new Utf8Validator();
  private readonly payload: PayloadBuffer;
  private readonly maxPayload: number;
  private readonly maxFragments: number;
  private readonly skipUtf8Validation: boolean;
  private readonly maskKey: MaskKeySource;
  private readonly allocateFrame: FrameAllocator;
  private readonly compression: MessageCompression | null;
  /** Largest message on the wire: `maxPayload`, or a little more for compressed messages. */
  private readonly wireLimit: number;

  // The frame being received.
  private frameKind = FRAME_IGNORED;
  private frameOpcode = 0;
  private frameFin = true;
  private frameRsv = 0;
  private frameRemaining = 0;

  // The data message being received.
  private continuationExpected = false;
  private messageOpcode = 0;
  private messageLength = 0;
  private messageReceived = 0;
  private fragmentCount = 0;
  /** Payload lengths of the frames of the uncompressed fragmented message being reassembled (null until its first frame ends). */
  private frameSizes: number[] | null = null;
  /** Payload length of the frame being received. */
  private frameLength = 0;
  private delivery = DELIVER_MESSAGE;
  private validating = false;
  /** The message has rsv1 set on its first frame (RFC 7692 §6). */
  private compressed = false;
  /** A compressed message's bytes, collected apart when its frames are delivered one by one. */
  private readonly compressedPayload: PayloadBuffer;

  // The connection.
  private sentClose = false;
  private receivedClose = false;
  private peerCode: number | null = null;
  private peerReason = '';
  private failed: SessionFailure | null = null;
  private halted = false;
  /**
   * A close frame this session made (a failure's, or the reply to the
   * server's close) was handed out but not yet written: until the transport
   * says it was ({@link closeWritten}), data messages may still go ahead of it.
   */
  private closeAwaitingWrite = false;
  private handlerThrew = false;
  private inHook = false;
  /** Set by {@link pause}: no message is produced until {@link resume}. */
  private paused = false;
  /** True while the parser is being fed (hooks may run). */
  private feeding = false;
  /** Input not parsed yet, in order: the rest of a chunk after a pause, and chunks received while paused. */
  private readonly held: Buffer[] = [];
  private heldLength = 0;

  constructor(handler: SessionHandler, options: SessionOptions = {}) {
    this.handler = handler;
    this.maxPayload = checkCount('maxPayload', options.maxPayload ?? DEFAULT_MAX_PAYLOAD, 0);
    this.maxFragments = checkCount('maxFragments', options.maxFragments ?? DEFAULT_MAX_FRAGMENTS, 1);
    this.splitAt = checkCount('fragmentSize', options.fragmentSize ?? 0, 0);
    this.skipUtf8Validation = options.skipUtf8Validation === true;
    this.fireContFrame = options.fireContFrame === true;
    this.rawFrames = options.rawFrames === true;
    this.maskKey = options.getMaskKey ?? null;
    this.allocateFrame = options.allocateFrame;
    this.compression = options.compression ?? null;
    this.wireLimit = this.compression === null ? this.maxPayload : compressedLimit(this.maxPayload);
    this.payload = new PayloadBuffer(this.wireLimit);
    this.compressedPayload = new PayloadBuffer(this.wireLimit);
    // RFC 6455 §5.1: a server never masks; §5.2: no rsv bit without an extension (RFC 7692
    // §6: rsv1 once negotiated). The parser's per-frame limit never refuses a legal control
    // frame; messages are limited here.
    this.parser = new FrameParser(this, {
      maxPayload: Math.max(this.wireLimit, MAX_CONTROL_PAYLOAD),
      acceptMasked: false,
      allowedRsv: this.compression === null ? 0 : 4,
    });
  }

  /** Payload bytes per frame when sending messages; 0 never splits. Applies from the next message. */
  get fragmentSize(): number {
    return this.splitAt;
  }

  /** @throws WebSocketException for a value that is not an integer >= 0. */
  set fragmentSize(value: number) {
    this.splitAt = checkCount('fragmentSize', value, 0);
  }

  /** See {@link SessionState}. */
  get state(): SessionState {
    if (this.halted || (this.sentClose && this.receivedClose)) return 'closed';
    return this.sentClose ? 'closing' : 'open';
  }

  /** See {@link TransportAdvice}. */
  get transportAdvice(): TransportAdvice {
    if (this.failed !== null || this.handlerThrew) return 'close-now';
    return this.sentClose && this.receivedClose ? 'await-peer-close' : 'keep-open';
  }

  /** True once a close frame was handed out (by `sendClose`, a close reply, or a failure). */
  get closeSent(): boolean {
    return this.sentClose;
  }

  /** True once the server's close frame was received. */
  get closeReceived(): boolean {
    return this.receivedClose;
  }

  /** The code of the server's close frame; `null` if it sent none or has not closed. */
  get closeCode(): number | null {
    return this.peerCode;
  }

  /** The reason of the server's close frame ('' if none). */
  get closeReason(): string {
    return this.peerReason;
  }

  /** The error that failed the connection, or `null`. */
  get failure(): SessionFailure | null {
    return this.failed;
  }

  /**
   * Bytes of incomplete payload the session holds right now: never more than
   * `maxPayload` without compression; with permessage-deflate, the compressed
   * message may also be held, each buffer bounded by `maxPayload` plus the
   * growth of incompressible data (1/1024 + 64 bytes).
   */
  get bufferedBytes(): number {
    return this.payload.held + this.compressedPayload.held;
  }

  /**
   * Feed bytes read from the socket, in order, chunked in any way. Complete
   * messages and control frames are reported through the handler before this
   * returns, unless a hook {@link pause}s the session: the rest is then kept
   * as bytes until {@link resume}. Protocol violations are reported through
   * `onFailure`, never thrown; after a failure or a received close, input is
   * ignored.
   *
   * The session may keep views of `chunk` until the message they belong to is
   * delivered, so the caller must not reuse its memory.
   *
   * @throws whatever a handler hook throws; the session then stops (state
   *   `'closed'`, advice `'close-now'`) and ignores further input.
   */
  receive(chunk: Buffer): void {
    if (this.halted) return;
    if (this.paused || this.held.length > 0) {
      this.hold(chunk);
      return;
    }
    this.feed(chunk);
  }

  /**
   * Stop producing messages: called from a hook, the session stops right
   * after the message (or frame) being delivered and keeps the rest of the
   * chunk as bytes; `receive()` keeps its input as bytes too, unparsed, until
   * {@link resume}. Pings are not answered meanwhile: they are not read. The
   * transport should stop reading the socket as well, so what is held stays
   * small (a read or two).
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.feeding) this.parser.interrupt();
  }

  /**
   * Produce messages again: the bytes held since {@link pause} are parsed now,
   * synchronously, in order (the hooks run before this returns), until they
   * are used up or a hook pauses again.
   */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.feeding) {
      // Paused and resumed within one hook call: the parse in progress goes on.
      this.parser.cancelInterrupt();
      return;
    }
    while (!this.paused && !this.halted && this.held.length > 0) {
      const chunk = this.held.shift() as Buffer;
      this.heldLength -= chunk.length;
      this.feed(chunk);
    }
  }

  /**
   * Frames complete so far of the fragmented message being reassembled
   * (uncompressed, delivered whole): read from a ping or pong hook, after how
   * many of its frames that control frame came (RFC 6455 §5.4). 0 between
   * messages, and for messages delivered frame by frame or compressed.
   */
  get messageFramesReceived(): number {
    return this.continuationExpected && this.delivery === DELIVER_MESSAGE && !this.compressed ? this.fragmentCount : 0;
  }

  /** True between {@link pause} and {@link resume}. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes received but not parsed yet, held since a {@link pause}. */
  get heldBytes(): number {
    return this.heldLength;
  }

  private hold(chunk: Buffer): void {
    this.held.push(chunk);
    this.heldLength += chunk.length;
  }

  private feed(chunk: Buffer): void {
    this.feeding = true;
    try {
      const used = this.parser.push(chunk);
      if (used < chunk.length) {
        // Paused by a hook: the rest of the chunk goes first when parsing resumes.
        this.held.unshift(chunk.subarray(used));
        this.heldLength += chunk.length - used;
      }
      // A buffer given back for reuse serves the messages of this chunk only: it is not held between reads.
      this.payload.dropSpare();
    } catch (error) {
      this.payload.dropSpare();
      if (error === HALT) return;
      if (this.inHook) {
        this.inHook = false;
        this.handlerThrew = true;
        this.stop();
        throw error;
      }
      if (error instanceof WebSocketProtocolException || error instanceof WebSocketPayloadException) {
        this.fail(error);
        return;
      }
      throw error;
    } finally {
      this.feeding = false;
    }
  }

  /** FrameHandler, called by the session's own parser: a frame header was parsed (the parser already checked §5.2 header rules). */
  onHeader(header: FrameHeader): void {
    const opcode = header.opcode;
    this.frameOpcode = opcode;
    this.frameFin = header.fin;
    this.frameRemaining = header.payloadLength;
    this.frameLength = header.payloadLength;
    this.frameRsv = (header.rsv1 ? 4 : 0) | (header.rsv2 ? 2 : 0) | (header.rsv3 ? 1 : 0);
    if (opcode >= OPCODE_CLOSE) {
      // RFC 7692 §6.1: control frames are never compressed.
      if (header.rsv1) {
        throw createError(
          'WS_ERR_UNEXPECTED_RSV',
          `expected rsv1 = 0 on a control frame, got rsv1 = 1 on a frame of opcode ${opcode} (RFC 7692 §6.1)`,
        );
      }
      this.frameKind = FRAME_CONTROL;
      return;
    }
    if (this.sentClose) {
      // RFC 6455 §5.5.1: data after our close frame is not processed.
      this.frameKind = FRAME_IGNORED;
      return;
    }
    this.frameKind = FRAME_DATA;
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
      this.delivery = this.rawFrames ? DELIVER_FRAMES : this.fireContFrame && !header.fin ? DELIVER_FRAGMENTS : DELIVER_MESSAGE;
      this.compressed = header.rsv1;
      // A compressed message is validated once inflated.
      this.validating = opcode === OPCODE_TEXT && !this.skipUtf8Validation && !this.compressed;
      if (this.validating) this.validator.reset();
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

  /** FrameHandler, called by the session's own parser: a control frame's whole payload, unmasked (data payloads come through `onPayloadRange`). */
  onPayload(piece: Buffer, frameEnd: boolean): void {
    if (this.frameKind === FRAME_DATA) this.dataPiece(piece, 0, piece.length, frameEnd);
    else if (this.frameKind === FRAME_CONTROL) this.controlFrame(Buffer.from(piece));
  }

  /** FrameHandler, called by the session's own parser: bytes [start, end) of `chunk` are payload of the current data frame, unmasked. */
  onPayloadRange(chunk: Buffer, start: number, end: number, frameEnd: boolean): void {
    if (this.frameKind === FRAME_DATA) this.dataPiece(chunk, start, end, frameEnd);
  }

  /** Payload bytes [start, end) of `chunk`: no view is made unless a piece is kept or handed out as bytes. */
  private dataPiece(chunk: Buffer, start: number, end: number, frameEnd: boolean): void {
    const length = end - start;
    this.frameRemaining -= length;
    if (this.validating) {
      if (frameEnd && this.frameFin && this.messageReceived === 0 && this.delivery === DELIVER_MESSAGE) {
        this.wholeText(chunk, start, end);
        return;
      }
      this.checkUtf8(chunk, start, end, frameEnd);
    }
    this.messageReceived += length;
    if (this.compressed && this.delivery !== DELIVER_MESSAGE && length > 0) {
      this.compressedPayload.append(chunk, start, end, this.frameRemaining);
    }
    if (frameEnd && this.delivery === DELIVER_MESSAGE && !this.compressed && (!this.frameFin || this.frameSizes !== null)) {
      // A frame of a fragmented message ends: remember its length (the message may still be read frame by frame).
      (this.frameSizes ??= []).push(this.frameLength);
    }
    if (frameEnd && (this.frameFin || this.delivery !== DELIVER_MESSAGE)) {
      if (this.payload.length > 0) {
        this.payload.append(chunk, start, end, 0);
        const whole = this.payload.take();
        this.deliverData(whole, 0, whole.length);
        // Decoded to a string, the bytes are spent: the next message of this chunk may fill the same buffer.
        if (this.delivery === DELIVER_MESSAGE && this.messageOpcode === OPCODE_TEXT && !this.compressed) this.payload.reuse(whole);
      } else {
        this.deliverData(chunk, start, end);
      }
    } else if (length > 0) {
      this.payload.append(chunk, start, end, this.frameRemaining);
    }
  }

  /**
   * RFC 6455 §8.1: bytes [start, end) continue the text message; fail at the
   * first byte that cannot be part of valid UTF-8, or when the message ends
   * inside a character.
   */
  private checkUtf8(chunk: Buffer, start: number, end: number, frameEnd: boolean): void {
    const invalidAt = this.validator.push(chunk, start, end);
    if (invalidAt !== -1) {
      throw createError(
        'WS_ERR_INVALID_UTF8',
        `invalid UTF-8 in text message at byte ${this.messageReceived + invalidAt - start}: expected valid UTF-8 (RFC 6455 §8.1)`,
      );
    }
    if (frameEnd && this.frameFin && !this.validator.complete) {
      throw createError(
        'WS_ERR_INVALID_UTF8',
        `text message ends inside a UTF-8 sequence after ${this.messageReceived + end - start} bytes: expected valid UTF-8 (RFC 6455 §8.1)`,
      );
    }
  }

  /**
   * A whole text message in one range, the common case: decoded first, and
   * checked by the automaton only when the string holds U+FFFD. The decoder
   * puts U+FFFD in place of every invalid sequence, so a string without it
   * came from valid UTF-8 (the check of a decoded 32 B message costs ~9 ns
   * against ~42 ns for the automaton); one with it may be valid text that
   * carries U+FFFD, or invalid, and the automaton tells which and where.
   */
  private wholeText(chunk: Buffer, start: number, end: number): void {
    const text = chunk.toString('utf8', start, end);
    if (text.indexOf('\uFFFD') !== -1) this.checkUtf8(chunk, start, end, true);
    this.messageReceived = end - start;
    this.inHook = true;
    this.handler.onText(text, end - start);
    this.inHook = false;
  }

  /** A message (or, in frame and fragment modes, a frame) is complete: bytes [start, end) of `source`. */
  private deliverData(source: Buffer, start: number, end: number): void {
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
    const handler = this.handler;
    this.inHook = true;
    if (this.delivery === DELIVER_MESSAGE && this.messageOpcode === OPCODE_TEXT) {
      // Decoded straight from the range: a view first would cost more than the decoding of a short text.
      handler.onText(source.toString('utf8', start, end), end - start, this.takeFrameSizes());
      this.inHook = false;
      return;
    }
    const data = start === 0 && end === source.length ? source : source.subarray(start, end);
    if (this.delivery === DELIVER_MESSAGE) {
      handler.onBinary(data, this.takeFrameSizes());
    } else if (this.delivery === DELIVER_FRAGMENTS) {
      handler.onFragment(this.frameRecord(data));
    } else {
      const record = this.frameRecord(data);
      if (inflated !== undefined) record.message = inflated;
      handler.onFrame(record);
    }
    this.inHook = false;
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

  private frameRecord(data: Buffer): Received<Buffer> {
    const rsv = this.frameRsv;
    return {
      fin: bit(this.frameFin),
      rsv1: bit((rsv & 4) !== 0),
      rsv2: bit((rsv & 2) !== 0),
      rsv3: bit((rsv & 1) !== 0),
      opcode: this.frameOpcode,
      data,
      frame: true,
    };
  }

  /** A whole control frame (RFC 6455 §5.5), its payload copied: it is small and may be kept. */
  private controlFrame(data: Buffer): void {
    const opcode = this.frameOpcode;
    if (opcode === OPCODE_CLOSE) {
      this.closeFrame(data);
      return;
    }
    if (opcode === OPCODE_PING && !this.sentClose) {
      // RFC 6455 §5.5.2: answer with a pong carrying the same payload.
      this.write(encodeControl(OPCODE_PONG, data, this.maskKey), 'pong');
    }
    this.inHook = true;
    if (this.rawFrames) this.handler.onFrame(this.frameRecord(data));
    else if (opcode === OPCODE_PING) this.handler.onPing(data);
    else this.handler.onPong(data);
    this.inHook = false;
  }

  /** RFC 6455 §5.5.1, §7.1.5: the server's close frame. */
  private closeFrame(data: Buffer): void {
    const { code, reason } = decodeClosePayload(data, this.skipUtf8Validation);
    this.receivedClose = true;
    this.peerCode = code;
    this.peerReason = reason;
    if (!this.sentClose) {
      // Echo the server's code; an empty close answers an empty one.
      this.sentClose = true;
      const reply = encodeControl(OPCODE_CLOSE, code === null ? EMPTY : encodeClosePayload(code), this.maskKey);
      this.closeAwaitingWrite = true;
      this.write(reply, 'close');
    }
    this.stop();
    this.inHook = true;
    if (this.rawFrames) this.handler.onFrame(this.frameRecord(data));
    this.handler.onClose(code, reason, data);
    this.inHook = false;
    throw HALT;
  }

  private write(bytes: Buffer, kind: WriteKind): void {
    this.inHook = true;
    this.handler.onWrite(bytes, kind);
    this.inHook = false;
  }

  /** RFC 6455 §7.1.7: fail the connection with one close frame, then read nothing more. */
  private fail(error: SessionFailure): void {
    if (error.closeCode === undefined) error.closeCode = error instanceof WebSocketProtocolException ? 1002 : 1007;
    let closeFrame: Buffer | null = null;
    if (!this.sentClose) {
      this.sentClose = true;
      closeFrame = encodeControl(OPCODE_CLOSE, encodeClosePayload(error.closeCode), this.maskKey);
      this.closeAwaitingWrite = true;
    }
    this.failed = error;
    this.stop();
    this.handler.onFailure(error, closeFrame);
  }

  /** No more input: drop the message in progress. */
  private stop(): void {
    this.halted = true;
    this.held.length = 0;
    this.heldLength = 0;
    this.frameKind = FRAME_IGNORED;
    this.continuationExpected = false;
    this.payload.clear();
    this.compressedPayload.clear();
    // The compressor is still needed while messages may go ahead of a held close frame.
    if (!this.closeAwaitingWrite) this.compression?.release();
  }

  /**
   * The transport wrote the close frame this session handed out through
   * `onWrite(…, 'close')` or `onFailure`: nothing more is sent from now on.
   * Until then, text and binary messages are still encoded, so that the
   * user's reaction to the messages delivered before the close (an echo) goes
   * out ahead of it.
   */
  closeWritten(): void {
    if (!this.closeAwaitingWrite) return;
    this.closeAwaitingWrite = false;
    this.compression?.release();
  }

  /** A text message, UTF-8 encoded, compressed if negotiated and large enough, masked, fragmented per `fragmentSize`. */
  sendText(text: string): Buffer {
    this.checkCanSend('a text message', true);
    // One frame, nothing to compress: encode the string straight into it.
    if (this.compression === null && this.splitAt === 0) return encodeTextFrame(text, masking(this.maskKey, this.allocateFrame));
    return this.encodeData(OPCODE_TEXT, Buffer.from(text, 'utf8'));
  }

  /** A binary message, compressed if negotiated and large enough, masked (the caller's bytes are not modified), fragmented per `fragmentSize`. */
  sendBinary(data: Uint8Array): Buffer {
    this.checkCanSend('a binary message', true);
    return this.encodeData(OPCODE_BINARY, data);
  }

  private encodeData(opcode: number, payload: Uint8Array): Buffer {
    const compressed = this.compression?.compress(payload) ?? null;
    if (compressed === null) return encodeMessage(opcode, payload, this.maskKey, this.splitAt, this.allocateFrame);
    const frames = encodeMessage(opcode, compressed, this.maskKey, this.splitAt, this.allocateFrame);
    // RFC 7692 §6: rsv1 on the first frame only; it starts the buffer.
    frames[0] |= RSV1_BIT;
    return frames;
  }

  /**
   * A ping frame.
   * @throws WebSocketProtocolException for a payload over 125 bytes (RFC 6455 §5.5).
   */
  sendPing(payload: string | Uint8Array = EMPTY): Buffer {
    this.checkCanSend('a ping');
    return encodeControl(OPCODE_PING, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, this.maskKey);
  }

  /**
   * A pong frame (unsolicited pongs serve as a heartbeat, RFC 6455 §5.5.3).
   * @throws WebSocketProtocolException for a payload over 125 bytes (RFC 6455 §5.5).
   */
  sendPong(payload: string | Uint8Array = EMPTY): Buffer {
    this.checkCanSend('a pong');
    return encodeControl(OPCODE_PONG, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, this.maskKey);
  }

  /**
   * Start the closing handshake (RFC 6455 §7.1.2): the state becomes
   * `'closing'` and data frames received from now on are ignored; it becomes
   * `'closed'` when the server's close frame arrives.
   *
   * @param code the status code, `null` for an empty close frame. Default 1000.
   * @throws WebSocketProtocolException when the code may not be sent (1004-1006,
   *   1015-2999, outside 1000-4999; RFC 6455 §7.4), a reason comes
   *   without a code, or the payload passes 125 bytes.
   */
  sendClose(code: number | null = 1000, reason: string | Uint8Array = ''): Buffer {
    this.checkCanSend('a close frame');
    const frame = encodeControl(OPCODE_CLOSE, encodeClosePayload(code, reason), this.maskKey);
    this.closeSending();
    return frame;
  }

  /**
   * Any frame, encoded as described without checking it against the RFC (to
   * test servers). A CLOSE opcode counts as the client's close frame.
   *
   * @throws WebSocketProtocolException for an opcode outside 0-15.
   */
  sendFrame(frame: OutgoingFrame): Buffer {
    this.checkCanSend('a frame');
    const data = frame.data === undefined ? EMPTY : typeof frame.data === 'string' ? Buffer.from(frame.data, 'utf8') : frame.data;
    const bytes = encodeFrame(frame.opcode, data, {
      fin: frame.fin !== 0,
      rsv1: frame.rsv1 === 1,
      rsv2: frame.rsv2 === 1,
      rsv3: frame.rsv3 === 1,
      maskKey: frame.mask === 0 || this.maskKey === null ? null : this.maskKey(4),
      randomMask: frame.mask !== 0 && this.maskKey === null,
    });
    if (frame.opcode === OPCODE_CLOSE) this.closeSending();
    return bytes;
  }

  /** RFC 6455 §5.5.1: after our close frame, no more data is sent, and received data is not processed. */
  private closeSending(): void {
    this.sentClose = true;
    if (this.frameKind === FRAME_DATA) this.frameKind = FRAME_IGNORED;
    this.continuationExpected = false;
    this.payload.clear();
    this.compressedPayload.clear();
    this.compression?.release();
  }

  private checkCanSend(what: string, message = false): void {
    if (message && this.closeAwaitingWrite && !this.handlerThrew) return;
    if (this.failed !== null) {
      throw createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the connection was failed (${this.failed.message})`, {
        cause: this.failed,
      });
    }
    if (this.handlerThrew) {
      throw createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the session stopped after a handler threw`);
    }
    if (this.receivedClose) {
      throw createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: the server closed the connection`);
    }
    if (this.sentClose) {
      throw createError('WS_ERR_CONNECTION_CLOSED', `cannot send ${what}: a close frame was already sent`);
    }
  }
}
