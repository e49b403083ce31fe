/** `--wait-timeout` (up, restart) takes seconds or a duration with s, m or h, as the fleet file's durations do. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitSeconds } from '../../cli/commands/options.js';
import { runCli, runInProcess } from '../helpers/cli.js';

describe('waitSeconds', () => {
  const parse = waitSeconds('--wait-timeout');
  it('seconds, or 90s / 5m / 1h', () => {
    expect(parse('300')).toBe(300);
    expect(parse('90s')).toBe(90);
    expect(parse('5m')).toBe(300);
    expect(parse('1h')).toBe(3600);
  });
  it('anything else, or zero, is refused naming the option and the forms', () => {
    for (const bad of ['0', '0s', '1d', '-5', '1.5h', 'soon', ''])
      expect(() => parse(bad), bad).toThrow(`--wait-timeout must be seconds or a duration like 90s, 5m or 1h, got "${bad}"`);
  });
});

describe('up / restart --wait-timeout on the command line', () => {
  it('a bad value: exit 2, one line naming the option, before anything is read or changed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'demo-fleet-wait-'));
    try {
      expect((await runInProcess(['add', 'cleveland'], { cwd: dir })).code).toBe(0);
      const before = await readFile(path.join(dir, 'fleet.yaml'), 'utf8');
      for (const command of ['up', 'restart']) {
        const r = await runCli([command, '--wait-timeout', '1d'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
        expect(r.code, command).toBe(2);
        expect(r.stderr.split('\n')[0]).toBe(
          `error: option '--wait-timeout <duration>' argument '1d' is invalid. --wait-timeout must be seconds or a duration like 90s, 5m or 1h, got "1d"`,
        );
        // 1h is taken: the command goes on and stops at the (absent) engine, exit 3.
        const ok = await runCli([command, '--wait-timeout', '1h'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
        expect(ok.code, `${command}: ${ok.stderr}`).toBe(3);
      }
      expect(await readFile(path.join(dir, 'fleet.yaml'), 'utf8')).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
