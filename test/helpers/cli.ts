/**
 * Run the CLI in-process (`runInProcess`: cli/main.ts's run() with the test's own streams, environment and
 * working directory; no build needed), or the built CLI (dist/bin/demo-fleet.mjs, the bundle package.json's
 * bin points at) as a real child process (`runCli`), the way a user runs `demo-fleet`: for what only a
 * process shows (signals, exit codes of the bin, several processes at once, another user).
 *
 * The `test` npm script builds first; when running vitest by hand, run `npm run build` before. The
 * helper fails with that hint when the build is missing rather than running something stale or absent.
 *
 *   const r = await runCli(['add', 'cleveland'], { cwd: dir });
 *   expect(r.code).toBe(0);
 */
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../cli/main.js';
import { hasAuditDir, removeAuditCarriers } from './audit-carriers.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'bin', 'demo-fleet.mjs');

export interface CliResult {
  /** Exit code (a signal-killed process reports 128 + signal number, like a shell). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory (default: the test process's). */
  cwd?: string;
  /**
   * Extra environment on top of the test process's. A variable set to `undefined` is removed.
   * DEMO_FLEET_FILE and DEMO_FLEET_DEBUG are removed unless given here, so a developer's shell does
   * not leak into tests.
   */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is always closed, so a prompt cannot hang a test). */
  input?: string;
  /**
   * Run as this user (util-linux setpriv; the test must run as root to switch): so a check of file
   * permissions runs under CI, where tests are root and root passes every permission bit.
   */
  asUser?: { uid: number; gid: number };
  /** Kill the process after this long (default 60 s); the result then has code 128 + 9. */
  timeoutMs?: number;
}

export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first (the \`test\` npm script does)`);
  }
}

export function cliEnv(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_FLEET_FILE: undefined, DEMO_FLEET_DEBUG: undefined, NO_COLOR: '1' };
  for (const [k, v] of Object.entries(extra)) env[k] = v;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** Run `demo-fleet <args>`; resolves (never rejects) with the exit code and the full output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const as = options.asUser;
    const command = as
      ? ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', '--', process.execPath]
      : [process.execPath];
    const child = spawn(command[0]!, [...command.slice(1), CLI_PATH, ...args], {
      cwd: options.cwd,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const signo = signal ? (os.constants.signals[signal] ?? 0) : 0;
      resolve({ code: code ?? 128 + signo, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A stream that keeps what is written to it (no terminal: no colours, no live display). */
function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/**
 * Run `demo-fleet <args>` in this process: the same run() the bin calls, with its own stdout, stderr,
 * environment (as `runCli` builds it) and working directory. Resolves with the exit code and the output.
 */
export async function runInProcess(args: string[], options: Omit<CliOptions, 'asUser' | 'timeoutMs'> = {}): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await run(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from([options.input ?? '']),
    env: cliEnv(options.env),
    cwd: path.resolve(options.cwd ?? process.cwd()),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A fresh temp directory; `cleanup()` removes it. */
export async function tempDir(prefix = 'demo-fleet-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const cleanup = async () => {
    // a command killed while it read or wrote the audit log left its carrier container on the engine
    if (hasAuditDir(dir)) await removeAuditCarriers(dir);
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, cleanup };
}

/** Format a result for an assertion message: `expect(r.code, show(r)).toBe(0)`. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}
