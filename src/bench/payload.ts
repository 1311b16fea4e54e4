/**
 * The messages wsbench sends and how it recognises them when they come back:
 * each generated message starts with its sequence number (8 hex digits) so a
 * dropped or reordered echo is told apart from a corrupted one, and every
 * message carries a cheap checksum of its content (a 32-bit polynomial hash,
 * sensitive to the position of every byte) kept by the sender.
 */
import { WebSocketException } from '../exceptions.js';

/** How big the messages are: one size, a list chosen from at random, or a uniform range. */
export type SizeSpec =
  | { kind: 'fixed'; size: number }
  | { kind: 'choice'; sizes: number[] }
  | { kind: 'range'; min: number; max: number };

/** Bytes of the sequence stamp at the start of a generated message. */
export const STAMP_BYTES = 8;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** A byte count such as `20`, `4k`, `1MiB`. @throws WebSocketException for anything else. */
export function parseByteCount(text: string, what: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match === null ? undefined : UNITS[match[2]!.toLowerCase()];
  if (match === null || unit === undefined) {
    throw new WebSocketException(`${what}: expected a byte count such as 20, 4k or 1MiB, got '${text}'`);
  }
  return Number(match[1]) * unit;
}

/** `20`, `16-4096` (uniform range) or `20,100,1k` (one of, at random). */
export function parseSizeSpec(text: string): SizeSpec {
  if (text.includes(',')) return { kind: 'choice', sizes: text.split(',').map((part) => parseByteCount(part, '--size')) };
  const range = /^([^-]+)-([^-]+)$/.exec(text);
  if (range !== null) {
    const min = parseByteCount(range[1]!, '--size');
    const max = parseByteCount(range[2]!, '--size');
    if (min > max) throw new WebSocketException(`--size: expected a range MIN-MAX with MIN <= MAX, got '${text}'`);
    return { kind: 'range', min, max };
  }
  return { kind: 'fixed', size: parseByteCount(text, '--size') };
}

/** The largest size a spec can give. */
export function largestSize(spec: SizeSpec): number {
  return spec.kind === 'fixed' ? spec.size : spec.kind === 'range' ? spec.max : Math.max(...spec.sizes);
}

/** Polynomial hash (×31) of bytes. */
export function checksumBytes(data: Uint8Array): number {
  let hash = 0;
  for (let i = 0; i < data.length; i++) hash = (Math.imul(hash, 31) + data[i]!) | 0;
  return hash;
}

/** The same hash over the UTF-16 code units of a string (for ASCII text, equal to {@link checksumBytes} of its bytes). */
export function checksumString(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** One message to send, with what its echo must look like. */
export interface OutgoingMessage {
  data: Buffer | string;
  /** Payload bytes (for text: UTF-16 code units, equal to bytes for generated ASCII text). */
  length: number;
  checksum: number;
  /** The sequence number stamped in it, or -1 (a message from a payload file is sent as it is). */
  seq: number;
}

/** The value of the hex digit with character code `c` (lower case), or -1. */
function hexValue(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/** The sequence number stamped at the start of a received message, or -1 if it has none. */
export function readStamp(data: Buffer | string): number {
  if (data.length < STAMP_BYTES) return -1;
  let value = 0;
  for (let i = 0; i < STAMP_BYTES; i++) {
    const digit = hexValue(typeof data === 'string' ? data.charCodeAt(i) : data[i]!);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

const HEX_DIGITS = '0123456789abcdef';

/** `seq` as 8 lower-case hex digits at the start of `target`. */
function writeStamp(target: Buffer, seq: number): void {
  let rest = seq;
  for (let i = STAMP_BYTES - 1; i >= 0; i--) {
    target[i] = HEX_DIGITS.charCodeAt(rest & 15);
    rest >>>= 4;
  }
}

/** Makes the messages of one connection. */
export class MessageFactory {
  private readonly template: Buffer;
  private readonly templateText: string;
  private readonly payloadText: string;
  private seq = 0;

  /**
   * @param payload the bytes of `--payload-file`, sent as they are, or null to generate printable ASCII
   * @param random a source of numbers in [0, 1) for sizes
   */
  constructor(
    private readonly sizes: SizeSpec,
    private readonly text: boolean,
    private readonly payload: Buffer | null,
    private readonly random: () => number = Math.random,
  ) {
    const largest = payload === null ? largestSize(sizes) : payload.length;
    this.template = Buffer.allocUnsafe(largest);
    for (let i = 0; i < largest; i++) this.template[i] = 97 + (i % 26);
    this.templateText = this.template.toString('latin1');
    this.payloadText = payload !== null && text ? payload.toString('utf8') : '';
  }

  private nextSize(): number {
    const spec = this.sizes;
    if (spec.kind === 'fixed') return spec.size;
    if (spec.kind === 'choice') return spec.sizes[Math.floor(this.random() * spec.sizes.length)]!;
    return spec.min + Math.floor(this.random() * (spec.max - spec.min + 1));
  }

  next(): OutgoingMessage {
    if (this.payload !== null) {
      if (this.text) return { data: this.payloadText, length: this.payloadText.length, checksum: checksumString(this.payloadText), seq: -1 };
      return { data: this.payload, length: this.payload.length, checksum: checksumBytes(this.payload), seq: -1 };
    }
    const size = this.nextSize();
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    if (size < STAMP_BYTES) {
      const data = this.text ? this.templateText.slice(0, size) : this.template.subarray(0, size);
      return { data, length: size, checksum: typeof data === 'string' ? checksumString(data) : checksumBytes(data), seq: -1 };
    }
    if (this.text) {
      const data = seq.toString(16).padStart(STAMP_BYTES, '0') + this.templateText.slice(STAMP_BYTES, size);
      return { data, length: size, checksum: checksumString(data), seq };
    }
    const data = Buffer.allocUnsafe(size);
    writeStamp(data, seq);
    this.template.copy(data, STAMP_BYTES, STAMP_BYTES, size);
    return { data, length: size, checksum: checksumBytes(data), seq };
  }
}
