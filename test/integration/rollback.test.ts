/**
 * Revisions, `rollback`, `prune` and the audit log against the real engine. One fleet of two events
 * through: up (revision A) → up of a changed build (B) → rollback (back to A: the previous one) → a
 * third build C, not deployed → prune --keep 1 (C newest, A in use, B removed) → rollback --to C →
 * refusals that change nothing; then the audit entries of all of it. Apart from that: the revision per
 * build input, `build --pull` against a real registry, and 10 concurrent audit writers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, newEntry } from '../../cli/deploy/audit-entry.js';
import { appendEntry, carrierName, readEntries } from '../../cli/targets/docker/audit-store.js';
import { LABELS } from '../../cli/fleet/naming.js';
import {
  BASE_IMAGE,
  docker,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  inspectImage,
  removeAuditCarriers,
  type TestFleet,
  testDockerfile,
} from '../helpers/engine-fixture.js';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const EVENTS = ['alpha', 'beta'] as const;

interface Running {
  id: string;
  image: string;
  revision: string | undefined;
  previous: string | undefined;
}

async function running(f: TestFleet): Promise<Record<string, Running>> {
  const out: Record<string, Running> = {};
  for (const e of EVENTS) {
    const c = (await inspectContainer(f.container(e)))!;
    const labels = c.Config.Labels ?? {};
    out[e] = { id: c.Id, image: c.Image, revision: labels[LABELS.revision], previous: labels[LABELS.previousRevision] };
  }
  return out;
}

/** A Dockerfile that differs from the template by a comment: the same commit, another build context. */
function variant(f: TestFleet, name: string): Promise<string> {
  return testDockerfile(f, `${name}.Dockerfile`, { append: `# TEST ONLY: variant ${name} (${runId})\n` });
}

interface BuildJson {
  id: string;
  ref: string;
  revision: string;
  built: boolean;
}

describe.skipIf(!engine.ok)('revisions, rollback, prune, audit (2 events)', () => {
  const make = fleets();
  let f: TestFleet;
  const rev: Record<'A' | 'B' | 'C', BuildJson> = {} as never;

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [], beta: [] } });
  });

  it('1. up records the revision on every container; a changed build is another revision, the old image keeps its rev- tag', async () => {
    expectOk(await f.up(), 'up A');
    const a = await running(f);
    const imageA = (await inspectImage(`${f.image}:alpha`))!;
    rev.A = { id: imageA.Id, ref: `${f.image}:rev-${a.alpha!.revision}`, revision: a.alpha!.revision!, built: true };
    for (const e of EVENTS) {
      expect(a[e]!.image).toBe(imageA.Id);
      expect(a[e]!.revision).toMatch(/^[0-9a-f]{7}-[0-9a-f]{12}$/);
      expect(a[e]!.previous).toBeUndefined();
    }
    expect((await inspectImage(rev.A.ref))?.Id).toBe(imageA.Id);

    const b = expectOk(await f.up(['--dockerfile', await variant(f, 'B'), '--json']), 'up B');
    const upB = JSON.parse(b.stdout) as { imageId: string; image: string };
    const now = await running(f);
    for (const e of EVENTS) {
      expect(now[e]!.image).toBe(upB.imageId);
      expect(now[e]!.revision).not.toBe(rev.A.revision);
      expect(now[e]!.previous).toBe(rev.A.revision);
    }
    rev.B = { id: upB.imageId, ref: upB.image, revision: now.alpha!.revision!, built: true };
    expect(upB.image).toBe(`${f.image}:rev-${rev.B.revision}`);
    // `docker image prune` (dangling only), limited to revision A's image: it is tagged, so it stays
    await docker(['image', 'prune', '-f', '--filter', `label=${LABELS.revision}=${rev.A.revision}`]);
    expect((await inspectImage(rev.A.ref))?.Id).toBe(rev.A.id);
  });

  it('1b. two builds of one commit are told apart: status and `revisions` show unique starts; an ambiguous one is refused', async () => {
    expect(rev.A.revision.slice(0, 7)).toBe(rev.B.revision.slice(0, 7)); // one commit, two builds
    const before = await running(f);
    const json = JSON.parse(expectOk(await f.cli(['revisions', '--json']), 'revisions --json').stdout) as {
      revisions: Array<{ revision: string; short: string; events: string[]; rollbackOf: string[]; deployed: { command: string } | null }>;
    };
    const byRevision = Object.fromEntries(json.revisions.map((r) => [r.revision, r]));
    const a = byRevision[rev.A.revision]!;
    const b = byRevision[rev.B.revision]!;
    expect(json.revisions.map((r) => r.revision).slice(0, 2)).toEqual([rev.B.revision, rev.A.revision]); // newest first
    expect(b).toMatchObject({ events: ['alpha', 'beta'], rollbackOf: [], deployed: { command: 'up' } });
    expect(a).toMatchObject({ events: [], rollbackOf: ['alpha', 'beta'], deployed: { command: 'up' } });
    expect(a.short).not.toBe(b.short);
    expect(rev.A.revision.startsWith(a.short) && rev.B.revision.startsWith(b.short)).toBe(true);

    // status shows that form (the table), and the whole revision in --json
    const table = expectOk(await f.cli(['status']), 'status').stdout;
    const header = table.split('\n')[0]!.split(/\s{2,}/);
    const alphaRow = table
      .split('\n')
      .find((l) => l.startsWith('alpha '))!
      .split(/\s{2,}/);
    expect(alphaRow[header.indexOf('REVISION')]).toBe(b.short);
    const statusJson = JSON.parse(expectOk(await f.cli(['status', '--json', 'event,revision']), 'status --json').stdout);
    expect(statusJson).toEqual([
      { event: 'alpha', revision: rev.B.revision },
      { event: 'beta', revision: rev.B.revision },
    ]);
    const list = expectOk(await f.cli(['revisions']), 'revisions').stdout;
    expect(list).toContain(a.short);
    expect(list).toContain(b.short);

    // the commit alone names both builds: exit 2, naming each as shown, nothing changed
    const ambiguous = await f.cli(['rollback', '--to', rev.A.revision.slice(0, 7)]);
    expect(ambiguous.code, ambiguous.stderr).toBe(2);
    const line = ambiguous.stderr.trimEnd().split('\n').at(-1)!;
    expect(line).toMatch(new RegExp(`^error: --to: "${rev.A.revision.slice(0, 7)}" names \\d+ revisions: `));
    expect(line).toContain(a.short);
    expect(line).toContain(b.short);
    expect(await running(f)).toEqual(before);
  });

  it('2. rollback: every event back on the previous revision’s image ID, through the canary path', async () => {
    const r = expectOk(await f.cli(['rollback', '--wait-timeout', '120']), 'rollback');
    expect(r.stderr).toContain('canary (2 events are re-created: this one first)');
    expect(r.stderr).toContain(`alpha: recreate ${f.container('alpha')} (roll back to revision ${rev.A.revision})`);
    const now = await running(f);
    for (const e of EVENTS) {
      expect(now[e]!.image, e).toBe(rev.A.id);
      expect(now[e]!.revision).toBe(rev.A.revision);
      expect(now[e]!.previous).toBe(rev.B.revision);
      expect((await inspectImage(`${f.image}:${e}`))!.Id).toBe(rev.A.id); // the event tag follows
    }
  });

  it('3. prune --keep 1 keeps the newest and what is in use, removes the rest', async () => {
    const c = expectOk(await f.cli(['build', '--base-image', BASE_IMAGE, '--dockerfile', await variant(f, 'C'), '--json']), 'build C');
    rev.C = JSON.parse(c.stdout) as BuildJson;
    expect(rev.C.revision).not.toBe(rev.B.revision);
    const before = await running(f);

    const p = expectOk(await f.cli(['prune', '--keep', '1', '--json']), 'prune --keep 1');
    const result = JSON.parse(p.stdout) as { kept: Array<{ revision: string; why: string }>; removed: Array<{ revision: string }> };
    expect(result.removed.map((x) => x.revision)).toEqual([rev.B.revision]);
    expect(Object.fromEntries(result.kept.map((x) => [x.revision, x.why.split(' ')[0]]))).toEqual({
      [rev.C.revision]: 'newest',
      [rev.A.revision]: 'in',
    });
    expect(await inspectImage(rev.B.ref)).toBeNull();
    expect((await inspectImage(rev.A.ref))?.Id).toBe(rev.A.id);
    expect((await inspectImage(rev.C.ref))?.Id).toBe(rev.C.id);
    expect(await running(f)).toEqual(before); // nothing running touched
  });

  it('4. rollback --to a named revision; a pruned or malformed one is refused and nothing changes', async () => {
    const before = await running(f);
    const gone = await f.cli(['rollback', '--to', rev.B.revision]);
    expect(gone.code).toBe(2);
    expect(gone.stderr.trimEnd().split('\n').at(-1)).toBe(
      `error: nothing rolled back: revision ${rev.B.revision}: ${rev.B.ref} is not on the engine (pruned, or never built here)`,
    );
    const bad = await f.cli(['rollback', '--to', 'latest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --to: "latest" is not a revision/m);
    expect(await running(f)).toEqual(before);

    // C as `revisions` shows it (a unique start), as a person would copy it
    const shown = (
      JSON.parse(expectOk(await f.cli(['revisions', '--json']), 'revisions').stdout) as {
        revisions: Array<{ revision: string; short: string }>;
      }
    ).revisions.find((x) => x.revision === rev.C.revision)!.short;
    expect(shown.length).toBeLessThan(rev.C.revision.length);
    const r = expectOk(await f.cli(['rollback', '--to', shown, '--json']), 'rollback --to C');
    const json = JSON.parse(r.stdout) as { revisions: Record<string, string>; results: Array<{ ok: boolean }> };
    expect(json.revisions).toEqual({ alpha: rev.C.revision, beta: rev.C.revision });
    expect(json.results.every((x) => x.ok)).toBe(true);
    const now = await running(f);
    for (const e of EVENTS) {
      expect(now[e]!.image).toBe(rev.C.id);
      expect(now[e]!.previous).toBe(rev.A.revision);
    }

    // one event only: beta back to its previous (A), alpha untouched
    expectOk(await f.cli(['rollback', 'beta']), 'rollback beta');
    const after = await running(f);
    expect(after.alpha).toEqual(now.alpha);
    expect(after.beta!.image).toBe(rev.A.id);
  });

  it('5. audit: one entry per command, in order, with who, revision, per-event actions and outcome', async () => {
    const r = expectOk(await f.cli(['audit', '--json']), 'audit --json');
    const log = JSON.parse(r.stdout) as {
      entries: Array<{
        command: string;
        who: string;
        revision: string | null;
        outcome: string;
        events: Array<{ event: string; action: string }>;
      }>;
    };
    // up A, up B, rollback, prune, rollback --to B (refused inside the lock), rollback --to C, rollback beta
    expect(log.entries.map((e) => [e.command, e.outcome.split(':')[0]])).toEqual([
      ['up', 'ok'],
      ['up', 'ok'],
      ['rollback', 'ok'],
      ['prune', 'ok'],
      ['rollback', 'error'],
      ['rollback', 'ok'],
      ['rollback', 'ok'],
    ]);
    expect(log.entries[0]!.revision).toBe(rev.A.revision);
    expect(log.entries[1]!.revision).toBe(rev.B.revision);
    expect(log.entries[1]!.events.map((e) => [e.event, e.action])).toEqual([
      ['alpha', 'recreate'],
      ['beta', 'recreate'],
    ]);
    expect(log.entries[6]!.events.map((e) => e.event)).toEqual(['beta']);
    for (const e of log.entries) expect(e.who).not.toBe('');

    const two = JSON.parse(expectOk(await f.cli(['audit', '-n', '2', '--json']), 'audit -n 2').stdout) as typeof log;
    expect(two.entries).toEqual(log.entries.slice(-2));
    const text = expectOk(await f.cli(['audit', '-n', '1']), 'audit -n 1');
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toContain('rollback');

    expectOk(await f.cli(['down']), 'down');
    const last = JSON.parse(expectOk(await f.cli(['audit', '-n', '1', '--json']), 'audit').stdout) as typeof log;
    expect(last.entries[0]!.command).toBe('down');
    expect(last.entries[0]!.events.map((e) => e.event).sort()).toEqual([...EVENTS]);
  });

  it('5b. a rollback to a revision that cannot start: the canary is put back and its tag names the image it runs again', async () => {
    expectOk(await f.up(), 'up again after the down of 5');
    const before = await running(f);
    const tagOf = async (e: string) => (await inspectImage(`${f.image}:${e}`))?.Id;
    const tagsBefore = { alpha: await tagOf('alpha'), beta: await tagOf('beta') };
    expect(tagsBefore.alpha).toBe(before.alpha!.image);
    const crashing = await testDockerfile(f, 'Crashing.Dockerfile', {
      append: `# TEST ONLY: an app that exits at start (${runId}).\nRUN echo 'process.exit(3)' > /app/server.cjs\n`,
    });
    const built = JSON.parse(
      expectOk(await f.cli(['build', '--base-image', BASE_IMAGE, '--dockerfile', crashing, '--json']), 'build X').stdout,
    ) as BuildJson;

    const r = await f.cli(['rollback', '--to', built.revision, '--wait-timeout', '20']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('alpha: rolled back to its previous container');
    const after = await running(f);
    expect(after).toEqual(before); // alpha back on its container, beta never tried
    expect({ alpha: await tagOf('alpha'), beta: await tagOf('beta') }).toEqual(tagsBefore);
    // the crashing image itself, by ID: removing only its rev- tag left it under the commit tag, and
    // untagged (dangling, for good) once the next build took that tag
    await docker(['rmi', '-f', built.id]);
  });

  it('5c. after a canary that failed and was put back, a plain rollback moves nothing (no event was changed)', async () => {
    const before = await running(f);
    const crashing = path.join(f.dir, 'Crashing.Dockerfile'); // written by 5b
    const failed = await f.up(['--dockerfile', crashing]);
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toContain('alpha: rolled back to its previous container');
    expect(await running(f)).toEqual(before);

    const r = await f.cli(['rollback']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: nothing rolled back: the last up \(\S+, revision [0-9a-f]{7}-[0-9a-f]{12}\) moved no event onto a new container \(failed: 1 of 2 event\(s\)\); name the events/m,
    );
    expect(await running(f)).toEqual(before); // beta never touched: not moved back a revision either
  });

  it('6. the revision is one per build input: same input reuses it; another base image ID or another context does not', async () => {
    const build = async (args: string[]) =>
      JSON.parse(expectOk(await f.cli(['build', '--json', ...args]), `build ${args.join(' ')}`).stdout) as BuildJson;
    const same = await build(['--base-image', BASE_IMAGE, '--dockerfile', await variant(f, 'C')]);
    expect(same).toMatchObject({ revision: rev.C.revision, id: rev.C.id, built: false });
    const otherBase = await build(['--base-image', 'demo-fleet-test/base:fixture', '--dockerfile', await variant(f, 'C')]);
    expect(otherBase.revision).not.toBe(rev.C.revision);
    expect(otherBase.revision.slice(0, 7)).toBe(rev.C.revision.slice(0, 7)); // same commit
    expect(otherBase.built).toBe(true);
    const labels = (await inspectImage(otherBase.ref))!.Config.Labels!;
    expect(labels['dev.demo-fleet.base-image-id']).toBe((await inspectImage('demo-fleet-test/base:fixture'))!.Id);
  });
});

describe.skipIf(!engine.ok)('audit log store: concurrent writers', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) {
      await removeAuditCarriers(dir);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('7. 10 concurrent appends → 10 whole lines, read back in time order', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'demo-fleet-audit-'));
    const auditDir = path.join(dir, 'appdata', '.demo-fleet', 'audit');
    const dockerode = new Docker();
    const fleet = `t-${runId}-audit`;
    expect(await readEntries(dockerode, auditDir)).toEqual([]); // no directory yet: an empty log, not an error
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        appendEntry(
          dockerode,
          auditDir,
          newEntry('up', { name: fleet }, 'tester', {
            revision: null,
            events: [{ event: `e${i}`, action: 'create', ok: true, status: 'x'.repeat(150) }],
            outcome: 'ok',
          }),
        ),
      ),
    );
    const files = await readdir(auditDir);
    expect(files).toHaveLength(10);
    for (const file of files) {
      const text = await readFile(path.join(auditDir, file), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n')).toHaveLength(2); // one line, then the end
      expect(JSON.parse(text).fleet).toBe(fleet);
    }
    const entries = (await readEntries(dockerode, auditDir)) as AuditEntry[];
    expect(entries.map((e) => e.events[0]!.event).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`).sort());
    const times = entries.map((e) => e.time);
    expect([...times].sort()).toEqual(times);
    // the 10 writers made one carrier for the directory, kept for the next write
    const carriers = await docker([
      'ps',
      '-a',
      '--filter',
      `label=dev.demo-fleet.audit-dir=${auditDir}`,
      '--format',
      '{{.Names}} {{.State}}',
    ]);
    expect(carriers.trim()).toBe(`${carrierName(auditDir)} created`);
    // removed (e.g. `docker container prune`): the next write makes it again, the log is the directory
    await docker(['rm', carrierName(auditDir)]);
    await appendEntry(dockerode, auditDir, newEntry('down', { name: fleet }, 'tester', { revision: null, events: [], outcome: 'ok' }));
    expect(await readEntries(dockerode, auditDir)).toHaveLength(11);
  });
});

const registry = engine.ok ? registryAvailable() : engine;

describe.skipIf(!registry.ok)('build --pull against a real registry', () => {
  const make = fleets();
  let reg: TestRegistry;
  let f: TestFleet;
  let baseRef = '';
  const dockerode = new Docker();

  beforeAll(async () => {
    await ensureBaseImage();
    reg = await startRegistry();
    baseRef = `${reg.host}/base-${runId}:1`;
    f = await make({ events: { alpha: [] }, env: { REGISTRY_USERNAME: reg.username, REGISTRY_PASSWORD: reg.password } });
  }, 120_000);

  afterAll(async () => {
    await docker(['rmi', baseRef]).catch(() => {});
    // the pulls also left digest references (<repo>@sha256:…) on the fixture bases: those go too
    const repo = baseRef.slice(0, baseRef.lastIndexOf(':'));
    const digests = (await docker(['images', '--digests', '--format', '{{.Digest}}', repo]).catch(() => '')).split('\n');
    for (const d of new Set(digests.filter((x) => x.startsWith('sha256:')))) await docker(['rmi', `${repo}@${d}`]).catch(() => {});
    await reg?.stop();
  });

  async function publishBase(source: string): Promise<string> {
    await docker(['tag', source, baseRef]);
    const stream = await dockerode.getImage(baseRef).push({
      authconfig: { username: reg.username, password: reg.password, serveraddress: reg.host },
    } as never);
    await new Promise((resolve, reject) =>
      dockerode.modem.followProgress(stream as unknown as NodeJS.ReadableStream, (err, res) => (err ? reject(err) : resolve(res))),
    );
    return (await inspectImage(source))!.Id;
  }

  it('8. a base absent locally is pulled; --pull fetches a re-published tag: another base ID, another revision', async () => {
    const fixtureId = await publishBase('demo-fleet-test/base:fixture');
    await docker(['rmi', baseRef]); // the engine no longer has it: the build pulls it
    const build = async (args: string[]) =>
      JSON.parse(
        expectOk(await f.cli(['build', '--json', '--base-image', baseRef, ...args]), `build ${args.join(' ')}`).stdout,
      ) as BuildJson;
    const first = await build([]);
    expect(first.built).toBe(true);
    expect((await inspectImage(baseRef))!.Id).toBe(fixtureId);

    // the registry's tag now names another image; the engine's copy is the old one
    const tailnetId = await publishBase(BASE_IMAGE);
    await docker(['tag', 'demo-fleet-test/base:fixture', baseRef]);
    const stale = await build([]);
    expect(stale).toMatchObject({ revision: first.revision, built: false });

    const pulled = await build(['--pull']);
    expect((await inspectImage(baseRef))!.Id).toBe(tailnetId);
    expect(pulled.revision).not.toBe(first.revision);
    expect(pulled.built).toBe(true);
    expect((await inspectImage(pulled.ref))!.Config.Labels!['dev.demo-fleet.base-image-id']).toBe(tailnetId);
  });
});
