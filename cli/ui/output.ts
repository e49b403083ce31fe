/**
 * Everything the CLI prints goes through here: tables and JSON on stdout, progress and warnings on
 * stderr (so `--json` output stays parseable while long work still shows progress).
 */
export interface Output {
  json: (value: unknown) => void;
  table: (rows: Array<Record<string, string>>, columns: string[]) => void;
  line: (text: string) => void;
  step: (text: string) => void;
  warn: (text: string) => void;
}

export function table(rows: Array<Record<string, string>>, columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...rows.map((r) => fmt(columns.map((c) => r[c] ?? '')))].join('\n');
}

export function createOutput(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table: (rows, columns) => stdout.write(`${table(rows, columns)}\n`),
    line: (text) => stdout.write(`${text}\n`),
    step: (text) => stderr.write(`==> ${text}\n`),
    warn: (text) => stderr.write(`warning: ${text}\n`),
  };
}

export const out = createOutput();
