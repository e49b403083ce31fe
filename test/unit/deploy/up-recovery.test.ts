/**
 * What an interrupted deploy (or a person) leaves, settled by the next `up` (converge/recovery.ts), and
 * what `up` touches at all — in-process on the in-memory target: a replacement left under `-next-`, an
 * unfinished replacement under the event's name with its predecessor under `-prev-`, both intermediates
 * and nothing under the name, a container renamed by hand (adopted: same container), `status` and `down`
 * on leftovers, a recovery step the engine refuses; `up <event>` converging only that event; a fleet
 * renamed in its file refused where its state dirs are held. (From engine-up.test.ts 3a-3c; the kill test
 * keeps the real kills.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { status } from '../../../cli/deploy/status.js';
import { assertConverged } from '../../../cli/deploy/up.js';
import { DeployError, EXIT } from '../../../cli/errors.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { drive, type MemoryFleet, memoryFleet, useFakeClock } from '../../helpers/memory-fleet.js';
import type { MemoryContainer } from '../../helpers/memory-target.js';

useFakeClock();

const EVENTS = ['alpha', 'beta', 'gamma'] as const;
let f: MemoryFleet;
afterEach(() => f?.cleanup());

async function deployed(): Promise<Record<string, MemoryContainer>> {
  f = await memoryFleet({ events: { alpha: [], beta: [], gamma: [] } });
  assertConverged((await f.up()).results);
  return Object.fromEntries(EVENTS.map((e) => [e, f.target.container(f.container(e))!]));
}

/** Every container of the fleet, by name. */
const names = () =>
  [...f.target.all.values()]
    .filter((c) => c.labels[LABELS.fleet] === f.name)
    .map((c) => c.name)
    .sort();

/** The replacement a re-create of `old` makes, as replace.ts names and labels it (not started). */
function replacementOf(old: MemoryContainer, name: string): MemoryContainer {
  return f.target.seed({
    name,
    labels: { ...old.labels, [LABELS.replaces]: old.id },
    image: old.image,
    imageId: old.imageId,
    env: old.env,
    mounts: old.mounts,
    state: 'created',
  });
}

describe('up settles what an interrupted deploy left', () => {
  it('a replacement left under -next- (killed after its create): removed; the event keeps its container', async () => {
    const before = await deployed();
    const next = replacementOf(before.alpha!, `${f.container('alpha')}-next-${before.alpha!.id.slice(0, 12)}`);
    const r = await f.up();
    expect(r.plan.recovery.map((s) => [s.kind, s.container.name])).toEqual([['discard', next.name]]);
    expect(f.report.text()).toContain(`alpha: remove ${next.name} (the replacement an interrupted re-create left; state dir kept)`);
    expect(r.plan.actions.map((a) => a.kind)).toEqual(['keep', 'keep', 'keep']);
    expect(names()).toEqual(EVENTS.map((e) => f.container(e)));
    expect(f.target.container(f.container('alpha'))!.id).toBe(before.alpha!.id);
  });

  it('an unfinished replacement under the name, its predecessor under -prev- (killed in the readiness wait): the predecessor takes the name back', async () => {
    const before = await deployed();
    const old = before.beta!;
    old.name = `${f.container('beta')}-prev-${old.id.slice(0, 12)}`;
    old.state = 'exited';
    const fresh = replacementOf(old, f.container('beta'));
    fresh.state = 'running';
    const r = await f.up();
    expect(r.plan.recovery.map((s) => [s.kind, s.container.id])).toEqual([
      ['discard', fresh.id],
      ['adopt', old.id],
    ]);
    expect(r.plan.actions.find((a) => a.event === 'beta')!.kind).toBe('start');
    assertConverged(r.results);
    expect(f.target.container(f.container('beta'))!.id).toBe(old.id);
    expect(f.target.container(fresh.id)).toBeUndefined();
    expect(names()).toEqual(EVENTS.map((e) => f.container(e)));
  });

  it('-next- and -prev- and nothing under the name (killed between the renames): the predecessor is adopted, the replacement removed', async () => {
    const before = await deployed();
    const old = before.gamma!;
    old.name = `${f.container('gamma')}-prev-${old.id.slice(0, 12)}`;
    old.state = 'exited';
    const next = replacementOf(old, `${f.container('gamma')}-next-${old.id.slice(0, 12)}`);
    // status first: gamma has no container under its name; the two are leftovers, never event rows
    const st = await drive(status(await f.open()));
    expect(st.events.find((e) => e.event === 'gamma')).toMatchObject({ state: 'missing', inFleet: true });
    expect(st.events.map((e) => e.event)).toEqual([...EVENTS]);
    expect(st.leftovers.map((l) => l.container).sort()).toEqual([old.name, next.name].sort());
    const r = await f.up();
    expect(r.plan.recovery.map((s) => [s.kind, s.container.id])).toEqual([
      ['adopt', old.id],
      ['discard', next.id],
    ]);
    assertConverged(r.results);
    expect(f.target.container(f.container('gamma'))!.id).toBe(old.id);
    expect(names()).toEqual(EVENTS.map((e) => f.container(e)));
  });

  it('a container renamed by hand gets its name back (same container, same state dir), never doubled', async () => {
    const before = await deployed();
    const renamed = `${f.container('gamma')}-renamed`;
    before.gamma!.name = renamed;
    const st = await drive(status(await f.open()));
    expect(st.events.filter((e) => e.event === 'gamma')).toEqual([
      expect.objectContaining({ container: f.container('gamma'), state: 'missing', inFleet: true }),
    ]);
    expect(st.leftovers).toEqual([{ event: 'gamma', container: renamed, state: 'running' }]);
    const r = await f.up();
    expect(r.plan.recovery).toEqual([expect.objectContaining({ event: 'gamma', kind: 'adopt', name: f.container('gamma') })]);
    expect(r.plan.actions.map((a) => a.kind)).toEqual(['keep', 'keep', 'keep']);
    expect(f.target.container(f.container('gamma'))!.id).toBe(before.gamma!.id);
    expect(f.target.container(renamed)).toBeUndefined();
    expect([...f.target.all.values()].filter((c) => c.labels[LABELS.event] === 'gamma')).toHaveLength(1);
  });

  it("down <event> removes the event's leftovers too; the others stay", async () => {
    const before = await deployed();
    const next = replacementOf(before.alpha!, `${f.container('alpha')}-next-${before.alpha!.id.slice(0, 12)}`);
    const r = await f.down({ events: ['alpha'] });
    expect(r.removed.map((x) => x.container).sort()).toEqual([f.container('alpha'), next.name].sort());
    expect(names()).toEqual([f.container('beta'), f.container('gamma')]);
  });

  it('a recovery step the engine refuses ends the deploy before any event is touched (exit 5)', async () => {
    const before = await deployed();
    const next = replacementOf(before.alpha!, `${f.container('alpha')}-next-${before.alpha!.id.slice(0, 12)}`);
    f.target.fail({
      call: 'containers.stopAndRemove',
      when: (id) => id === next.id,
      message: 'removal of container in progress',
      statusCode: 409,
    });
    const up = f.up({ dockerfile: 'Other.Dockerfile' });
    await expect(up).rejects.toBeInstanceOf(DeployError);
    await expect(up).rejects.toThrow(
      `alpha: could not remove ${next.name}: removal of container in progress (no event was changed; run the command again)`,
    );
    expect(((await up.catch((e: DeployError) => e)) as DeployError).exitCode).toBe(EXIT.deploy);
    for (const e of EVENTS) expect(f.target.container(f.container(e))!.id).toBe(before[e]!.id);
    expect(f.target.calls.filter((c) => c.startsWith('containers.replace'))).toEqual([]);
  });
});

describe('what up touches', () => {
  it('up <event> converges only that event; a change to another one waits for the next up', async () => {
    const before = await deployed();
    const text = await readFile(f.file, 'utf8');
    await writeFile(
      f.file,
      text.replace(
        /( {2}(alpha|gamma):\n)/g,
        (_m, head: string, e: string) => `${head}    inviteLink: https://login.tailscale.com/admin/invite/${e}-2\n`,
      ),
    );
    const r = await f.up({ events: ['gamma'] });
    expect(r.plan.actions.map((a) => [a.event, a.kind])).toEqual([['gamma', 'recreate']]);
    expect(f.report.text()).toContain('not in this run (untouched): alpha, beta');
    expect(f.report.text()).toContain(`gamma: recreate ${f.container('gamma')} (configuration changed: env DEMO_INVITE_LINK added)`);
    expect(f.target.container(f.container('alpha'))!.id).toBe(before.alpha!.id);
    expect(f.target.container(f.container('gamma'))!.id).not.toBe(before.gamma!.id);
    const all = await f.up();
    expect(all.plan.actions.map((a) => [a.event, a.kind])).toEqual([
      ['alpha', 'recreate'],
      ['beta', 'keep'],
      ['gamma', 'keep'],
    ]);
  });

  it('the fleet renamed in its file: every event whose state dir the old containers hold is refused, nothing created', async () => {
    const before = await deployed();
    await writeFile(f.file, (await readFile(f.file, 'utf8')).replace(/^name: .*$/m, 'name: mem-renamed'));
    const r = await f.up();
    expect(r.plan.actions.map((a) => a.kind)).toEqual(['conflict', 'conflict', 'conflict']);
    const beta = r.results.find((x) => x.event === 'beta')!;
    expect(beta.status).toContain('refused: mem-renamed-beta would share its state dir ');
    expect(beta.status).toContain(`with ${f.container('beta')} of demo-fleet fleet "${f.name}"`);
    expect([...f.target.all.values()].filter((c) => c.name.startsWith('mem-renamed'))).toEqual([]);
    for (const e of EVENTS) expect(f.target.container(f.container(e))!.id).toBe(before[e]!.id);
  });
});
