/**
 * Progress of long work (up, down, build) on stderr, the way `docker compose up` shows it:
 * - tty: each finished step as one line (✔ name, its last detail, time); the running step, and below it
 *   one live line per event (state, spinner, elapsed), redrawn in place (log-update). The image build is
 *   the step's one line (its latest log line); the whole build log is kept and printed only on failure.
 * - plain: every step, progress and build line as a line (`==> step`, indented lines), as in CI logs.
 * - quiet: nothing but warnings (and the kept build log on failure); the command prints only its result.
 * Loaded by the commands when they run; the live display (live-progress.ts, on log-update) only on a terminal.
 */
import type { Reporter } from '../reporter.js';
import { colorEnabled, type Palette, palette } from './colors.js';
import { type ProgressFlag, type ProgressMode, progressMode } from './progress-mode.js';

export interface ProgressDisplay {
  report: Reporter;
  /** The work finished: the live lines stay as they ended. Call before printing the result. */
  finish: () => void;
  /** The work failed: the running step is marked failed; the kept build log is printed when the build was running. */
  fail: () => void;
}

export interface ProgressIo {
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  env: NodeJS.ProcessEnv;
  now: () => number;
}

export async function progressDisplay(mode: ProgressMode, io: ProgressIo): Promise<ProgressDisplay> {
  const c = palette(colorEnabled(io.stderr, io.env));
  if (mode === 'tty') return (await import('./live-progress.js')).liveDisplay(io, c);
  const write = (s: string) => void io.stderr.write(`${s}\n`);
  const warn = (line: string) => write(`${c.yellow('warning:')} ${line}`);
  if (mode === 'plain') {
    const report: Reporter = { step: (name) => write(c.bold(`==> ${name}`)), progress: (line) => write(`    ${line}`), warn };
    return { report, finish: () => {}, fail: () => {} };
  }
  const build = buildLog();
  return {
    report: { step: () => build.reset(), progress: () => {}, warn, build: build.add },
    finish: () => {},
    fail: () => build.print(write, c),
  };
}

/** The image build's log, kept while the build step runs. */
export function buildLog() {
  let lines: string[] = [];
  return {
    add: (line: string) => void lines.push(line),
    reset: () => {
      lines = [];
    },
    active: () => lines.length > 0,
    print: (write: (s: string) => void, c: Palette) => {
      if (!lines.length) return;
      write(c.dim(`--- build log (${lines.length} lines) ---`));
      for (const line of lines) write(line);
      write(c.dim('---'));
    },
  };
}

/** Run long work with the display `flag` asks for; the display is finished (or failed) before the caller prints. */
export async function withProgress<T>(flag: ProgressFlag, io: Omit<ProgressIo, 'now'>, work: (report: Reporter) => Promise<T>): Promise<T> {
  const display = await progressDisplay(progressMode(flag, io.stderr, io.env), { ...io, now: Date.now });
  try {
    const result = await work(display.report);
    display.finish();
    return result;
  } catch (err) {
    display.fail();
    throw err;
  }
}
