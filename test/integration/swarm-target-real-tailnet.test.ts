/**
 * The Swarm target (cli/targets/swarm/) on the REAL tailnet, end to end with the product's own CLI: a
 * two-node swarm of the test's own with its registry (test/helpers/swarm.ts), headscale and a visitor as
 * containers on the manager, all on an attachable overlay network (as swarm-real-tailnet.test.ts), and a
 * fleet file with `target: swarm` whose two events are pinned by `node:` (a node ID: both fixture nodes
 * report the same hostname), one on the manager and one on the worker, each with a pre-auth key of its own.
 *
 *   1. up → both served, each task on its named node
 *   2. the visitor is greeted by its own identity through serve (http on :443: loginServer makes serve
 *      mode http, cli/fleet/schema.ts); the app's port past serve is refused (kernel TUN on Swarm)
 *   3. status lists both
 *   4. a drained worker leaves its event pending (never moved to the manager) and status says so; once
 *      active again, up brings it back
 *   5. down removes both services and their Swarm secrets
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { expectOk, FAST_HEALTH, runCli, waitFor } from '../helpers/engine-fixture.js';
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
import {
  reapAbandoned,
  runningTask,
  serviceTasks,
  startSwarm,
  swarmEnv,
  swarmRequirement,
  type Swarm,
  visitFrom,
} from '../helpers/swarm.js';

const ok = realTailnetReady() && swarmRequirement({ registry: true }).ok;

const VERSION = HEADSCALE_VERSIONS[HEADSCALE_VERSIONS.length - 1]!;
const BASE_DOMAIN = 'swarmcli.tailnet.test';
const KEY_VARS = { alpha: 'SWRT_ALPHA_AUTHKEY', beta: 'SWRT_BETA_AUTHKEY' } as const;
type EventName = keyof typeof KEY_VARS;
const ADA = { name: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace' };

interface StatusRow {
  event: string;
  tailnet: string;
  url: string | null;
  node?: string;
}

describe.skipIf(!ok)(`target: swarm on the real tailnet (headscale ${VERSION}): an event on each node of a two-node swarm`, () => {
  let swarm: Swarm;
  let dir: string;
  let work: string;
  const keys: Record<string, string> = {};
  const name = `swrt-${runId}`.slice(0, 20);
  const network = `${name}-tn`;
  const service = (e: EventName) => `${name}-${e}`;
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { ...swarmEnv(swarm), ...keys }, timeoutMs: 420_000 });
  const manager = (args: string[], timeoutMs?: number) => swarm.manager.docker(args, timeoutMs);
  const hs = async (args: string[]) => JSON.parse(await manager(['exec', 'hs', 'headscale', ...args, '-o', 'json']));
  /** Where each event is pinned: alpha on the manager, beta on the worker. */
  const home = (e: EventName) => (e === 'alpha' ? swarm.manager.nodeId : swarm.worker!.nodeId);

  /** `status --json` by event (exit 0 asserted). */
  const status = async (): Promise<Record<string, StatusRow>> =>
    Object.fromEntries((JSON.parse(expectOk(await cli(['status', '--json']), 'status').stdout) as StatusRow[]).map((r) => [r.event, r]));

  const visit = (host: string, port: number, headers: Array<[string, string]>) =>
    visitFrom(swarm.manager, 'ada', host, port, [['Host', host], ...headers]);

  /** The event's current task once it runs (= healthy), failing at once on a failed or rejected one. */
  const eventTask = (e: EventName) => runningTask(swarm.manager, service(e), 180_000, 1_000);

  beforeAll(async () => {
    await reapAbandoned();
    await buildRealTailnetImages();
    swarm = await startSwarm({
      name: 'tgtreal',
      workers: 1,
      registry: true,
      images: [EVENT_BASE_IMAGE, headscaleImage(VERSION), VISITOR_IMAGE],
    });
    work = await mkdtemp(path.join(tmpdir(), `demo-fleet-${name}-work-`));
    await manager(['network', 'create', '-d', 'overlay', '--attachable', network]);

    // headscale waits for its config, which names the server by its overlay IP (known once it runs).
    const confDir = path.join(work, 'headscale');
    await mkdir(confDir);
    await manager([
      'run',
      '-d',
      '--name',
      'hs',
      '--network',
      network,
      '-v',
      `${confDir}:/etc/headscale:ro`,
      '--entrypoint',
      '/bin/sh',
      headscaleImage(VERSION),
      '-c',
      'until [ -s /etc/headscale/config.yaml ]; do sleep 0.1; done; exec headscale serve',
    ]);
    const ip = (await manager(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, 'hs'])).trim();
    const loginServer = `http://${ip}:8080`;
    await writeFile(
      path.join(confDir, 'config.tmp'),
      headscaleConfig({ version: VERSION, serverUrl: loginServer, baseDomain: BASE_DOMAIN }),
    );
    await rename(path.join(confDir, 'config.tmp'), path.join(confDir, 'config.yaml'));
    await waitFor(
      'headscale answering',
      async () => (await swarm.manager.tryDocker(['exec', 'hs', 'headscale', 'users', 'list'])).code === 0,
      60_000,
      500,
    );
    const ada = await hs(['users', 'create', ADA.name, '--email', ADA.email, '--display-name', ADA.displayName]);
    const owner = await hs(['users', 'create', 'fleet']);
    for (const e of Object.keys(KEY_VARS) as EventName[]) {
      keys[KEY_VARS[e]] = (await hs(['preauthkeys', 'create', '--user', String(owner.id), '--expiration', '1h'])).key as string;
    }
    const adaKey = (await hs(['preauthkeys', 'create', '--user', String(ada.id), '--expiration', '1h'])).key as string;

    // The visitor (userspace networking, as on the single engine) on the manager.
    await manager([
      'run',
      '-d',
      '--name',
      'ada',
      '--network',
      network,
      ...Object.entries(TAILSCALED_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      VISITOR_IMAGE,
    ]);
    await waitFor(
      "the visitor's tailscaled",
      async () => (await swarm.manager.tryDocker(['exec', 'ada', 'tailscale', 'version'])).code === 0,
      30_000,
      250,
    );
    await manager(
      ['exec', 'ada', 'tailscale', 'up', `--login-server=${loginServer}`, `--auth-key=${adaKey}`, '--hostname=ada-laptop', '--timeout=60s'],
      90_000,
    );

    // The fleet file as a user makes it: init, add (each event's key from its own env variable), then edited.
    dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-${name}-`));
    expectOk(await cli(['init', '--name', name, '--image', `${swarm.registry}/swarmtest/${name}`]), 'init');
    for (const e of Object.keys(KEY_VARS) as EventName[]) expectOk(await cli(['add', e, '--auth-key-env', KEY_VARS[e]]), `add ${e}`);
    // every node needs appdata (the nodes of the fixture share this machine's files)
    const appdata = path.join(dir, 'appdata');
    await mkdir(appdata);
    const file = path.join(dir, 'fleet.yaml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    doc.set('target', 'swarm');
    doc.set('appdata', appdata);
    doc.set('loginServer', loginServer);
    doc.set('network', network);
    doc.set('health', { ...FAST_HEALTH });
    for (const e of Object.keys(KEY_VARS) as EventName[]) doc.setIn(['events', e, 'node'], home(e));
    await writeFile(file, doc.toString());
  }, 900_000);

  afterAll(async () => {
    try {
      await swarm?.cleanup();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      if (work) await rm(work, { recursive: true, force: true });
    }
  });

  it('1. up serves both events, each task on the node its node: names', async () => {
    const r = await cli(['up', '--base-image', EVENT_BASE_IMAGE]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const e of Object.keys(KEY_VARS) as EventName[]) {
      expect(r.stdout, r.stdout + r.stderr).toMatch(new RegExp(`^\\s*${e}\\s+\\S+\\s+served`, 'm'));
      const task = await eventTask(e);
      expect(task.nodeId, `${service(e)}'s task`).toBe(home(e));
    }
  }, 600_000);

  it('2. the visitor is greeted by its own identity through serve; the app past serve is refused', async () => {
    const rows = await status();
    for (const e of Object.keys(KEY_VARS) as EventName[]) {
      const url = rows[e]?.url;
      // loginServer: serve mode http on :443
      expect(url, `${e}'s URL`).toMatch(/^http:\/\/[^/]+:443$/);
      const host = new URL(url!).hostname;
      const forged: Array<[string, string]> = [
        ['Tailscale-User-Login', 'mallory@evil.example'],
        ['Tailscale-User-Name', 'Mallory'],
      ];
      const served = await waitFor(
        `the visitor served by ${e} through :443`,
        async () => {
          const reply = await visit(host, 443, forged);
          return reply.stdout.includes('"identified"') ? reply : undefined;
        },
        60_000,
        1_000,
      );
      // through serve the forged headers are replaced by the visitor's own identity
      expect(served.stdout).toContain(`"login":"${ADA.email}"`);
      expect(served.stdout).toContain(ADA.displayName);
      expect(served.stdout).not.toContain('mallory');
      const past = await visit(host, 5000, forged);
      expect(past.stdout, `${e}:5000`).not.toContain('"identified"');
      expect(past.stderr, `${e}:5000`).toMatch(/connection was refused/);
    }
  }, 300_000);

  it('3. status lists both, served, each with the node that runs it', async () => {
    const rows = await status();
    for (const e of Object.keys(KEY_VARS) as EventName[]) expect(rows[e], e).toMatchObject({ tailnet: 'served' });
    expect(rows.alpha?.node).toContain(`(${swarm.manager.nodeId.slice(0, 12)})`);
    expect(rows.beta?.node).toContain(`(${swarm.worker!.nodeId.slice(0, 12)})`);
    const text = expectOk(await cli(['status']), 'status').stdout;
    for (const e of Object.keys(KEY_VARS) as EventName[]) expect(text).toContain(e);
  });

  it('4. a drained worker leaves its event pending (not moved to the manager), status says so; active again, it comes back', async () => {
    const worker = swarm.worker!.nodeId;
    await manager(['node', 'update', '--availability', 'drain', worker]);
    const pending = await waitFor(
      `${service('beta')} pending after the drain`,
      async () => {
        // the task Swarm wants running (its old one, shut down by the drain, may have a newer timestamp)
        const tasks = await serviceTasks(swarm.manager, service('beta'));
        const t = tasks.find((x) => x.desired === 'running');
        if (tasks.some((x) => x.state === 'running') || t?.state !== 'pending') throw new Error(`tasks: ${JSON.stringify(tasks)}`);
        return t;
      },
      120_000,
      1_000,
    );
    expect(pending.nodeId).toBe('');
    // no task of beta runs anywhere, least of all on the manager
    const tasks = await serviceTasks(swarm.manager, service('beta'));
    expect(tasks.filter((t) => t.state === 'running' || t.nodeId === swarm.manager.nodeId)).toEqual([]);
    // alpha is untouched on the manager
    expect((await eventTask('alpha')).nodeId).toBe(swarm.manager.nodeId);

    const rows = await status();
    expect(rows.alpha).toMatchObject({ tailnet: 'served' });
    expect(rows.beta?.tailnet).not.toBe('served');
    const text = expectOk(await cli(['status']), 'status').stdout;
    const betaLine = text.split('\n').find((l) => /^beta\s/.test(l)) ?? '';
    expect(betaLine, `status while beta's task is ${pending.state} (${pending.error}):\n${text}`).toMatch(/pending: no suitable node/);
    // up does not move it either, and says why at once
    const drained = await cli(['up', '--base-image', EVENT_BASE_IMAGE]);
    expect(drained.code, drained.stdout + drained.stderr).not.toBe(0);
    expect(drained.stderr).toMatch(/beta: its home node .* is drain .*docker node update --availability active/);
    expect((await serviceTasks(swarm.manager, service('beta'))).filter((t) => t.nodeId === swarm.manager.nodeId)).toEqual([]);

    await manager(['node', 'update', '--availability', 'active', worker]);
    const r = await cli(['up', '--base-image', EVENT_BASE_IMAGE]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await eventTask('beta')).nodeId).toBe(worker);
    expect((await status()).beta).toMatchObject({ tailnet: 'served' });
  }, 600_000);

  it('5. down removes both services and their Swarm secrets', async () => {
    const before = await manager(['secret', 'ls', '--format', '{{.Name}}']);
    // the test cannot pass without secrets to remove
    expect(before).toContain(`${name}-alpha-authkey`);
    expect(before).toContain(`${name}-beta-authkey`);
    const r = await cli(['down']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const services = await manager(['service', 'ls', '--format', '{{.Name}}']);
    expect(services.split('\n').filter((s) => s.startsWith(`${name}-`))).toEqual([]);
    const secrets = await manager(['secret', 'ls', '--format', '{{.Name}}']);
    expect(secrets.split('\n').filter((s) => s.startsWith(`${name}-`))).toEqual([]);
  }, 300_000);
});
