/**
 * Global vs command options: `-f` is each command's own (logs -f follows, as in compose/kamal), the
 * fleet file is `--file`, and every command's help lists the global options. Runs the built CLI.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sinceTime } from '../../cli/commands/options.js';
import { runCli, show, tempDir, runInProcess } from '../helpers/cli.js';

/** A fleet file with one event, and an engine address where nothing listens. */
async function fleetDir() {
  const t = await tempDir();
  await writeFile(path.join(t.dir, 'fleet.yaml'), 'name: opts\nid: optsoptsopts\nyear: 2026\nevents:\n  cleveland: {}\n');
  return t;
}
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

describe('logs -f', () => {
  it('follows whether -f comes before or after the event: both get as far as the engine (exit 3)', async () => {
    const { dir, cleanup } = await fleetDir();
    try {
      for (const args of [
        ['logs', '-f', 'cleveland'],
        ['logs', 'cleveland', '-f'],
        ['logs', '-f'],
        ['logs', '-f', '--tail', '0', '-t', '--since', '10m'],
      ]) {
        const r = await runCli(args, { cwd: dir, env: NO_ENGINE });
        expect(r.code, `${args.join(' ')}: ${show(r)}`).toBe(3);
        expect(r.stderr).toMatch(/^error: cannot reach Docker at unix:\/\/\/nonexistent\/docker\.sock/);
      }
    } finally {
      await cleanup();
    }
  });

  it('an unknown event after -f is named (not taken as a fleet file); a negative --tail is refused', async () => {
    const { dir, cleanup } = await fleetDir();
    try {
      const r = await runCli(['logs', '-f', 'nope'], { cwd: dir, env: NO_ENGINE });
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toBe('error: event "nope" is not in the fleet file (`demo-fleet list` shows the events)\n');
      const tail = await runCli(['logs', '--tail', '-1'], { cwd: dir, env: NO_ENGINE });
      expect(tail.code, show(tail)).toBe(2);
      expect(tail.stderr).toContain('--tail must be 0 or a positive integer');
    } finally {
      await cleanup();
    }
  });

  it('the fleet file is --file (anywhere on the line); -f is not a global option', async () => {
    const { dir, cleanup } = await fleetDir();
    try {
      const r = await runInProcess(['list', '--json', '--file', path.join(dir, 'fleet.yaml')]);
      expect(r.code, show(r)).toBe(0);
      expect(JSON.parse(r.stdout)[0].event).toBe('cleveland');
      const bad = await runInProcess(['-f', path.join(dir, 'fleet.yaml'), 'list']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/unknown option '-f'/);
    } finally {
      await cleanup();
    }
  });
});

describe('help', () => {
  it("every command's --help lists the global options", async () => {
    for (const command of ['logs', 'up', 'status', 'add']) {
      const r = await runInProcess([command, '--help']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout, command).toMatch(/Global Options:\n[\s\S]*--file <path>/);
    }
  });
});

describe('--since', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it('takes durations ago and ISO dates, in UNIX seconds', () => {
    expect(sinceTime('10m', now)).toBe(now / 1000 - 600);
    expect(sinceTime('2h', now)).toBe(now / 1000 - 7200);
    expect(sinceTime('30s', now)).toBe(now / 1000 - 30);
    expect(sinceTime('2026-12-01T09:00:00Z', now)).toBe(now / 1000 - 3600);
  });
  it('refuses anything else with an example', () => {
    expect(() => sinceTime('yesterday', now)).toThrow(/--since must be a duration like 10m/);
    expect(() => sinceTime('10', now)).toThrow(/--since/);
  });
});

describe('status durations', () => {
  it('reads like docker ps: Up 5 s, Up 3 min, Up 2 h, Up 4 days', async () => {
    const { upFor } = await import('../../cli/ui/output.js');
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(upFor('2026-12-01T09:59:55Z', now)).toBe('Up 5 s');
    expect(upFor('2026-12-01T09:57:00.123456789Z', now)).toBe('Up 3 min');
    expect(upFor('2026-12-01T08:00:00Z', now)).toBe('Up 2 h');
    expect(upFor('2026-11-27T10:00:00Z', now)).toBe('Up 4 days');
    expect(upFor(null, now)).toBe('-');
  });
});
