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
  /** Input not parsed yet, in order: the rest of a chunk after a pause, and chunks received while paused; made by the first pause. */
  private held: Buffer[] | null = null;
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
    const held = this.held;
    while (!this.paused && this.owner.inputReading() && held !== null && held.length > 0) {
      const chunk = held.shift() as Buffer;
      this.heldLength -= chunk.length;
      this.feed(chunk);
    }
  }

  /** Nothing more will be read: drop what is held. */
  clear(): void {
    if (this.held !== null) this.held.length = 0;
    this.heldLength = 0;
  }

  private feed(chunk: Buffer): void {
    this.feeding = true;
    try {
      const used = this.parser.push(chunk);
      if (used < chunk.length && this.owner.inputReading()) {
        // Paused by a hook: the rest of the chunk goes first when parsing resumes.
        (this.held ??= []).unshift(chunk.subarray(used));
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
