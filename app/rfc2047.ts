/**
 * RFC 2047 encoded words (`=?utf-8?q?Zo=C3=AB?=`) to text, on TextDecoder: `tailscale serve` Q-encodes
 * non-ASCII Tailscale-User-Login / -Name values this way (Go's mime.QEncoding). Replaces libmime, whose
 * charset tables (iconv-lite, encoding-japanese) cost each event's app ~10 MB of memory.
 *
 * - Q and B, either case; any charset TextDecoder knows, iso-8859-1 / latin1 / us-ascii as windows-1252
 *   (the WHATWG Encoding Standard, as browsers and libmime do); an RFC 2231 language tag (`utf-8*en`)
 *   is ignored.
 * - Words separated only by whitespace are joined without it (§6.2); a run of words in one charset is
 *   decoded as one byte string, so a character split across two words (or a base64 quantum) survives.
 * - Never throws. A word in a charset TextDecoder does not know, or with characters outside the base64
 *   alphabet, is left as it is, like anything that is not a complete encoded word (`=?` … `?=`, no
 *   whitespace inside: §2).
 */

const WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;
const ONLY_SPACE = /^[ \t\r\n]*$/;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// windows-1252's 0x80-0x9F (WHATWG index); the other bytes are their own code points.
const CP1252 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

interface Charset {
  name: string;
  decode(bytes: Uint8Array): string;
}

/** By lower-cased label; only labels that resolved, so at most the few hundred TextDecoder knows. */
const charsets = new Map<string, Charset>();

function charset(label: string): Charset | null {
  const key = label.split('*')[0]!.toLowerCase();
  let found = charsets.get(key);
  if (found) return found;
  try {
    const decoder = new TextDecoder(key, { ignoreBOM: true });
    found = { name: decoder.encoding, decode: (bytes) => decoder.decode(bytes) };
  } catch {
    return null; // RangeError: not a label TextDecoder knows
  }
  // iso-8859-1, latin1, us-ascii and the other windows-1252 labels: Node >= 20.18.3 decodes them as
  // ISO-8859-1 (nodejs/node#60888), so 0x80-0x9F are mapped here, as browsers and libmime do.
  if (found.name === 'windows-1252') found.decode = cp1252;
  charsets.set(key, found);
  return found;
}

function cp1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x80 && b < 0xa0 ? CP1252[b - 0x80] : String.fromCharCode(b);
  return s;
}

const encoder = new TextEncoder();
/** The value of a hex digit's char code, or -1. */
const hex = (c = 0) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1);

/** Appends the bytes of a Q word's text: `_` is a space, `=XX` a byte, a lone `=` itself. */
function qBytes(text: string, out: number[]): void {
  const b = encoder.encode(text);
  for (let i = 0; i < b.length; i++) {
    const hi = b[i] === 0x3d ? hex(b[i + 1]) : -1;
    const lo = hi >= 0 ? hex(b[i + 2]) : -1;
    if (lo >= 0) {
      out.push(hi * 16 + lo);
      i += 2;
    } else out.push(b[i] === 0x5f ? 0x20 : b[i]!);
  }
}

/** Appends the bytes of `text` to `out` from the carried (acc, bits); null when it is not base64. */
function bBytes(text: string, out: number[], acc: number, bits: number): [number, number] | null {
  for (const ch of text) {
    if (ch === '=') {
      acc = 0; // padding ends a segment; another may follow
      bits = 0;
      continue;
    }
    const v = B64.indexOf(ch);
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return [acc, bits];
}

/** The words joined so far: their charset, their bytes, and the unfinished quantum of a B word. */
interface Run {
  cs: Charset;
  bytes: number[];
  acc: number;
  bits: number;
}

const decoded = (run: Run | null) => (run ? run.cs.decode(Uint8Array.from(run.bytes)) : '');

/** `value` with its encoded words decoded; everything else as it is (no trimming). */
export function decodeRfc2047(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let end = 0;
  let run: Run | null = null;
  for (const m of value.matchAll(WORD)) {
    const [word, label, enc, text] = m as unknown as [string, string, string, string];
    const gap = value.slice(end, m.index);
    end = m.index + word.length;
    const cs = charset(label);
    const adjacent = run !== null && ONLY_SPACE.test(gap);
    const into = adjacent && run?.cs.name === cs?.name ? run : null;
    const bytes: number[] = [];
    let quantum: [number, number] | null = [0, 0];
    if (enc === 'B' || enc === 'b') quantum = bBytes(text, bytes, into?.acc ?? 0, into?.bits ?? 0);
    else qBytes(text, bytes);
    if (!cs || !quantum) {
      out += decoded(run) + gap + word; // left as it is, and it ends the run
      run = null;
    } else if (into) {
      for (const x of bytes) into.bytes.push(x);
      [into.acc, into.bits] = quantum;
    } else {
      out += decoded(run) + (adjacent ? '' : gap);
      run = { cs, bytes, acc: quantum[0], bits: quantum[1] };
    }
  }
  return out + decoded(run) + value.slice(end);
}
