/**
 * The live progress display on a terminal (see progress.ts): each finished step as one line, the running
 * step and one line per event redrawn in place by log-update, the build log kept for a failure.
 */
import { createLogUpdate } from 'log-update';
import type { EventPhase, EventProgress, Reporter } from '../reporter.js';
import type { Palette } from './colors.js';
import { elapsed } from './duration.js';
import { buildLog, type ProgressDisplay, type ProgressIo } from './progress.js';

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

export function liveDisplay(io: ProgressIo, c: Palette): ProgressDisplay {
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
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    final = icon;
    render();
    log.done();
  };
  // Ctrl-C: the last frame stays (marked interrupted) before main.ts says it cleans up; no redraw over it.
  const interrupted = () => {
    if (final === null) stop(c.red('✘'));
  };
  process.prependOnceListener('SIGINT', interrupted).prependOnceListener('SIGTERM', interrupted);

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
