/**
 * The swarm fixture (test/helpers/swarm.ts) on real dockerds: a two-node swarm (manager + worker, each a
 * dockerd of this test's own in a netns of its own) and a single-node one; both leave nothing behind.
 *
 * Also a prototype of what an event needs on Swarm (facts: test/fixtures/swarm/FINDINGS.md): one
 * event-like service from the tailnet model (the product's app image on demo-fleet-test/base:tailnet,
 * with the env cli/render/service.ts renders), placed on the worker by a node label, with the auth key as
 * a Swarm secret passed as `file:`, /dev/net/tun bind-mounted plus NET_ADMIN (a service spec has no
 * devices on API 1.41), its state in a host directory of its own, the product's health check, stop-first
 * updates and restart on failure. The manager's task state says running only once the health check
 * passed; that is what a Swarm target can wait for.
 *
 * And the swarm's registry (`registry: true`): an image built and pushed on the manager only, named by
 * digest in the service, is pulled by the worker that runs the task — what a Swarm target relies on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBundle, BASE_IMAGE, ensureBaseImage, exec, waitFor } from '../helpers/engine-fixture.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tunDevice } from '../helpers/real-tailnet.js';
import { dockerEngine, runId } from '../helpers/requirements.js';
import {
  NODE_LABEL,
  eventServiceFlags,
  nodeStates,
  reapAbandoned,
  SWARM_ROOT,
  runningTask,
  serviceTasks,
  startSwarm,
  swarmRequirement,
  type Swarm,
} from '../helpers/swarm.js';

const engine = dockerEngine();
const canSwarm = engine.ok ? swarmRequirement() : { ok: false };
const ok = engine.ok && canSwarm.ok;
const registryOk = ok && swarmRequirement({ registry: true }).ok;

/** The shared engine's swarm state: the fixture must never change it. */
async function sharedSwarmState(): Promise<string> {
  return (await exec('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
}

describe.skipIf(!ok)("a two-node swarm of the test's own", () => {
  let swarm: Swarm;
  let sharedBefore: string;
  const placeLabel = `dev.demo-fleet.test.place-${runId}`;

  beforeAll(async () => {
    await reapAbandoned();
    // The nodes get the base from the shared engine (docker save): build it there when it is missing.
    await ensureBaseImage();
    sharedBefore = await sharedSwarmState();
    swarm = await startSwarm({ name: 'fixture', workers: 1, images: [BASE_IMAGE] });
  });
  afterAll(async () => {
    await swarm?.cleanup();
  });

  it('has a manager and a worker, both Ready and labelled by role; the shared engine is untouched', async () => {
    const states = await nodeStates(swarm.manager);
    expect(states.map((s) => [s.role, s.status, s.labels[NODE_LABEL]]).sort()).toEqual([
      ['manager', 'ready', 'manager'],
      ['worker', 'ready', 'worker'],
    ]);
    expect(new Set(states.map((s) => s.id))).toEqual(new Set([swarm.manager.nodeId, swarm.worker!.nodeId]));
    expect(await sharedSwarmState()).toBe(sharedBefore);
    // Not asked for: no registry.
    expect(swarm.registry).toBeNull();
  });

  it('runs a service constrained by a node label on the worker, and the manager shows its output', async () => {
    await swarm.labelNode(swarm.worker!, { [placeLabel]: 'here' });
    const marker = `hello-from-the-worker-${runId}`;
    await swarm.manager.docker([
      'service',
      'create',
      '-d',
      '--name',
      `probe-${runId}`,
      '--constraint',
      `node.labels.${placeLabel}==here`,
      '--restart-condition',
      'none',
      '--entrypoint',
      'sh',
      BASE_IMAGE,
      '-c',
      `echo ${marker}; sleep 600`,
    ]);
    const task = await waitFor(
      'the probe task running',
      async () => (await serviceTasks(swarm.manager, `probe-${runId}`)).find((t) => t.state === 'running'),
      60_000,
      500,
    );
    expect(task.nodeId).toBe(swarm.worker!.nodeId);
    // The container is on the worker's engine, not on the manager's.
    expect((await swarm.worker!.docker(['ps', '-q', '--no-trunc'])).split('\n')).toContain(task.containerId);
    expect((await swarm.manager.docker(['ps', '-q', '--no-trunc'])).split('\n')).not.toContain(task.containerId);
    const logs = await waitFor(
      'the probe output in service logs',
      async () => {
        const out = await swarm.manager.docker(['service', 'logs', '--raw', `probe-${runId}`]);
        return out.includes(marker) ? out : undefined;
      },
      30_000,
      500,
    );
    expect(logs).toContain(marker);
  });

  it('cleanup leaves nothing: no process, mount, netns or directory of the swarm', async () => {
    // Something to remove first (a secret and an overlay network), so the test can fail.
    await swarm.manager.docker(['network', 'create', '-d', 'overlay', `net-${runId}`]);
    await exec('sh', ['-c', `printf key | docker -H ${swarm.manager.host} secret create sec-${runId} -`]);
    expect((await swarm.leftovers()).length).toBeGreaterThan(0);
    await swarm.cleanup();
    expect(await swarm.leftovers()).toEqual([]);
    expect(await sharedSwarmState()).toBe(sharedBefore);
  });
});

describe.skipIf(!ok)("a single-node swarm of the test's own", () => {
  it('runs a service on its manager and leaves nothing', async () => {
    await ensureBaseImage();
    const sharedBefore = await sharedSwarmState();
    const swarm = await startSwarm({ name: 'single', workers: 0, images: [BASE_IMAGE] });
    try {
      expect((await nodeStates(swarm.manager)).map((s) => [s.role, s.status])).toEqual([['manager', 'ready']]);
      await swarm.manager.docker(['service', 'create', '-d', '--name', `one-${runId}`, BASE_IMAGE, 'sleep', '600']);
      const task = await waitFor(
        'the task running',
        async () => (await serviceTasks(swarm.manager, `one-${runId}`)).find((t) => t.state === 'running'),
        60_000,
        500,
      );
      expect(task.nodeId).toBe(swarm.manager.nodeId);
      expect(await sharedSwarmState()).toBe(sharedBefore);
    } finally {
      await swarm.cleanup();
    }
    expect(await swarm.leftovers()).toEqual([]);
  });

  it('a start that fails half-way (an image the shared engine does not have) cleans up before it throws', async () => {
    const missing = `demo-fleet-test/no-such-image:${runId}`;
    await expect(startSwarm({ name: 'broken', workers: 1, images: [missing] })).rejects.toThrow(/docker save/);
    const prefix = `broken-${runId}-`;
    expect(readdirSync(SWARM_ROOT).filter((d) => d.startsWith(prefix))).toEqual([]);
    const netns = (await exec('ip', ['netns', 'list'])).stdout;
    expect(netns).not.toContain(prefix);
    expect((await exec('sh', ['-c', `ps -eo args | grep -F ${SWARM_ROOT}/${prefix} | grep -v grep || true`])).stdout).toBe('');
  });

  it('reapAbandoned removes the swarm of a run that died without cleaning up, and only that', async () => {
    const abandoned = await startSwarm({ name: 'dead', workers: 0 });
    const alive = await startSwarm({ name: 'alive', workers: 0 });
    try {
      // The pid of a process that has exited stands for a killed test run.
      const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
      await writeFile(path.join(abandoned.dir, 'owner'), gone);
      const reaped = await reapAbandoned();
      // (A concurrent run's reaper may have got to the abandoned one first: check the outcome.)
      expect(reaped).not.toContain(alive.id);
      expect(await abandoned.leftovers()).toEqual([]);
      expect(await alive.leftovers()).not.toEqual([]);
    } finally {
      await abandoned.cleanup();
      await alive.cleanup();
    }
  });
});

describe.skipIf(!registryOk)('a two-node swarm with a registry of its own', () => {
  it('the worker pulls, by digest, an image that was built and pushed on the manager only', async () => {
    await ensureBaseImage();
    const swarm = await startSwarm({ name: 'registry', workers: 1, images: [BASE_IMAGE], registry: true });
    try {
      const worker = swarm.worker!;
      const repo = `${swarm.registry}/swarmtest/x`;
      expect(swarm.registry).toBe(`${swarm.manager.addr}:5000`);
      // A layer of its own (a file with this run's marker), so the worker has to fetch content, not only a name.
      const marker = `pushed-on-the-manager-${runId}`;
      const ctx = path.join(swarm.dir, 'build-context'); // goes with the swarm's directory
      await mkdir(ctx);
      await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCOPY marker /marker\n`);
      await writeFile(path.join(ctx, 'marker'), `${marker}\n`);
      await swarm.manager.docker(['build', '-q', '-t', `${repo}:1`, ctx], 300_000);
      expect(await worker.docker(['image', 'ls', '-q', repo])).toBe('');

      await swarm.manager.docker(['push', `${repo}:1`], 120_000);
      const repoDigests = JSON.parse(
        await swarm.manager.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${repo}:1`]),
      ) as string[];
      const ref = repoDigests.find((d) => d.startsWith(`${repo}@sha256:`));
      expect(ref, repoDigests.join(', ')).toMatch(/@sha256:[0-9a-f]{64}$/);

      const service = `pulled-${runId}`;
      await swarm.manager.docker([
        'service',
        'create',
        '-d',
        '--name',
        service,
        '--constraint',
        `node.labels.${NODE_LABEL}==worker`,
        '--restart-condition',
        'none',
        '--entrypoint',
        'sh',
        ref!,
        '-c',
        'cat /marker; sleep 600',
      ]);
      const task = await runningTask(swarm.manager, service, 120_000, 500);
      expect(task.nodeId).toBe(worker.nodeId);
      // The worker pulled it: it now lists the repository with that digest, and its container runs it.
      const listed = await worker.docker(['image', 'ls', '--digests', '--format', '{{.Repository}}@{{.Digest}}', repo]);
      expect(listed.split('\n')).toContain(ref);
      expect((await worker.docker(['inspect', '--format', '{{.Config.Image}}', task.containerId])).trim()).toBe(ref);
      const logs = await waitFor(
        "the image's marker in service logs",
        async () => {
          const out = await swarm.manager.docker(['service', 'logs', '--raw', service]);
          return out.includes(marker) ? out : undefined;
        },
        30_000,
        500,
      );
      expect(logs).toContain(marker);
      // The registry is one of the swarm's processes: cleanup must remove it too.
      expect((await swarm.leftovers()).some((l) => l.includes('docker-registry'))).toBe(true);
    } finally {
      await swarm.cleanup();
    }
    expect(await swarm.leftovers()).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// prototype: one event-like service on the worker

const APP_TAG = `demo-fleet-test/swarm-lab-app:${runId}`;
const MOD = 'ghcr.io/tailscale-dev/docker-mod:main';
const KEY = `tskey-auth-swarm-${runId}`;

const prototypeOk = ok && tunDevice().ok && appBundle().ok;

describe.skipIf(!prototypeOk)('prototype: an event as a Swarm service (tailnet model)', () => {
  let swarm: Swarm;
  let ctx: string;
  let stateRoot: string;

  beforeAll(async () => {
    // The product's build context (templates/Dockerfile, templates/s6, dist/image) on the tailnet model.
    ctx = await mkdtemp(path.join(tmpdir(), 'swarm-lab-ctx-'));
    await cp(path.join(REPO_ROOT, 'templates', 'Dockerfile'), path.join(ctx, 'Dockerfile'));
    await cp(path.join(REPO_ROOT, 'templates', 's6'), path.join(ctx, 's6'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'dist', 'image'), path.join(ctx, 'app'), { recursive: true });
    const b = await exec('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`, '-t', APP_TAG, ctx], {
      timeoutMs: 300_000,
    });
    if (b.code !== 0) throw new Error(`docker build of the app failed: ${b.stderr}`);
    swarm = await startSwarm({ name: 'event', workers: 1, images: [APP_TAG] });
    stateRoot = await mkdtemp(path.join(tmpdir(), 'swarm-lab-state-'));
  });
  afterAll(async () => {
    try {
      await swarm?.cleanup();
    } finally {
      await exec('docker', ['rmi', APP_TAG]);
      if (ctx) await rm(ctx, { recursive: true, force: true });
      if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
    }
  });

  it('reaches running (= healthy) on the worker as the manager reports it, served in kernel-TUN mode', async () => {
    const event = 'alpha';
    const service = `swarmlab-${event}`;
    const secret = `swarmlab-${event}-authkey`;
    // A Swarm bind mount does not create its source (the task is rejected): the target must make it.
    const stateDir = path.join(stateRoot, 'worker', event);
    await mkdir(stateDir, { recursive: true });
    await swarm.labelNode(swarm.worker!, { 'dev.demo-fleet.event-node': 'w1' });
    await exec('sh', ['-c', `printf '%s' "$KEY" | docker -H ${swarm.manager.host} secret create ${secret} -`], {
      env: { ...process.env, KEY },
    });

    const env: Record<string, string> = {
      PUID: '1000',
      PGID: '1000',
      TZ: 'Etc/UTC',
      DOCKER_MODS: MOD,
      TAILSCALE_STATE_DIR: '/var/lib/tailscale',
      TAILSCALE_SERVE_MODE: 'https',
      TAILSCALE_SERVE_PORT: '5000',
      TAILSCALE_USE_SSH: '0',
      TAILSCALE_HOSTNAME: `swarmlab-${event}`,
      // The mod passes this to `tailscale up --authkey=` as is; the CLI reads the file (up.go resolveValue).
      TAILSCALE_AUTHKEY: `file:/run/secrets/${secret}`,
      // The model accepts only this key: a CLI that did not read the file would fail `tailscale up`.
      TAILNET_MODEL_AUTHKEYS: KEY,
    };
    await swarm.manager.docker([
      'service',
      'create',
      '-d',
      '--name',
      service,
      ...eventServiceFlags({ nodeLabel: 'w1', secret, stateDir, env }),
      APP_TAG,
    ]);

    const task = await runningTask(swarm.manager, service, 180_000, 1_000);
    expect(task.nodeId).toBe(swarm.worker!.nodeId);

    // Cross-checks on the worker itself (the manager cannot exec there): healthy, kernel TUN, served.
    const w = swarm.worker!;
    expect((await w.docker(['inspect', '--format', '{{.State.Health.Status}}', task.containerId])).trim()).toBe('healthy');
    const status = JSON.parse(await w.docker(['exec', task.containerId, 'tailscale', 'status', '--json'])) as {
      TUN: boolean;
      BackendState: string;
    };
    expect(status).toMatchObject({ TUN: true, BackendState: 'Running' });
    const serve = await w.docker(['exec', task.containerId, 'tailscale', 'serve', 'status', '--json']);
    expect(serve).toContain('http://localhost:5000');
    // The secret's value never reached the service spec; its path did.
    // (TAILNET_MODEL_AUTHKEYS is the model's control server, not part of an event's env.)
    const [inspected] = JSON.parse(await swarm.manager.docker(['service', 'inspect', service])) as Array<{
      Spec: { TaskTemplate: { ContainerSpec: { Env: string[] } } };
    }>;
    const eventEnv = inspected!.Spec.TaskTemplate.ContainerSpec.Env.filter((e) => !e.startsWith('TAILNET_MODEL_'));
    expect(eventEnv.join('\n')).not.toContain(KEY);
    expect(eventEnv).toContain(`TAILSCALE_AUTHKEY=file:/run/secrets/${secret}`);
    // The node's state landed in the host directory on the node that ran it.
    expect(existsSync(path.join(stateDir, 'tailscaled.state'))).toBe(true);
    // docker service logs through the manager carries the mod's output.
    const logs = await swarm.manager.docker(['service', 'logs', '--raw', service]);
    expect(logs).toMatch(/svc-tailscale-up/);
  });
});
