/**
 * The runtime seam on the real engine: every operation of the Runtime interface that `up`, `down`,
 * `status`, `logs` and the deploy lock use, through dockerRuntime() — the implementation a second
 * target (Swarm) would sit beside. One plain container of the base fixture image, no CLI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockedError } from '../../cli/errors.js';
import { LABELS } from '../../cli/fleet/naming.js';
import { connectEngine } from '../../cli/targets/docker/client.js';
import { waitUntilReady } from '../../cli/converge/readiness.js';
import { dockerLock, dockerRuntime } from '../../cli/targets/docker/runtime.js';
import type { DeployLock, Runtime } from '../../cli/targets/target.js';
import { type ServiceDefinition, TUN_CAPABILITIES, TUN_DEVICE } from '../../cli/render/service.js';
import { BASE_IMAGE, docker, ensureBaseImage } from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const FLEET = `rt-${runId}`;
const NAME = `${FLEET}-solo`;

function service(stateDir: string): ServiceDefinition {
  return {
    name: NAME,
    event: 'solo',
    image: BASE_IMAGE,
    hostname: 'solo2026',
    node: {
      hostname: 'solo2026',
      serveMode: 'https',
      servePort: 5000,
      funnel: false,
      ssh: false,
      loginServer: undefined,
      tailscaleMod: false,
    },
    environment: [['GREETING', 'hello']],
    envFile: null,
    volumes: [{ source: stateDir, target: '/var/lib/tailscale' }],
    healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 500, timeoutMs: 2_000, startPeriodMs: 0, retries: 3 },
    restart: 'unless-stopped',
    devices: [TUN_DEVICE],
    capAdd: [...TUN_CAPABILITIES],
    network: null,
    placement: null,
    labels: { [LABELS.fleet]: FLEET, [LABELS.event]: 'solo', [LABELS.hostname]: 'solo2026', [LABELS.configHash]: 'x' },
  };
}

describe.skipIf(!engine.ok)('runtime: the Docker implementation of the Runtime interface', () => {
  let runtime: Runtime;
  let deployLock: DeployLock;
  let stateDir: string;
  let id = '';

  beforeAll(async () => {
    await ensureBaseImage();
    const engine = connectEngine();
    runtime = dockerRuntime(engine);
    deployLock = dockerLock(engine);
    stateDir = await mkdtemp(path.join(tmpdir(), 'demo-fleet-rt-'));
  });

  afterAll(async () => {
    await docker(['rm', '-f', NAME]).catch(() => {});
    await docker(['rm', '-f', `demo-fleet-lock-${FLEET}`]).catch(() => {});
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('createAndStart → list shows it with labels and the state dir mount → waitUntilReady (no docker-mod): healthy', async () => {
    id = await runtime.createAndStart(service(stateDir));
    const listed = (await runtime.list([NAME])).find((c) => c.id === id);
    expect(listed).toMatchObject({ name: NAME, state: 'running', labels: { [LABELS.fleet]: FLEET, [LABELS.event]: 'solo' } });
    expect(listed!.mounts).toContain(stateDir);
    expect(await waitUntilReady(runtime, id, null, { timeoutMs: 60_000, pollMs: 250 })).toEqual({ kind: 'healthy', status: 'healthy' });
  });

  it('inspect by name gives the details status shows; an unknown name is null', async () => {
    const info = await runtime.inspect(NAME);
    expect(info).toMatchObject({ id, name: NAME, state: 'running', health: 'healthy', image: BASE_IMAGE });
    expect(info!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await runtime.inspect(`${NAME}-nope`)).toBeNull();
  });

  it('exec runs inside the container with its env, and keeps stdout, stderr and the exit code apart', async () => {
    const r = await runtime.exec(id, ['sh', '-c', 'echo "out $GREETING"; echo err >&2; exit 3']);
    expect(r).toEqual({ exitCode: 3, stdout: 'out hello\n', stderr: 'err\n' });
  });

  it('lastLogLines and logs read the container output', async () => {
    expect(await runtime.lastLogLines(id, 50)).toContain('[fixture-init]');
    const chunks: string[] = [];
    const sink = new Writable({
      write: (c, _e, done) => {
        chunks.push(String(c));
        done();
      },
    });
    await runtime.logs(id, { tail: 50, stdout: sink, stderr: sink });
    expect(chunks.join('')).toContain('TEST FIXTURE /init');
  });

  it('start of a running container is success (the engine answers 304)', async () => {
    await expect(runtime.start(id)).resolves.toBeUndefined();
  });

  it('the deploy lock: a second acquire names the holder; release frees it', async () => {
    const lock = await deployLock.acquire(FLEET, 'runtime test');
    const second = deployLock.acquire(FLEET, 'second');
    await expect(second).rejects.toBeInstanceOf(LockedError);
    await expect(second).rejects.toThrow(/locked by .*\(pid \d+\) since .*: runtime test/);
    await lock.release();
    const again = await deployLock.acquire(FLEET, 'again');
    await deployLock.forceRelease(FLEET);
    await again.release(); // already gone: fine
  });

  it('stopAndRemove removes it; a second time is fine', async () => {
    await runtime.stopAndRemove(id);
    expect(await runtime.inspect(id)).toBeNull();
    await expect(runtime.stopAndRemove(id)).resolves.toBeUndefined();
  });
});
