/**
 * enableTrace: a process-wide switch that prints the opening handshake and
 * every frame (opcode, length, a short preview) to a sink, stderr by default.
 */

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

/** A short, printable preview of a payload for trace lines. */
export function previewPayload(data: Uint8Array, text: boolean): string {
  const head = data.subarray(0, PREVIEW_BYTES);
  const more = data.length > PREVIEW_BYTES ? '…' : '';
  if (text) return JSON.stringify(Buffer.from(head.buffer, head.byteOffset, head.length).toString('utf8')) + more;
  return Buffer.from(head.buffer, head.byteOffset, head.length).toString('hex') + more;
}
