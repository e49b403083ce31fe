/**
 * The Swarm target (cli/targets/swarm/) on a real single-node swarm of the test's own (a dockerd in a netns,
 * test/helpers/swarm.ts, with a registry the node pulls from): the CLI with `target: swarm` and DOCKER_HOST
 * at the manager runs the events of a fleet as services, on the tailnet model (demo-fleet-test/base:tailnet):
 * up → served (read from the events' own reports, report.ts) → status → a second revision → rollback → down.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  ensureBaseImage,
  expectOk,
  FAST_HEALTH,
  MODEL_KEY,
  MODEL_KEY_VAR,
  runCli,
  spawnCli,
  testDockerfile,
  waitFor,
} from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';
import { reapAbandoned, startSwarm, swarmEnv, swarmRequirement, type Swarm } from '../helpers/swarm.js';

const engine = dockerEngine();
const ok = engine.ok && swarmRequirement({ registry: true }).ok;

describe.skipIf(!ok)('target: swarm on a single-node swarm', () => {
  let swarm: Swarm;
  let dir: string;
  const name = `sw-${runId}`.slice(0, 20);
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { ...swarmEnv(swarm), [MODEL_KEY_VAR]: MODEL_KEY }, timeoutMs: 300_000 });
  const manager = (args: string[]) => swarm.manager.docker(args);

  beforeAll(async () => {
    await reapAbandoned();
    await ensureBaseImage();
    swarm = await startSwarm({ name: 'target', workers: 0, registry: true, images: [BASE_IMAGE] });
    dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-${name}-`));
    expectOk(await cli(['init', '--name', name, '--image', `${swarm.registry}/swarmtest/${name}`]), 'init');
    expectOk(await cli(['add', 'alpha', '--auth-key-env', MODEL_KEY_VAR]), 'add alpha');
    const file = path.join(dir, 'fleet.yaml');
    // every node needs appdata (the nodes of the fixture share this machine's files)
    await mkdir(path.join(dir, 'appdata'));
    const health = Object.entries(FAST_HEALTH).map(([k, v]) => `  ${k}: ${v}\n`);
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      `${text.replace(/^appdata:.*$/m, '')}\ntarget: swarm\nappdata: ${path.join(dir, 'appdata')}\nhealth:\n${health.join('')}`,
    );
  }, 600_000);
  afterAll(async () => {
    await swarm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The service's image reference (by digest) and its running task's node. */
  async function running(event: string): Promise<{ image: string; tasks: string[] }> {
    const image = (
      await manager(['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `${name}-${event}`])
    ).trim();
    const tasks = (
      await manager(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}', `${name}-${event}`])
    )
      .split('\n')
      .filter(Boolean);
    return { image, tasks };
  }
  const secrets = async () => (await manager(['secret', 'ls', '--format', '{{.Name}}'])).split('\n').filter((n) => n.startsWith(name));
  const revisionA: { image?: string } = {};
  /** The one event's result in a command's --json. */
  const outcome = (json: string) =>
    (JSON.parse(json) as { results: Array<Record<string, unknown>> }).results.find((e) => e.event === 'alpha');

  it('up brings the event to served as a service, on its home node, with the auth key as a secret', async () => {
    const r = await cli(['up', '--base-image', BASE_IMAGE, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(outcome(r.stdout)).toMatchObject({ action: 'create', ok: true, status: expect.stringMatching(/^served https:\/\/alpha\d+\./) });
    const now = await running('alpha');
    // run by digest from the swarm's registry
    expect(now.image).toMatch(new RegExp(`^${swarm.registry}/swarmtest/${name}:rev-[0-9a-f-]+@sha256:[0-9a-f]{64}$`));
    expect(now.tasks).toHaveLength(1);
    revisionA.image = now.image;
    // the home label names the state dir, the key is a Swarm secret and not in the spec
    const labels = JSON.parse(await manager(['node', 'inspect', '--format', '{{json .Spec.Labels}}', swarm.manager.nodeId])) as Record<
      string,
      string
    >;
    expect(labels[`dev.demo-fleet.home.${name}-alpha`]).toMatch(/appdata\/\d+\/alpha$/);
    expect(await secrets()).toHaveLength(1);
    const spec = await manager(['service', 'inspect', `${name}-alpha`]);
    expect(spec).not.toContain(MODEL_KEY);
    expect(spec).toContain('TAILSCALE_AUTHKEY=file:/run/secrets/authkey');
    expect(r.stdout + r.stderr).not.toContain(MODEL_KEY);
  });

  it('a second up changes nothing (kept); status reads the node from its report', async () => {
    const again = await cli(['up', '--base-image', BASE_IMAGE, '--json']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(outcome(again.stdout)).toMatchObject({ action: 'keep', ok: true });
    expect((await running('alpha')).image).toBe(revisionA.image);
    const status = await cli(['status', '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const [row] = JSON.parse(status.stdout) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({
      container: `${name}-alpha`,
      tailnet: 'served',
      node: expect.stringContaining(`(${swarm.manager.nodeId.slice(0, 12)})`),
    });
    expect((await cli(['status'])).stdout.split('\n')[0]).toMatch(/STATE\s+NODE/);
  });

  it('logs shows the app, without the reports', async () => {
    const r = await cli(['logs', 'alpha', '--raw']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('demo-fleet-report');
  });

  it('up of a changed build updates the service in place (stop-first), rollback puts the previous revision back', async () => {
    const variant = await testDockerfile({ name, dir }, 'B.Dockerfile', { append: `# TEST ONLY: variant B (${runId})\n` });
    const b = await cli(['up', '--base-image', BASE_IMAGE, '--dockerfile', variant, '--json']);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.stderr).toMatch(/alpha: recreate .*image changed/);
    expect(outcome(b.stdout)).toMatchObject({ action: 'recreate', ok: true, status: expect.stringMatching(/^served /) });
    const onB = await running('alpha');
    expect(onB.image).not.toBe(revisionA.image);
    expect(onB.tasks).toHaveLength(1);
    const back = await cli(['rollback', '--json']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(outcome(back.stdout)).toMatchObject({ ok: true, status: expect.stringMatching(/^served /) });
    expect((await running('alpha')).image).toBe(revisionA.image);
  });

  it('a changed build that is never served is updated back to the spec that was', async () => {
    const before = await running('alpha');
    // the app is gone: its supervisor restarts it until readiness calls it a crash loop
    const broken = await testDockerfile({ name, dir }, 'D.Dockerfile', { append: 'RUN rm -rf /app && mkdir /app\n' });
    const r = await cli(['up', '--base-image', BASE_IMAGE, '--dockerfile', broken, '--wait-timeout', '90', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(outcome(r.stdout)).toMatchObject({ action: 'recreate', ok: false, rolledBack: true });
    const after = await running('alpha');
    expect(after.image).toBe(before.image);
    // the update back is Swarm's to carry out: its task starts shortly after
    await waitFor(
      'the previous spec running again',
      async () => {
        const now = await running('alpha');
        const update = await manager(['service', 'inspect', '--format', '{{json .UpdateStatus}}', `${name}-alpha`]);
        if (now.tasks.length !== 1 || !/^Running/.test(now.tasks[0]!))
          throw new Error(`tasks ${JSON.stringify(now.tasks)}, update ${update}`);
        return true;
      },
      120_000,
      1_000,
    );
    const status = await cli(['status', '--json']);
    expect(status.stdout).toMatch(/served/);
  });

  it('a re-create killed during its readiness wait: the next up re-creates it and commits it', async () => {
    const variant = await testDockerfile({ name, dir }, 'C.Dockerfile', { append: `# TEST ONLY: variant C (${runId})\n` });
    const args = ['up', '--base-image', BASE_IMAGE, '--dockerfile', variant];
    const run = spawnCli(args, { cwd: dir, env: { ...swarmEnv(swarm), [MODEL_KEY_VAR]: MODEL_KEY }, timeoutMs: 300_000 });
    let armed = false;
    run.child.stderr!.on('data', () => {
      if (armed || !/alpha: recreate/.test(run.stderrSoFar())) return;
      armed = true;
      setTimeout(() => run.child.kill('SIGKILL'), 1_500); // the service update is sent; the wait has begun
    });
    const killed = await run.result;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const unconfirmed = async () =>
      (
        await manager(['service', 'inspect', '--format', '{{index .Spec.Labels "dev.demo-fleet.swarm.unconfirmed"}}', `${name}-alpha`])
      ).trim();
    expect(await unconfirmed()).toBe('true');
    const next = await cli([...args, '--json']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(outcome(next.stdout)).toMatchObject({ action: 'recreate', ok: true, status: expect.stringMatching(/^served /) });
    expect(await unconfirmed()).toBe('');
    expect((await running('alpha')).tasks).toHaveLength(1);
  });

  it('doctor checks the swarm, the registry and the nodes; exec reaches a task on the manager; audit reads the log on the manager', async () => {
    const doc = await cli(['doctor', '--json', '--base-image', BASE_IMAGE]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
    const findings = JSON.parse(doc.stdout) as { findings: Array<{ check: string; status: string; message: string }> };
    const byCheck = (c: string) => findings.findings.filter((f) => f.check === c);
    expect(byCheck('swarm')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck('registry')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck('node')[0]?.message).toMatch(/home of alpha/);
    const ex = await cli(['exec', 'alpha', '--', 'cat', '/etc/hostname']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout.trim()).toMatch(/^alpha\d+$/);
    const audit = await cli(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const commands = (JSON.parse(audit.stdout) as { entries: Array<{ command: string }> }).entries.map((e) => e.command);
    expect(commands).toEqual(expect.arrayContaining(['up', 'rollback']));
  });

  it('restart runs a new task of the same spec and waits until it is served; logs -f follows the task without reports', async () => {
    const before = await manager(['service', 'ps', '-q', '--filter', 'desired-state=running', `${name}-alpha`]);
    const image = (await running('alpha')).image;
    const r = await cli(['restart', 'alpha']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/served/);
    const after = await manager(['service', 'ps', '-q', '--filter', 'desired-state=running', `${name}-alpha`]);
    expect(after.trim()).not.toBe(before.trim());
    expect((await running('alpha')).image).toBe(image);

    const follow = spawnCli(['logs', '-f', 'alpha', '--raw'], { cwd: dir, env: swarmEnv(swarm), timeoutMs: 60_000 });
    let out = '';
    follow.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // the health check keeps running: within a few of its 5 s rounds the follow has seen output
    await waitFor('logs -f output', async () => out.length > 0 || undefined, 30_000, 500);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    follow.child.kill('SIGINT');
    await follow.result;
    expect(out).not.toContain('demo-fleet-report');
  });

  it('down removes the service and its secrets; the home label stays (the state is there)', async () => {
    const r = await cli(['down']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await manager(['service', 'ls', '-q'])).toBe('');
    expect(await secrets()).toEqual([]);
    const labels = JSON.parse(await manager(['node', 'inspect', '--format', '{{json .Spec.Labels}}', swarm.manager.nodeId])) as Record<
      string,
      string
    >;
    expect(labels[`dev.demo-fleet.home.${name}-alpha`]).toBeDefined();
  });

  it('retire archives the state dir on its home node (a job there) and removes the home label', async () => {
    const up = await cli(['up', '--base-image', BASE_IMAGE]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const r = await cli(['retire', 'alpha', '--keep-node', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await manager(['service', 'ls', '-q'])).toBe('');
    const archive = await readdir(path.join(dir, 'appdata', 'archive'), { recursive: true });
    expect(archive.some((f) => f.endsWith('tailscaled.state'))).toBe(true);
    const labels = JSON.parse(await manager(['node', 'inspect', '--format', '{{json .Spec.Labels}}', swarm.manager.nodeId])) as Record<
      string,
      string
    >;
    expect(labels[`dev.demo-fleet.home.${name}-alpha`]).toBeUndefined();
    // the audit log has it (written on the manager's host)
    const audit = await cli(['audit', '--json']);
    expect((JSON.parse(audit.stdout) as { entries: Array<{ command: string }> }).entries.map((e) => e.command)).toContain('retire');
  });

  it('switching target: is refused while the events run under the other one (never two tailscaled on one node state)', async () => {
    const file = path.join(dir, 'fleet.yaml');
    const target = async (kind: 'docker' | 'swarm') =>
      writeFile(file, (await readFile(file, 'utf8')).replace(/^target: \w+$/m, `target: ${kind}`));
    expectOk(await cli(['add', 'beta', '--auth-key-env', MODEL_KEY_VAR]), 'add beta');
    await target('docker');
    expectOk(await cli(['up', '--base-image', BASE_IMAGE]), 'up (target: docker, on the manager engine)');
    await target('swarm');
    const toSwarm = await cli(['up', '--base-image', BASE_IMAGE]);
    expect(toSwarm.code, toSwarm.stdout + toSwarm.stderr).toBe(2);
    expect(toSwarm.stderr).toMatch(new RegExp(`${name}-beta runs as a container on .*run \`demo-fleet down\` with target: docker first`));
    expect(await manager(['service', 'ls', '-q'])).toBe('');
    await target('docker');
    expectOk(await cli(['down']), 'down (target: docker)');
    await target('swarm');
    expectOk(await cli(['up', '--base-image', BASE_IMAGE]), 'up (target: swarm)');
    await target('docker');
    const toDocker = await cli(['up', '--base-image', BASE_IMAGE]);
    expect(toDocker.code, toDocker.stdout + toDocker.stderr).toBe(2);
    expect(toDocker.stderr).toMatch(new RegExp(`${name}-beta runs as a Swarm service on this engine`));
    // the Docker target touched none of the service's task containers
    expect((await running('beta')).tasks).toHaveLength(1);
    await target('swarm');
    expectOk(await cli(['down']), 'down (target: swarm)');
  });
});
