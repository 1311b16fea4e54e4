/**
 * The payload sources of sections 12–13. Autobahn ships five real files (a JSON document, a
 * 512x512 8-bit bitmap, German verse, an HTML page, a PDF); we generate look-alikes of the same
 * kinds and sizes, deterministically, so each compresses like its model: structured text well,
 * the bitmap moderately, the PDF's binary streams hardly at all. Text sources are ASCII, so
 * any slice of them is valid UTF-8.
 */

export interface CompressionData {
  /** a short description for case descriptions. */
  description: string;
  /** sent as binary messages (else text). */
  binary: boolean;
  bytes: Buffer;
}

/** A small deterministic generator (xorshift32), so every run sends the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

/** Repeats `part()` until `size` bytes are there, then cuts to exactly `size`. */
function fill(size: number, part: () => string | Buffer): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const p = part();
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    parts.push(b);
    length += b.length;
  }
  return Buffer.concat(parts, length).subarray(0, size);
}

const NAMES = ['alpha', 'bravo', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'island', 'juniper', 'kestrel', 'lumen', 'meadow'];
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Quito', 'Nairobi', 'Oslo', 'Perth', 'Toronto'];

function jsonData(): Buffer {
  const next = random(0x4a534f4e);
  let id = 0;
  const record = (): string => {
    id++;
    const tags = Array.from({ length: 1 + Math.floor(next() * 4) }, () => `"${pick(next, NAMES)}"`).join(', ');
    return (
      `  {\n    "id": ${id},\n    "name": "${pick(next, NAMES)}-${Math.floor(next() * 10_000)}",\n` +
      `    "active": ${next() < 0.5},\n    "score": ${(next() * 1000).toFixed(3)},\n    "tags": [${tags}],\n` +
      `    "address": { "city": "${pick(next, CITIES)}", "zip": "${Math.floor(10_000 + next() * 89_999)}" }\n  },\n`
    );
  };
  let first = true;
  return fill(194_237, () => {
    const out = first ? `[\n${record()}` : record();
    first = false;
    return out;
  });
}

/** An 8-bit grayscale BMP, 512x512, with a smooth picture and a little noise (54 + 1024 + 262144 bytes). */
function bitmapData(): Buffer {
  const width = 512;
  const headerSize = 54;
  const paletteSize = 256 * 4;
  const size = headerSize + paletteSize + width * width;
  const b = Buffer.alloc(size);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(headerSize + paletteSize, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(width, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(8, 28);
  b.writeUInt32LE(width * width, 34);
  b.writeUInt32LE(256, 46);
  for (let i = 0; i < 256; i++) b.writeUInt32LE(i * 0x010101, headerSize + i * 4);
  const next = random(0x4c454e41);
  let at = headerSize + paletteSize;
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const smooth = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 50 * Math.sin((x + y) / 91);
      b[at++] = Math.max(0, Math.min(255, Math.round(smooth + (next() - 0.5) * 12)));
    }
  }
  return b;
}

const GERMAN_WORDS = ['und', 'der', 'die', 'das', 'ich', 'nicht', 'mit', 'Herz', 'Welt', 'Nacht', 'Geist', 'Licht', 'schön',
  'Glück', 'müde', 'Träume', 'über', 'Größe', 'hören', 'Tür', 'früh', 'Wald', 'Himmel', 'Erde', 'so', 'wie', 'wo', 'noch'];
const SPEAKERS = ['ERSTER', 'ZWEITER', 'CHOR', 'STIMME', 'WANDRER'];

/** German verse with umlauts (UTF-8); Autobahn sends its counterpart as binary, and so do we. */
function verseData(): Buffer {
  const next = random(0x46415553);
  return fill(222_218, () => {
    const lines = Array.from({ length: 2 + Math.floor(next() * 5) }, () => {
      const words = Array.from({ length: 4 + Math.floor(next() * 5) }, () => pick(next, GERMAN_WORDS));
      words[0] = words[0]![0]!.toUpperCase() + words[0]!.slice(1);
      return `${words.join(' ')}${pick(next, [',', '.', '!', ';', ''])}`;
    });
    return `\n${pick(next, SPEAKERS)}:\n${lines.join('\n')}\n`;
  });
}

function htmlData(): Buffer {
  const next = random(0x48544d4c);
  let first = true;
  return fill(83_234, () => {
    const words = Array.from({ length: 8 + Math.floor(next() * 20) }, () => pick(next, NAMES)).join(' ');
    const block = pick(next, [
      `<div class="item item-${Math.floor(next() * 50)}"><a href="/${pick(next, NAMES)}/${Math.floor(next() * 1000)}.html">${words}</a></div>\n`,
      `<p>${words}</p>\n`,
      `<ul><li>${pick(next, CITIES)}</li><li>${pick(next, CITIES)}</li></ul>\n`,
      `<table><tr><td>${Math.floor(next() * 1e6)}</td><td>${words}</td></tr></table>\n`,
    ]);
    const out = first ? `<!DOCTYPE html>\n<html><head><title>Index</title></head><body>\n${block}` : block;
    first = false;
    return out;
  });
}

/** PDF-shaped: short text objects between long binary streams of random bytes (already compressed, like real PDF streams). */
function pdfData(): Buffer {
  const next = random(0x50444600);
  let object = 0;
  return fill(1_042_328, () => {
    object++;
    const length = 512 + Math.floor(next() * 8192);
    const stream = Buffer.alloc(length);
    for (let i = 0; i < length; i++) stream[i] = Math.floor(next() * 256);
    const head = object === 1 ? '%PDF-1.4\n' : '';
    return Buffer.concat([
      Buffer.from(`${head}${object} 0 obj\n<< /Length ${length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
      stream,
      Buffer.from('\nendstream\nendobj\n', 'latin1'),
    ]);
  });
}

const cache = new Map<string, CompressionData>();

function cached(key: string, make: () => CompressionData): CompressionData {
  let data = cache.get(key);
  if (data === undefined) cache.set(key, (data = make()));
  return data;
}

/** The five sources in the order of Autobahn's 12.1–12.5; built on first use. */
export const COMPRESSION_SOURCES: ReadonlyArray<{ title: string; binary: boolean; size: number; data: () => CompressionData }> = [
  { title: 'a large JSON document', binary: false, size: 194_237, make: jsonData },
  { title: 'a 512x512 8-bit bitmap', binary: true, size: 263_222, make: bitmapData },
  { title: 'German verse', binary: true, size: 222_218, make: verseData },
  { title: 'a large HTML page', binary: false, size: 83_234, make: htmlData },
  { title: 'a PDF-like file of mostly incompressible streams', binary: true, size: 1_042_328, make: pdfData },
].map(({ title, binary, size, make }) => ({
  title,
  binary,
  size,
  data: () => cached(title, () => ({ description: title, binary, bytes: make() })),
}));
