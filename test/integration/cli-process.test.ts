/**
 * What only the built CLI as real processes shows (dist/bin/demo-fleet.mjs; the rest of the fleet commands
 * run in-process in test/unit/cli/fleet-cli.test.ts): the bin's exit codes and its one error line, 20
 * processes editing one fleet file at once, and a permission check as another user.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { assertBuilt, CLI_PATH, runCli, show, tempDir, type CliResult } from '../helpers/cli.js';

const dirs: Array<() => Promise<void>> = [];
async function newDir(): Promise<string> {
  const { dir, cleanup } = await tempDir('demo-fleet-cli-process-');
  dirs.push(cleanup);
  return dir;
}

beforeAll(() => assertBuilt());
afterAll(async () => {
  await Promise.all(dirs.map((c) => c()));
});

/** A failure: the exit code, nothing on stdout, exactly one `error: ...` line on stderr; returns the message. */
function failure(r: CliResult, code = 2): string {
  expect(r.code, show(r)).toBe(code);
  expect(r.stdout, show(r)).toBe('');
  expect(r.stderr, show(r)).toMatch(/^error: [^\n]+\n$/);
  return r.stderr.slice('error: '.length, -1);
}

describe('the bin: run() with the process, its result as the exit code', () => {
  it('0 on success; 2 and one line for a usage error and for bad input; 2 for an unknown command', async () => {
    const dir = await newDir();
    const added = await runCli(['add', 'cleveland'], { cwd: dir });
    expect(added.code, show(added)).toBe(0);
    expect(added.stdout).toBe('added cleveland (created fleet.yaml)\n');
    expect(failure(await runCli(['add', 'Bad_Name'], { cwd: dir }))).toMatch(/Bad_Name/);
    const unknown = await runCli(['nope'], { cwd: dir });
    expect(unknown.code, show(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'nope'/);
    const missing = await runCli(['list'], { cwd: await newDir() });
    expect(failure(missing)).toMatch(/no fleet file here/);
  });
});

describe('a reader that closes the pipe early (`| head`)', () => {
  it('ends the CLI quietly: exit 0, no EPIPE stack on stderr', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'add', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the CLI has written anything: its first write meets EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});

describe('20 concurrent `add` processes', () => {
  it('leave 20 events in a valid file and no temp or lock files', async () => {
    const dir = await newDir();
    const names = Array.from({ length: 20 }, (_, i) => `event-${String(i + 1).padStart(2, '0')}`);
    const results = await Promise.all(
      names.map((n) => runCli(['add', n, '--invite-link', `https://x.example/${n}`], { cwd: dir, timeoutMs: 120_000 })),
    );
    for (const r of results) expect(r.code, show(r)).toBe(0);
    expect(results.filter((r) => r.stdout.includes('(created fleet.yaml)'))).toHaveLength(1);
    const { fleet } = await loadFleet(path.join(dir, 'fleet.yaml'));
    expect(Object.keys(fleet.events).sort()).toEqual(names);
    for (const n of names) expect(fleet.events[n]!.inviteLink).toBe(`https://x.example/${n}`);
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['fleet.yaml', 'fleet.schema.json']));
    expect((await readdir(dir)).sort()).toEqual(['fleet.schema.json', 'fleet.yaml']);
  }, 180_000);
});

describe('as another user', () => {
  it('render --out a read-only directory (EACCES; as an unprivileged user when the tests run as root)', async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, 'fleet.yaml'), 'year: 2026\nevents:\n  a: {}\n');
    await mkdir(path.join(dir, 'ro'), { mode: 0o500 });
    // root passes every permission bit: run the CLI as nobody (65534), owner of the fleet dir
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    if (asUser) for (const p of [dir, path.join(dir, 'fleet.yaml'), path.join(dir, 'ro')]) await chown(p, asUser.uid, asUser.gid);
    try {
      expect(failure(await runCli(['render', '--out', 'ro'], { cwd: dir, asUser }))).toMatch(
        /^ro: cannot write the render there \(permission denied\): fix its permissions/,
      );
    } finally {
      await chmod(path.join(dir, 'ro'), 0o700);
    }
  });
});
