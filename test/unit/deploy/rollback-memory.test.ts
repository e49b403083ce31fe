/**
 * Revisions, `rollback`, `prune` and the audit log in-process on the in-memory target (what
 * test/integration/rollback.test.ts did on a real engine where the engine adds nothing). One fleet of two
 * events through: up (A) → up of another build (B) → rollback (A, through the canary) → build C, not
 * deployed → prune --keep 1 → rollback --to a pruned / malformed revision (refused, nothing changes) →
 * rollback --to C → rollback beta → the audit entries of all of it; then a rollback to a revision that
 * cannot start (put back, tags restored) and a plain rollback after a failed canary (moves nothing).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../cli/deploy/audit-entry.js';
import { readAudit } from '../../../cli/deploy/audit.js';
import { buildFleetImage } from '../../../cli/deploy/build.js';
import { assertConverged } from '../../../cli/deploy/up.js';
import { DeployError, UsageError } from '../../../cli/errors.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { drive, type MemoryFleet, memoryFleet, recordingReporter, useFakeClock } from '../../helpers/memory-fleet.js';

useFakeClock();

const EVENTS = ['alpha', 'beta'] as const;

interface Running {
  id: string;
  imageId: string;
  revision: string | undefined;
  previous: string | undefined;
}

function running(f: MemoryFleet): Record<string, Running> {
  return Object.fromEntries(
    EVENTS.map((e) => {
      const c = f.target.container(f.container(e))!;
      return [e, { id: c.id, imageId: c.imageId, revision: c.labels[LABELS.revision], previous: c.labels[LABELS.previousRevision] }];
    }),
  );
}

const tagOf = (f: MemoryFleet, tag: string) => f.target.images.tags.get(`${f.image}:${tag}`);

async function build(f: MemoryFleet, dockerfile: string) {
  return drive(buildFleetImage(await f.open(), { dockerfile }, recordingReporter()));
}

describe('revisions, rollback, prune, audit on the in-memory target (2 events)', () => {
  let f: MemoryFleet;
  const rev = {} as Record<'A' | 'B' | 'C', { id: string; revision: string }>;

  beforeEach(async () => {
    f = await memoryFleet({ events: { alpha: [], beta: [] } });
    return () => f.cleanup();
  });

  /** up A, then up B: every event on B, A recorded as the revision before. */
  async function upAthenB(): Promise<void> {
    const a = await f.up();
    rev.A = { id: a.imageId!, revision: a.revision! };
    const b = await f.up({ dockerfile: 'B.Dockerfile' });
    rev.B = { id: b.imageId!, revision: b.revision! };
    assertConverged(b.results);
  }

  it('up records the revision on every container; another build is another revision, the old image keeps its rev- tag', async () => {
    const a = await f.up();
    for (const r of Object.values(running(f))) {
      expect(r.imageId).toBe(a.imageId);
      expect(r.revision).toBe(a.revision);
      expect(r.previous).toBeUndefined();
    }
    expect(a.revision).toMatch(/^[0-9a-f]{7}-[0-9a-f]{12}$/);
    const b = await f.up({ dockerfile: 'B.Dockerfile' });
    expect(b.revision).not.toBe(a.revision);
    expect(b.imageRef).toBe(`${f.image}:rev-${b.revision}`);
    for (const r of Object.values(running(f))) {
      expect(r.imageId).toBe(b.imageId);
      expect(r.revision).toBe(b.revision);
      expect(r.previous).toBe(a.revision);
    }
    expect(tagOf(f, `rev-${a.revision}`)).toBe(a.imageId);
  });

  it('the whole life: rollback, prune --keep 1, rollback --to (refused, then C), rollback one event, the audit of it all', async () => {
    await upAthenB();

    // rollback: every event back on A, through the canary path; the event tags follow
    const mark = f.target.calls.length;
    const back = await f.rollback();
    assertConverged(back.results);
    expect(f.report.text()).toContain('canary (2 events are re-created: this one first)');
    expect(f.report.text()).toContain(`alpha: recreate ${f.container('alpha')} (roll back to revision ${rev.A.revision})`);
    for (const r of Object.values(running(f)))
      expect(r).toMatchObject({ imageId: rev.A.id, revision: rev.A.revision, previous: rev.B.revision });
    for (const e of EVENTS) expect(tagOf(f, e)).toBe(rev.A.id);
    // the containers run A's immutable tag, not the event tag; planning moved no tag: each moved after the re-creates
    for (const e of EVENTS) expect(f.target.container(f.container(e))!.image).toBe(`${f.image}:rev-${rev.A.revision}`);
    const calls = f.target.calls.slice(mark);
    const lastReplace = calls.findLastIndex((c) => c.startsWith('containers.replace '));
    expect(lastReplace).toBeGreaterThan(-1);
    expect(calls.findIndex((c) => c.startsWith('images.tag '))).toBeGreaterThan(lastReplace);

    // build C (not deployed); prune --keep 1 keeps C (newest) and A (in use), removes B
    const c = await build(f, 'C.Dockerfile');
    rev.C = { id: c.id, revision: c.revision };
    const before = running(f);
    const pruned = await f.prune({ keep: 1 });
    expect(pruned.removed.map((x) => x.revision)).toEqual([rev.B.revision]);
    expect(Object.fromEntries(pruned.kept.map((x) => [x.revision, x.why!.split(' ')[0]]))).toEqual({
      [rev.C.revision]: 'newest',
      [rev.A.revision]: 'in',
    });
    expect(tagOf(f, `rev-${rev.B.revision}`)).toBeUndefined();
    expect(f.target.images.all.has(rev.B.id)).toBe(false);
    expect(running(f)).toEqual(before);

    // rollback --to a pruned revision, or not a revision: refused (exit 2), nothing changes
    await expect(f.rollback({ to: rev.B.revision })).rejects.toThrow(
      new UsageError(
        `nothing rolled back: revision ${rev.B.revision}: ${f.image}:rev-${rev.B.revision} is not on the engine (pruned, or never built here)`,
      ),
    );
    await expect(f.rollback({ to: 'latest' })).rejects.toThrow(/^--to: "latest" is not a revision/);
    expect(running(f)).toEqual(before);

    // rollback --to C (as rev-<revision> too)
    const toC = await f.rollback({ to: `rev-${rev.C.revision}` });
    expect(toC.revisions).toEqual({ alpha: rev.C.revision, beta: rev.C.revision });
    expect(toC.results.every((x) => x.ok)).toBe(true);
    const now = running(f);
    for (const r of Object.values(now)) expect(r).toMatchObject({ imageId: rev.C.id, previous: rev.A.revision });

    // one event: beta back to its previous (A), alpha untouched
    await f.rollback({ events: ['beta'] });
    const after = running(f);
    expect(after.alpha).toEqual(now.alpha);
    expect(after.beta!.imageId).toBe(rev.A.id);

    // the audit log: one entry per command, in order, with revision, per-event actions and outcome
    const log = await drive(readAudit(await f.open(), { lines: 100 }));
    const entries = log.entries as AuditEntry[];
    expect(entries.map((e) => [e.command, e.outcome.split(':')[0]])).toEqual([
      ['up', 'ok'],
      ['up', 'ok'],
      ['rollback', 'ok'],
      ['prune', 'ok'],
      ['rollback', 'error'], // --to B: refused inside the lock
      ['rollback', 'ok'],
      ['rollback', 'ok'],
    ]);
    expect(entries[0]!.revision).toBe(rev.A.revision);
    expect(entries[1]!.revision).toBe(rev.B.revision);
    expect(entries[1]!.events.map((e) => [e.event, e.action])).toEqual([
      ['alpha', 'recreate'],
      ['beta', 'recreate'],
    ]);
    expect(entries[6]!.events.map((e) => e.event)).toEqual(['beta']);
    for (const e of entries) expect(e.who).not.toBe('');
    expect((await drive(readAudit(await f.open(), { lines: 2 }))).entries).toEqual(entries.slice(-2));

    await f.down();
    const last = (await drive(readAudit(await f.open(), { lines: 1 }))).entries as AuditEntry[];
    expect(last[0]!.command).toBe('down');
    expect(last[0]!.events.map((e) => e.event).sort()).toEqual([...EVENTS]);
  });

  it('a rollback to a revision that cannot start: the canary is put back and its tag names the image it runs again', async () => {
    await upAthenB();
    const before = running(f);
    const tagsBefore = { alpha: tagOf(f, 'alpha'), beta: tagOf(f, 'beta') };
    expect(tagsBefore.alpha).toBe(before.alpha!.imageId);
    f.target.behave((c) => (c.image?.dockerfile === 'Crashing.Dockerfile' ? 'crash-loop' : undefined));
    const x = await build(f, 'Crashing.Dockerfile');
    const r = await f.rollback({ to: x.revision, readyTimeoutMs: 20_000 });
    expect(() => assertConverged(r.results)).toThrow(DeployError);
    expect(f.report.text()).toContain('alpha: rolled back to its previous container');
    expect(f.report.text()).toContain(`alpha: ${f.image}:alpha back on the image it runs`);
    expect(running(f)).toEqual(before); // alpha back on its container, beta never tried
    // the build moved both tags (build tags every event); after the rollback each names the image its
    // event runs again: alpha put back, beta never tried
    expect(tagOf(f, 'alpha')).toBe(tagsBefore.alpha);
    expect(tagOf(f, 'beta')).toBe(tagsBefore.beta);
  });

  it('after a canary that failed and was put back, a plain rollback moves nothing (no event was changed)', async () => {
    await upAthenB();
    const before = running(f);
    f.target.behave((c) => (c.image?.dockerfile === 'Crashing.Dockerfile' ? 'crash-loop' : undefined));
    const failed = await f.up({ dockerfile: 'Crashing.Dockerfile' });
    expect(() => assertConverged(failed.results)).toThrow(DeployError);
    expect(f.report.text()).toContain('alpha: rolled back to its previous container');
    expect(running(f)).toEqual(before);

    await expect(f.rollback()).rejects.toThrow(
      /^nothing rolled back: the last up \(\S+, revision [0-9a-f]{7}-[0-9a-f]{12}\) moved no event onto a new container \(failed: 1 of 2 event\(s\)\); name the events/,
    );
    expect(running(f)).toEqual(before); // beta not moved back a revision either
  });

  it('rollback of an event without a recorded previous revision, or without a container: refused up front, nothing changes', async () => {
    await f.up();
    const before = running(f);
    await expect(f.rollback({ events: ['alpha'] })).rejects.toThrow(
      `nothing rolled back: alpha: no previous revision is recorded on ${f.container('alpha')} (name one with --to <revision>)`,
    );
    await f.down({ events: ['beta'] });
    await expect(f.rollback({ events: ['beta'], to: before.alpha!.revision })).rejects.toThrow(
      'beta: has no container to roll back (`demo-fleet up` deploys it)',
    );
    expect(f.target.container(f.container('alpha'))!.id).toBe(before.alpha!.id);
  });
});
