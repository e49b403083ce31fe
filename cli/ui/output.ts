/**
 * Everything the CLI prints goes through here: tables and JSON on stdout, progress and warnings on
 * stderr (so `--json` output stays parseable while long work still shows progress).
 */
export interface Output {
  json: (value: unknown) => void;
  table: (rows: Array<Record<string, unknown>>, columns: string[]) => void;
  line: (text: string) => void;
  step: (text: string) => void;
  warn: (text: string) => void;
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...cells.map(fmt)].join('\n');
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

/** Progress of long work (up, down, build, publish) on stderr: `==> step` and indented lines. */
export function reporter(stderr: NodeJS.WritableStream = process.stderr, options: { quiet?: boolean } = {}) {
  return {
    step: (name: string) => stderr.write(`==> ${name}\n`),
    progress: (line: string) => {
      if (!options.quiet) stderr.write(`    ${line}\n`);
    },
    warn: (line: string) => stderr.write(`warning: ${line}\n`),
  };
}
