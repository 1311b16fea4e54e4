/**
 * The benchmark's read path for the common case: a whole, short (≤ 125
 * bytes), unmasked, final text or binary frame from the server, outside any
 * fragmented message, is handed straight to the echo check; every other byte
 * (fragments, control frames, longer frames, frames split across reads,
 * anything invalid) goes to the `ClientSession`, in order, which applies the
 * protocol's rules as always. The reader only follows frame boundaries so it
 * knows when a frame is wholly its own to take.
 */
import { isUtf8 } from 'node:buffer';

/** The part of the session the reader uses. */
export interface LeanReaderSession {
  receive(chunk: Buffer): void;
  readonly state: string;
}

/** Longest header: 2 bytes, 8 of extended length, 4 of mask key (RFC 6455 §5.2). */
const MAX_HEADER_BYTES = 14;
/** FIN set, no RSV bits, opcode text (RFC 6455 §5.2, §5.6). */
const FINAL_TEXT = 0x81;
/** FIN set, no RSV bits, opcode binary. */
const FINAL_BINARY = 0x82;
/** Second byte below this: unmasked, payload length in 7 bits (RFC 6455 §5.2). */
const SHORT_UNMASKED_LIMIT = 126;

/**
 * Reads a connection's bytes in front of its session: {@link LeanReader.receive}
 * takes each chunk, delivers the common-case frames to `onMessage` (a Buffer
 * view valid only during the call, or a string for text) and hands every
 * other byte to the session, in order.
 */
export class LeanReader {
  /** Bytes of the current frame (handed to the session) still to come. */
  private owed = 0;
  /** The start of a frame header split across reads, already handed to the session. */
  private readonly partialHeader = Buffer.alloc(MAX_HEADER_BYTES);
  private partialLength = 0;
  /** A fragmented data message is in progress: its frames all go to the session (RFC 6455 §5.4). */
  private inMessage = false;
  /** Frames delivered without the session (for tests and diagnostics). */
  fastFrames = 0;

  constructor(
    private readonly session: LeanReaderSession,
    private readonly onMessage: (data: Buffer | string) => void,
  ) {}

  receive(chunk: Buffer): void {
    const end = chunk.length;
    let pos = 0;
    /** Start of the run of bytes owed to the session, not handed over yet. */
    let sessionFrom = 0;
    if (this.partialLength > 0) pos = this.completeHeader(chunk);
    while (pos < end) {
      if (this.owed > 0) {
        const take = Math.min(this.owed, end - pos);
        this.owed -= take;
        pos += take;
        continue;
      }
      const first = chunk[pos]!;
      if (pos + 2 <= end && !this.inMessage && (first === FINAL_BINARY || first === FINAL_TEXT)) {
        const length = chunk[pos + 1]!;
        const payloadEnd = pos + 2 + length;
        if (length < SHORT_UNMASKED_LIMIT && payloadEnd <= end) {
          const payload = chunk.subarray(pos + 2, payloadEnd);
          if (first === FINAL_BINARY || isUtf8(payload)) {
            if (sessionFrom < pos) this.session.receive(chunk.subarray(sessionFrom, pos));
            sessionFrom = payloadEnd;
            // After a close, a failure or our own close, the session ignores data: so does the reader.
            if (this.session.state !== 'open') return;
            this.fastFrames++;
            this.onMessage(first === FINAL_BINARY ? payload : payload.toString('utf8'));
            pos = payloadEnd;
            continue;
          }
        }
      }
      pos = this.sessionFrame(chunk, pos, end);
    }
    if (sessionFrom < end) this.session.receive(sessionFrom === 0 ? chunk : chunk.subarray(sessionFrom));
  }

  /** A frame for the session starts at `pos`: note its length and skip its header; returns the position after what was read. */
  private sessionFrame(chunk: Buffer, pos: number, end: number): number {
    const available = Math.min(end - pos, MAX_HEADER_BYTES);
    const size = this.readHeader(chunk, pos, available);
    if (size === 0) {
      chunk.copy(this.partialHeader, 0, pos, end);
      this.partialLength = end - pos;
      return end;
    }
    return pos + size;
  }

  /** Finish a header split across reads; returns the position in `chunk` after its last byte. */
  private completeHeader(chunk: Buffer): number {
    const copied = chunk.copy(this.partialHeader, this.partialLength, 0, MAX_HEADER_BYTES - this.partialLength);
    const had = this.partialLength;
    const size = this.readHeader(this.partialHeader, 0, had + copied);
    if (size === 0) {
      this.partialLength += copied;
      return chunk.length;
    }
    this.partialLength = 0;
    return size - had;
  }

  /**
   * Read the header at `bytes[pos]` (with `available` bytes there): set the
   * payload still owed and whether a fragmented message is in progress;
   * returns the header's size, or 0 if it is not whole yet.
   */
  private readHeader(bytes: Buffer, pos: number, available: number): number {
    if (available < 2) return 0;
    const first = bytes[pos]!;
    const second = bytes[pos + 1]!;
    const code = second & 0x7f;
    const extended = code === 126 ? 2 : code === 127 ? 8 : 0;
    const size = 2 + extended + (second & 0x80 ? 4 : 0);
    if (available < size) return 0;
    let length = code;
    if (code === 126) length = bytes.readUInt16BE(pos + 2);
    else if (code === 127) length = bytes.readUInt32BE(pos + 2) * 2 ** 32 + bytes.readUInt32BE(pos + 6);
    this.owed = length;
    // RFC 6455 §5.4: a data frame without FIN opens a fragmented message, a final continuation ends it.
    const opcode = first & 0x0f;
    const fin = (first & 0x80) !== 0;
    if (opcode === 0x1 || opcode === 0x2) this.inMessage = !fin;
    else if (opcode === 0x0 && fin) this.inMessage = false;
    return size;
  }
}
