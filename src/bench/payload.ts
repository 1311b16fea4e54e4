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

/**
 * What a received message says about itself: the sequence number stamped at
 * its start (or -1, as {@link readStamp}) and its checksum (as
 * {@link checksumBytes} / {@link checksumString}). One reader serves every
 * message: {@link read} overwrites both fields, so nothing is allocated per
 * message.
 */
export class EchoDigest {
  stamp = -1;
  checksum = 0;

  read(data: Buffer | string): void {
    this.stamp = readStamp(data);
    this.checksum = typeof data === 'string' ? checksumString(data) : checksumBytes(data);
  }
}

const HEX_DIGITS = '0123456789abcdef';

/** The byte at position `i` of every generated message past its stamp (printable ASCII). */
function templateByte(i: number): number {
  return 97 + (i % 26);
}

/**
 * Up to this size, the checksum of a generated message is found from its
 * stamp alone (8 steps) and two tables shared by every message factory of the
 * thread; above it, it is computed over the whole message (whose masking
 * costs as much anyway).
 */
const TABLED_SIZE = 65536;

/** hash(template[0..k)) and 31^k (mod 2^32), for k up to the largest size asked for so far (at most TABLED_SIZE). */
let prefixHashes = new Int32Array(0);
let powersOf31 = new Int32Array(0);

function extendTables(size: number): void {
  if (size < prefixHashes.length) return;
  const length = Math.min(TABLED_SIZE, Math.max(size, 2 * prefixHashes.length, 64)) + 1;
  prefixHashes = new Int32Array(length);
  powersOf31 = new Int32Array(length);
  powersOf31[0] = 1;
  for (let k = 1; k < length; k++) {
    prefixHashes[k] = (Math.imul(prefixHashes[k - 1]!, 31) + templateByte(k - 1)) | 0;
    powersOf31[k] = Math.imul(powersOf31[k - 1]!, 31);
  }
}

/**
 * Makes the messages of one connection. {@link next} returns the same
 * object each time (and, for generated binary messages, the same bytes): the
 * caller uses a message before asking for the next one.
 */
export class MessageFactory {
  private readonly template: Buffer;
  private readonly templateText: string;
  /** The first bytes of the template, never stamped: messages shorter than a stamp. */
  private readonly shortTemplate: Buffer;
  private readonly payloadText: string;
  private readonly message: OutgoingMessage = { data: '', length: 0, checksum: 0, seq: -1 };
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
    for (let i = 0; i < largest; i++) this.template[i] = templateByte(i);
    this.templateText = this.template.toString('latin1');
    this.shortTemplate = Buffer.from(this.template.subarray(0, STAMP_BYTES));
    this.payloadText = payload !== null && text ? payload.toString('utf8') : '';
    if (payload === null) extendTables(largest);
  }

  private nextSize(): number {
    const spec = this.sizes;
    if (spec.kind === 'fixed') return spec.size;
    if (spec.kind === 'choice') return spec.sizes[Math.floor(this.random() * spec.sizes.length)]!;
    return spec.min + Math.floor(this.random() * (spec.max - spec.min + 1));
  }

  next(): OutgoingMessage {
    const message = this.message;
    if (this.payload !== null) {
      message.data = this.text ? this.payloadText : this.payload;
      message.length = message.data.length;
      message.checksum = this.text ? checksumString(this.payloadText) : checksumBytes(this.payload);
      message.seq = -1;
      return message;
    }
    const size = this.nextSize();
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    message.length = size;
    if (size < STAMP_BYTES) {
      message.data = this.text ? this.templateText.slice(0, size) : this.shortTemplate.subarray(0, size);
      message.checksum = prefixHashes[size]!;
      message.seq = -1;
      return message;
    }
    message.seq = seq;
    // The stamp is written into the template itself: the bytes past it never change.
    let stampHash = 0;
    for (let i = 0; i < STAMP_BYTES; i++) {
      const digit = HEX_DIGITS.charCodeAt((seq >>> (4 * (STAMP_BYTES - 1 - i))) & 15);
      this.template[i] = digit;
      stampHash = (Math.imul(stampHash, 31) + digit) | 0;
    }
    if (this.text) {
      message.data = this.template.toString('latin1', 0, STAMP_BYTES) + this.templateText.slice(STAMP_BYTES, size);
    } else {
      message.data = size === this.template.length ? this.template : this.template.subarray(0, size);
    }
    if (size < prefixHashes.length) {
      // hash(stamp + tail) = hash(stamp) * 31^|tail| + hash(tail), where hash(tail) = hash(template[0..size)) - hash(template[0..8)) * 31^|tail|.
      const tailPower = powersOf31[size - STAMP_BYTES]!;
      const tailHash = (prefixHashes[size]! - Math.imul(prefixHashes[STAMP_BYTES]!, tailPower)) | 0;
      message.checksum = (Math.imul(stampHash, tailPower) + tailHash) | 0;
    } else {
      message.checksum = typeof message.data === 'string' ? checksumString(message.data) : checksumBytes(message.data);
    }
    return message;
  }
}
