/**
 * `completion bash|zsh|fish`: bash sources the printed script, `complete -p` names the function, and a
 * COMP_WORDS/COMP_CWORD call of it resolves subcommands, options, and event names read from the fleet
 * file through the CLI itself (also the one --file names). zsh and fish are checked for what they
 * contain (neither shell is installed here); each is generated from the same command tree.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, cliEnv, runInProcess } from '../helpers/cli.js';

let dir = '';
let bin = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'demo-fleet-completion-'));
  bin = path.join(dir, 'bin');
  await runInProcess(['init'], { cwd: dir }).then((r) => expect(r.code).toBe(0));
  for (const e of ['cleveland', 'berlin']) expect((await runInProcess(['add', e], { cwd: dir })).code).toBe(0);
  expect((await runInProcess(['--file', 'other.yaml', 'add', 'tokyo'], { cwd: dir })).code).toBe(0);
  // `demo-fleet` on PATH, as a user has it.
  await import('node:fs/promises').then((fs) => fs.mkdir(bin));
  await writeFile(path.join(bin, 'demo-fleet'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
  await chmod(path.join(bin, 'demo-fleet'), 0o755);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Source the bash script, then complete `words` (the last one is being typed); the candidates, sorted. */
function complete(words: string[]): Promise<{ spec: string; candidates: string[] }> {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const script = `source <(demo-fleet completion bash) || exit 1
complete -p demo-fleet
COMP_WORDS=(demo-fleet ${quoted}); COMP_CWORD=${words.length}
_demo_fleet
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-c', script],
      { cwd: dir, env: { ...cliEnv(), PATH: `${bin}:${process.env.PATH}` } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`bash: ${stderr}`));
        const [spec, ...rest] = stdout.split('\n');
        resolve({ spec: spec!, candidates: rest.filter(Boolean).sort() });
      },
    );
  });
}

// Each case starts bash and the CLI (twice for event names): on a loaded machine that is seconds each.
describe('completion bash (sourced by bash)', { timeout: 120_000 }, () => {
  it('registers _demo_fleet for demo-fleet and resolves a subcommand (st → status)', async () => {
    const r = await complete(['st']);
    expect(r.spec).toBe('complete -F _demo_fleet demo-fleet');
    expect(r.candidates).toEqual(['status']);
    expect((await complete(['re'])).candidates).toEqual(['remove', 'render', 'restart', 'retire', 'revisions']);
    expect((await complete(['doc'])).candidates).toEqual(['doctor']);
    expect((await complete(['__'])).candidates).toEqual([]); // the hidden helper is not offered
  });

  it("a command's options, global ones included", async () => {
    expect((await complete(['logs', '--f'])).candidates).toEqual(['--file', '--follow']);
    expect((await complete(['--'])).candidates).toEqual(['--file', '--help', '--version']);
  });

  it('event names from the fleet file, through the CLI; --file on the line picks the file', async () => {
    expect((await complete(['logs', ''])).candidates).toEqual(['berlin', 'cleveland']);
    expect((await complete(['restart', 'cleveland', ''])).candidates).toEqual(['berlin', 'cleveland']);
    expect((await complete(['exec', 'cleveland', ''])).candidates).toEqual([]); // one event, then the command
    expect((await complete(['--file', 'other.yaml', 'logs', ''])).candidates).toEqual(['tokyo']);
    expect((await complete(['logs', '--tail', ''])).candidates).toEqual([]); // a value, not an event
    expect((await complete(['add', ''])).candidates).toEqual([]); // a new event's name
  });

  it('argument choices and path options', async () => {
    expect((await complete(['completion', ''])).candidates).toEqual(['bash', 'fish', 'zsh']);
    expect((await complete(['--file', 'oth'])).candidates).toEqual(['other.yaml']);
  });
});

describe('completion zsh / fish / bad shell', () => {
  it('zsh: the bash completion through bashcompinit', async () => {
    const r = await runInProcess(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef demo-fleet\n/);
    expect(r.stdout).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(r.stdout).toContain('complete -F _demo_fleet demo-fleet');
  });

  it('fish: every command with its description, options per command, events through the CLI', async () => {
    const r = await runInProcess(['completion', 'fish']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^complete -c demo-fleet -n __fish_use_subcommand -a status -d 'each event: /m);
    expect(r.stdout).toContain("complete -c demo-fleet -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'keep streaming'");
    expect(r.stdout).toContain("complete -c demo-fleet -n '__fish_seen_subcommand_from restart' -a '(__demo_fleet_events)' -d event");
    expect(r.stdout).toContain('command demo-fleet $file __events 2>/dev/null');
  });

  it('an unknown shell: exit 2 naming the choices', async () => {
    const r = await runInProcess(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });
});
