/**
 * Shared setup for the engine integration tests (test/integration/engine-*.test.ts).
 *
 * - `ensureBaseImage()` runs test/fixtures/base-image/build.sh (idempotent): the local stand-in for the
 *   linuxserver base that `up --base-image` builds on (nothing can be pulled here).
 * - `fleets()` registers an afterAll hook and hands out throwaway fleets: a temp dir with a fleet.yaml
 *   made by the real CLI (`init` + `add`), a unique fleet name `t-<runId>-<n>` and image repository
 *   `demo-fleet-test/<fleet name>`. The hook removes — also when a test failed — every container
 *   labelled `dev.demo-fleet.fleet=<name>`, every container named `<name>-…` (the foreign ones a test
 *   planted), the lock marker `demo-fleet-lock-<name>`, every tag of the repository, the images the
 *   fleet made that are no longer tagged (see `cleanupFleet`), the audit-log carriers of its appdata,
 *   and the temp dir; then it fails the file if an image the fleet made is still on the engine.
 * - `testDockerfile()` writes a Dockerfile for `--dockerfile` that labels every image it builds with the
 *   fleet's name; the CLI helpers refuse a `--dockerfile` without that label.
 * - `runCli()` / `spawnCli()`: the built CLI as a child process — a private copy of it (see
 *   `packageCopy()`), with test/helpers/cli.ts's env hygiene, durations, and the child for kill tests.
 *
 * The CLI's image tag is `sha-<git HEAD>`. Other people commit to this checkout while tests run, and a
 * new HEAD means a new image (and every container "image changed"). So the CLI runs with GITHUB_SHA
 * pinned to the HEAD seen when this module loaded — exactly what CI does — and a test sees one revision.
 */
import http from 'node:http';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { removeAuditCarriers } from './audit-carriers.js';
import { assertBuilt, cliEnv as baseCliEnv, REPO_ROOT } from './cli.js';
import { type Requirement, requirement, runId } from './requirements.js';

export { REPO_ROOT, removeAuditCarriers };
/**
 * The base `up --base-image` builds on: the tailnet model (test/fixtures/tailnet-model), i.e. the base
 * fixture plus a model of the docker-mod's start path and of tailscale/tailscaled, so events join a
 * (modelled) tailnet and are served as on the real base. Its build.sh builds the base fixture first.
 */
export const BUILD_SH = path.join(REPO_ROOT, 'test/fixtures/tailnet-model/build.sh');
/** The app as the images carry it (`npm run build` writes it): what the tailnet images are built from. */
export const APP_BUNDLE = path.join(REPO_ROOT, 'dist', 'image', 'server.cjs');

/** The app bundle, built: a requirement (skips loudly, fails under CI=true, like the others). */
export function appBundle(): Requirement {
  return requirement('the app bundle (dist/image/server.cjs; run `npm run build`)', () =>
    existsSync(APP_BUNDLE) ? true : `${APP_BUNDLE} is missing`,
  );
}
export const BASE_IMAGE = 'demo-fleet-test/base:tailnet';
/** The auth key test fleets give their events (the model accepts any non-empty key by default). */
export const MODEL_KEY_VAR = 'DEMO_FLEET_TEST_MODEL_KEY';
export const MODEL_KEY = `tskey-auth-model-${runId}`;
/** The model's MagicDNS suffix: an event is served at https://<hostname>.<suffix>. */
export const MODEL_SUFFIX = 'tail0000.ts.net';

function headCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '0000000000000000000000000000000000000000';
  }
}

// ---------------------------------------------------------------------------------------------
// a private copy of the built CLI

/**
 * Other people rebuild dist/ in this checkout while tests run. `up` reads the image build context from
 * the package (dist/image, templates/), so a rebuild in the middle of a test file changes the context
 * hash: the next `up` rebuilds and recreates every container, and a half-written dist/ can crash the
 * CLI. So each test file runs its own copy of package.json + dist/ + templates/ (node_modules linked),
 * taken when first needed (and removed by the afterAll of `fleets()`), after checking dist/ was not
 * being written at that moment.
 */
let snapshotRoot: string | undefined;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Root of the private copy (made on first call); the CLI is `<root>/dist/bin/demo-fleet.mjs`. */
export function packageCopy(): string {
  if (snapshotRoot) return snapshotRoot;
  assertBuilt();
  const dist = path.join(REPO_ROOT, 'dist');
  for (let attempt = 0; ; attempt++) {
    const before = newestMtime(dist);
    if (Date.now() - before < 3_000 && attempt < 20) {
      execFileSync('sleep', ['1']); // a build is writing dist/ right now
      continue;
    }
    const root = mkdtempSync(path.join(tmpdir(), 'demo-fleet-pkg-'));
    cpSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
    cpSync(dist, path.join(root, 'dist'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'templates'), path.join(root, 'templates'), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    if (newestMtime(dist) === before || attempt >= 20) {
      snapshotRoot = root;
      return root;
    }
    rmSync(root, { recursive: true, force: true }); // dist/ changed while copying: again
  }
}

export function cliPath(): string {
  return path.join(packageCopy(), 'dist', 'bin', 'demo-fleet.mjs');
}

/** The revision every CLI run of this test process builds (see the header comment). */
export const PINNED_SHA = process.env.GITHUB_SHA || headCommit();
export const REVISION_TAG = `sha-${PINNED_SHA.slice(0, 7)}`;

// ---------------------------------------------------------------------------------------------
// processes

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  /** Added to (or, with undefined values, removed from) the CLI's environment. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** test/helpers/cli.ts's env, plus: the pinned revision, and the local engine unless a test says otherwise. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return baseCliEnv({ GITHUB_SHA: PINNED_SHA, DOCKER_HOST: undefined, ...extra });
}

/**
 * Start the CLI without waiting (test/helpers/cli.ts's runCli does not hand out the child, which the
 * SIGKILL test needs). Output is collected into `result`.
 */
export function spawnCli(
  args: string[],
  options: RunOptions = {},
): { child: ChildProcess; result: Promise<RunResult>; stderrSoFar: () => string } {
  assertLabelledDockerfile(args, options.cwd);
  const started = Date.now();
  const child = spawn(process.execPath, [cliPath(), ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = options.timeoutMs ?? 240_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    // 'close': the process has exited (and was reaped) and its output is complete.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, result, stderrSoFar: () => stderr };
}

export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return spawnCli(args, options).result;
}

/** A run that must succeed; on failure the error shows everything the CLI printed. */
export function expectOk(r: RunResult, what: string): RunResult {
  if (r.code !== 0) {
    throw new Error(`${what} exited ${r.code ?? r.signal} after ${r.ms} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program; never throws on a non-zero exit (look at `code`). */
export function exec(
  file: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: options.env, cwd: options.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
      },
    );
  });
}

/** `docker …` against the local engine; throws with its stderr when it fails. */
export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await exec('docker', args, { timeoutMs });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// engine views

export interface ContainerInfo {
  Id: string;
  Name: string;
  Image: string;
  State: { Status: string; Running: boolean; Health?: { Status: string } };
  Config: { Env: string[] | null; Labels: Record<string, string> | null; Image: string };
  HostConfig: { Binds: string[] | null; RestartPolicy: { Name: string } };
  Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean }>;
}

/** `docker inspect` of a container, or null when there is none by that name/id. */
export async function inspectContainer(nameOrId: string): Promise<ContainerInfo | null> {
  const r = await exec('docker', ['container', 'inspect', nameOrId]);
  if (r.code !== 0) {
    if (/no such/i.test(r.stderr)) return null;
    throw new Error(`docker inspect ${nameOrId}: ${r.stderr.trim()}`);
  }
  return (JSON.parse(r.stdout) as ContainerInfo[])[0]!;
}

export interface ImageInfo {
  Id: string;
  RepoTags: string[];
  Config: { Env: string[] | null; Labels: Record<string, string> | null };
}

export async function inspectImage(ref: string): Promise<ImageInfo | null> {
  const r = await exec('docker', ['image', 'inspect', ref]);
  if (r.code !== 0) {
    if (/no such/i.test(r.stderr)) return null;
    throw new Error(`docker image inspect ${ref}: ${r.stderr.trim()}`);
  }
  return (JSON.parse(r.stdout) as ImageInfo[])[0]!;
}

/** Every container (any state) whose name is `name` or starts with `name-`, or labelled as the fleet's. */
export async function fleetContainers(fleetName: string): Promise<Array<{ id: string; name: string }>> {
  const out = await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Label "dev.demo-fleet.fleet"}}']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .filter(([, name, label]) => label === fleetName || name === lockContainer(fleetName) || name!.startsWith(`${fleetName}-`))
    .map(([id, name]) => ({ id: id!, name: name! }));
}

export function lockContainer(fleetName: string): string {
  return `demo-fleet-lock-${fleetName}`;
}

/** `repo:tag` of every tag of an image repository. */
export async function repoTags(repo: string): Promise<string[]> {
  const out = await docker(['images', repo, '--format', '{{.Repository}}:{{.Tag}}']);
  return out.split('\n').filter((l) => l && !l.endsWith(':<none>'));
}

/**
 * GET / through the tailnet model's serve port of `container` (plain HTTP on its :443) with `headers`:
 * `Host` the MagicDNS name serve is configured for, `X-Tailnet-Model-Visitor` who the model says is asking.
 */
export async function visitModelServe(container: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const ip = (await docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', container])).trim();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: ip, port: 443, path: '/', headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${ip}:443/ timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// base image

let baseBuilt: Promise<void> | undefined;

/** build.sh: builds demo-fleet-test/base:tailnet (and the base fixture under it) or says they are up to date. */
export function ensureBaseImage(): Promise<void> {
  baseBuilt ??= exec('bash', [BUILD_SH], { timeoutMs: 300_000 }).then((r) => {
    if (r.code !== 0) throw new Error(`${BUILD_SH} failed (${r.code}): ${r.stderr.trim()}`);
  });
  return baseBuilt;
}

// ---------------------------------------------------------------------------------------------
// fleets

export interface FleetSpec {
  /** Event name → extra `add` flags, e.g. `{ beta: ['--funnel'] }`. */
  events: Record<string, string[]>;
  /** Env for every CLI run of this fleet (e.g. the auth key variables). */
  env?: Record<string, string | undefined>;
  /**
   * Events added without an auth key (they wait for an interactive login). Every other event without
   * its own `--auth-key-*` flag gets the model's key (MODEL_KEY_VAR), as a real fleet would have one.
   */
  keyless?: string[];
  /**
   * The fleet file's `health:` block (default FAST_HEALTH). Set to null to keep the file's defaults.
   */
  health?: { interval: string; startPeriod: string; timeout?: string; retries?: number } | null;
}

export interface TestFleet {
  name: string;
  image: string;
  dir: string;
  file: string;
  env: Record<string, string | undefined>;
  /** Every CLI run of this fleet so far (e.g. to check a secret never appeared in any output). */
  runs: Array<{ args: string[]; result: RunResult }>;
  /** The CLI in the fleet dir with the fleet env (+ `env`). */
  cli: (args: string[], options?: RunOptions) => Promise<RunResult>;
  /** `up --base-image <fixture>` (+ args). */
  up: (args?: string[], options?: RunOptions) => Promise<RunResult>;
  container: (event: string) => string;
  /** The deploy lock's marker container: `demo-fleet-lock-<name>`. */
  lock: string;
  /** Every image ID the fleet's repository had after a CLI run of this fleet (for cleanup). */
  imagesSeen: Set<string>;
  /** Remove everything (`cleanupFleet`); resolves with the images it could not remove. */
  cleanup: () => Promise<string[]>;
}

/**
 * Health checks for test fleets: a probe every second, so a healthy app is seen within ~1 s of
 * listening. The start period is long on purpose: a success during it counts at once (no slowdown),
 * while failures during it do not count — so a machine under heavy load (other test suites, several
 * node processes starting at once) cannot turn a slow-starting app "unhealthy" before it listens. The
 * generous probe timeout serves the same purpose.
 */
export const FAST_HEALTH = { interval: '1s', startPeriod: '30s', timeout: '10s' } as const;

let fleetCounter = 0;

// ---------------------------------------------------------------------------------------------
// the images a fleet makes

/** The label `testDockerfile()` puts on every image a test build commits: the fleet's name (unique to the run). */
export const TEST_FLEET_LABEL = 'dev.demo-fleet.test-fleet';

/**
 * A Dockerfile for `--dockerfile`, written into the fleet's dir: `body.text`, or the package's
 * templates/Dockerfile followed by `body.append`; either way with `LABEL dev.demo-fleet.test-fleet=<fleet>`
 * right after each FROM line. Every image such a build commits then carries the label — also the layers a
 * failed or interrupted build leaves untagged, which no tag leads to — so the fleet's cleanup finds them.
 */
export async function testDockerfile(
  f: { name: string; dir: string },
  file: string,
  body: { text: string } | { append: string },
): Promise<string> {
  const text = 'text' in body ? body.text : `${await readFile(path.join(packageCopy(), 'templates/Dockerfile'), 'utf8')}\n${body.append}`;
  const labelled = text.replace(/^(FROM[^\n]*\n)/gm, `$1LABEL ${TEST_FLEET_LABEL}=${f.name}\n`);
  if (labelled === text) throw new Error(`testDockerfile ${file}: no FROM line to label`);
  const out = path.join(f.dir, file);
  await writeFile(out, labelled);
  return out;
}

/** A `--dockerfile` the CLI is given must come from `testDockerfile()` (else its leftovers go unseen). */
function assertLabelledDockerfile(args: string[], cwd: string | undefined): void {
  const i = args.indexOf('--dockerfile');
  if (i < 0 || args[i + 1] === undefined) return;
  const file = path.resolve(cwd ?? process.cwd(), args[i + 1]!);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // a test of a missing Dockerfile: nothing is built
  }
  if (!text.includes(`LABEL ${TEST_FLEET_LABEL}=`)) {
    throw new Error(
      `--dockerfile ${file} has no LABEL ${TEST_FLEET_LABEL}: write it with testDockerfile() so cleanup finds what it builds`,
    );
  }
}

/** Image IDs of a repository's tags now. */
async function repoImageIds(repo: string): Promise<string[]> {
  const out = await docker(['images', repo, '--no-trunc', '--format', '{{.ID}}']);
  return [...new Set(out.split('\n').filter(Boolean))];
}

/** The tags of an image (by ID), or null when the engine no longer has it. */
async function imageTags(id: string): Promise<string[] | null> {
  const r = await exec('docker', ['image', 'inspect', '--format', '{{json .RepoTags}}', id]);
  if (r.code !== 0) {
    if (/no such/i.test(r.stderr)) return null;
    throw new Error(`docker image inspect ${id}: ${r.stderr.trim()}`);
  }
  return (JSON.parse(r.stdout) as string[] | null) ?? [];
}

/**
 * The images of a fleet that are still on the engine untagged or under its repository: those labelled
 * by `testDockerfile()` (top-level ones: the layers below go with them) and those `seen` under its
 * repository. An image tagged elsewhere too (a registry tag a test pushed) is that test's to remove.
 */
export async function fleetImagesLeft(name: string, image: string, seen: Iterable<string> = []): Promise<string[]> {
  const labelled = (await docker(['images', '-q', '--no-trunc', '--filter', `label=${TEST_FLEET_LABEL}=${name}`])).split('\n');
  const left: string[] = [];
  for (const id of new Set([...labelled.filter(Boolean), ...seen])) {
    const tags = await imageTags(id);
    if (tags && (tags.length === 0 || tags.some((t) => t.startsWith(`${image}:`)))) left.push(id);
  }
  return left;
}

export interface FleetCleanup {
  /** What could not be done (each part is tried on its own). */
  problems: string[];
  /** Images the fleet made that are still on the engine afterwards (`fleetImagesLeft`). */
  imagesLeft: string[];
}

/**
 * Remove everything a fleet can leave on the engine and disk. Best effort, each part on its own. Images:
 * every tag of the repository, then by ID every image the fleet made that no tag leads to any more — an
 * image whose tags moved on (a later build took the commit and event tags after its rev- tag was removed)
 * and the layers of a failed or interrupted build (found by the `testDockerfile()` label); `seen` are the
 * IDs the repository had during the run.
 */
export async function cleanupFleet(name: string, image: string, dir?: string, seen: Iterable<string> = []): Promise<FleetCleanup> {
  const problems: string[] = [];
  try {
    const containers = await fleetContainers(name);
    if (containers.length) {
      const r = await exec('docker', ['rm', '-f', '-v', ...containers.map((c) => c.id)], { timeoutMs: 120_000 });
      if (r.code !== 0 && !/no such container/i.test(r.stderr)) problems.push(`docker rm: ${r.stderr.trim()}`);
    }
  } catch (err) {
    problems.push(String(err));
  }
  const seenIds = new Set(seen);
  try {
    for (const id of await repoImageIds(image)) seenIds.add(id);
    const tags = await repoTags(image);
    if (tags.length) {
      const r = await exec('docker', ['rmi', ...tags], { timeoutMs: 120_000 });
      if (r.code !== 0 && !/no such image/i.test(r.stderr)) problems.push(`docker rmi: ${r.stderr.trim()}`);
    }
  } catch (err) {
    problems.push(String(err));
  }
  let imagesLeft: string[] = [];
  try {
    // by ID, no -f: an image a container still uses stays, and is reported
    // (again while that removes some: a layer can be freed by the removal of another)
    let refused = '';
    for (let left = await fleetImagesLeft(name, image, seenIds), before = Infinity; left.length && left.length < before; ) {
      const r = await exec('docker', ['rmi', ...left], { timeoutMs: 120_000 });
      refused = r.code !== 0 && !/no such image/i.test(r.stderr) ? r.stderr.trim() : '';
      before = left.length;
      left = await fleetImagesLeft(name, image, seenIds);
      imagesLeft = left;
    }
    if (imagesLeft.length && refused) problems.push(`docker rmi (images no tag leads to): ${refused}`);
  } catch (err) {
    problems.push(String(err));
  }
  if (dir) {
    problems.push(...(await removeAuditCarriers(dir)));
    await rm(dir, { recursive: true, force: true }).catch((err) => problems.push(String(err)));
  }
  return { problems, imagesLeft };
}

export async function makeFleet(spec: FleetSpec, register: (f: TestFleet) => void = () => {}): Promise<TestFleet> {
  const name = `t-${runId}-${++fleetCounter}`;
  const image = `demo-fleet-test/${name}`;
  const dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-${name}-`));
  const file = path.join(dir, 'fleet.yaml');
  const env = { [MODEL_KEY_VAR]: MODEL_KEY, ...(spec.env ?? {}) };
  const runs: TestFleet['runs'] = [];
  const imagesSeen = new Set<string>();
  const cli = async (args: string[], options: RunOptions = {}) => {
    const result = await runCli(args, { cwd: dir, ...options, env: { ...env, ...(options.env ?? {}) } });
    runs.push({ args, result });
    for (const id of await repoImageIds(image)) imagesSeen.add(id);
    return result;
  };
  const fleet: TestFleet = {
    name,
    image,
    dir,
    file,
    env,
    runs,
    cli,
    up: (args = [], options) => cli(['up', '--base-image', BASE_IMAGE, ...args], options),
    container: (event) => `${name}-${event}`,
    lock: lockContainer(name),
    imagesSeen,
    cleanup: async () => {
      const { problems, imagesLeft } = await cleanupFleet(name, image, dir, imagesSeen);
      if (problems.length) process.stderr.write(`engine-fixture: cleanup of ${name}: ${problems.join('; ')}\n`);
      return imagesLeft;
    },
  };
  register(fleet); // before anything is created, so a failing `init`/`add` is still cleaned up
  expectOk(await cli(['init', '--name', name, '--image', image]), 'init');
  for (const [event, flags] of Object.entries(spec.events)) {
    const ownKey = flags.some((f) => f.startsWith('--auth-key')) || spec.keyless?.includes(event);
    expectOk(await cli(['add', event, ...flags, ...(ownKey ? [] : ['--auth-key-env', MODEL_KEY_VAR])]), `add ${event}`);
  }
  const health = spec.health === undefined ? FAST_HEALTH : spec.health;
  if (health) {
    const lines = Object.entries(health).map(([k, v]) => `  ${k}: ${v}\n`);
    await appendFile(file, `health:\n${lines.join('')}`);
  }
  return fleet;
}

/**
 * Call once at the top of a describe: `const make = fleets();` then `await make({...})` in tests or
 * beforeAll. Everything made is cleaned up in afterAll, pass or fail.
 */
export function fleets(): (spec: FleetSpec) => Promise<TestFleet> {
  const made: TestFleet[] = [];
  afterAll(async () => {
    const left: string[] = [];
    for (const f of made.splice(0)) {
      const images = await f.cleanup();
      if (images.length) left.push(`${f.name}: ${images.join(', ')}`);
    }
    // The copy of the CLI goes too (a later describe in the file makes a new one when it needs it).
    if (snapshotRoot) await rm(snapshotRoot, { recursive: true, force: true });
    snapshotRoot = undefined;
    // Tests clean up what they made: an image of a fleet still here is a failure of the file, not a note.
    if (left.length) throw new Error(`images the test fleets made are still on the engine after cleanup (in use?): ${left.join('; ')}`);
  });
  return (spec) => makeFleet(spec, (f) => made.push(f));
}

/** Parse `KEY=value` lines of a container env into a map. */
export function envMap(env: string[] | null | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of env ?? []) {
    const i = kv.indexOf('=');
    m.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
  }
  return m;
}
