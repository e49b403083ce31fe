/**
 * Line arithmetic on the fleet file's text for the splicing edits (edit.ts): where lines start and end,
 * the whole lines of one block-map entry and the comments around it, indenting a rendered block to fit.
 * The line ending the file uses (\n or \r\n) is kept for inserted lines.
 */
import type { Node, Pair } from 'yaml';
import { isBlockMap } from './events-map.js';

/** Line arithmetic on the source text. */
export class Source {
  readonly eol: string;
  constructor(readonly text: string) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Offset just after the newline of the line holding `offset` (or the end of the text). */
  lineEnd(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    return nl === -1 ? this.text.length : nl + 1;
  }

  column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  /** The line starting at `offset`, without its newline; null at the end of the text. */
  lineAt(offset: number): string | null {
    if (offset >= this.text.length) return null;
    return this.text.slice(offset, this.lineEnd(offset)).replace(/\r?\n$/, '');
  }

  /** The line before the one starting at `offset`; null at the start. */
  lineBefore(offset: number): string | null {
    if (offset === 0) return null;
    return this.lineAt(this.lineStart(offset - 1));
  }

  /**
   * The whole lines of one block-map entry: from its key's line to the end of its value, plus comment
   * lines indented deeper than the key right after it. Null when the entry does not start its line.
   */
  itemRegion(pair: Pair<unknown, unknown>): { start: number; end: number; indent: number } | null {
    const key = pair.key as Node | null;
    const keyStart = key?.range?.[0];
    if (keyStart === undefined) return null;
    const start = this.lineStart(keyStart);
    if (this.text.slice(start, keyStart).trim() !== '') return null;
    const indent = keyStart - start;
    const valueEnd = (pair.value as Node | null)?.range?.[1] ?? key!.range![1];
    let end = this.lineEnd(Math.max(valueEnd - 1, keyStart));
    for (let line = this.lineAt(end); line !== null && isCommentLine(line) && indentOf(line) > indent; line = this.lineAt(end)) {
      end = this.lineEnd(end);
    }
    return { start, end, indent };
  }

  /** Start of the run of comment lines at exactly `indent` directly above the line at `start`. */
  leadingComments(start: number, indent: number): number {
    let at = start;
    for (let line = this.lineBefore(at); line !== null && isCommentLine(line) && indentOf(line) === indent; line = this.lineBefore(at)) {
      at = this.lineStart(at - 1);
    }
    return at;
  }

  /** Indentation step of a block map's nested entries (2 unless its first entry shows otherwise). */
  indentStep(map: unknown): number {
    if (!isBlockMap(map)) return 2;
    for (const pair of map.items) {
      const inner = pair.value;
      const outerKey = (pair.key as Node | null)?.range?.[0];
      if (isBlockMap(inner) && inner.items.length > 0 && outerKey !== undefined) {
        const innerKey = (inner.items[0]!.key as Node | null)?.range?.[0];
        if (innerKey !== undefined) {
          const step = this.column(innerKey) - this.column(outerKey);
          if (step > 0) return step;
        }
      }
    }
    return 2;
  }

  indent(block: string, by: number): string {
    const pad = ' '.repeat(by);
    return block
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join('\n')
      .replace(/\n/g, this.eol);
  }

  dedent(block: string, by: number): string {
    return block
      .split('\n')
      .map((line) => line.slice(Math.min(by, indentOf(line))))
      .join('\n')
      .replace(/\r\n/g, '\n');
  }

  /** Insert whole lines at a line boundary `at` (adding the newline a last line without one lacks). */
  insertLines(at: number, lines: string): string {
    if (at === this.text.length && this.text.length > 0 && !this.text.endsWith('\n')) {
      return this.text + this.eol + lines.replace(/\r?\n$/, '');
    }
    return this.text.slice(0, at) + lines + this.text.slice(at);
  }
}

function isCommentLine(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
