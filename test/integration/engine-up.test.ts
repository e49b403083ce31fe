/**
 * `demo-fleet up` against the real engine, one fleet of three events through its life:
 * up from nothing → up again (nothing changes) → one event changed → one event removed → status/logs
 * with a missing event and an orphan → down one → down all. The steps build on each other (one image
 * build for the whole file), so they run in order; a failed step makes the later ones fail too.
 * `up <event>` and a fleet renamed in its file are tested in-process on the in-memory target
 * (test/unit/deploy/up-recovery.test.ts), with what interrupted deploys leave.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { LABELS, stateDir } from '../../cli/fleet/naming.js';
import { eventEnvironment, STATE_DIR } from '../../cli/render/service.js';
import { REVISION_LABEL, revisionRef } from '../../cli/targets/revision.js';
import {
  docker,
  ensureBaseImage,
  envMap,
  expectOk,
  fleets,
  inspectContainer,
  inspectImage,
  MODEL_KEY,
  MODEL_SUFFIX,
  PINNED_SHA,
  REVISION_TAG,
  sleep,
  spawnCli,
  waitFor,
  type ContainerInfo,
  type TestFleet,
} from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();

const EVENTS = ['alpha', 'beta', 'gamma'] as const;
/** A container runs its revision's tag `<image>:rev-<revision>`, never the per-event tag (that only points at it). */
const onRevisionOf = (image: string) =>
  expect.stringMatching(new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:rev-[0-9a-z]+-[0-9a-f]{12}$`));
const KEY_VAR = `DEMO_FLEET_TEST_KEY_${runId.toUpperCase()}`;
const SECRET = `tskey-auth-test-${runId}-DoNotPrint`;

interface UpJson {
  image: string | null;
  imageId: string | null;
  built: boolean;
  plan: Array<{ event: string; action: string; line: string }>;
  results: Array<{ event: string; action: string; ok: boolean; status: string; containerId: string | null }>;
}

function planOf(json: UpJson): Record<string, string> {
  return Object.fromEntries(json.plan.map((p) => [p.event, p.action]));
}

async function ids(f: TestFleet, events: readonly string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of events) out[e] = (await inspectContainer(f.container(e)))?.Id ?? null;
  return out;
}

async function execIn(container: string, url: string): Promise<string> {
  return docker(['exec', container, 'wget', '-qO-', url], 20_000);
}

describe.skipIf(!engine.ok)('engine: up / change / remove / status / down (3 events)', () => {
  const make = fleets();
  let f: TestFleet;
  let imageId = '';
  let firstIds: Record<string, string | null> = {};

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({
      events: {
        alpha: [],
        beta: ['--funnel', '--invite-link', 'https://login.tailscale.com/admin/invite/beta-1'],
        gamma: ['--auth-key-env', KEY_VAR, '--tz', 'Europe/Berlin'],
      },
      env: { [KEY_VAR]: SECRET },
    });
  });

  it('1. up from nothing: every event healthy, app answering, env/labels/state dir/restart/tags as rendered', async () => {
    const r = expectOk(await f.up(), 'up');
    // the build is named by its revision (commit-context-base digest); the sha- tag points at it too
    expect(r.stderr).toMatch(new RegExp(`built ${f.image}:rev-${REVISION_TAG.slice('sha-'.length)}-[0-9a-f]{12}\n`));
    for (const e of EVENTS) expect(r.stderr).toContain(`${e}: create ${f.container(e)}`);
    // done means served: each event's line names its tailnet URL
    const year = (await loadFleet(f.file)).fleet.year;
    for (const e of EVENTS)
      expect(r.stdout).toMatch(
        new RegExp(`${e}\\s+create\\s+served\\s+[\\d.ms]+\\s+https://${e}${year}\\.${MODEL_SUFFIX.replaceAll('.', '\\.')}`),
      );

    const { fleet } = await loadFleet(f.file);
    const image = await inspectImage(`${f.image}:${REVISION_TAG}`);
    expect(image, 'the sha- tag exists').not.toBeNull();
    imageId = image!.Id;
    // all event tags and the revision tag: one image
    for (const e of EVENTS) expect((await inspectImage(`${f.image}:${e}`))?.Id, `${f.image}:${e}`).toBe(imageId);
    const imageEnv = envMap(image!.Config.Env);

    for (const e of EVENTS) {
      const c = (await inspectContainer(f.container(e))) as ContainerInfo;
      expect(c, f.container(e)).not.toBeNull();
      expect(c.State.Running).toBe(true);
      expect(c.State.Health?.Status).toBe('healthy');
      expect(c.Image).toBe(imageId);
      expect(c.Config.Image).toBe(revisionRef(f.image, image!.Config.Labels![REVISION_LABEL]!));

      // the app answers inside the container
      const whoami = JSON.parse(await execIn(c.Name.slice(1), 'http://127.0.0.1:5000/whoami')) as Record<string, unknown>;
      expect(whoami).toMatchObject({ identified: false, login: '' });
      expect(await execIn(c.Name.slice(1), 'http://127.0.0.1:5000/')).toContain('<title>Tailscale identity headers demo</title>');

      // env == eventEnvironment() (+ the secret for gamma); the image's own env (PATH, HOME…) aside
      const expected = new Map(eventEnvironment(fleet, e, fleet.events[e]!));
      expected.set('TAILSCALE_AUTHKEY', e === 'gamma' ? SECRET : MODEL_KEY);
      const actual = envMap(c.Config.Env);
      for (const [k, v] of imageEnv) if (!expected.has(k) && actual.get(k) === v) actual.delete(k);
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));

      // labels
      const labels = c.Config.Labels ?? {};
      expect(labels[LABELS.fleet]).toBe(f.name);
      expect(labels[LABELS.event]).toBe(e);
      expect(labels[LABELS.hostname]).toBe(`${e}${fleet.year}`);
      expect(labels[LABELS.configHash]).toMatch(/^[0-9a-f]{64}$/);

      // state dir: on the host, bind-mounted at /var/lib/tailscale (a file written inside shows up outside)
      const dir = stateDir(fleet, e, fleet.events[e]!, f.dir);
      expect((await stat(dir)).isDirectory()).toBe(true);
      expect(c.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: dir, Destination: STATE_DIR, RW: true }));
      await docker(['exec', c.Name.slice(1), 'sh', '-c', `echo from-${e} > ${STATE_DIR}/probe`]);
      expect(await readFile(path.join(dir, 'probe'), 'utf8')).toBe(`from-${e}\n`);

      expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    }

    const alphaEnv = envMap((await inspectContainer(f.container('alpha')))!.Config.Env);
    const betaEnv = envMap((await inspectContainer(f.container('beta')))!.Config.Env);
    const gammaEnv = envMap((await inspectContainer(f.container('gamma')))!.Config.Env);
    expect(alphaEnv.has('TAILSCALE_FUNNEL')).toBe(false); // the mod turns Funnel on if defined at all
    expect(betaEnv.get('TAILSCALE_FUNNEL')).toBe('on');
    expect(betaEnv.get('DEMO_INVITE_LINK')).toBe('https://login.tailscale.com/admin/invite/beta-1');
    expect(gammaEnv.get('TZ')).toBe('Europe/Berlin');
    expect(gammaEnv.get('TAILSCALE_AUTHKEY')).toBe(SECRET);
    expect(alphaEnv.get('TAILSCALE_AUTHKEY')).toBe(MODEL_KEY); // the test fleets' default key

    // the secret reached the container, but no output and not the compose file
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const compose = await readFile(path.join(f.dir, 'compose', 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`${f.name}-gamma:`);
    expect(compose).not.toContain(SECRET);
    expect(compose).not.toContain('TAILSCALE_AUTHKEY');
    const secretFile = path.join(f.dir, 'compose', 'secrets', 'gamma.env');
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);

    firstIds = await ids(f, EVENTS);
  });

  it('2. a second up changes nothing: build skipped, same image, plan all keep, same containers', async () => {
    const r = expectOk(await f.up(['--json']), 'second up');
    expect(r.stderr).toContain('is up to date (build skipped)');
    const json = JSON.parse(r.stdout) as UpJson;
    expect(json.built).toBe(false);
    expect(json.imageId).toBe(imageId);
    expect(planOf(json)).toEqual({ alpha: 'keep', beta: 'keep', gamma: 'keep' });
    // kept and listed healthy: not looked into again (no exec per container on a no-op)
    expect(json.results.map((x) => [x.ok, x.status])).toEqual(EVENTS.map(() => [true, 'kept (healthy)']));
    expect(await ids(f, EVENTS)).toEqual(firstIds);
    expect((await inspectImage(`${f.image}:${REVISION_TAG}`))?.Id).toBe(imageId);
  });

  it('2b. up --dry-run writes nothing: with the key variable unset, the secret env file and compose file stay as they were', async () => {
    const secretFile = path.join(f.dir, 'compose', 'secrets', 'gamma.env');
    const composeFile = path.join(f.dir, 'compose', 'docker-compose.yml');
    const before = await Promise.all(
      [secretFile, composeFile].map(async (p) => ({ text: await readFile(p, 'utf8'), mtime: (await stat(p)).mtimeMs })),
    );
    const r = expectOk(await f.up(['--dry-run'], { env: { [KEY_VAR]: undefined } }), 'up --dry-run without the key');
    expect(r.stderr).toContain(`${KEY_VAR} is not set`);
    expect(r.stdout).toContain(`gamma: recreate ${f.container('gamma')} (configuration changed: auth key removed)`); // the key would go
    const after = await Promise.all(
      [secretFile, composeFile].map(async (p) => ({ text: await readFile(p, 'utf8'), mtime: (await stat(p)).mtimeMs })),
    );
    expect(after).toEqual(before);
    expect(await ids(f, EVENTS)).toEqual(firstIds);
  });

  it('3. changing one event (invite link) recreates only that one', async () => {
    expectOk(await f.cli(['add', 'beta', '--update', '--invite-link', 'https://login.tailscale.com/admin/invite/beta-2']), 'add --update');
    const r = expectOk(await f.up(['--json']), 'up after change');
    const json = JSON.parse(r.stdout) as UpJson;
    expect(planOf(json)).toEqual({ alpha: 'keep', beta: 'recreate', gamma: 'keep' });
    expect(json.plan.find((p) => p.event === 'beta')?.line).toBe(
      `beta: recreate ${f.container('beta')} (configuration changed: env DEMO_INVITE_LINK changed)`,
    );
    expect(json.built).toBe(false);
    const now = await ids(f, EVENTS);
    expect(now.alpha).toBe(firstIds.alpha);
    expect(now.gamma).toBe(firstIds.gamma);
    expect(now.beta).not.toBe(firstIds.beta);
    expect(await inspectContainer(firstIds.beta!)).toBeNull(); // the old one is gone, not just renamed
    const beta = (await inspectContainer(f.container('beta')))!;
    expect(beta.State.Health?.Status).toBe('healthy');
    expect(envMap(beta.Config.Env).get('DEMO_INVITE_LINK')).toBe('https://login.tailscale.com/admin/invite/beta-2');
    // the state dir is the same directory: what was written before the recreate is still visible inside
    expect((await docker(['exec', f.container('beta'), 'cat', `${STATE_DIR}/probe`])).trim()).toBe('from-beta');
    firstIds = now;
  });

  it('3b. a container renamed by hand gets its name back (same container), never doubled (two nodes on one state dir)', async () => {
    const renamed = `${f.container('gamma')}-renamed`;
    const before = (await inspectContainer(f.container('gamma')))!.Id;
    await docker(['rename', f.container('gamma'), renamed]);
    // status: gamma has no container under its name (exit 5, said on stderr); the renamed one is no event row
    const listed = await f.cli(['status', '--json']);
    expect(listed.code, listed.stderr).toBe(5);
    expect(listed.stderr).toContain(
      `warning: gamma: ${renamed} (running) is left by an interrupted deploy; the next \`demo-fleet up\` settles it`,
    );
    expect(listed.stderr).toContain('error: 1 of 3 event(s) have no container: gamma (`demo-fleet up` creates them)');
    const st = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(st.filter((row) => row.event === 'gamma')).toEqual([
      expect.objectContaining({ container: f.container('gamma'), state: 'missing', inFleet: true }),
    ]);
    const r = expectOk(await f.up(['--json']), 'up after rename');
    const json = JSON.parse(r.stdout) as UpJson & { recovery: Array<{ event: string; step: string; container: string }> };
    expect(json.recovery).toEqual([expect.objectContaining({ event: 'gamma', step: 'adopt', container: renamed })]);
    expect(planOf(json)).toEqual({ alpha: 'keep', beta: 'keep', gamma: 'keep' });
    expect(await inspectContainer(renamed)).toBeNull();
    expect((await inspectContainer(f.container('gamma')))!.Id).toBe(before);
    const gammas = (await docker(['ps', '-aq', '--filter', `label=${LABELS.fleet}=${f.name}`, '--filter', `label=${LABELS.event}=gamma`]))
      .trim()
      .split('\n');
    expect(gammas).toHaveLength(1);
    const gamma = (await inspectContainer(f.container('gamma')))!;
    expect(gamma.Id.startsWith(gammas[0]!)).toBe(true);
    expect(gamma.State.Health?.Status).toBe('healthy');
    expect((await docker(['exec', f.container('gamma'), 'cat', `${STATE_DIR}/probe`])).trim()).toBe('from-gamma');
    firstIds = await ids(f, EVENTS);
  });

  it('4. remove <event> + up removes only its container and keeps its state dir', async () => {
    const { fleet } = await loadFleet(f.file);
    const alphaDir = stateDir(fleet, 'alpha', fleet.events.alpha!, f.dir);
    await writeFile(path.join(alphaDir, 'tailscaled.state'), 'node key material\n');
    expectOk(await f.cli(['remove', 'alpha']), 'remove alpha');
    const r = expectOk(await f.up(['--json']), 'up after remove');
    const json = JSON.parse(r.stdout) as UpJson;
    expect(planOf(json)).toEqual({ alpha: 'remove', beta: 'keep', gamma: 'keep' });
    expect(await inspectContainer(f.container('alpha'))).toBeNull();
    expect(await ids(f, ['beta', 'gamma'])).toEqual({ beta: firstIds.beta, gamma: firstIds.gamma });
    expect(await readFile(path.join(alphaDir, 'tailscaled.state'), 'utf8')).toBe('node key material\n');
    expect(await readFile(path.join(alphaDir, 'probe'), 'utf8')).toBe('from-alpha\n');
  });

  it('11. status --json: each event, a missing one, an orphan removed from the file by hand; logs --tail 5', async () => {
    // delta: in the file, never deployed → missing. gamma: deleted from the file by hand (no `remove`,
    // no `up`) → its container is an orphan of this fleet.
    expectOk(await f.cli(['add', 'delta']), 'add delta');
    const doc = parseDocument(await readFile(f.file, 'utf8'));
    doc.deleteIn(['events', 'gamma']);
    await writeFile(f.file, doc.toString());

    // the JSON is complete; the exit code says an event of the fleet has no container
    const r = await f.cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr.trim()).toBe('error: 1 of 2 event(s) have no container: delta (`demo-fleet up` creates them)');
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const { fleet } = await loadFleet(f.file);
    expect(rows).toEqual([
      {
        event: 'beta',
        container: f.container('beta'),
        state: 'running',
        health: 'healthy',
        image: onRevisionOf(f.image),
        revision: expect.stringMatching(new RegExp(`^${PINNED_SHA.slice(0, 7)}-[0-9a-f]{12}$`)),
        commit: PINNED_SHA,
        started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        restarts: 0,
        hostname: `beta${fleet.year}`,
        inFleet: true,
        tailnet: 'served',
        url: `https://beta${fleet.year}.${MODEL_SUFFIX}`,
        funnel: true,
        loginUrl: null,
      },
      {
        event: 'delta',
        container: f.container('delta'),
        state: 'missing',
        health: '-',
        image: '-',
        revision: null,
        commit: null,
        started: null,
        restarts: null,
        hostname: `delta${fleet.year}`,
        inFleet: true,
        tailnet: '-',
        url: null,
        funnel: null,
        loginUrl: null,
      },
      {
        event: 'gamma',
        container: f.container('gamma'),
        state: 'running',
        health: 'healthy',
        image: onRevisionOf(f.image),
        revision: expect.stringMatching(new RegExp(`^${PINNED_SHA.slice(0, 7)}-[0-9a-f]{12}$`)),
        commit: PINNED_SHA,
        started: expect.any(String),
        restarts: 0,
        hostname: `gamma${fleet.year}`,
        inFleet: false,
        tailnet: 'served',
        url: `https://gamma${fleet.year}.${MODEL_SUFFIX}`,
        funnel: false,
        loginUrl: null,
      },
    ]);

    const table = await f.cli(['status']);
    expect(table.code, table.stderr).toBe(5); // delta has no container
    expect(table.stdout).toMatch(/gamma \(not in fleet\)/);
    // human durations in the table (docker ps style); --json keeps the full timestamp
    expect(table.stdout).toMatch(new RegExp(`beta\\s+${f.container('beta')}\\s+running\\s+healthy\\s+\\S+.*Up \\d+ (s|min)\\s+0\\s+beta`));
    expect(table.stdout).toMatch(new RegExp(`delta\\s+${f.container('delta')}\\s+missing`));

    const logs = expectOk(await f.cli(['logs', 'beta', '--tail', '5']), 'logs --tail 5');
    expect(logs.stdout + logs.stderr).toContain('identity demo listening on http://127.0.0.1:5000');
    expect((logs.stdout + logs.stderr).trimEnd().split('\n').length).toBeLessThanOrEqual(5);
    // the app's pino line readably (time as tailscaled prints it, level, message, fields); --raw keeps the JSON
    expect(logs.stdout + logs.stderr).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d INFO {2}identity demo listening on http:\/\/127\.0\.0\.1:5000 host=127\.0\.0\.1 port=5000$/m,
    );
    expect(logs.stdout + logs.stderr).not.toMatch(/^\{"level"/m);
    const raw = expectOk(await f.cli(['logs', 'beta', '--tail', '5', '--raw']), 'logs --raw');
    const json = (raw.stdout + raw.stderr).split('\n').find((l) => l.includes('identity demo listening'))!;
    expect(JSON.parse(json)).toMatchObject({
      level: 30,
      time: expect.any(Number),
      msg: 'identity demo listening on http://127.0.0.1:5000',
    });

    const missing = await f.cli(['logs', 'delta']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`event "delta" has no container ${f.container('delta')}`);

    // Without an event: every event that has a container, each line prefixed with its event (compose-style).
    const all = expectOk(await f.cli(['logs', '--tail', '3']), 'logs (all events)');
    const allLines = (all.stdout + all.stderr).trimEnd().split('\n');
    expect(allLines.length).toBeGreaterThan(0);
    for (const line of allLines) expect(line).toMatch(/^beta \| /);
    expect(allLines.join('\n')).not.toMatch(/^beta \| \{"level"/m); // formatted behind the prefix too
    expect(expectOk(await f.cli(['logs', 'beta', '--tail', '0']), 'logs --tail 0').stdout).toBe('');
  });

  it('11b. logs -f follows (the -f after the event and before it), until stopped', async () => {
    for (const args of [
      ['logs', 'beta', '-f'],
      ['logs', '-f', '--tail', '5', 'beta'],
      ['logs', '-f', '-t'],
    ]) {
      const run = spawnCli(args, { cwd: f.dir, env: f.env });
      let seen = '';
      for (const stream of [run.child.stdout!, run.child.stderr!]) stream.on('data', (d: Buffer) => (seen += d.toString()));
      await waitFor(`${args.join(' ')} prints the app's start line`, async () => seen.includes('identity demo listening'), 30_000);
      await sleep(1_000);
      expect(run.child.exitCode, `${args.join(' ')} should still be following`).toBeNull();
      if (args.includes('-t')) expect(seen).toMatch(/^beta \| \d{4}-\d\d-\d\dT\S+ /m);
      run.child.kill('SIGTERM');
      await run.result;
    }
  });

  it('8. down <event> removes only that one; down removes the rest (orphan too); state dirs stay', async () => {
    const { fleet } = await loadFleet(f.file);
    const one = expectOk(await f.cli(['down', 'beta']), 'down beta');
    expect(one.stdout).toMatch(
      new RegExp(`^EVENT\\s+CONTAINER\\s+STATUS\\s+DURATION\\nbeta\\s+${f.container('beta')}\\s+removed\\s+[\\d.ms]+\\n$`),
    );
    expect(await inspectContainer(f.container('beta'))).toBeNull();
    expect((await inspectContainer(f.container('gamma')))?.Id).toBe(firstIds.gamma);

    const all = expectOk(await f.cli(['down']), 'down');
    expect(all.stdout).toMatch(
      new RegExp(`^EVENT\\s+CONTAINER\\s+STATUS\\s+DURATION\\ngamma\\s+${f.container('gamma')}\\s+removed\\s+[\\d.ms]+\\n$`),
    );
    expect(await inspectContainer(f.container('gamma'))).toBeNull();
    expect((await docker(['ps', '-aq', '--filter', `label=${LABELS.fleet}=${f.name}`])).trim()).toBe('');

    for (const e of ['alpha', 'beta', 'gamma']) {
      const dir = path.resolve(f.dir, fleet.appdata, String(fleet.year), e);
      expect(await readFile(path.join(dir, 'probe'), 'utf8')).toBe(`from-${e}\n`);
    }
    const again = expectOk(await f.cli(['down']), 'down again');
    expect(again.stdout.trim()).toBe('nothing to remove');
    // no lock marker left behind by any of the runs
    expect(await inspectContainer(f.lock)).toBeNull();
  });

  it('no CLI output of this file ever contained the auth key', () => {
    expect(f.runs.length).toBeGreaterThan(5);
    for (const { args, result } of f.runs) expect(result.stdout + result.stderr, args.join(' ')).not.toContain(SECRET);
  });
});
