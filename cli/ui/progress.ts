/**
 * Progress of long work (up, down, build) on stderr, the way `docker compose up` shows it:
 * - tty: each finished step as one line (✔ name, its last detail, time); the running step, and below it
 *   one live line per event (state, spinner, elapsed), redrawn in place (log-update). The image build is
 *   the step's one line (its latest log line); the whole build log is kept and printed only on failure.
 * - plain: every step, progress and build line as a line (`==> step`, indented lines), as in CI logs.
 * - quiet: nothing but warnings (and the kept build log on failure); the command prints only its result.
 * Loaded by the commands when they run, so log-update stays out of the CLI's entry file.
 */
import { createLogUpdate } from 'log-update';
import type { EventPhase, EventProgress, Reporter } from '../engine/reporter.js';
import { colorEnabled, type Palette, palette } from './colors.js';
import { elapsed } from './duration.js';
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

const defaultIo = (): ProgressIo => ({ stderr: process.stderr, env: process.env, now: Date.now });

export function progressDisplay(mode: ProgressMode, io: ProgressIo = defaultIo()): ProgressDisplay {
  const c = palette(colorEnabled(io.stderr, io.env));
  if (mode === 'tty') return liveDisplay(io, c);
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
function buildLog() {
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

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Redraw interval: the spinner turns, elapsed times count. */
const TICK_MS = 100;

interface EventLine {
  phase: EventPhase;
  text: string;
  started?: number;
  ended?: number;
}

const ICON: Record<Exclude<EventPhase, 'working'>, (c: Palette) => string> = {
  queued: (c) => c.dim('·'),
  done: (c) => c.green('✔'),
  failed: (c) => c.red('✘'),
  attention: (c) => c.yellow('!'),
  skipped: (c) => c.dim('-'),
};

function liveDisplay(io: ProgressIo, c: Palette): ProgressDisplay {
  const { stderr, now } = io;
  // A terminal that reports no size (0 rows and columns, e.g. a pty nobody sized) gets the usual 80x24:
  // log-update would otherwise cut every line.
  const screen = {
    write: (text: string) => stderr.write(text),
    get columns() {
      return stderr.columns || 80;
    },
    get rows() {
      return stderr.rows || 24;
    },
  };
  const log = createLogUpdate(screen as unknown as NodeJS.WritableStream);
  const build = buildLog();
  const events = new Map<string, EventLine>();
  let step: { name: string; detail: string; started: number } | null = null;
  /** Set when the work is over: the icon of the running step (and of events still working) in the last frame. */
  let final: string | null = null;
  let frame = 0;
  const width = () => Math.max(40, screen.columns);
  const cut = (s: string, max: number) => (max <= 1 ? '' : s.length > max ? `${s.slice(0, max - 1)}…` : s);

  /** "<icon> <name>  <detail>  <time>", the detail shortened to fit the terminal's width. */
  const line = (indent: string, icon: string, name: string, detail: string, time: string, pad = 0) => {
    const fixed = indent.length + 2 + Math.max(pad, name.length) + 2 + time.length + 2;
    const text = cut(detail, width() - fixed - 1);
    return `${indent}${icon} ${c.bold(name.padEnd(pad))}${text ? `  ${c.dim(text)}` : ''}  ${time}`;
  };
  const stepLine = (icon: string) => (step ? line('', icon, step.name, step.detail, elapsed(now() - step.started)) : '');

  const render = () => {
    const spin = final ?? c.cyan(SPINNER[frame % SPINNER.length]!);
    const pad = Math.max(0, ...[...events.keys()].map((e) => e.length));
    const lines = step ? [stepLine(spin)] : [];
    for (const [name, e] of events) {
      const icon = e.phase === 'working' ? spin : ICON[e.phase](c);
      const time = e.started === undefined ? '' : elapsed((e.ended ?? now()) - e.started);
      lines.push(line('  ', icon, name, e.text, time, pad));
    }
    if (lines.length) log(lines.join('\n'));
    else log.clear();
  };
  const timer = setInterval(() => {
    frame++;
    render();
  }, TICK_MS);
  timer.unref();

  /** Above the live lines, for good: a finished step or a warning. */
  const persist = (text: string) => {
    log.clear();
    stderr.write(`${text}\n`);
    render();
  };
  /** The running step is over: its line (✔, last detail, time) goes above the live lines. */
  const endStep = () => {
    if (!step) return;
    const done = stepLine(c.green('✔'));
    step = null;
    build.reset();
    persist(done);
  };
  /** The last frame stays on the screen; nothing moves after it. */
  const stop = (icon: string) => {
    clearInterval(timer);
    final = icon;
    render();
    log.done();
  };

  const report: Reporter = {
    step: (name) => {
      endStep();
      step = { name, detail: '', started: now() };
      render();
    },
    progress: (text) => {
      // An event's own progress lines are its live line; other lines are the step's detail.
      const colon = text.indexOf(': ');
      if (colon > 0 && events.has(text.slice(0, colon))) return;
      if (step) step.detail = text;
      render();
    },
    warn: (text) => persist(`${c.yellow('warning:')} ${text}`),
    event: ({ event, phase, text }: EventProgress) => {
      const e = events.get(event) ?? { phase, text };
      // Timed from its first work until it settled; an event refused or skipped shows no time.
      if (phase === 'working') e.started ??= now();
      else if (phase !== 'queued' && e.started !== undefined) e.ended ??= now();
      e.phase = phase;
      e.text = text;
      events.set(event, e);
      render();
    },
    build: (text) => {
      build.add(text);
      if (step && text.trim()) step.detail = text.trim();
      render();
    },
  };

  return {
    report,
    finish: () => {
      if (final === null) stop(c.green('✔'));
    },
    fail: () => {
      if (final !== null) return;
      const hadBuild = build.active();
      stop(c.red('✘'));
      if (hadBuild) build.print((s) => void stderr.write(`${s}\n`), c);
    },
  };
}

/** Run long work with the display `flag` asks for; the display is finished (or failed) before the caller prints. */
export async function withProgress<T>(flag: ProgressFlag, work: (report: Reporter) => Promise<T>): Promise<T> {
  const display = progressDisplay(progressMode(flag));
  try {
    const result = await work(display.report);
    display.finish();
    return result;
  } catch (err) {
    display.fail();
    throw err;
  }
}
