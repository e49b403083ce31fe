/**
 * Test helper (not a test): bundle the app with scripts/app-bundle.mjs (what `npm run build` runs), into a temp dir,
 * and run it as a child process. Each test gets a fresh bundle of the current sources, so no test
 * depends on a stale or concurrently rebuilt dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { bundleApp as bundle } from '../../../scripts/app-bundle.mjs';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface Bundle {
  entry: string;
  dir: string;
  /** esbuild's metafiles: which inputs went into server.cjs and into app.cjs (the Fastify app, loaded lazily). */
  meta: { server: Metafile; app: Metafile };
  remove(): Promise<void>;
}

/** dist/image layout in a temp dir: server.cjs, app.cjs, static/. */
export async function bundleApp(): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'app-bundle-'));
  const meta = await bundle(repo, dir);
  return { entry: join(dir, 'server.cjs'), dir, meta, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RunningServer {
  child: ChildProcess;
  /** Port it listens on (from its start log line). */
  port: number;
  /** JSON log lines so far (stdout). */
  logs: LogLine[];
  /** Raw stderr so far. */
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait until a log line matches, or throw after timeoutMs. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<void>;
}

/** Start `node <entry>` with PORT=0 (unless env says otherwise) and wait for its listening line. */
export async function startServer(entry: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let buffered = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 0, msg: line });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`server exited (${child.exitCode ?? child.signalCode}); stderr: ${stderr}; logs: ${JSON.stringify(logs)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listening = await waitForLog((l) => /^identity demo listening on /.test(l.msg));
  const port = Number(/:(\d+)$/.exec(listening.msg)?.[1]);
  return {
    child,
    port,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
