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
import { encodeTextFrame } from '../frame/encoder.js';
import { MAX_CONTROL_PAYLOAD, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONT, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT } from '../frame/opcodes.js';
import { DEFAULT_MAX_PAYLOAD, FrameParser, type FrameHandler, type FrameHeader } from '../frame/parser.js';
import { checkCount } from '../options.js';
import { closeReply, failureClose, failureCode } from './close-frames.js';
import { HandlerCalls } from './handler-calls.js';
import { MessageAssembler, wireLimitOf } from './message-assembler.js';
import type { Received } from './received.js';
import { SessionInput, type InputOwner } from './session-input.js';
import { encodeControl, encodeDataMessage, encodeOutgoingFrame, masking, type FrameAllocator, type MaskKeySource, type OutgoingFrame } from './sender.js';
import { DEFAULT_MAX_FRAGMENTS, type MessageCompression, type SessionOptions } from './session-options.js';
import { closeHeld, readsInput, sendRefusal, stateOf, type Phase, type SessionState } from './session-state.js';

export type { SessionState } from './session-state.js';
export type { MessageCompression, SessionOptions } from './session-options.js';
export type { OutgoingFrame } from './sender.js';

/** Why the session asks for bytes to be written without being asked to send. */
export type WriteKind = 'pong' | 'close';

/** The errors that fail a connection: 1002 (protocol) or 1007 / 1009 (payload), set as `closeCode`. */
export type SessionFailure = WebSocketProtocolException | WebSocketPayloadException;

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

/** What the frame being received is. */
const FRAME_DATA = 0;
const FRAME_CONTROL = 1;
const FRAME_IGNORED = 2;

const EMPTY = Buffer.alloc(0);

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
export class ClientSession extends HandlerCalls implements FrameHandler, InputOwner {
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

  private readonly parser: FrameParser;
  private readonly input: SessionInput;
  /** Made by the first data frame: a connection that has received no message holds none. */
  private messageMade: MessageAssembler | null = null;
  private readonly maxPayload: number;
  private readonly maxFragments: number;
  private readonly skipUtf8Validation: boolean;
  private readonly ownsChunks: boolean;
  private readonly maskKey: MaskKeySource;
  private readonly allocateFrame: FrameAllocator;
  private readonly compression: MessageCompression | null;

  private phase: Phase = 'open';
  /** Whether a close frame had been handed out when a handler threw (the phase then says only `stopped`). */
  private closeSentBeforeStop = false;
  /** The server's close frame, once received. */
  private peerClose: { code: number | null; reason: string } | null = null;
  private failed: SessionFailure | null = null;

  // The frame being received.
  private frameKind = FRAME_IGNORED;
  private controlOpcode = 0;

  constructor(handler: SessionHandler, options: SessionOptions = {}) {
    super(handler);
    this.splitAt = checkCount('fragmentSize', options.fragmentSize ?? 0, 0);
    this.skipUtf8Validation = options.skipUtf8Validation === true;
    this.ownsChunks = options.ownsChunks === true;
    this.fireContFrame = options.fireContFrame === true;
    this.rawFrames = options.rawFrames === true;
    this.maskKey = options.getMaskKey ?? null;
    this.allocateFrame = options.allocateFrame;
    this.compression = options.compression ?? null;
    this.maxPayload = checkCount('maxPayload', options.maxPayload ?? DEFAULT_MAX_PAYLOAD, 0);
    this.maxFragments = checkCount('maxFragments', options.maxFragments ?? DEFAULT_MAX_FRAGMENTS, 1);
    // RFC 6455 §5.1: a server never masks; §5.2: no rsv bit without an extension (RFC 7692
    // §6: rsv1 once negotiated). The parser's per-frame limit never refuses a legal control
    // frame; messages are limited by the assembler.
    this.parser = new FrameParser(this, {
      maxPayload: Math.max(wireLimitOf(this.maxPayload, this.compression), MAX_CONTROL_PAYLOAD),
      acceptMasked: false,
      allowedRsv: this.compression === null ? 0 : 4,
    });
    // The session is its input's owner (methods, not closures: nothing per connection).
    this.input = new SessionInput(this.parser, this);
  }

  /** The data messages' assembler, made by the first data frame. */
  private get message(): MessageAssembler {
    return (this.messageMade ??= new MessageAssembler(this, {
      maxPayload: this.maxPayload,
      maxFragments: this.maxFragments,
      skipUtf8Validation: this.skipUtf8Validation,
      compression: this.compression,
      ownsChunks: this.ownsChunks,
    }));
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
    return stateOf(this.phase);
  }

  /** True once a close frame was handed out (by `sendClose`, a close reply, or a failure). */
  get closeSent(): boolean {
    return this.phase === 'stopped' ? this.closeSentBeforeStop : this.phase !== 'open';
  }

  /** True once the server's close frame was received. */
  get closeReceived(): boolean {
    return this.peerClose !== null;
  }

  /** The code of the server's close frame; `null` if it sent none or has not closed. */
  get closeCode(): number | null {
    return this.peerClose?.code ?? null;
  }

  /** The reason of the server's close frame ('' if none). */
  get closeReason(): string {
    return this.peerClose?.reason ?? '';
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
    return this.messageMade === null ? 0 : this.messageMade.bufferedBytes;
  }

  /**
   * Frames complete so far of the fragmented message being reassembled
   * (uncompressed, delivered whole): read from a ping or pong hook, after how
   * many of its frames that control frame came (RFC 6455 §5.4). 0 between
   * messages, and for messages delivered frame by frame or compressed.
   */
  get messageFramesReceived(): number {
    return this.messageMade === null ? 0 : this.messageMade.framesSoFar;
  }

  /** True between {@link pause} and {@link resume}. */
  get isPaused(): boolean {
    return this.input.isPaused;
  }

  /** Bytes received but not parsed yet, held since a {@link pause}. */
  get heldBytes(): number {
    return this.input.heldBytes;
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
   * delivered, so the caller must not reuse its memory, unless this returns
   * true: the whole chunk was payload of a message being gathered and was
   * copied, so no view of it is kept.
   *
   * @throws whatever a handler hook throws; the session then stops (state
   *   `'closed'`) and ignores further input.
   */
  receive(chunk: Buffer): boolean {
    if (!readsInput(this.phase)) return false;
    // Checked before parsing: held input (paused) is kept as it came, and the frame in progress decides where the bytes go.
    const copied = !this.input.isPaused && this.input.heldBytes === 0 && this.messageMade !== null && this.messageMade.gathersNext(chunk.length);
    this.input.receive(chunk);
    return copied;
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
    this.input.pause();
  }

  /**
   * Produce messages again: the bytes held since {@link pause} are parsed now,
   * synchronously, in order (the hooks run before this returns), until they
   * are used up or a hook pauses again.
   */
  resume(): void {
    this.input.resume();
  }

  /** InputOwner: whether input is still read. */
  inputReading(): boolean {
    return readsInput(this.phase);
  }

  /** InputOwner: a chunk was parsed; a buffer given back for reuse is not held between reads. */
  inputParsed(): void {
    this.messageMade?.chunkDone();
  }

  /** InputOwner: the parser threw: a violation fails the connection; a hook's error goes on out of `receive()`. */
  inputFailed(error: unknown): void {
    if (this.phase === 'stopped') throw error;
    if (error instanceof WebSocketProtocolException || error instanceof WebSocketPayloadException) {
      this.fail(error);
      return;
    }
    throw error;
  }

  /** FrameHandler, called by the session's own parser: a frame header was parsed (the parser already checked §5.2 header rules). */
  onHeader(header: FrameHeader): void {
    const opcode = header.opcode;
    if (opcode >= OPCODE_CLOSE) {
      // RFC 7692 §6.1: control frames are never compressed.
      if (header.rsv1) {
        throw createError(
          'WS_ERR_UNEXPECTED_RSV',
          `expected rsv1 = 0 on a control frame, got rsv1 = 1 on a frame of opcode ${opcode} (RFC 7692 §6.1)`,
        );
      }
      this.frameKind = FRAME_CONTROL;
      this.controlOpcode = opcode;
    } else if (this.phase === 'open') {
      this.frameKind = FRAME_DATA;
      this.message.startFrame(header, this.rawFrames, this.fireContFrame);
    } else {
      // RFC 6455 §5.5.1: data after our close frame is not processed.
      this.frameKind = FRAME_IGNORED;
    }
  }

  /** FrameHandler, called by the session's own parser: a control frame's whole payload, unmasked (data payloads come through `onPayloadRange`). */
  onPayload(piece: Buffer, frameEnd: boolean): void {
    if (this.frameKind === FRAME_DATA) this.message.piece(piece, 0, piece.length, frameEnd);
    else if (this.frameKind === FRAME_CONTROL) this.controlFrame(Buffer.from(piece));
  }

  /** FrameHandler, called by the session's own parser: bytes [start, end) of `chunk` are payload of the current data frame, unmasked. */
  onPayloadRange(chunk: Buffer, start: number, end: number, frameEnd: boolean): void {
    if (this.frameKind === FRAME_DATA) this.message.piece(chunk, start, end, frameEnd);
  }

  /**
   * FrameHandler, called by the session's own parser: a whole short final data
   * frame, unmasked, its header already checked (RFC 6455 §5.2). An open
   * session out of raw frame mode takes a frame that starts a message and is
   * not compressed, and delivers it at once; anything else (a continuation, a
   * compressed frame, data after our close frame) is declined and goes the
   * general way.
   */
  onWholeFrame(header: FrameHeader, chunk: Buffer, start: number, end: number): boolean {
    if (this.phase !== 'open' || this.rawFrames || header.rsv1 || header.opcode === OPCODE_CONT) return false;
    return this.message.wholeMessage(header.opcode, chunk, start, end);
  }

  /** A whole control frame (RFC 6455 §5.5), its payload copied: it is small and may be kept. */
  private controlFrame(data: Buffer): void {
    const opcode = this.controlOpcode;
    if (opcode === OPCODE_CLOSE) {
      this.serverClose(data);
      return;
    }
    if (opcode === OPCODE_PING && this.phase === 'open') {
      // RFC 6455 §5.5.2: answer with a pong carrying the same payload (none after our close frame).
      this.emitWrite(encodeControl(OPCODE_PONG, data, this.maskKey), 'pong');
    }
    if (this.rawFrames) this.emitFrame(opcode, true, 0, data);
    else if (opcode === OPCODE_PING) this.emitPing(data);
    else this.emitPong(data);
  }

  /** RFC 6455 §5.5.1, §7.1.5: the server's close frame; nothing after it is read. */
  private serverClose(data: Buffer): void {
    const { code, reason } = decodeClosePayload(data, this.skipUtf8Validation);
    this.peerClose = { code, reason };
    if (this.phase === 'open') {
      this.phase = 'reply-held';
      this.emitWrite(closeReply(code, this.maskKey), 'close');
    } else {
      this.phase = 'closed';
    }
    this.endInput();
    if (this.rawFrames) this.emitFrame(OPCODE_CLOSE, true, 0, data);
    this.emitClose(code, reason, data);
    this.parser.interrupt();
  }

  /** RFC 6455 §7.1.7: fail the connection with one close frame, then read nothing more. */
  private fail(error: SessionFailure): void {
    const code = failureCode(error);
    const closeFrame = this.phase === 'open' ? failureClose(code, this.maskKey) : null;
    this.phase = closeFrame === null ? 'failed' : 'fail-held';
    this.failed = error;
    this.endInput();
    this.emitFailure(error, closeFrame);
  }

  /** Called by {@link HandlerCalls} once a hook threw: the session stops for good. */
  hookThrew(): void {
    this.closeSentBeforeStop = this.closeSent;
    this.phase = 'stopped';
    this.endInput();
  }

  /** No more input: drop what is held and the message in progress. */
  private endInput(): void {
    this.input.clear();
    this.frameKind = FRAME_IGNORED;
    this.messageMade?.drop();
    // The compressor is still needed while messages may go ahead of a held close frame.
    if (!closeHeld(this.phase)) this.compression?.release();
  }

  /**
   * The transport wrote the close frame this session handed out through
   * `onWrite(…, 'close')` or `onFailure`: nothing more is sent from now on.
   * Until then, text and binary messages are still encoded, so that the
   * user's reaction to the messages delivered before the close (an echo) goes
   * out ahead of it.
   */
  closeWritten(): void {
    if (this.phase === 'reply-held') this.phase = 'closed';
    else if (this.phase === 'fail-held') this.phase = 'failed';
    else return;
    this.compression?.release();
  }

  /** A text message, UTF-8 encoded, compressed if negotiated and large enough, masked, fragmented per `fragmentSize`. */
  sendText(text: string): Buffer {
    this.checkCanSend('a text message', true);
    // One frame, nothing to compress: encode the string straight into it.
    if (this.compression === null && this.splitAt === 0) return encodeTextFrame(text, masking(this.maskKey, this.allocateFrame));
    return encodeDataMessage(OPCODE_TEXT, Buffer.from(text, 'utf8'), this.compression, this.maskKey, this.splitAt, this.allocateFrame);
  }

  /** A binary message, compressed if negotiated and large enough, masked (the caller's bytes are not modified), fragmented per `fragmentSize`. */
  sendBinary(data: Uint8Array): Buffer {
    this.checkCanSend('a binary message', true);
    return encodeDataMessage(OPCODE_BINARY, data, this.compression, this.maskKey, this.splitAt, this.allocateFrame);
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
    const bytes = encodeOutgoingFrame(frame, this.maskKey);
    if (frame.opcode === OPCODE_CLOSE) this.closeSending();
    return bytes;
  }

  /** RFC 6455 §5.5.1: after our close frame, no more data is sent, and received data is not processed. */
  private closeSending(): void {
    this.phase = 'closing';
    if (this.frameKind === FRAME_DATA) this.frameKind = FRAME_IGNORED;
    this.messageMade?.drop();
    this.compression?.release();
  }

  /** Text and binary messages may also go ahead of a close frame the session made and the transport holds. */
  private checkCanSend(what: string, message = false): void {
    const refusal = sendRefusal(this.phase, what, message, this.failed);
    if (refusal !== null) throw refusal;
  }
}
