/**
 * The input side of a client session with flow control: bytes from the
 * socket go to the frame parser, unless the session is paused; then they are
 * kept as bytes, unparsed, in order, until it resumes.
 */
import type { FrameParser } from '../frame/parser.js';

/** What the input asks of its session. */
export interface InputOwner {
  /** Whether input is still read (not after the server's close frame, a failure, or a handler's throw). */
  inputReading(): boolean;
  /** A chunk was parsed, whole or up to a pause. */
  inputParsed(): void;
  /** The parser threw (a violation, or a hook's error going through): the session decides. */
  inputFailed(error: unknown): void;
}

export class SessionInput {
  /** Set by {@link pause}: nothing is parsed until {@link resume}. */
  private paused = false;
  /** True while the parser is being fed (hooks may run). */
  private feeding = false;
  /**
   * The chunk whose parse a hook paused, parsed first on resume from
   * `restStart`: kept whole in a field, not as a view at the front of `held`,
   * so a pause and resume (one per few messages under a full inbox) costs no
   * allocation and no array shifting.
   */
  private rest: Buffer | null = null;
  private restStart = 0;
  /** Chunks received while paused, in order, parsed after `rest`; made by the first of them. */
  private held: Buffer[] | null = null;
  /** Bytes not parsed yet: the unparsed part of `rest` and the chunks in `held`. */
  private heldLength = 0;

  constructor(
    private readonly parser: FrameParser,
    private readonly owner: InputOwner,
  ) {}

  /** True between {@link pause} and {@link resume}. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes received but not parsed yet. */
  get heldBytes(): number {
    return this.heldLength;
  }

  receive(chunk: Buffer): void {
    if (this.paused || this.heldLength > 0) {
      (this.held ??= []).push(chunk);
      this.heldLength += chunk.length;
      return;
    }
    this.feed(chunk);
  }

  /** Called from a hook: the parse in progress stops after the current frame. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.feeding) this.parser.interrupt();
  }

  /** Parse what is held, in order, until it is used up or a hook pauses again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.feeding) {
      // Paused and resumed within one hook call: the parse in progress goes on.
      this.parser.cancelInterrupt();
      return;
    }
    while (!this.paused && this.owner.inputReading()) {
      let chunk = this.rest;
      let start = 0;
      if (chunk !== null) {
        start = this.restStart;
        this.rest = null;
        this.restStart = 0;
      } else if (this.held !== null && this.held.length > 0) {
        chunk = this.held.shift() as Buffer;
      } else {
        break;
      }
      this.heldLength -= chunk.length - start;
      this.feed(chunk, start);
    }
  }

  /** Nothing more will be read: drop what is held. */
  clear(): void {
    this.rest = null;
    this.restStart = 0;
    if (this.held !== null) this.held.length = 0;
    this.heldLength = 0;
  }

  /** Parse `chunk` from `start`; the rest, if a hook paused, is kept as {@link rest}. */
  private feed(chunk: Buffer, start = 0): void {
    this.feeding = true;
    try {
      const used = this.parser.push(chunk, start);
      if (used < chunk.length && this.owner.inputReading()) {
        // Paused by a hook: the rest of the chunk goes first when parsing resumes.
        this.rest = chunk;
        this.restStart = used;
        this.heldLength += chunk.length - used;
      }
      this.owner.inputParsed();
    } catch (error) {
      this.owner.inputParsed();
      this.owner.inputFailed(error);
    } finally {
      this.feeding = false;
    }
  }
}
