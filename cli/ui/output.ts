/**
 * Everything the CLI prints goes through here: tables and JSON on stdout, progress and warnings on
 * stderr (so `--json` output stays parseable while long work still shows progress).
 */
import type { Reporter } from '../engine/reporter.js';

export interface Output {
  json: (value: unknown) => void;
  table: (rows: Array<Record<string, unknown>>, columns: string[]) => void;
  line: (text: string) => void;
  warn: (text: string) => void;
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...cells.map(fmt)].join('\n');
}

function createOutput(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table: (rows, columns) => stdout.write(`${table(rows, columns)}\n`),
    line: (text) => stdout.write(`${text}\n`),
    warn: (text) => stderr.write(`warning: ${text}\n`),
  };
}

export const out = createOutput();

/** Progress of long work (up, down, build, publish) on stderr: `==> step` and indented lines. */
export function reporter(stderr: NodeJS.WritableStream = process.stderr): Reporter {
  return {
    step: (name) => stderr.write(`==> ${name}\n`),
    progress: (line) => stderr.write(`    ${line}\n`),
    warn: (line) => stderr.write(`warning: ${line}\n`),
  };
}

/** "Up 5 s" / "Up 3 min" / "Up 2 h" / "Up 4 days" since an ISO time, as `docker ps` says it; "-" for none. */
export function upFor(startedAt: string | null, now = Date.now()): string {
  if (!startedAt) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000));
  if (Number.isNaN(s)) return '-';
  if (s < 60) return `Up ${s} s`;
  if (s < 3600) return `Up ${Math.floor(s / 60)} min`;
  if (s < 2 * 86_400) return `Up ${Math.floor(s / 3600)} h`;
  return `Up ${Math.floor(s / 86_400)} days`;
}
