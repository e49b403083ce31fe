/**
 * app/rfc2047.ts against libmime (a devDependency for this test only; the app dropped it for memory):
 * where both decode, they must agree; where ours deliberately differs (it leaves a word it cannot
 * decode as it is, libmime guesses), both outputs are pinned below. Then a generated corpus: random
 * names encoded the way `tailscale serve` does (the tailnet model's Go-style Q encoder), with libmime's
 * encoders, and with a byte-splitting Q/B encoder of our own, in utf-8 and latin-1.
 */
import { createRequire } from 'node:module';
import libmime from 'libmime';
import { describe, expect, it } from 'vitest';
import { decodeRfc2047 } from '../../../app/rfc2047.js';

const require = createRequire(import.meta.url);
const { qEncode: goQEncode } = require('../../fixtures/tailnet-model/rootfs/tailnet-model/lib/common.cjs') as {
  qEncode(v: string): string;
};

/** Inputs and what both decoders must make of them. */
const AGREED: [string, string, string][] = [
  // Q
  ['Q, as tailscale serve sends a name', '=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=', 'Zoë Ñúñez'],
  ['Q, upper-case Q and charset, lower-case hex', '=?UTF-8?Q?J=c3=bcrgen?=', 'Jürgen'],
  ['Q, a lone = and =X are literal', '=?utf-8?q?a=3Db=_=Zc=?=', 'a=b= =Zc='],
  ['Q, astral (emoji) and CJK', '=?utf-8?q?=F0=9F=A6=8A_=E7=8B=90?=', '🦊 狐'],
  ['Q, empty text', '=?utf-8?q??=', ''],
  // B
  ['B, padded', '=?utf-8?B?w7w=?=', 'ü'],
  ['B, lower-case b', '=?utf-8?b?SGVsbG8gV29ybGQ=?=', 'Hello World'],
  ['B, unpadded', '=?utf-8?b?w7w?=', 'ü'],
  ['B, empty text', '=?utf-8?b??=', ''],
  // latin-1 (and windows-1252, which is what iso-8859-1 means to browsers and libmime)
  ['latin-1 Q', '=?iso-8859-1?q?Fran=E7ois_M=FCller?=', 'François Müller'],
  ['latin-1 B', '=?ISO-8859-1?B?Y2Fm6Q==?=', 'café'],
  ['latin1 0x80-0x9F as windows-1252', '=?latin1?q?=80_=92=9F?=', '€ ’Ÿ'],
  ['windows-1252', '=?windows-1252?q?=93quoted=94?=', '“quoted”'],
  ['us-ascii with 8-bit bytes: windows-1252 too', '=?us-ascii?q?=C3=A9?=', 'Ã©'],
  // other charsets TextDecoder knows
  ['iso-8859-2', '=?iso-8859-2?q?=A3=F3d=BC?=', 'Łódź'],
  ['koi8-r', '=?koi8-r?b?8MHXxcw=?=', 'Павел'],
  ['shift_jis', '=?shift_jis?b?k4yLngo=?=', '東京\n'],
  ['euc-jp', '=?EUC-JP?B?wue65Q==?=', '大阪'],
  ['gbk', '=?gbk?b?sbG+qQ==?=', '北京'],
  ['big5', '=?big5?b?u0+lXw==?=', '臺北'],
  ['euc-kr', '=?euc-kr?b?vK2/7w==?=', '서울'],
  ['utf-16be', '=?utf-16be?b?A6kDvAOtA7MDsQ==?=', 'Ωμέγα'],
  ['RFC 2231 language tag ignored', '=?utf-8*de?q?Gr=C3=BC=C3=9Fe?=', 'Grüße'],
  // adjacent words (§6.2): whitespace between them goes, a split character survives
  ['adjacent Q words, space', '=?utf-8?q?Ada?= =?utf-8?q?_Lovelace?=', 'Ada Lovelace'],
  ['adjacent, tab and folded line', '=?utf-8?q?a?=\t=?utf-8?q?b?=\r\n =?utf-8?q?c?=', 'abc'],
  ['adjacent, nothing between', '=?utf-8?q?a?==?utf-8?q?b?=', 'ab'],
  ['a UTF-8 character split across Q words', '=?utf-8?q?=C3?= =?utf-8?q?=A9t=C3=A9?=', 'été'],
  ['a base64 quantum split across B words', '=?utf-8?b?w7?= =?utf-8?b?w=?=', 'ü'],
  ['adjacent B words, each padded', '=?utf-8?b?w6k=?= =?utf-8?b?dMOp?=', 'été'],
  ['adjacent words in two charsets', '=?utf-8?q?=C3=A9?= =?iso-8859-1?q?=E9?=', 'éé'],
  // mixed with plain text: its whitespace stays
  ['plain text around words', 'Dr =?utf-8?q?J=C3=BCrgen?= M. =?utf-8?b?w7w=?= (talk)', 'Dr Jürgen M. ü (talk)'],
  ['leading and trailing whitespace kept', '  =?utf-8?q?x?=  ', '  x  '],
  ['no words at all', 'ada@example.com', 'ada@example.com'],
  // malformed, left as it is by both
  ['unterminated', '=?utf-8?q?abc', '=?utf-8?q?abc'],
  ['terminated by ? only', '=?utf-8?q?abc?', '=?utf-8?q?abc?'],
  ['no encoding', '=?utf-8??abc?=', '=?utf-8??abc?='],
  ['unknown encoding', '=?utf-8?x?abc?=', '=?utf-8?x?abc?='],
  ['no charset', '=??q?abc?=', '=??q?abc?='],
  ['a word within an unterminated one', '=?utf-8?q?a =?utf-8?q?b?=', '=?utf-8?q?a b'],
  ['bare markers', '=? ?= =?', '=? ?= =?'],
  ['empty', '', ''],
];

/** Inputs where ours leaves a word alone and libmime decodes something: both pinned. */
const DIFFERENT: [string, string, string, string][] = [
  ['bad base64 (not in the alphabet)', '=?utf-8?b?!!!!?=', '=?utf-8?b?!!!!?=', ''],
  ['base64url characters', '=?utf-8?b?w7-_?=', '=?utf-8?b?w7-_?=', 'ÿ\ufffd'],
  ['unknown charset (libmime falls back to utf-8)', '=?x-nope?q?caf=C3=A9?=', '=?x-nope?q?caf=C3=A9?=', 'café'],
  ['unknown charset next to a good word', '=?x-nope?q?a?= =?utf-8?q?b?=', '=?x-nope?q?a?= b', 'ab'],
  ["a charset Node's TextDecoder does not know (iso-8859-16)", '=?iso-8859-16?q?=AA?=', '=?iso-8859-16?q?=AA?=', 'Ș'],
  ['a byte windows-1252 leaves undefined: WHATWG keeps it, iconv-lite replaces it', '=?windows-1252?q?=81?=', '\x81', '\ufffd'],
  ['whitespace inside the encoded text (§2 forbids it)', '=?utf-8?q?a b?=', '=?utf-8?q?a b?=', 'a b'],
];

describe('decodeRfc2047 vs libmime', () => {
  it.each(AGREED)('%s', (_what, input, expected) => {
    expect(decodeRfc2047(input)).toBe(expected);
    expect(libmime.decodeWords(input)).toBe(expected);
  });

  it.each(DIFFERENT)('differs on purpose: %s', (_what, input, ours, theirs) => {
    expect({ ours: decodeRfc2047(input), libmime: libmime.decodeWords(input) }).toEqual({ ours, libmime: theirs });
  });

  it('every byte decodes the same in single-byte charsets (but the 5 bytes windows-1252 leaves undefined)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const undefined1252 = Buffer.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
    const cp1252 = Buffer.from(all.filter((b) => !undefined1252.includes(b)));
    const charsets = ['utf-8', 'iso-8859-2', 'iso-8859-5', 'iso-8859-7', 'iso-8859-15', 'koi8-r', 'koi8-u', 'windows-1256'];
    const words = [
      ...charsets.map((cs) => `=?${cs}?b?${all.toString('base64')}?=`),
      ...['iso-8859-1', 'latin1', 'windows-1252', 'us-ascii', 'cp1252'].map((cs) => `=?${cs}?b?${cp1252.toString('base64')}?=`),
    ];
    for (const w of words) expect(decodeRfc2047(w), w.slice(0, 20)).toBe(libmime.decodeWords(w));
  });

  it('never throws, and returns text without "=?" unchanged', () => {
    const parts = [
      '=?',
      '?=',
      '?',
      '=',
      'utf-8',
      'UTF-16',
      'latin1',
      'x-nope',
      'q',
      'B',
      '=C3',
      '=A9',
      '=ZZ',
      '_',
      ' ',
      '\t',
      'w7w',
      '==',
      'é',
      '\ud800',
      '*',
    ];
    const rnd = random(7);
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let n = rnd.int(12); n >= 0; n--) s += parts[rnd.int(parts.length)];
      expect(() => decodeRfc2047(s), JSON.stringify(s)).not.toThrow();
      if (!s.includes('=?')) expect(decodeRfc2047(s)).toBe(s);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// generated corpus

/** mulberry32: the same corpus on every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n: number) => Math.floor(next() * n) };
}

/** Code point ranges names are drawn from: ASCII (with the Q specials = ? _), Latin-1, Latin Extended,
 * Greek, Cyrillic, Arabic, Devanagari, CJK, Hangul, combining marks, emoji (astral). */
const UNICODE: [number, number][] = [
  [0x20, 0x7e],
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x100, 0x17f],
  [0x391, 0x3c9],
  [0x410, 0x44f],
  [0x621, 0x64a],
  [0x905, 0x939],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0x300, 0x36f],
  [0x1f300, 0x1f64f],
];
const LATIN1: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
];

function names(seed: number, count: number, ranges: [number, number][]): string[] {
  const rnd = random(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    for (let n = 1 + rnd.int(40); n > 0; n--) {
      const [lo, hi] = ranges[rnd.int(ranges.length)]!;
      s += String.fromCodePoint(lo + rnd.int(hi - lo + 1));
    }
    return s;
  });
}

/** Our own encoder: the bytes in `charset`, cut every `chunk` bytes (mid-character too), one word each. */
function encode(value: string, charset: 'utf-8' | 'iso-8859-1', enc: 'Q' | 'B', chunk: number): string {
  const bytes = Buffer.from(value, charset === 'utf-8' ? 'utf8' : 'latin1');
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    const part = bytes.subarray(i, i + chunk);
    const text =
      enc === 'B'
        ? part.toString('base64')
        : [...part]
            .map((b) =>
              b === 0x20
                ? '_'
                : /[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(b))
                  ? String.fromCharCode(b)
                  : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
            )
            .join('');
    words.push(`=?${charset}?${enc}?${text}?=`);
  }
  return words.join(' ');
}

interface Case {
  name: string;
  encoded: string;
}

/** Every case where ours differs from libmime or from the original name (expected: none). */
function mismatches(cases: Case[]): { encoded: string; name: string; ours: string; libmime: string }[] {
  return cases
    .map((c) => ({ ...c, ours: decodeRfc2047(c.encoded), libmime: libmime.decodeWords(c.encoded) }))
    .filter((r) => r.ours !== r.libmime || r.ours !== r.name);
}

describe('generated corpus: ours, libmime and the original name agree', () => {
  const utf8 = names(1, 400, UNICODE);
  const latin1 = names(2, 200, LATIN1);

  it("tailscale serve's encoding (the tailnet model's copy of Go's mime.QEncoding)", () => {
    const cases = utf8.map((name) => ({ name, encoded: goQEncode(name) }));
    expect(cases.filter((c) => c.encoded.includes('?= =?')).length).toBeGreaterThan(20); // long names: several words
    expect(mismatches(cases)).toEqual([]);
  });

  it("libmime's own Q and B encoders (encodeWords, words of at most 30 characters)", () => {
    const cases = utf8.flatMap((name) => [
      { name, encoded: libmime.encodeWords(name, 'Q', 30) },
      { name, encoded: libmime.encodeWords(name, 'B', 30) },
      { name: `Dr ${name} and ${name}`, encoded: `Dr ${libmime.encodeWord(name, 'Q')} and ${libmime.encodeWord(name, 'B')}` },
    ]);
    expect(mismatches(cases)).toEqual([]);
  });

  it('utf-8 Q and B words cut every 1-9 bytes, mid-character', () => {
    const rnd = random(3);
    const cases = utf8.flatMap((name) => [
      { name, encoded: encode(name, 'utf-8', 'Q', 1 + rnd.int(9)) },
      { name, encoded: encode(name, 'utf-8', 'B', 1 + rnd.int(9)) },
    ]);
    expect(mismatches(cases)).toEqual([]);
  });

  it('latin-1 Q and B words', () => {
    const rnd = random(4);
    const cases = latin1.flatMap((name) => [
      { name, encoded: encode(name, 'iso-8859-1', 'Q', 1 + rnd.int(60)) },
      { name, encoded: encode(name, 'iso-8859-1', 'B', 1 + rnd.int(60)) },
    ]);
    expect(mismatches(cases)).toEqual([]);
  });
});
