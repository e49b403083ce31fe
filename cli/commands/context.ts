/**
 * What one run of the CLI talks to (`CliIo`: its output streams, environment and working directory) and
 * what its commands share while it runs (`Cli`). The bin hands in the process's; a test hands in its own
 * and runs the CLI in-process. Nothing here is module-level: two runs never share a stream or an exit code.
 */
import type { Reporter } from '../reporter.js';
import { colorEnabled, type Palette, palette } from '../ui/colors.js';
import { type Output, output, reporter } from '../ui/output.js';

/** An output stream; a terminal says so (isTTY) and gives its size. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Read by nothing yet; a command that prompts would take it from here. */
  stdin?: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Relative paths (--file, --out, DEMO_FLEET_FILE) are relative to it; messages show paths relative to it. */
  cwd: string;
}

/** The process's own streams, environment and working directory: what the bin runs with. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** One run's context, handed to every command's register(). */
export interface Cli {
  readonly io: CliIo;
  /** Results on stdout, warnings on stderr. */
  readonly out: Output;
  /** `==> step` lines on stderr, for work without a live display. */
  reporter(): Reporter;
  /** Colours for stdout (on a terminal, without NO_COLOR). */
  palette(): Palette;
  /** Set by a command whose exit code is another program's (exec): run() returns it. */
  exitCode: number | undefined;
}

export function cliOf(io: CliIo): Cli {
  return {
    io,
    out: output(io.stdout, io.stderr, io.env),
    reporter: () => reporter(io.stderr),
    palette: () => palette(colorEnabled(io.stdout, io.env)),
    exitCode: undefined,
  };
}
