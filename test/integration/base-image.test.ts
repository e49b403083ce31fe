/**
 * The test-only stand-in for ghcr.io/linuxserver/baseimage-alpine (test/fixtures/base-image).
 *
 * Builds it with build.sh, builds a throwaway image FROM it with an s6 longrun in the linuxserver
 * layout, and checks that /init starts the service as abc with the container env, honours PUID/PGID,
 * restarts a service that dies, and that `docker stop` ends the container promptly with status 0.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, runId } from '../helpers/requirements.js';

const execFileP = promisify(execFile);
const BUILD_SH = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/base-image/build.sh');
const BASE_TAG = 'demo-fleet-test/base:fixture';
const PROBE_TAG = `demo-fleet-test/base-probe:${runId}`;
const GREETING = `hello-${runId}`;

const engine = dockerEngine();

async function docker(args: string[], timeout = 120_000): Promise<string> {
  const { stdout } = await execFileP('docker', args, { timeout, maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

async function runBuildSh(): Promise<{ stdout: string; stderr: string }> {
  return execFileP('bash', [BUILD_SH], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
}

interface Probe {
  uid: number;
  gid: number;
  groups: number[];
  pid: number;
  greeting: string | null;
}

/** GET / of the service inside the container (busybox wget, as the production HEALTHCHECK does). */
async function probe(container: string): Promise<Probe> {
  return JSON.parse(await docker(['exec', container, 'wget', '-qO-', 'http://127.0.0.1:5000/'], 15_000)) as Probe;
}

async function waitFor<T>(what: string, fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
}

// The service, exactly in the layout the production template uses.
const SERVER_JS = [
  "require('http').createServer((q, s) => s.end(JSON.stringify({",
  'uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), pid: process.pid,',
  "greeting: process.env.FIXTURE_GREETING ?? null}))).listen(5000, '127.0.0.1')",
].join(' ');
const RUN_SCRIPT = `#!/usr/bin/with-contenv bash
# shellcheck shell=bash
exec s6-setuidgid abc node -e "${SERVER_JS}"
`;
const DOCKERFILE = `ARG BASE_IMAGE=ghcr.io/linuxserver/baseimage-alpine:3.22
FROM \${BASE_IMAGE}
RUN command -v node >/dev/null || apk add --no-cache nodejs
COPY s6/ /etc/s6-overlay/s6-rc.d/
`;

describe.skipIf(!engine.ok)('test fixture base image (stand-in for linuxserver baseimage-alpine)', () => {
  const containers: string[] = [];
  let ctx = '';

  async function start(suffix: string, env: Record<string, string>): Promise<string> {
    const name = `demo-fleet-base-${runId}-${suffix}`;
    containers.push(name);
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await docker(['run', '-d', '--name', name, ...envArgs, PROBE_TAG]);
    return name;
  }

  beforeAll(async () => {
    const { stdout } = await runBuildSh();
    expect(stdout.trim()).toBe(BASE_TAG);

    ctx = await mkdtemp(join(tmpdir(), 'demo-fleet-base-probe-'));
    const svc = join(ctx, 's6', 'svc-demo-app');
    await mkdir(join(svc, 'dependencies.d'), { recursive: true });
    await mkdir(join(ctx, 's6', 'user', 'contents.d'), { recursive: true });
    await writeFile(join(svc, 'type'), 'longrun\n');
    await writeFile(join(svc, 'run'), RUN_SCRIPT);
    await chmod(join(svc, 'run'), 0o755);
    await writeFile(join(svc, 'dependencies.d', 'init-services'), '');
    await writeFile(join(ctx, 's6', 'user', 'contents.d', 'svc-demo-app'), '');
    await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
    await docker(['build', '-q', '--build-arg', `BASE_IMAGE=${BASE_TAG}`, '-t', PROBE_TAG, ctx], 300_000);
  });

  afterAll(async () => {
    for (const c of containers) await docker(['rm', '-f', c]).catch(() => undefined);
    await docker(['image', 'rm', '-f', PROBE_TAG]).catch(() => undefined);
    if (ctx) await rm(ctx, { recursive: true, force: true });
  });

  it('is tagged, labelled as a test fixture, uses /init as entry point, and a rebuild is skipped', async () => {
    const inspect = JSON.parse(await docker(['image', 'inspect', BASE_TAG])) as [
      { Id: string; Config: { Entrypoint: string[]; Labels: Record<string, string> } },
    ];
    const [img] = inspect;
    expect(img.Config.Entrypoint).toEqual(['/init']);
    expect(img.Config.Labels['dev.demo-fleet.fixture']).toBe('test-base');
    expect(img.Config.Labels['dev.demo-fleet.fixture.inputs']).toMatch(/^[0-9a-f]{32}$/);

    const again = await runBuildSh();
    expect(again.stdout.trim()).toBe(BASE_TAG);
    expect(again.stderr).toMatch(/up to date/);
    expect((await docker(['image', 'inspect', '-f', '{{.Id}}', BASE_TAG])).trim()).toBe(img.Id);
  });

  it('runs the longrun as abc (uid 911) with the container env, under /init as PID 1', async () => {
    const c = await start('default', { FIXTURE_GREETING: GREETING, DOCKER_MODS: 'ghcr.io/tailscale-dev/docker-mod:main' });
    const got = await waitFor('the service to answer', () => probe(c));
    expect(got).toMatchObject({ uid: 911, gid: 911, greeting: GREETING });
    expect(got.groups).toContain(911);

    const cmdline = await docker(['exec', c, 'cat', '/proc/1/cmdline']);
    expect(cmdline.split('\0')).toContain('/init');
    const logs = await docker(['logs', c]);
    expect(logs).toContain('starting service svc-demo-app');
    expect(logs).toContain('DOCKER_MODS=ghcr.io/tailscale-dev/docker-mod:main is NOT applied');
  });

  it('restarts a service that exits, like s6-supervise', async () => {
    const c = containers[0]!;
    const before = await probe(c);
    await docker(['exec', c, 'kill', String(before.pid)]);
    const after = await waitFor('the restarted service', async () => {
      const p = await probe(c);
      if (p.pid === before.pid) throw new Error('still the old process');
      return p;
    });
    expect(after).toMatchObject({ uid: 911, greeting: GREETING });
    expect(await docker(['logs', c])).toMatch(/service svc-demo-app exited with status \d+; restarting/);
  });

  it('remaps abc to PUID/PGID', async () => {
    const c = await start('puid', { PUID: '1000', PGID: '1001', FIXTURE_GREETING: GREETING });
    const got = await waitFor('the service to answer', () => probe(c));
    expect(got).toMatchObject({ uid: 1000, gid: 1001, greeting: GREETING });
    const owner = await docker(['exec', c, 'stat', '-c', '%u:%g', '/config']);
    expect(owner.trim()).toBe('1000:1001');
  });

  it('stops promptly on docker stop and exits 0', async () => {
    const c = containers[0]!;
    const t0 = Date.now();
    await docker(['stop', '-t', '10', c], 30_000);
    const elapsed = Date.now() - t0;
    const state = JSON.parse(await docker(['inspect', '-f', '{{json .State}}', c])) as {
      Running: boolean;
      ExitCode: number;
    };
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(0);
    expect(elapsed).toBeLessThan(5_000);
    expect(await docker(['logs', c])).toContain('services stopped; exiting 0');
  });
});
