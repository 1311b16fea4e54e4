/**
 * RFC 6455 §5.3 masking with WebAssembly SIMD: 16 bytes per XOR instead of
 * the 4 of a Uint32Array loop. The module is a few hand-assembled bytes
 * (below), so there is no build step and no dependency. Data goes through
 * the module's own memory in windows of {@link WINDOW_BYTES}: copy in, XOR,
 * copy out; even with the two copies it beats the word loop on large
 * payloads (mask.ts's SIMD_MIN_BYTES is where it starts to win).
 * Data that already lives in the module's memory past the window (frames of
 * the ring in frame-ring.ts) is masked where it is, with no copy at all.
 */

/** Bytes masked per pass through the module's memory (a multiple of 64: the kernel's step). */
const WINDOW_BYTES = 256 * 1024;
/** Bytes of the module's memory after the window, lent out as frames by frame-ring.ts. */
export const RING_BYTES = 4 * 1024 * 1024;
const WASM_PAGE = 65536;

/**
 * `(func $mask (param $ptr i32) (param $len i32) (param $key i32))`: XOR
 * memory[ptr, ptr + len) with the 32-bit `key` splatted to 128 bits, 64 bytes
 * per iteration; `len` is a multiple of 64. Exports the function as `x` and
 * the memory (1 page, growable) as `m`.
 */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const LOCAL_GET = 0x20;
  const LOCAL_SET = 0x21;
  const I32_CONST = 0x41;
  const SIMD = 0xfd;
  const xorStep = (offset: number): number[] => [
    LOCAL_GET, 0, // address for the store
    LOCAL_GET, 0, SIMD, 0x00, 0x00, offset, // v128.load offset=offset
    LOCAL_GET, 3, SIMD, 0x51, // v128.xor with the splatted key
    SIMD, 0x0b, 0x00, offset, // v128.store offset=offset
  ];
  const body = [
    0x01, 0x01, 0x7b, // one local: v128
    LOCAL_GET, 2, SIMD, 0x11, LOCAL_SET, 3, // i32x4.splat(key)
    0x02, 0x40, 0x03, 0x40, // block, loop
    LOCAL_GET, 1, I32_CONST, 0xc0, 0x00, 0x49, 0x0d, 0x01, // len < 64 -> exit
    ...xorStep(0), ...xorStep(16), ...xorStep(32), ...xorStep(48),
    LOCAL_GET, 0, I32_CONST, 0xc0, 0x00, 0x6a, LOCAL_SET, 0, // ptr += 64
    LOCAL_GET, 1, I32_CONST, 0xc0, 0x00, 0x6b, LOCAL_SET, 1, // len -= 64
    0x0c, 0x00, // continue
    0x0b, 0x0b, 0x0b, // end loop, block, function
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32 i32 i32) -> ()
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x05, 0x03, 0x01, 0x00, 0x01, // one memory, 1 page, no maximum
    0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x78, 0x00, 0x00, // export "m" memory 0, "x" function 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
}

interface Kernel {
  memory: WebAssembly.Memory;
  mask: (ptr: number, length: number, key: number) => void;
}

function instantiate(): Kernel | null {
  const bytes = moduleBytes();
  // Runtimes without WebAssembly SIMD fall back to the word loop.
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = exports.m as WebAssembly.Memory;
  // Sized once, never grown again: growing would detach the views lent out of it.
  memory.grow((WINDOW_BYTES + RING_BYTES) / WASM_PAGE - 1);
  return { memory, mask: exports.x as Kernel['mask'] };
}

const kernel = instantiate();

/** True when this runtime runs the SIMD kernel (else {@link maskIntoSimd} must not be called). */
export const simdAvailable = kernel !== null;

/**
 * The module's memory: the masking window, then {@link RING_BYTES} that
 * frame-ring.ts lends out at {@link RING_OFFSET}; `null` without SIMD.
 */
export const kernelMemory: ArrayBuffer | null = kernel === null ? null : kernel.memory.buffer;

/** Where the ring's bytes start in {@link kernelMemory}. */
export const RING_OFFSET = WINDOW_BYTES;

/** The key bytes as the little-endian word the kernel splats: byte i of the data meets key byte i & 3. */
function keyWordOf(k0: number, k1: number, k2: number, k3: number): number {
  return (k0 | (k1 << 8) | (k2 << 16) | (k3 << 24)) | 0;
}

/** RFC 6455 §5.3 for `data[from, to)`, which starts at key phase 0 (from is a multiple of 4). */
function maskTail(data: Uint8Array, from: number, to: number, k0: number, k1: number, k2: number, k3: number): void {
  for (let i = from; i < to; i++) data[i] ^= i % 4 === 0 ? k0 : i % 4 === 1 ? k1 : i % 4 === 2 ? k2 : k3;
}

/**
 * XOR `data`, a view of {@link kernelMemory}, in place with the key, with no
 * copy. `k0`-`k3` are the key bytes rotated to the phase `data` starts at.
 * The caller checks that `data` lies in the ring (outside the window).
 */
export function maskInKernelMemory(data: Uint8Array, k0: number, k1: number, k2: number, k3: number): void {
  const whole = data.length & ~63;
  (kernel as Kernel).mask(data.byteOffset, whole, keyWordOf(k0, k1, k2, k3));
  maskTail(data, whole, data.length, k0, k1, k2, k3);
}

/**
 * Write `source` XOR the key into `target` at `targetOffset`. `k0`-`k3` are
 * the 4 key bytes rotated to the phase `source` starts at (`k0` meets its first byte). The caller
 * checks bounds, and that `source` and `target` do not share memory (windows
 * are written out before later ones are read).
 */
export function maskIntoSimd(source: Uint8Array, k0: number, k1: number, k2: number, k3: number, target: Uint8Array, targetOffset: number): void {
  const { memory, mask } = kernel as Kernel;
  // WebAssembly memory is little-endian: byte i of the window meets key byte i & 3.
  const keyWord = keyWordOf(k0, k1, k2, k3);
  const window = new Uint8Array(memory.buffer, 0, WINDOW_BYTES);
  for (let start = 0; start < source.length; start += WINDOW_BYTES) {
    const length = Math.min(WINDOW_BYTES, source.length - start);
    window.set(start === 0 && length === source.length ? source : source.subarray(start, start + length));
    const whole = length & ~63;
    mask(0, whole, keyWord);
    // The last 0-63 bytes; windows are multiples of 4 long, so the phase carries over.
    maskTail(window, whole, length, k0, k1, k2, k3);
    target.set(length === WINDOW_BYTES ? window : window.subarray(0, length), targetOffset + start);
  }
}
