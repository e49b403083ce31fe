/**
 * Fleet identity in-process on one in-memory target shared by two fleet files of the same name (another
 * directory, another `id:`), as test/integration/fleet-identity.test.ts did on a real engine: the second
 * never touches the first's containers, waits for its deploy lock and cannot remove it, its prune keeps
 * the first's rollback target; a fleet file without `id:` is refused with the fix; removing every
 * container of a fleet needs --prune.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockRelease, lockStatus } from '../../../cli/deploy/lock-commands.js';
import { assertConverged } from '../../../cli/deploy/up.js';
import { DeployError, EXIT, LockedError, UsageError } from '../../../cli/errors.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { type MemoryFleet, memoryFleet, useFakeClock } from '../../helpers/memory-fleet.js';
import { memoryTarget } from '../../helpers/memory-target.js';

useFakeClock();

describe('fleet identity on one in-memory target', () => {
  let first: MemoryFleet;
  let other: MemoryFleet;
  let firstIds: string[] = [];
  const ids = () => ['alpha', 'beta'].map((e) => first.target.container(first.container(e))?.id ?? null);

  beforeEach(async () => {
    const target = memoryTarget();
    first = await memoryFleet({ name: 'same', id: 'firstfleet22', events: { alpha: [], beta: [] } }, target);
    assertConverged((await first.up()).results);
    firstIds = ids() as string[];
    // the same name and image, as a second `init` in another directory makes it
    other = await memoryFleet({ name: 'same', id: 'otherfleet33', events: {} }, target);
  });
  afterEach(async () => {
    await first.cleanup();
    await other.cleanup();
  });

  it("the containers carry the fleet file's id; an empty second fleet file of the same name removes nothing of the first's", async () => {
    expect(first.target.container(first.container('alpha'))!.labels[LABELS.fleetId]).toBe('firstfleet22');
    const r = await other.up();
    expect(r.plan.actions).toEqual([]);
    expect(ids()).toEqual(firstIds);
    await other.down();
    expect(ids()).toEqual(firstIds);
  });

  it('a second fleet file wanting the same event is refused naming both fleets (exit 5); its down touches none of them', async () => {
    await writeFile(other.file, (await readFile(other.file, 'utf8')).replace('events: {}\n', 'events:\n  alpha: {}\n'));
    const r = await other.up();
    let err: unknown;
    try {
      assertConverged(r.results);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).exitCode).toBe(EXIT.deploy);
    const alpha = r.results.find((x) => x.event === 'alpha')!;
    expect(alpha.action).toBe('conflict');
    expect(alpha.status).toContain(first.container('alpha'));
    expect(alpha.status).toContain('id firstfleet22');
    expect(other.report.text()).toContain('id otherfleet33');
    expect(ids()).toEqual(firstIds);
    await other.down();
    expect(ids()).toEqual(firstIds);
  });

  it('a fleet file without id: is refused with the fix (exit 2) by every command, nothing touched', async () => {
    const text = await readFile(other.file, 'utf8');
    await writeFile(other.file, text.replace(/^id: .*\n/m, ''));
    const calls = other.target.calls.length;
    const refused = other.open();
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(/fleet\.yaml: no `id:`.*run `demo-fleet (--file \S+ )?init` to add one/);
    await expect(other.up()).rejects.toThrow(/no `id:`/);
    await expect(other.down()).rejects.toThrow(/no `id:`/);
    expect(other.target.calls.length).toBe(calls);
    expect(ids()).toEqual(firstIds);
  });

  it("the deploy lock: a second fleet file of the same name waits for the first's, and cannot remove it", async () => {
    first.target.plantLock('same', {
      holder: 'alice@here',
      host: os.hostname(),
      pid: process.pid,
      since: '2026-05-04T09:00:00.000Z',
      message: 'hold',
      fleetId: 'firstfleet22',
    });
    expect((await lockStatus(await other.open())).holder?.fleetId).toBe('firstfleet22');
    const up = other.up();
    await expect(up).rejects.toBeInstanceOf(LockedError);
    await expect(up).rejects.toThrow('another fleet file of the same name (id firstfleet22, this one is otherfleet33)');
    const notRemoved =
      /^the deploy lock demo-fleet-lock-same is held by alice@here since \S+ for another fleet file of the same name \(id firstfleet22; this one is otherfleet33\): not removed/;
    await expect(lockRelease(await other.open())).rejects.toThrow(notRemoved);
    await expect(other.down({ forceUnlock: true })).rejects.toThrow(notRemoved);
    expect((await first.target.lock.holder('same'))?.holder).toBe('alice@here');
    // the first fleet's own lock release removes it
    expect((await lockRelease(await first.open())).holder?.holder).toBe('alice@here');
    expect(await first.target.lock.holder('same')).toBeNull();
  });

  it("prune of a second fleet file on the same image repository keeps the first one's rollback target", async () => {
    assertConverged((await first.up({ dockerfile: 'second-revision.Dockerfile' })).results);
    const labels = first.target.container(first.container('alpha'))!.labels;
    const previous = labels[LABELS.previousRevision]!;
    expect(previous).toMatch(/^\S+-[0-9a-f]{12}$/);
    const r = await other.prune({ keep: 0 });
    expect(r.removed.map((x) => x.revision)).not.toContain(previous);
    expect(r.kept).toContainEqual({
      revision: previous,
      imageId: expect.any(String),
      why: expect.stringMatching(/^rollback target of same-(alpha|beta) \(another fleet file\)$/),
    });
    expect(r.kept).toContainEqual(
      expect.objectContaining({ revision: labels[LABELS.revision], why: expect.stringMatching(/^in use by /) }),
    );
    const before = ids();
    assertConverged((await first.rollback()).results);
    expect(ids()).not.toEqual(before);
    expect(first.target.container(first.container('alpha'))!.labels[LABELS.revision]).toBe(previous);
  });

  it('an up that would remove every container of the fleet needs --prune', async () => {
    await writeFile(first.file, (await readFile(first.file, 'utf8')).replace(/events:\n[\s\S]*$/, 'events: {}\n'));
    await expect(first.up()).rejects.toThrow(/^up would remove every container of this fleet .*demo-fleet up --prune/);
    expect(ids()).toEqual(firstIds);
    await first.up({ prune: true });
    expect(ids()).toEqual([null, null]);
  });
});
