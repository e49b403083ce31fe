/**
 * Everything the CLI prints goes through here: tables and JSON on stdout, progress and warnings on
 * stderr (so `--json` output stays parseable while long work still shows progress).
 */
import type { Reporter } from '../reporter.js';
import { type ColumnSpec, table, terminalWidth } from './table.js';

export { upFor } from './duration.js';
export { table };

export interface Output {
  json: (value: unknown) => void;
  /** A table that fits the terminal (columns with a `drop` rank or `min` give way first); uncut when piped. */
  table: (rows: Array<Record<string, unknown>>, columns: ColumnSpec[]) => void;
  line: (text: string) => void;
  warn: (text: string) => void;
}

/** The output of one run of the CLI on its streams (`env`: COLUMNS, for the tables' width). */
export function output(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Output {
  return {
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table: (rows, columns) =>
      stdout.write(`${table(rows, columns, terminalWidth(stdout as { isTTY?: boolean; columns?: number }, env))}\n`),
    line: (text) => stdout.write(`${text}\n`),
    warn: (text) => stderr.write(`warning: ${text}\n`),
  };
}

/** Progress of long work (up, down, build, publish) on stderr: `==> step` and indented lines. */
export function reporter(stderr: NodeJS.WritableStream): Reporter {
  return {
    step: (name) => stderr.write(`==> ${name}\n`),
    progress: (line) => stderr.write(`    ${line}\n`),
    warn: (line) => stderr.write(`warning: ${line}\n`),
  };
}
