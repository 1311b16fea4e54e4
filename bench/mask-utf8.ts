/**
 * Masking and UTF-8 validation throughput, ours against the alternatives in
 * one run. Run: `npx tsx bench/mask-utf8.ts` (about 25 s).
 *
 * - Masking (GB/s): maskInPlace / maskInto vs a naive byte loop vs ws's own
 *   JavaScript mask/unmask. bufferutil is a dev dependency (for the
 *   end-to-end bench), so WS_NO_BUFFER_UTIL keeps ws on its JS loop here, and
 *   Node 20's http has no websocketMask: the fair, dependency-free peer.
 * - UTF-8 (MB/s): isValidUtf8 vs node:buffer isUtf8 (C++, simdutf) vs
 *   TextDecoder('utf-8', {fatal: true}).decode, on ASCII and mixed text.
 * - Incremental UTF-8 (MB/s): Utf8Validator.push over the same 64 KiB fed in
 *   pieces of 16 B to 64 KiB (most cuts of the mixed text fall mid-character),
 *   which shows where the per-push cost stops mattering.
 *
 * Each figure is the median of several timed repetitions after a warm-up.
 */
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { maskInPlace, maskInto } from '../src/frame/mask.js';
import { Utf8Validator, isValidUtf8 } from '../src/frame/utf8.js';

interface WsBufferUtil {
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}

// ws's package exports hide lib/, so load its buffer-util by path, without the bufferutil addon.
process.env.WS_NO_BUFFER_UTIL = '1';
const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws/package.json'));
const wsBufferUtil = require(join(wsDir, 'lib', 'buffer-util.js')) as WsBufferUtil;

const REPETITIONS = 7;
const TARGET_REP_MS = 80;

function naiveMaskInPlace(data: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Median throughput in bytes per millisecond of `run`, which processes `bytesPerCall` bytes. */
function measure(bytesPerCall: number, run: () => void): number {
  // Warm up and size the repetition so it lasts about TARGET_REP_MS.
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) run();
    const elapsed = performance.now() - t0;
    if (elapsed >= TARGET_REP_MS / 4) {
      calls = Math.max(1, Math.round((calls * TARGET_REP_MS) / elapsed));
      break;
    }
    calls *= 2;
  }
  const rates: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) run();
    rates.push((bytesPerCall * calls) / (performance.now() - t0));
  }
  return median(rates);
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function sizeLabel(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes >> 20} MiB` : `${bytes >> 10} KiB`;
}

function benchMasking(): void {
  const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
  const widths = [7, 12, 10, 10, 13, 11, 10, 14];
  console.log('Masking, GB/s (median of %d)', REPETITIONS);
  console.log(
    row(['size', 'maskInPlace', 'maskInto', 'naive', 'ws unmask', 'ws mask', 'vs naive', 'vs ws (in/to)'], widths),
  );
  for (const size of [1 << 10, 1 << 16, 1 << 20]) {
    // A view one byte into its buffer: the unaligned case a socket chunk usually is.
    const data = new Uint8Array(size + 1).fill(0x5a).subarray(1);
    const target = new Uint8Array(size + 8);
    const ours = measure(size, () => maskInPlace(data, key, 0));
    const oursInto = measure(size, () => maskInto(data, key, target, 3, 0));
    const naive = measure(size, () => naiveMaskInPlace(data, key));
    const wsUnmask = measure(size, () => wsBufferUtil.unmask(data, key));
    const wsMask = measure(size, () => wsBufferUtil.mask(data, key, target, 3, size));
    const gbps = (bytesPerMs: number): string => (bytesPerMs / 1e6).toFixed(2);
    console.log(
      row(
        [
          sizeLabel(size),
          gbps(ours),
          gbps(oursInto),
          gbps(naive),
          gbps(wsUnmask),
          gbps(wsMask),
          `${(ours / naive).toFixed(1)}x`,
          `${(ours / wsUnmask).toFixed(1)}x/${(oursInto / wsMask).toFixed(1)}x`,
        ],
        widths,
      ),
    );
  }
}

/** About `size` bytes of `sample` repeated, cut on a character boundary. */
function textOf(sample: string, size: number): Buffer {
  const whole = Buffer.from(sample.repeat(Math.ceil(size / Buffer.byteLength(sample))));
  let end = size;
  while ((whole[end] & 0xc0) === 0x80) end--;
  return whole.subarray(0, end);
}

const UTF8_SIZE = 1 << 16;
const utf8Corpora: [string, Buffer][] = [
  ['ASCII', textOf('The quick brown fox jumps over the lazy dog; {"id": 42, "ok": true}\n', UTF8_SIZE)],
  [
    'mixed',
    textOf('Größe · κόσμε · Привет, мир · 日本語のテキスト · emoji 😀🎉 · plain ASCII words in between. ', UTF8_SIZE),
  ],
];

function benchUtf8(): void {
  const corpora = utf8Corpora;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const widths = [7, 12, 12, 12, 10, 13];
  console.log('\nUTF-8 validation of 64 KiB, MB/s (median of %d)', REPETITIONS);
  console.log(row(['text', 'isValidUtf8', 'isUtf8', 'TextDecoder', 'vs isUtf8', 'vs TextDecoder'], widths));
  let invalid = 0;
  for (const [name, text] of corpora) {
    const ours = measure(text.length, () => void (isValidUtf8(text) || invalid++));
    const node = measure(text.length, () => void (isUtf8(text) || invalid++));
    const textDecoder = measure(text.length, () => void (decoder.decode(text).length > 0 || invalid++));
    const mbps = (bytesPerMs: number): string => (bytesPerMs / 1e3).toFixed(0);
    console.log(
      row(
        [
          name,
          mbps(ours),
          mbps(node),
          mbps(textDecoder),
          `${(ours / node).toFixed(2)}x`,
          `${(ours / textDecoder).toFixed(2)}x`,
        ],
        widths,
      ),
    );
  }
  if (invalid > 0) throw new Error(`a validator rejected valid benchmark text ${invalid} times`);
}

function benchUtf8Incremental(): void {
  const pieceSizes = [16, 32, 64, 128, 256, 1024, 4096, UTF8_SIZE];
  const widths = [7, ...pieceSizes.map(() => 8)];
  console.log('\nUtf8Validator.push over 64 KiB in pieces of N bytes, MB/s (median of %d)', REPETITIONS);
  console.log(row(['text', ...pieceSizes.map((n) => (n >= 1024 ? `${n >> 10} KiB` : `${n} B`))], widths));
  const validator = new Utf8Validator();
  let invalid = 0;
  for (const [name, text] of utf8Corpora) {
    const rates = pieceSizes.map((piece) =>
      measure(text.length, () => {
        validator.reset();
        for (let from = 0; from < text.length; from += piece) {
          if (validator.push(text, from, Math.min(from + piece, text.length)) !== -1) invalid++;
        }
        if (!validator.complete) invalid++;
      }),
    );
    console.log(row([name, ...rates.map((r) => (r / 1e3).toFixed(0))], widths));
  }
  if (invalid > 0) throw new Error(`Utf8Validator rejected valid benchmark text ${invalid} times`);
}

console.log(`node ${process.version}, ${availableParallelism()} CPUs, ${process.platform}/${process.arch}\n`);
benchMasking();
benchUtf8();
benchUtf8Incremental();
