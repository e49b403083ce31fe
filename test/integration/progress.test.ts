/**
 * What `up`, `down` and `status` print, on the real engine: through a pseudo-terminal (util-linux
 * `script`) the live display (a line per event, redrawn in place, coloured unless NO_COLOR) ending with
 * the summary table; without a terminal plain lines with no escape sequence; `--progress quiet` only the
 * result; `status --json <fields>` only those fields, an unknown one refused (exit 2) before anything is read.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cliEnv,
  cliPath,
  ensureBaseImage,
  exec,
  expectOk,
  fleets,
  MODEL_SUFFIX,
  PINNED_SHA,
  type TestFleet,
} from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';

const engine = dockerEngine();

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is looked for
const ANY_ESCAPE = /\u001b/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: SGR (colour, bold, dim) sequences
const SGR = /\u001b\[[0-9;]*m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: cursor movement and line erasing (log-update's redraw)
const ERASE_LINE = /\u001b\[2K/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the visible text
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The CLI in a pseudo-terminal of 120x40 (stdout and stderr both the terminal); all it drew, and its exit code. */
async function inTerminal(f: TestFleet, args: string[], env: Record<string, string | undefined> = {}, cols = 120) {
  const command = `stty rows 40 cols ${cols}; exec ${[process.execPath, cliPath(), ...args].map(quote).join(' ')}`;
  const r = await exec('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: f.dir,
    env: cliEnv({ ...f.env, TERM: 'xterm-256color', CI: undefined, GITHUB_ACTIONS: undefined, COLUMNS: undefined, ...env }),
    timeoutMs: 240_000,
  });
  return { code: r.code, screen: r.stdout, stderr: r.stderr };
}

describe.skipIf(!engine.ok || !hasScript())('progress display and status fields (real engine, a pseudo-terminal)', () => {
  const make = fleets();
  let f: TestFleet;

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [], beta: [] } });
  });

  it('on a terminal: live lines per event (redrawn in place, coloured), then the summary table', async () => {
    const r = await inTerminal(f, ['up', '--base-image', BASE_IMAGE], { NO_COLOR: undefined });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(ERASE_LINE); // lines redrawn in place
    expect(r.screen).toMatch(SGR); // colours
    const text = strip(r.screen);
    // a live line per event while it works (spinner, state, elapsed), and its end state
    for (const e of ['alpha', 'beta']) {
      expect(text).toMatch(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] ${e}\\s+\\S.*\\d+\\.\\ds`));
      expect(text).toMatch(new RegExp(`✔ ${e}\\s+served https://${e}\\d{4}\\.`));
    }
    expect(text).toMatch(/✔ build image\s+built \S+\s+[\dm.]+s/);
    // the builder's log is the build step's one line, never lines of its own
    expect(text).toMatch(/build image {2}Step \d+\/\d+ : /);
    expect(text).not.toMatch(/^\s*(Step \d+\/\d+|Removing intermediate container|---> )/m);
    // it ends with the table: outcome, duration, URL per event
    const tail = text.trimEnd().split('\n').slice(-3);
    expect(tail[0]).toMatch(/^EVENT\s+ACTION\s+STATUS\s+DURATION\s+URL$/);
    for (const [i, e] of ['alpha', 'beta'].entries()) {
      expect(tail[i + 1]).toMatch(
        new RegExp(`^${e}\\s+create\\s+served\\s+[\\d.ms]+\\s+https://${e}\\d{4}\\.${MODEL_SUFFIX.replaceAll('.', '\\.')}$`),
      );
    }
  });

  it('on a terminal with NO_COLOR: still drawn live, no colour code', async () => {
    const r = await inTerminal(f, ['up', '--base-image', BASE_IMAGE], { NO_COLOR: '1' });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(ERASE_LINE);
    expect(r.screen).not.toMatch(SGR);
    expect(strip(r.screen)).toMatch(/alpha\s+keep\s+kept \(healthy\)/);
  });

  it('without a terminal: plain lines, no escape sequence anywhere', async () => {
    const r = expectOk(await f.up([], { env: { NO_COLOR: undefined, CI: undefined } }), 'up (piped)');
    expect(r.stderr + r.stdout).not.toMatch(ANY_ESCAPE);
    expect(r.stderr).toContain('==> converge 2 event(s)');
    expect(r.stdout).toMatch(/^EVENT\s+ACTION\s+STATUS\s+DURATION\s+URL\nalpha\s+keep\s+kept \(healthy\)\s+[\d.]+s\s+-\n/);
  });

  it('--progress quiet (and -q): only the result', async () => {
    for (const flag of ['--progress=quiet', '-q']) {
      const r = expectOk(await f.up([flag]), `up ${flag}`);
      expect(r.stderr, flag).toBe('');
      expect(r.stdout, flag).toMatch(/^EVENT\s+ACTION/);
    }
    // quiet on a terminal too: no live lines, just the table
    const tty = await inTerminal(f, ['up', '-q', '--base-image', BASE_IMAGE], { NO_COLOR: '1' });
    expect(tty.code, tty.screen).toBe(0);
    expect(tty.screen).not.toMatch(ERASE_LINE);
    expect(strip(tty.screen)).toMatch(/^EVENT\s+ACTION\s+STATUS\s+DURATION\s+URL\r?\n/);
  });

  it('status: Up for, restarts, revision, URL; --json keeps full values; --json <fields> selects', async () => {
    const table = expectOk(await f.cli(['status']), 'status').stdout;
    expect(table).toMatch(/^EVENT\s+CONTAINER\s+STATE\s+HEALTH\s+TAILNET\s+IMAGE\s+REVISION\s+STARTED\s+RESTARTS\s+HOSTNAME/);
    const pinned = PINNED_SHA;
    expect(table).toMatch(
      new RegExp(
        `alpha\\s+${f.container('alpha')}\\s+running\\s+healthy\\s+https://alpha\\d{4}\\.\\S+\\s+\\S+\\s+${pinned.slice(0, 7)}-[0-9a-f]{4,12}\\s+Up \\d+ (s|min)\\s+0\\s`,
      ),
    );

    const full = JSON.parse(expectOk(await f.cli(['status', '--json']), 'status --json').stdout) as Array<Record<string, unknown>>;
    expect(full[0]).toMatchObject({ event: 'alpha', commit: pinned, restarts: 0 });
    expect(full[0]!.revision).toMatch(new RegExp(`^${pinned.slice(0, 7)}-[0-9a-f]{12}$`)); // what rollback --to takes
    expect(full[0]!.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/); // the engine's ISO time, not "Up 3 min"

    const some = JSON.parse(expectOk(await f.cli(['status', '--json', 'url,event']), 'status --json url,event').stdout);
    expect(some).toEqual([
      { url: expect.stringMatching(/^https:\/\/alpha\d{4}\./), event: 'alpha' },
      { url: expect.stringMatching(/^https:\/\/beta\d{4}\./), event: 'beta' },
    ]);

    const bad = await f.cli(['status', '--json', 'event,uptime']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'error: --json: unknown field "uptime"; available fields: event, container, state, health, image, revision, commit, started, restarts, node, hostname, inFleet, tailnet, url, funnel, loginUrl\n',
    );
  });

  it('status on a terminal fits it: 200 columns show every column, 80 the most important ones; piped, nothing is cut', async () => {
    const lines = (screen: string) => strip(screen).replaceAll('\r', '').trimEnd().split('\n');
    const wide = await inTerminal(f, ['status'], { NO_COLOR: '1' }, 200);
    expect(wide.code, wide.screen).toBe(0);
    expect(lines(wide.screen)[0]).toMatch(
      /^EVENT\s+CONTAINER\s+STATE\s+HEALTH\s+TAILNET\s+IMAGE\s+REVISION\s+STARTED\s+RESTARTS\s+HOSTNAME$/,
    );
    const narrow = await inTerminal(f, ['status'], { NO_COLOR: '1' }, 80);
    expect(narrow.code, narrow.screen).toBe(0);
    const shown = lines(narrow.screen);
    expect(shown[0]).toMatch(/^EVENT\s+STATE\s+/);
    expect(shown[0]).not.toMatch(/CONTAINER|HOSTNAME|IMAGE/);
    for (const l of shown) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(shown[1]).toMatch(/^alpha\s+running\s+/);
    const piped = expectOk(await f.cli(['status'], { env: { COLUMNS: undefined } }), 'status piped').stdout;
    expect(piped.split('\n')[0]).toMatch(/HOSTNAME$/);
  });

  it('down ends with its table: per event the container, removed, and how long it took', async () => {
    const r = await inTerminal(f, ['down'], { NO_COLOR: undefined });
    expect(r.code, r.screen).toBe(0);
    const text = strip(r.screen);
    expect(text).toMatch(/✔ alpha\s+removed/);
    const tail = text.trimEnd().split('\n').slice(-3);
    expect(tail[0]).toMatch(/^EVENT\s+CONTAINER\s+STATUS\s+DURATION$/);
    expect(tail.slice(1).join('\n')).toMatch(new RegExp(`alpha\\s+${f.container('alpha')}\\s+removed\\s+[\\d.ms]+\\s*\\n`));
    expect(tail[2], "rows by event, as up lists them, not in the engine's order").toMatch(/^beta\s+/);
  });
});
