/**
 * Revisions and `rollback` against the real engine, where only it shows them: up (revision A, real
 * builds) → up of a changed build (B) → rollback (back to A: real re-creates, the event tags follow) →
 * the revision per build input (a real base image ID). Apart from that: `build --pull` against a real
 * registry, and 10 concurrent audit writers on the Docker audit store. prune, rollback --to and its
 * refusals, a rollback that cannot start, a plain rollback after a failed canary and the audit entries
 * of it all are tested in-process on the in-memory target: test/unit/deploy/rollback-memory.test.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, newEntry } from '../../cli/deploy/audit-entry.js';
import { appendEntry, legacyCarrierName, readEntries } from '../../cli/targets/docker/audit-store.js';
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

describe.skipIf(!engine.ok)('revisions and rollback (2 events)', () => {
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

  it('6. the revision is one per build input: same input reuses it; another base image ID or another context does not', async () => {
    const build = async (args: string[]) =>
      JSON.parse(expectOk(await f.cli(['build', '--json', ...args]), `build ${args.join(' ')}`).stdout) as BuildJson;
    rev.C = await build(['--base-image', BASE_IMAGE, '--dockerfile', await variant(f, 'C')]);
    expect(rev.C.revision).not.toBe(rev.B.revision);
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
    // each writer's carrier was removed after its write: nothing of the log is left on the engine but the directory
    const carriers = () =>
      docker(['ps', '-a', '--filter', `label=dev.demo-fleet.audit-dir=${auditDir}`, '--format', '{{.Names}} {{.State}}']);
    expect((await carriers()).trim()).toBe('');
    // a carrier an earlier version kept for the directory is removed by the next write
    await docker([
      'create',
      '--name',
      legacyCarrierName(auditDir),
      '--label',
      'dev.demo-fleet.role=audit',
      '--label',
      `dev.demo-fleet.audit-dir=${auditDir}`,
      '-v',
      `${auditDir}:/audit`,
      'demo-fleet/lock:1',
      'audit',
    ]);
    await appendEntry(dockerode, auditDir, newEntry('down', { name: fleet }, 'tester', { revision: null, events: [], outcome: 'ok' }));
    expect((await carriers()).trim()).toBe('');
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
