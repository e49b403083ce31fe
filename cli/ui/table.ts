/** Column tables like `docker ps`: upper-case headers, columns two spaces apart, widths by visible text (colours ignored). */
import { visible } from './colors.js';

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => visible(row[i]!).length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c + ' '.repeat(widths[i]! - visible(c).length))
      .join('  ')
      .trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...cells.map(fmt)].join('\n');
}
