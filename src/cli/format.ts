/**
 * How wsdump shows what it receives and what went wrong: frames as text
 * (binary decompressed when it is gzip, zlib or raw deflate carrying UTF-8,
 * hex otherwise), close codes, and exceptions with their details.
 */
import { gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { toBuffer } from '../frame/bytes.js';
import { ABNF, WebSocketBadStatusException } from '../index.js';

/** Decompressed output larger than this is not shown as text (no decompression bombs). */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The frame fields wsdump looks at. */
export interface ShownFrame {
  fin: number;
  opcode: number;
  /** The payload; a string (as an ABNF built by hand may hold) counts as its UTF-8 bytes. */
  data: string | Uint8Array;
}

/** The UTF-8 text of `data`, or null when it is not valid UTF-8. */
function utf8OrNull(data: Uint8Array): string | null {
  try {
    return strictUtf8.decode(data);
  } catch {
    return null;
  }
}

function hex(data: Uint8Array): string {
  return toBuffer(data).toString('hex');
}

type Inflate = (data: Uint8Array, options: ZlibOptions & { info: true }) => unknown;

/** The UTF-8 text `data` decompresses to, when it is one whole stream of that format; else null. */
function inflatedText(inflate: Inflate, data: Uint8Array): string | null {
  try {
    const { buffer, engine } = inflate(data, { info: true, maxOutputLength: MAX_INFLATED_BYTES }) as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    // Bytes after the end of the stream mean it was not compressed data after all.
    return engine.bytesWritten === data.length ? utf8OrNull(buffer) : null;
  } catch {
    return null;
  }
}

/**
 * A binary payload as wsdump prints it: `[gzip] text` when it starts with the
 * gzip magic and gunzips to UTF-8, `[zlib] text` when it inflates (zlib or
 * raw deflate) to UTF-8, `[hex] 0a1b…` otherwise.
 */
export function describeBinary(data: Uint8Array): string {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    const text = inflatedText(gunzipSync as Inflate, data);
    if (text !== null) return `[gzip] ${text}`;
  } else if (data.length > 0) {
    const text = inflatedText(inflateSync as Inflate, data) ?? inflatedText(inflateRawSync as Inflate, data);
    if (text !== null) return `[zlib] ${text}`;
  }
  return data.length === 0 ? '[hex]' : `[hex] ${hex(data)}`;
}

/** A close frame's payload: `1000 reason`, or `no status code` when empty (RFC 6455 §7.1.5). */
export function describeClose(data: Uint8Array): string {
  if (data.length < 2) return 'no status code';
  const code = (data[0] << 8) | data[1];
  const reason = Buffer.from(data.buffer, data.byteOffset + 2, data.byteLength - 2).toString('utf8');
  return reason === '' ? `${code}` : `${code} ${reason}`;
}

/** A ping or pong payload: its text when UTF-8, else hex. */
function describeControl(data: Uint8Array): string {
  return utf8OrNull(data) ?? `[hex] ${hex(data)}`;
}

/**
 * Turns raw frames (no reassembly) into printable text. It remembers the
 * opcode of a fragmented message so that continuation frames of a text
 * message are decoded as text, a character split between frames included.
 */
export class FrameDescriber {
  private fragmentedOpcode: number | null = null;
  private readonly textDecoder = new TextDecoder('utf-8');

  /** The text shown for `frame`, without any prefix. */
  describe(shown: ShownFrame): string {
    const frame = { fin: shown.fin, opcode: shown.opcode, data: toBuffer(shown.data) };
    switch (frame.opcode) {
      case ABNF.OPCODE_TEXT:
        this.fragmentedOpcode = frame.fin ? null : ABNF.OPCODE_TEXT;
        return this.text(frame);
      case ABNF.OPCODE_BINARY:
        this.fragmentedOpcode = frame.fin ? null : ABNF.OPCODE_BINARY;
        return frame.fin ? describeBinary(frame.data) : `[hex] ${hex(frame.data)}`;
      case ABNF.OPCODE_CONT: {
        const opcode = this.fragmentedOpcode;
        if (frame.fin) this.fragmentedOpcode = null;
        return opcode === ABNF.OPCODE_TEXT ? this.text(frame) : `[hex] ${hex(frame.data)}`;
      }
      case ABNF.OPCODE_CLOSE:
        return describeClose(frame.data);
      default:
        return describeControl(frame.data);
    }
  }

  private text(frame: { fin: number; data: Uint8Array }): string {
    return this.textDecoder.decode(frame.data, { stream: !frame.fin });
  }
}

/** The opcode's name as verbose mode prints it (`text`, `binary`, `cont`, `ping`, `pong`, `close`). */
export function opcodeName(opcode: number): string {
  return ABNF.OPCODE_MAP[opcode] ?? `opcode ${opcode}`;
}

function headline(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
}

/**
 * An exception as wsdump reports it: its class, its code in brackets (a
 * WebSocketException's `WS_ERR_…`, a Node error's `ECONNREFUSED`…) and message; for a bad
 * handshake status also the status line, the response headers and the body;
 * then each cause whose message is not already part of the one above.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  const lines = [headline(error)];
  if (error instanceof WebSocketBadStatusException) {
    lines.push(`status: ${error.statusCode}${error.statusMessage ? ` ${error.statusMessage}` : ''}`);
    const headers = Object.entries(error.respHeaders ?? {});
    lines.push(headers.length === 0 ? 'headers: (none)' : 'headers:');
    for (const [name, value] of headers) lines.push(`  ${name}: ${value}`);
    const body = error.respBody;
    if (body === undefined || body.length === 0) lines.push('body: (empty)');
    else lines.push(`body (${body.length} bytes):`, utf8OrNull(body) ?? `[hex] ${hex(body)}`);
  }
  let shown = error.message;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (!shown.includes(cause.message)) lines.push(`caused by ${headline(cause)}`);
    shown = cause.message;
    cause = cause.cause;
  }
  return lines.join('\n');
}
