/**
 * The npm package as a user installs it: `npm pack` holds only what runs (the CLI bundle, the image's
 * app file and its static files, the Dockerfile templates, README, package.json), and the CLI runs from
 * exactly those files plus the production dependency tree (`npm ci --omit=dev`), with nothing of the
 * repository's node_modules or dist/ within reach: commands, the image build context, the ssh://
 * transport and the engine all work from that copy.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, REPO_ROOT, show, type CliResult } from '../helpers/cli.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

interface Meta {
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }>; entryPoint?: string }>;
}

const ENTRY = 'dist/bin/demo-fleet.mjs';
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const meta = (): Meta => JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist', 'meta', 'cli-bundle.json'), 'utf8')) as Meta;

/** The files `npm pack` puts in the tarball (without running prepack: the test runs on the build it has). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [result] = JSON.parse(out.toString()) as Array<{ files: Array<{ path: string }> }>;
  return result!.files.map((f) => f.path).sort();
}

/** Every output file of the CLI bundle that the entry reaches through static or dynamic imports. */
function reachableOutputs(): Set<string> {
  const { outputs } = meta();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !outputs[file]) return;
    seen.add(file);
    for (const i of outputs[file]!.imports) if (!i.external) visit(i.path);
  };
  visit(ENTRY);
  return seen;
}

const gitFiles = (dir: string) =>
  execFileSync('git', ['ls-files', dir], { cwd: REPO_ROOT }).toString().trim().split('\n').filter(Boolean).sort();

describe('the npm package', () => {
  it('prepack builds, so a packed tarball never holds a stale or missing dist/', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('holds only what runs: the bundle (every chunk reachable from the entry), the image app, the templates', () => {
    const files = packedFiles();
    const bundle = [...reachableOutputs()].sort();
    expect(bundle).toContain(ENTRY);
    expect(bundle.length).toBeGreaterThan(5);
    const image = ['dist/image/app.cjs', 'dist/image/server.cjs', ...readdirFiles('dist/image/static')];
    expect(files).toEqual([...new Set(['README.md', 'package.json', ...bundle, ...image, ...gitFiles('templates')])].sort());
    for (const f of files) expect(f, f).not.toMatch(/meta\.json$|\.map$|^dist\/(cli|app)\//);
  });

  it('its dependencies are exactly the packages the bundle leaves out (ssh2): nothing inlined is also installed', () => {
    const external = new Set<string>();
    for (const o of Object.values(meta().outputs)) for (const i of o.imports) if (i.external && !isBuiltin(i.path)) external.add(i.path);
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...external].sort());
  });
});

function readdirFiles(dir: string): string[] {
  return execFileSync('find', [dir, '-type', 'f'], { cwd: REPO_ROOT }).toString().trim().split('\n').filter(Boolean).sort();
}

const engine = dockerEngine();

describe.skipIf(!engine.ok)('the packed files + the production dependencies, alone, run every kind of command', () => {
  let root: string;
  let pkgDir: string;
  let fleetDir: string;
  const fleetName = `t-${runId}-pkg`;

  const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(pkgDir, pkg.bin['demo-fleet']!), ...args], {
        cwd: fleetDir,
        env: cliEnv({ NODE_PATH: undefined, ...env }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'demo-fleet-packaging-'));
    pkgDir = path.join(root, 'node_modules', 'demo-fleet');
    fleetDir = path.join(root, 'fleet');
    for (const f of packedFiles()) cpSync(path.join(REPO_ROOT, f), path.join(pkgDir, f));
    // What `npm ci --omit=dev` installs, each package without its nested node_modules (listed on their own).
    const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT })
      .toString()
      .trim()
      .split('\n')
      .slice(1);
    expect(prod).toContain(path.join(REPO_ROOT, 'node_modules', 'ssh2'));
    for (const dir of prod) {
      cpSync(dir, path.join(root, path.relative(REPO_ROOT, dir)), {
        recursive: true,
        filter: (src) => !path.relative(dir, src).split(path.sep).includes('node_modules'),
      });
    }
    mkdirSync(fleetDir);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('--version, init, add, render: the fleet commands', async () => {
    expect(existsSync(path.join(root, 'node_modules', 'dockerode')), 'dockerode is inlined, not installed').toBe(false);
    const v = await run(['--version']);
    expect(v.code, show(v)).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [['init', '--name', fleetName], ['add', 'alpha', '--auth-key-env', 'PKG_TEST_KEY'], ['render']]) {
      const r = await run(args, { PKG_TEST_KEY: 'tskey-auth-pkg' });
      expect(r.code, `${args.join(' ')}: ${show(r)}`).toBe(0);
    }
    expect(existsSync(path.join(fleetDir, 'compose', 'docker-compose.yml'))).toBe(true);
  });

  it('publish --dry-run hashes the image context from the packed dist/image and templates', async () => {
    const r = await run(['publish', '--dry-run', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).tags[0]).toMatch(/^(sha|ctx)-/);
  });

  it('status and up --dry-run reach the engine (dockerode from the bundle)', async () => {
    const up = await run(['up', '--dry-run'], { PKG_TEST_KEY: 'tskey-auth-pkg' });
    expect(up.code, `up --dry-run: ${show(up)}`).toBe(0);
    // nothing deployed: status lists the event as missing and exits 5 (it reached the engine to say so)
    const status = await run(['status', '--json'], { PKG_TEST_KEY: 'tskey-auth-pkg' });
    expect(status.code, `status --json: ${show(status)}`).toBe(5);
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ event: 'alpha', state: 'missing' })]);
  });

  it('ssh:// loads ssh2 from the installed dependencies (it dials, the refusal is the one-line error)', async () => {
    const r = await run(['status'], { DOCKER_HOST: 'ssh://nobody@127.0.0.1:1' });
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toBe(
      'error: cannot reach Docker at ssh://nobody@127.0.0.1:1: is dockerd running? (connect ECONNREFUSED 127.0.0.1:1)\n',
    );
  });
});
