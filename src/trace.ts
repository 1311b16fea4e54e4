/**
 * enableTrace: a process-wide switch that prints the opening handshake and
 * every frame (opcode, length, a short preview) to a sink, stderr by default.
 */
import { OPCODE_NAMES, OPCODE_TEXT } from './frame/opcodes.js';

type TraceSink = (line: string) => void;

let sink: TraceSink | null = null;

const writeToStderr: TraceSink = (line) => {
  process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
};

/**
 * Turn tracing on or off. Unlike websocket-client, calling it twice does not
 * duplicate lines: the latest sink replaces the previous one.
 */
export function enableTrace(on: boolean, traceSink?: (line: string) => void): void {
  sink = on ? (traceSink ?? writeToStderr) : null;
}

/** True while tracing is on: callers skip building trace lines otherwise. */
export function isTraceEnabled(): boolean {
  return sink !== null;
}

/** Emit one trace line (no-op while tracing is off). */
export function trace(line: string): void {
  if (sink !== null) sink(line);
}

const PREVIEW_BYTES = 40;

/** The first bytes of a payload, printable for a trace line: quoted text, or hex. */
function previewPayload(head: Uint8Array, text: boolean): string {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return text ? JSON.stringify(bytes.toString('utf8')) : bytes.toString('hex');
}

/**
 * One trace line for a frame or message: direction, opcode (name and number),
 * fin, payload length in bytes and a short preview, e.g.
 * `++Rcv text (opcode=1 fin=1) length=5: "hello"`.
 */
export function traceFrame(direction: 'Sent' | 'Rcv', opcode: number, data: Uint8Array | string, fin: 0 | 1 = 1): void {
  if (sink === null) return;
  const bytes = typeof data === 'string' ? Buffer.from(data.slice(0, PREVIEW_BYTES * 2), 'utf8') : data;
  const length = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  const name = OPCODE_NAMES[opcode] ?? 'reserved';
  const preview = previewPayload(bytes.subarray(0, PREVIEW_BYTES), opcode === OPCODE_TEXT || typeof data === 'string');
  sink(`++${direction} ${name} (opcode=${opcode} fin=${fin}) length=${length}: ${preview}${length > PREVIEW_BYTES ? '…' : ''}`);
}
