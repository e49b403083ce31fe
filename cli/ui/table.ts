/**
 * Column tables like `docker ps`: upper-case headers, columns two spaces apart, widths by visible text
 * (colours ignored). Given a width, a table fits it as `gh` does on a terminal (cli/go-gh
 * pkg/tableprinter/table.go, `New`: column-formatted to fit the width on a TTY, nothing cut when not):
 * the least important columns are dropped first, long values are cut with an ellipsis down to their
 * column's floor. Without a width (piped output) nothing is cut; `--json` never goes through here.
 */
import { visible } from './colors.js';

export interface Column {
  key: string;
  /** The header (upper-cased); the key when not given. */
  header?: string;
  /** When the table does not fit, columns give way highest rank first: this one is dropped at this rank. Never without one. */
  drop?: number;
  /** The narrowest the column may be cut to (its values then end in `…`); never cut without one. */
  min?: number;
  /** The rank at which it is cut to `min` (default: after every drop). */
  cut?: number;
}

export type ColumnSpec = string | Column;

const SEPARATOR = 2;
const ELLIPSIS = '…';
const headerOf = (c: Column) => c.header ?? c.key;

/** The text cut to `width` visible characters, ending in an ellipsis when cut (colours dropped then). */
export function truncate(text: string, width: number): string {
  const plain = visible(text);
  if (plain.length <= width) return text;
  if (width <= 0) return '';
  return `${plain.slice(0, width - 1)}${ELLIPSIS}`;
}

/**
 * The columns shown and the width of each, for a table that must fit `width` (undefined: no limit):
 * columns give way in rank order, highest first (dropped, or cut to their floor), until the rest fit;
 * then the room left goes back to the cut columns, the most important first.
 */
export function layout(natural: number[], columns: Column[], width: number | undefined): Array<{ index: number; width: number }> {
  const widths = new Map(natural.map((w, i) => [i, w]));
  const total = () => [...widths.values()].reduce((sum, w) => sum + w, 0) + SEPARATOR * Math.max(0, widths.size - 1);
  if (width !== undefined) {
    const steps = columns.flatMap((c, i) => [
      ...(c.drop !== undefined ? [{ rank: c.drop, index: i, cut: false }] : []),
      ...(c.min !== undefined ? [{ rank: c.cut ?? Number.NEGATIVE_INFINITY, index: i, cut: true }] : []),
    ]);
    // highest rank first; at one rank, the rightmost column first
    steps.sort((a, b) => b.rank - a.rank || b.index - a.index);
    for (const step of steps) {
      if (total() <= width) break;
      if (!widths.has(step.index)) continue;
      if (step.cut) {
        const c = columns[step.index]!;
        const floor = Math.max(c.min!, headerOf(c).length, 1);
        widths.set(step.index, Math.min(widths.get(step.index)!, floor));
      } else widths.delete(step.index);
    }
    let room = width - total();
    const importance = (i: number) => columns[i]!.cut ?? Number.NEGATIVE_INFINITY;
    for (const i of [...widths.keys()].sort((a, b) => importance(a) - importance(b) || a - b)) {
      if (room <= 0) break;
      const more = Math.min(room, natural[i]! - widths.get(i)!);
      widths.set(i, widths.get(i)! + more);
      room -= more;
    }
  }
  return [...widths.entries()].sort(([a], [b]) => a - b).map(([index, w]) => ({ index, width: w }));
}

export function table(rows: Array<Record<string, unknown>>, specs: ColumnSpec[], width?: number): string {
  const columns = specs.map((c) => (typeof c === 'string' ? { key: c } : c));
  const cells = rows.map((r) => columns.map((c) => String(r[c.key] ?? '')));
  const natural = columns.map((c, i) => Math.max(headerOf(c).length, ...cells.map((row) => visible(row[i]!).length)));
  const shown = layout(natural, columns, width);
  const fmt = (row: string[]) =>
    shown
      .map(({ index, width: w }) => {
        const cell = truncate(row[index]!, w);
        return cell + ' '.repeat(w - visible(cell).length);
      })
      .join(' '.repeat(SEPARATOR))
      .trimEnd();
  return [fmt(columns.map((c) => headerOf(c).toUpperCase())), ...cells.map(fmt)].join('\n');
}

/**
 * How wide a table on `stream` may be: COLUMNS when set (a person or a script asking for a width), else
 * the terminal's width; undefined (no limit) when the stream is piped or redirected, as `gh` does.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}
