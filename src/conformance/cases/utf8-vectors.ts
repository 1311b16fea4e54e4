/**
 * UTF-8 test payloads for cases 6.5.x – 6.23.x, grouped the way Autobahn numbers them.
 * The byte sequences come from Markus Kuhn's UTF-8 decoder stress test and RFC 3629;
 * each entry says whether the bytes are well-formed UTF-8.
 */

export interface Utf8Vector {
  valid: boolean;
  bytes: Buffer;
}

export interface Utf8Group {
  title: string;
  vectors: Utf8Vector[];
}

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const valid = (h: string): Utf8Vector => ({ valid: true, bytes: hex(h) });
const invalid = (h: string): Utf8Vector => ({ valid: false, bytes: hex(h) });

/** "κόσμε": five code points of two and three octets. */
export const KOSME = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');

/** Code-point boundaries of KOSME: a prefix is well-formed exactly when it ends on one. */
const KOSME_BOUNDARIES = new Set([2, 5, 7, 9, 11]);

function range(from: number, toExclusive: number): number[] {
  return Array.from({ length: toExclusive - from }, (_, i) => from + i);
}

const TRUNCATED = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];

function nonCharacters(): Utf8Vector[] {
  const out = [valid('efbfbe'), valid('efbfbf')];
  for (const lead of [0xf0, 0xf1, 0xf2, 0xf3, 0xf4]) {
    for (const second of [0x8f, 0x9f, 0xaf, 0xbf]) {
      if (lead === 0xf4 && second !== 0x8f) continue; // beyond U+10FFFF
      for (const last of [0xbe, 0xbf]) {
        if (lead === 0xf0 && second === 0x8f) continue; // overlong forms
        out.push({ valid: true, bytes: Buffer.from([lead, second, 0xbf, last]) });
      }
    }
  }
  return out;
}

/** Groups in order: the first is case 6.5, the last 6.23. */
export const UTF8_GROUPS: Utf8Group[] = [
  {
    title: 'Some valid UTF-8 sequences',
    vectors: [valid('68656c6c6f 24 776f726c64'), valid('68656c6c6f c2a2 776f726c64'), valid('68656c6c6f e282ac 776f726c64'),
      valid('68656c6c6f f0a4ada2 776f726c64'), { valid: true, bytes: KOSME }],
  },
  {
    title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points',
    vectors: range(1, KOSME.length + 1).map((n) => ({ valid: KOSME_BOUNDARIES.has(n), bytes: KOSME.subarray(0, n) })),
  },
  { title: 'First possible sequence of a certain length', vectors: [valid('00'), valid('c280'), valid('e0a080'), valid('f0908080')] },
  { title: 'First possible sequence length 5/6 (invalid codepoints)', vectors: [invalid('f888808080'), invalid('fc8480808080')] },
  { title: 'Last possible sequence of a certain length', vectors: [valid('7f'), valid('dfbf'), valid('efbfbf'), valid('f48fbfbf')] },
  {
    title: 'Last possible sequence length 4/5/6 (invalid codepoints)',
    vectors: [invalid('f7bfbfbf'), invalid('fbbfbfbfbf'), invalid('fdbfbfbfbfbf')],
  },
  {
    title: 'Other boundary conditions',
    vectors: [valid('ed9fbf'), valid('ee8080'), valid('efbfbd'), valid('f48fbfbf'), invalid('f4908080')],
  },
  {
    title: 'Unexpected continuation bytes',
    vectors: [invalid('80'), invalid('bf'), invalid('80bf'), invalid('80bf80'), invalid('80bf80bf'), invalid('80bf80bf80'),
      invalid('80bf80bf80bf'), { valid: false, bytes: Buffer.from(range(0x80, 0xbf)) }],
  },
  {
    title: 'Lonely start characters',
    vectors: [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map(([from, to]) => ({
      valid: false,
      bytes: Buffer.from(range(from!, to!).flatMap((b) => [b, 0x20])),
    })),
  },
  { title: 'Sequences with last continuation byte missing', vectors: TRUNCATED.map(invalid) },
  { title: 'Concatenation of incomplete sequences', vectors: [invalid(TRUNCATED.join(''))] },
  { title: 'Impossible bytes', vectors: [invalid('fe'), invalid('ff'), invalid('fefeffff')] },
  {
    title: 'Examples of an overlong ASCII character',
    vectors: [invalid('c0af'), invalid('e080af'), invalid('f08080af'), invalid('f8808080af'), invalid('fc80808080af')],
  },
  {
    title: 'Maximum overlong sequences',
    vectors: [invalid('c1bf'), invalid('e09fbf'), invalid('f08fbfbf'), invalid('f887bfbfbf'), invalid('fc83bfbfbfbf')],
  },
  {
    title: 'Overlong representation of the NUL character',
    vectors: [invalid('c080'), invalid('e08080'), invalid('f0808080'), invalid('f880808080'), invalid('fc8080808080')],
  },
  {
    title: 'Single UTF-16 surrogates',
    vectors: ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map(invalid),
  },
  {
    title: 'Paired UTF-16 surrogates',
    vectors: ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080',
      'edafbfedbfbf'].map(invalid),
  },
  { title: 'Non-character code points (valid UTF-8)', vectors: nonCharacters() },
  {
    title: 'Unicode specials (i.e. replacement char)',
    vectors: ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map(valid),
  },
];
