/**
 * The shipped CLI is the esbuild bundle in dist/bin/ (scripts/bundle-cli.mjs): its entry file must stay
 * light (commander + command definitions; each command loads its modules in its action), the packages
 * dockerode loads but demo-fleet rarely or never needs stay out of it (replaced by stand-ins matched by
 * package name), and the ssh2 stand-in still loads the real module when it is needed (ssh://).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, runCli, show, tempDir } from '../helpers/cli.js';

interface Meta {
  outputs: Record<
    string,
    { bytes: number; inputs: Record<string, { bytesInOutput: number }>; imports: Array<{ path: string; external?: boolean }> }
  >;
}

function meta(): Meta {
  const file = path.join(REPO_ROOT, 'dist', 'meta', 'cli-bundle.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (the \`test\` npm script does)`);
  return JSON.parse(readFileSync(file, 'utf8')) as Meta;
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('the CLI bundle (dist/bin)', () => {
  it('package.json bin is the bundle, and it is executable with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(path.join(REPO_ROOT, pkg.bin['demo-fleet'])).toBe(CLI_PATH);
    expect(readFileSync(CLI_PATH, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('the entry file holds commander and cli/ code only: yaml, zod and dockerode load on first use', () => {
    const entry = meta().outputs['dist/bin/demo-fleet.mjs'];
    expect(entry).toBeDefined();
    const packages = new Set(Object.keys(entry!.inputs).map(packageOf).filter(Boolean));
    expect([...packages]).toEqual(['commander']);
    const others = Object.keys(entry!.inputs).filter((i) => !packageOf(i));
    expect(
      others.every((i) => i.startsWith('cli/')),
      others.join(', '),
    ).toBe(true);
    expect(others).not.toContain('cli/fleet/file.ts');
    expect(others).not.toContain('cli/deploy/up.ts');
  });

  it('BuildKit (grpc, protobufjs) and ssh2 are not in any chunk: stand-ins by package name, no file of another package swapped', () => {
    const outputs = Object.values(meta().outputs);
    const inputs = outputs.flatMap((o) => Object.keys(o.inputs));
    const packages = new Set(inputs.map(packageOf));
    for (const heavy of ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'ssh2']) expect(packages.has(heavy), heavy).toBe(false);
    // Every input is either our source, a whole package file as published, or a stand-in for a package name.
    // (app/env-names.ts: the app's env names, which the render writes — one source of truth for both.)
    const standIns = inputs.filter((i) => !i.startsWith('cli/') && !i.startsWith('node_modules/') && i !== 'app/env-names.ts');
    expect([...new Set(standIns)].sort()).toEqual(
      ['lazy:ssh2', 'not-shipped:@grpc/grpc-js', 'not-shipped:@grpc/proto-loader', 'not-shipped:protobufjs'].sort(),
    );
    // ssh2 is the one package the bundle loads from node_modules, and so the one runtime dependency.
    const external = new Set(outputs.flatMap((o) => o.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path)));
    expect([...external]).toEqual(['ssh2']);
  });

  it('--version prints the version in package.json (one source)', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const r = await runCli(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('over ssh:// the stand-in loads the real ssh transport (it dials, and the refusal is the one-line error)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      expect((await runCli(['init', '--name', 'bundle'], { cwd: dir })).code).toBe(0);
      // Port 1 on loopback: nothing listens, so ssh2 itself must report the refused connection.
      const r = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: 'ssh://nobody@127.0.0.1:1' } });
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toBe(
        'error: cannot reach Docker at ssh://nobody@127.0.0.1:1: is dockerd running? (connect ECONNREFUSED 127.0.0.1:1)\n',
      );
    } finally {
      await cleanup();
    }
  });
});
