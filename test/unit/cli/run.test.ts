/**
 * cli/main.ts: importing it does nothing (no signal handler, no exit code, no output), and each run()
 * writes only to the streams it is given and resolves against its own working directory and environment,
 * so runs in one process neither see nor disturb each other.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runInProcess, tempDir } from '../../helpers/cli.js';

const dirs: Array<() => Promise<void>> = [];
async function newDir(): Promise<string> {
  const { dir, cleanup } = await tempDir('demo-fleet-run-');
  dirs.push(cleanup);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((c) => c()));
});

describe('run(argv, io)', () => {
  it('importing cli/main.ts installs no signal handler, sets no exit code and prints nothing', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM'), code: process.exitCode };
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const main = await import('../../../cli/main.js');
      expect(typeof main.run).toBe('function');
      expect(process.listenerCount('SIGINT')).toBe(before.int);
      expect(process.listenerCount('SIGTERM')).toBe(before.term);
      expect(process.exitCode).toBe(before.code);
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it("writes to the run's streams only, also for commander's own output (--help, usage errors)", async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const help = await runInProcess(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: demo-fleet /);
      const usage = await runInProcess(['add', '--year', 'abc', 'x']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^error: option '--year <year>' argument 'abc' is invalid/);
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('runs at once in different directories, with different DEMO_FLEET_FILE, each get their own', async () => {
    const [a, b] = [await newDir(), await newDir()];
    const results = await Promise.all([
      runInProcess(['add', 'alpha'], { cwd: a }),
      runInProcess(['add', 'beta'], { cwd: b, env: { DEMO_FLEET_FILE: 'other.yaml' } }),
    ]);
    expect(results.map((r) => [r.code, r.stdout])).toEqual([
      [0, 'added alpha (created fleet.yaml)\n'],
      [0, 'added beta (created other.yaml)\n'],
    ]);
    expect((await readdir(a)).sort()).toEqual(['fleet.schema.json', 'fleet.yaml']);
    expect((await readdir(b)).sort()).toEqual(['fleet.schema.json', 'other.yaml']);
    expect(await readFile(path.join(b, 'other.yaml'), 'utf8')).toMatch(/^ {2}beta: \{\}$/m);
    // messages name files as seen from the run's directory, not the test process's
    const list = await runInProcess(['list', '--file', 'nope.yaml'], { cwd: a });
    expect(list.code).toBe(2);
    expect(list.stderr).toBe(
      `error: ${path.join(a, 'nope.yaml')}: no fleet file here (create one with \`demo-fleet init\` or \`demo-fleet add <event>\`, or pass --file)\n`,
    );
  });
});
