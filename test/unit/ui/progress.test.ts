/**
 * The progress displays on a stream that records what they write: plain lines (no escape sequences),
 * quiet (warnings only, the build log only on failure), and the live display (log-update) on a stream that
 * says it is a terminal: one line per event, the build as one line, colours unless NO_COLOR.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressDisplay, type ProgressIo } from '../../../cli/ui/progress.js';
import { progressMode } from '../../../cli/ui/progress-mode.js';

/** A stream that keeps everything written to it; `tty` makes it say it is a terminal (80x24). */
function recorder(tty: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; rows?: number };
  if (tty) Object.assign(stream, { isTTY: true, columns: 100, rows: 30 });
  return { stream, text: () => text };
}

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is looked for
const ANY_ESCAPE = /\u001b/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: SGR (colour, bold, dim) sequences
const SGR = /\u001b\[[0-9;]*m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the visible text of what log-update drew
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

describe('progressMode', () => {
  it('auto: live lines on a terminal outside CI; plain lines when piped, in CI or on TERM=dumb', () => {
    expect(progressMode('auto', { isTTY: true }, {})).toBe('tty');
    expect(progressMode('auto', { isTTY: false }, {})).toBe('plain');
    expect(progressMode('auto', {}, {})).toBe('plain');
    expect(progressMode('auto', { isTTY: true }, { CI: 'true' })).toBe('plain');
    expect(progressMode('auto', { isTTY: true }, { TERM: 'dumb' })).toBe('plain');
  });

  it('an explicit mode is taken as it is', () => {
    expect(progressMode('plain', { isTTY: true }, {})).toBe('plain');
    expect(progressMode('quiet', { isTTY: true }, {})).toBe('quiet');
    expect(progressMode('tty', { isTTY: false }, { CI: '1' })).toBe('tty');
  });
});

async function drive(mode: 'tty' | 'plain' | 'quiet', io: ProgressIo, c: ReturnType<typeof clock>, fail = false) {
  const d = await progressDisplay(mode, io);
  const r = d.report;
  r.step('validate fleet');
  c.advance(100);
  r.step('build image');
  for (let i = 1; i <= 14; i++) (r.build ?? r.progress)(`Step ${i}/14 : RUN something-${i}`);
  c.advance(2_000);
  if (fail) {
    d.fail();
    return;
  }
  r.progress('built demo:sha-1234567');
  r.warn('tz is deprecated');
  r.step('converge 2 event(s)');
  for (const e of ['alpha', 'beta']) r.event?.({ event: e, phase: 'queued', text: 'create' });
  r.event?.({ event: 'alpha', phase: 'working', text: 'create' });
  r.progress('alpha: create t-alpha');
  c.advance(1_500);
  r.event?.({ event: 'beta', phase: 'working', text: 'waiting for the node: tailscaled starting' });
  r.event?.({ event: 'alpha', phase: 'done', text: 'served https://alpha2026.tail0000.ts.net' });
  c.advance(500);
  r.event?.({ event: 'beta', phase: 'failed', text: 'unhealthy' });
  d.finish();
}

describe('plain progress', () => {
  it('prints every step, build and progress line as a line, with no escape sequence when piped', async () => {
    const out = recorder(false);
    const c = clock();
    await drive('plain', { stderr: out.stream, env: {}, now: c.now }, c);
    const text = out.text();
    expect(text).not.toMatch(ANY_ESCAPE);
    expect(text).toContain('==> validate fleet\n');
    expect(text).toContain('    Step 7/14 : RUN something-7\n');
    expect(text).toContain('    alpha: create t-alpha\n');
    expect(text).toContain('warning: tz is deprecated\n');
  });
});

describe('quiet progress', () => {
  it('prints only warnings when the work succeeds', async () => {
    const out = recorder(false);
    const c = clock();
    await drive('quiet', { stderr: out.stream, env: {}, now: c.now }, c);
    expect(out.text()).toBe('warning: tz is deprecated\n');
  });

  it('prints the kept build log when the build fails', async () => {
    const out = recorder(false);
    const c = clock();
    await drive('quiet', { stderr: out.stream, env: {}, now: c.now }, c, true);
    expect(out.text()).toContain('--- build log (14 lines) ---\nStep 1/14 : RUN something-1\n');
    expect(out.text()).toContain('Step 14/14 : RUN something-14\n---\n');
  });
});

describe('live progress (a terminal)', () => {
  it('draws one line per event with its state and elapsed time; the build is one line; finished steps stay', async () => {
    const out = recorder(true);
    const c = clock();
    await drive('tty', { stderr: out.stream, env: {}, now: c.now }, c);
    const text = strip(out.text());
    // finished steps, one line each, with their last detail and time
    expect(text).toMatch(/✔ validate fleet\s+0\.1s\n/);
    expect(text).toMatch(/✔ build image\s+built demo:sha-1234567\s+2\.0s\n/);
    // the build's lines were never printed as lines of their own (only the latest as the step's detail)
    expect(text).not.toMatch(/^\s*Step 1\/14/m);
    expect(text).toContain('build image  Step 14/14 : RUN something-14');
    // live event lines: working with a spinner and elapsed time, then their end state
    expect(text).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] alpha\s+create\s+0\.0s/);
    expect(text).toMatch(/✔ alpha\s+served https:\/\/alpha2026\.tail0000\.ts\.net\s+1\.5s/);
    expect(text).toMatch(/✘ beta\s+unhealthy\s+0\.5s/);
    // an event's own progress lines are its live line, not the step's detail
    expect(text).not.toContain('alpha: create t-alpha');
    // the last frame is the converge step done and both events' outcomes
    expect(text.trimEnd().split('\n').slice(-3).join('\n')).toMatch(/✔ converge 2 event\(s\).*\n.*✔ alpha.*\n.*✘ beta/);
    expect(out.text()).toMatch(SGR); // colours on a terminal
  });

  it('has no colour codes with NO_COLOR set (the live redraw still works)', async () => {
    const out = recorder(true);
    const c = clock();
    await drive('tty', { stderr: out.stream, env: { NO_COLOR: '1' }, now: c.now }, c);
    expect(out.text()).not.toMatch(SGR);
    expect(strip(out.text())).toMatch(/✔ alpha\s+served/);
  });

  it('on failure during the build marks the step failed and prints the kept build log', async () => {
    const out = recorder(true);
    const c = clock();
    await drive('tty', { stderr: out.stream, env: { NO_COLOR: '1' }, now: c.now }, c, true);
    const text = strip(out.text());
    expect(text).toMatch(/✘ build image\s+Step 14\/14 : RUN something-14\s+2\.0s/);
    expect(text).toContain('--- build log (14 lines) ---\nStep 1/14 : RUN something-1\n');
  });
});
