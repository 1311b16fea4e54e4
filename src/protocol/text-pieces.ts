/**
 * A text message that spans pieces, decoded piece by piece as it arrives
 * (RFC 6455 §5.6: the payload of a text message is UTF-8). No buffer of the
 * whole message is ever made: each piece is turned into a string at once and
 * the bytes are free to go, and the strings are joined by concatenation, which
 * V8 keeps as a rope until the text is first read character by character.
 *
 * Only for text already checked as valid UTF-8 as it arrives: valid UTF-8
 * decodes to the same string however it is cut, with a character split
 * between pieces carried over to the next one.
 */
import { StringDecoder } from 'node:string_decoder';

export class TextPieces {
  private decoder: StringDecoder | null = null;
  private text = '';
  private bytes = 0;

  /** Bytes decoded so far (of the message in progress). */
  get length(): number {
    return this.bytes;
  }

  /** Decode bytes [start, end) of `source`: the last character may be completed by the next piece. */
  push(source: Buffer, start: number, end: number): void {
    if (end === start) return;
    this.decoder ??= new StringDecoder('utf8');
    this.text += this.decoder.write(start === 0 && end === source.length ? source : source.subarray(start, end));
    this.bytes += end - start;
  }

  /** The whole text decoded so far, which now belongs to the caller; starts over empty. */
  take(): string {
    const text = this.decoder === null ? this.text : this.text + this.decoder.end();
    this.clear();
    return text;
  }

  /** Drop what was decoded, and any character left incomplete. */
  clear(): void {
    this.decoder = null;
    this.text = '';
    this.bytes = 0;
  }
}
