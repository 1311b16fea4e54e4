/**
 * Frame format and parse throughput, ours against ws's own Sender and
 * Receiver in one run. Run: `npx tsx bench/frames.ts` (about 30 s).
 *
 * - format: encodeFrame(binary, payload, { randomMask: true }) — a client
 *   frame, masked with a fresh CSPRNG key into one new Buffer, payload
 *   untouched — against
 *   ws `Sender.frame(payload, { mask: true, readOnly: true, … })`, which is
 *   what ws's `send()` does with a caller's Buffer (mask into a merged copy).
 * - parse: a stream of unmasked binary frames (server to client) fed in
 *   64 KiB chunks, as socket reads come. Ours: FrameParser with a handler that
 *   turns pieces into one Buffer per frame (the piece itself when the chunk
 *   held the payload whole, else one buffer of payloadLength filled piece by
 *   piece) and counts them. ws: `new Receiver({
 *   isServer: false })`, counting 'message' events (it hands out the same:
 *   one Buffer per message).
 *
 * ws masks with bufferutil, a dev dependency, unless WS_NO_BUFFER_UTIL=1 keeps
 * it on its JavaScript loop (the script prints which; parsing unmasked server
 * frames does not involve it). Figures are medians of
 * timed repetitions after a warm-up, ours and ws interleaved. MB = 10^6 bytes
 * of payload.
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeFrame } from '../src/frame/encoder.js';
import { FrameParser } from '../src/frame/parser.js';

interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): boolean;
}
type WsReceiverClass = new (options: { isServer: boolean; binaryType: string }) => WsReceiver;
interface WsSenderClass {
  frame(
    data: Buffer,
    options: { fin: boolean; mask: boolean; opcode: number; readOnly: boolean; rsv1: boolean },
  ): Buffer[];
}

// ws's package exports hide lib/ (and @types/ws omits these classes), so load them by path.
const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws/package.json'));
const WsReceiver = require(join(wsDir, 'lib', 'receiver.js')) as WsReceiverClass;
const WsSender = require(join(wsDir, 'lib', 'sender.js')) as WsSenderClass;

const SIZES = [16, 1024, 64 * 1024, 1024 * 1024];
const CHUNK = 64 * 1024;
const REPETITIONS = 11;
/** Payload bytes per repetition, and at most this many frames (small sizes are bound by frames/s). */
const BYTES_PER_REP = 32 * 1024 * 1024;
const MAX_FRAMES_PER_REP = 200_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Median seconds of each of two runs, interleaved rep by rep after one warm-up each. */
function race(ours: () => void, theirs: () => void): [number, number] {
  ours();
  theirs();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    let t0 = performance.now();
    ours();
    a.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    theirs();
    b.push((performance.now() - t0) / 1000);
  }
  return [median(a), median(b)];
}

function fill(size: number): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

function chunked(stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += CHUNK) chunks.push(stream.subarray(i, i + CHUNK));
  return chunks;
}

interface Row {
  size: number;
  op: 'format' | 'parse';
  frames: number;
  ours: number;
  ws: number;
}

function benchFormat(size: number, frames: number): Row {
  const payload = fill(size);
  let sink = 0;
  const [ours, ws] = race(
    () => {
      const options = { randomMask: true };
      for (let i = 0; i < frames; i++) sink += encodeFrame(2, payload, options).length;
    },
    () => {
      const options = { fin: true, mask: true, opcode: 2, readOnly: true, rsv1: false };
      for (let i = 0; i < frames; i++) sink += WsSender.frame(payload, options)[0].length;
    },
  );
  if (sink === 0) throw new Error('format produced nothing');
  return { size, op: 'format', frames, ours, ws };
}

function benchParse(size: number, frames: number): Row {
  const payload = fill(size);
  const chunks = chunked(Buffer.concat(Array.from({ length: frames }, () => encodeFrame(2, payload))));
  const check = (count: number, bytes: number, who: string) => {
    if (count !== frames || bytes !== frames * size) {
      throw new Error(`${who} parsed ${count} frames / ${bytes} bytes, expected ${frames} / ${frames * size}`);
    }
  };
  const [ours, ws] = race(
    () => {
      let count = 0;
      let bytes = 0;
      let frameLength = 0;
      let message: Buffer | null = null;
      let filled = 0;
      const parser = new FrameParser(
        {
          onHeader(header) {
            frameLength = header.payloadLength;
          },
          onPayload(piece, frameEnd) {
            if (frameEnd && message === null) {
              // The whole payload came in one piece: a view, no copy.
              count++;
              bytes += piece.length;
              return;
            }
            if (message === null) {
              message = Buffer.allocUnsafe(frameLength);
              filled = 0;
            }
            message.set(piece, filled);
            filled += piece.length;
            if (frameEnd) {
              count++;
              bytes += message.length;
              message = null;
            }
          },
        },
        { maxPayload: 2 * size },
      );
      for (const chunk of chunks) parser.push(chunk);
      check(count, bytes, 'FrameParser');
    },
    () => {
      let count = 0;
      let bytes = 0;
      const receiver = new WsReceiver({ isServer: false, binaryType: 'nodebuffer' });
      receiver.on('message', (data) => {
        count++;
        bytes += data.length;
      });
      receiver.on('error', (error) => {
        throw error;
      });
      for (const chunk of chunks) receiver.write(chunk);
      check(count, bytes, 'ws Receiver');
    },
  );
  return { size, op: 'parse', frames, ours, ws };
}

function label(size: number): string {
  return size >= 1024 * 1024 ? `${size / (1024 * 1024)} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

function fmt(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

function main(): void {
  let bufferUtil = 'absent (ws uses its JS fallback)';
  if (process.env.WS_NO_BUFFER_UTIL) {
    bufferUtil = 'disabled by WS_NO_BUFFER_UTIL (ws uses its JS fallback)';
  } else {
    try {
      require.resolve('bufferutil', { paths: [wsDir] });
      bufferUtil = 'present (ws uses native masking)';
    } catch {
      // Not installed (it is a dev dependency): ws falls back to JavaScript.
    }
  }
  console.log(
    `node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), bufferutil ${bufferUtil}`,
  );
  console.log(`medians of ${REPETITIONS} reps; MB/s = 10^6 payload bytes per second; ratio = ours / ws (higher is better)\n`);
  const header = '| size | op | ours MB/s | ours frames/s | ws MB/s | ws frames/s | ratio |';
  console.log(header);
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  let worst = Infinity;
  for (const size of SIZES) {
    const frames = Math.min(MAX_FRAMES_PER_REP, Math.max(8, Math.floor(BYTES_PER_REP / size)));
    for (const row of [benchFormat(size, frames), benchParse(size, frames)]) {
      const ratio = row.ws / row.ours;
      worst = Math.min(worst, ratio);
      const mbs = (seconds: number) => ((row.frames * row.size) / seconds / 1e6).toFixed(0);
      console.log(
        `| ${label(row.size)} | ${row.op} | ${mbs(row.ours)} | ${fmt(row.frames / row.ours)} | ${mbs(row.ws)} | ${fmt(row.frames / row.ws)} | ${ratio.toFixed(2)}x |`,
      );
    }
  }
  console.log(`\nworst ratio: ${worst.toFixed(2)}x (target: >= 1.00x at every size)`);
}

main();
