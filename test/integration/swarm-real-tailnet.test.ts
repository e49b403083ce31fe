import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { appBundle, exec, waitFor } from '../helpers/engine-fixture.js';
import {
  buildRealTailnetImages,
  EVENT_BASE_IMAGE,
  HEADSCALE_VERSIONS,
  headscaleConfig,
  headscaleImage,
  TAILSCALED_ENV,
  VISITOR_IMAGE,
  realTailnetReady,
} from '../helpers/real-tailnet.js';
import { runId } from '../helpers/requirements.js';
import { eventServiceFlags, runningTask, serviceTasks, startSwarm, swarmRequirement, type Swarm, visitFrom } from '../helpers/swarm.js';

const ok = realTailnetReady() && swarmRequirement().ok && appBundle().ok;

const VERSION = HEADSCALE_VERSIONS[HEADSCALE_VERSIONS.length - 1]!;
const APP_TAG = `demo-fleet-test/swarm-lab-real-app:${runId}`;
const NETWORK = 'tailnet';
const BASE_DOMAIN = 'swarm.tailnet.test';
const SERVICE = 'event-alpha';
const HOSTNAME = 'swarm-alpha';

describe.skipIf(!ok)(`an event on the real tailnet (headscale ${VERSION}) as a Swarm service on the worker`, () => {
  let swarm: Swarm;
  let work: string;
  let hsUrl: string;
  let eventIp: string;
  const forged: Array<[string, string]> = [
    ['Host', `${HOSTNAME}.${BASE_DOMAIN}`],
    ['Tailscale-User-Login', 'mallory@evil.example'],
    ['Tailscale-User-Name', 'Mallory'],
  ];

  const hs = async (args: string[]) => JSON.parse(await swarm.manager.docker(['exec', 'hs', 'headscale', ...args, '-o', 'json']));

  /** The event's task running (= healthy) after the latest spec change, and its container on the worker. */
  async function workerTask(notContainer = ''): Promise<string> {
    const task = await runningTask(swarm.manager, SERVICE, 180_000, 1_000, notContainer);
    expect(task.nodeId).toBe(swarm.worker!.nodeId);
    return task.containerId;
  }

  async function eventStatus(container: string): Promise<{ TUN: boolean; BackendState: string }> {
    return JSON.parse(await swarm.worker!.docker(['exec', container, 'tailscale', 'status', '--json']));
  }

  beforeAll(async () => {
    await buildRealTailnetImages();
    work = await mkdtemp(path.join(tmpdir(), 'swarm-real-'));
    const ctx = path.join(work, 'ctx');
    await cp(path.join(REPO_ROOT, 'templates', 'Dockerfile'), path.join(ctx, 'Dockerfile'));
    await cp(path.join(REPO_ROOT, 'templates', 's6'), path.join(ctx, 's6'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'dist', 'image'), path.join(ctx, 'app'), { recursive: true });
    const b = await exec('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${EVENT_BASE_IMAGE}`, '-t', APP_TAG, ctx], {
      timeoutMs: 300_000,
    });
    if (b.code !== 0) throw new Error(`docker build of the app on ${EVENT_BASE_IMAGE} failed: ${b.stderr}`);

    swarm = await startSwarm({ name: 'realtn', workers: 1, images: [APP_TAG, headscaleImage(VERSION), VISITOR_IMAGE] });
    const m = swarm.manager;
    await m.docker(['network', 'create', '-d', 'overlay', '--attachable', NETWORK]);
    // headscale waits for its config, which names the server by its overlay IP (known once it runs).
    const confDir = path.join(work, 'headscale');
    await mkdir(confDir);
    await m.docker([
      'run',
      '-d',
      '--name',
      'hs',
      '--network',
      NETWORK,
      '-v',
      `${confDir}:/etc/headscale:ro`,
      '--entrypoint',
      '/bin/sh',
      headscaleImage(VERSION),
      '-c',
      'until [ -s /etc/headscale/config.yaml ]; do sleep 0.1; done; exec headscale serve',
    ]);
    const ip = (await m.docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, 'hs'])).trim();
    hsUrl = `http://${ip}:8080`;
    await writeFile(path.join(confDir, 'config.tmp'), headscaleConfig({ version: VERSION, serverUrl: hsUrl, baseDomain: BASE_DOMAIN }));
    await rename(path.join(confDir, 'config.tmp'), path.join(confDir, 'config.yaml'));
    await waitFor(
      'headscale answering',
      async () => (await m.tryDocker(['exec', 'hs', 'headscale', 'users', 'list'])).code === 0,
      60_000,
      500,
    );
    const ada = await hs(['users', 'create', 'ada', '--email', 'ada@example.com']);
    const owner = await hs(['users', 'create', 'fleet']);
    const eventKey = (await hs(['preauthkeys', 'create', '--user', String(owner.id), '--expiration', '1h'])).key as string;
    const adaKey = (await hs(['preauthkeys', 'create', '--user', String(ada.id), '--expiration', '1h'])).key as string;

    // The event: its key a Swarm secret, its state a directory of its own on the node that runs it.
    await exec('sh', ['-c', `printf '%s' "$KEY" | docker -H ${m.host} secret create ${SERVICE}-authkey -`], {
      env: { ...process.env, KEY: eventKey },
    });
    const stateDir = path.join(work, 'worker-state', 'alpha');
    await mkdir(stateDir, { recursive: true });
    await swarm.labelNode(swarm.worker!, { 'dev.demo-fleet.event-node': 'w1' });
    const env: Record<string, string> = {
      PUID: '1000',
      PGID: '1000',
      TZ: 'Etc/UTC',
      DOCKER_MODS: 'ghcr.io/tailscale-dev/docker-mod:main',
      TAILSCALE_STATE_DIR: '/var/lib/tailscale',
      TAILSCALE_SERVE_MODE: 'http',
      TAILSCALE_SERVE_PORT: '5000',
      TAILSCALE_USE_SSH: '0',
      TAILSCALE_HOSTNAME: HOSTNAME,
      TAILSCALE_LOGIN_SERVER: hsUrl,
      TAILSCALE_AUTHKEY: 'file:/run/secrets/authkey',
      ...TAILSCALED_ENV,
    };
    await m.docker([
      'service',
      'create',
      '-d',
      '--name',
      SERVICE,
      '--network',
      NETWORK,
      ...eventServiceFlags({ nodeLabel: 'w1', secret: `source=${SERVICE}-authkey,target=authkey,mode=0400`, stateDir, env }),
      APP_TAG,
    ]);

    // The visitor (userspace networking, as on the single engine) on the manager.
    await m.docker([
      'run',
      '-d',
      '--name',
      'ada',
      '--network',
      NETWORK,
      ...Object.entries(TAILSCALED_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      VISITOR_IMAGE,
    ]);
    await waitFor(
      "the visitor's tailscaled",
      async () => (await m.tryDocker(['exec', 'ada', 'tailscale', 'version'])).code === 0,
      30_000,
      250,
    );
    await m.docker(
      ['exec', 'ada', 'tailscale', 'up', `--login-server=${hsUrl}`, `--auth-key=${adaKey}`, '--hostname=ada-laptop', '--timeout=60s'],
      90_000,
    );
  });

  afterAll(async () => {
    try {
      await swarm?.cleanup();
    } finally {
      await exec('docker', ['rmi', APP_TAG]);
      if (work) await rm(work, { recursive: true, force: true });
    }
  });

  it('kernel TUN from a bind-mounted /dev/net/tun + NET_ADMIN: served, and the app past serve is refused', async () => {
    const container = await workerTask();
    expect(await eventStatus(container)).toMatchObject({ TUN: true, BackendState: 'Running' });
    eventIp = (await swarm.worker!.docker(['exec', container, 'tailscale', 'ip', '-4'])).trim();
    const served = await waitFor(
      'the visitor served through :443',
      async () => {
        const r = await visitFrom(swarm.manager, 'ada', eventIp, 443, forged);
        return r.stdout.includes('"identified"') ? r : undefined;
      },
      60_000,
      1_000,
    );
    // Through serve the forged headers are replaced by the visitor's own identity.
    expect(served.stdout).toContain('"login":"ada@example.com"');
    const past = await visitFrom(swarm.manager, 'ada', eventIp, 5000, forged);
    expect(past.stdout).not.toContain('"identified"');
    expect(past.stderr).toMatch(/connection was refused/);
  });

  it('without the mount the same service falls back to userspace networking, and the app past serve is reached', async () => {
    const before = (await serviceTasks(swarm.manager, SERVICE))[0]!.containerId;
    await swarm.manager.docker(['service', 'update', '-d', '--mount-rm', '/dev/net/tun', SERVICE]);
    const container = await workerTask(before);
    expect(await eventStatus(container)).toMatchObject({ TUN: false, BackendState: 'Running' });
    const past = await waitFor(
      'a reply from :5000',
      async () => {
        const r = await visitFrom(swarm.manager, 'ada', eventIp, 5000, forged);
        return r.stdout.includes('"identified"') ? r : undefined;
      },
      60_000,
      1_000,
    );
    expect(past.stdout).toContain('"login":"mallory@evil.example"');
  });
});
