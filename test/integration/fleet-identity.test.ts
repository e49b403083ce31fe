/**
 * Fleet identity on the real engine: a second fleet file with the same `name:` (another directory, as
 * `init` makes it) never touches the first one's containers; removing every container of a fleet needs
 * --prune; another fleet file of the same name waits for our deploy lock and cannot remove it; its prune keeps our rollback target; a fleet file without `id:` is refused with the fix before anything is touched.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_IMAGE, LOCK_LABELS } from '../../cli/targets/docker/lock.js';
import { LABELS } from '../../cli/fleet/naming.js';
import {
  BASE_IMAGE,
  docker,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  MODEL_KEY,
  MODEL_KEY_VAR,
  removeAuditCarriers,
  runCli,
  type TestFleet,
  testDockerfile,
} from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';

const engine = dockerEngine();

async function ids(f: TestFleet, events: string[]): Promise<Array<string | null>> {
  return Promise.all(events.map(async (e) => (await inspectContainer(f.container(e)))?.Id ?? null));
}

describe.skipIf(!engine.ok)('engine: fleet identity', () => {
  const make = fleets();
  let first: TestFleet;
  let firstIds: Array<string | null> = [];
  let otherDir = '';
  const other = (args: string[]) => runCli(args, { cwd: otherDir, env: { [MODEL_KEY_VAR]: MODEL_KEY } });

  beforeAll(async () => {
    await ensureBaseImage();
    first = await make({ events: { alpha: [], beta: [] } });
    expectOk(await first.up(), 'up of the first fleet');
    firstIds = await ids(first, ['alpha', 'beta']);
    expect(firstIds.every(Boolean)).toBe(true);
    otherDir = await mkdtemp(path.join(tmpdir(), 'demo-fleet-identity-'));
    // The same name and image as the first fleet, as a second `init` in another directory makes it.
    expectOk(await other(['init', '--name', first.name, '--image', first.image]), 'init of the second fleet');
  });

  afterAll(async () => {
    if (otherDir) {
      await removeAuditCarriers(otherDir);
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("the containers carry the fleet file's id", async () => {
    const id = /^id: ([a-z2-7]{12})$/m.exec(await readFile(first.file, 'utf8'))?.[1];
    expect(id).toBeDefined();
    expect((await inspectContainer(first.container('alpha')))?.Config.Labels?.[LABELS.fleetId]).toBe(id);
    expect(await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8')).not.toContain(`id: ${id}`);
  });

  it("an empty second fleet file of the same name removes nothing of the first's", async () => {
    const r = await other(['up', '--base-image', BASE_IMAGE]);
    expect(r.code, r.stderr).toBe(0);
    expect(await ids(first, ['alpha', 'beta'])).toEqual(firstIds);
  });

  it('a second fleet file wanting the same event is refused, naming both fleets; the first is untouched', async () => {
    expectOk(await other(['add', 'alpha', '--auth-key-env', MODEL_KEY_VAR]), 'add alpha to the second fleet');
    const ourId = /^id: (\S+)$/m.exec(await readFile(first.file, 'utf8'))?.[1];
    const theirId = /^id: (\S+)$/m.exec(await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8'))?.[1];
    const r = await other(['up', '--base-image', BASE_IMAGE]);
    expect(r.code, r.stderr).toBe(5); // EXIT.deploy: the event is refused
    expect(r.stderr).toContain(`${first.container('alpha')}`);
    expect(r.stderr).toContain(`id ${ourId}`);
    expect(r.stderr).toContain(`id ${theirId}`);
    expect(await ids(first, ['alpha', 'beta'])).toEqual(firstIds);
    // and down of the second fleet touches none of them
    expectOk(await other(['down']), 'down of the second fleet');
    expect(await ids(first, ['alpha', 'beta'])).toEqual(firstIds);
  });

  it('a fleet file without id: is refused with the fix (exit 2, nothing touched); init adds one', async () => {
    const text = await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8');
    const without = text.replace(/^# Fleet identity.*\nid: .*\n/m, '');
    expect(without).not.toMatch(/^id:/m);
    await writeFile(path.join(otherDir, 'fleet.yaml'), without);
    for (const args of [['up', '--base-image', BASE_IMAGE], ['down'], ['status']]) {
      const r = await other(args);
      expect(r.code, args.join(' ')).toBe(2);
      // one line with the fix (after the step header `up` prints first)
      const errors = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('==>'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/fleet\.yaml: no `id:`.*run `demo-fleet init` to add one/);
    }
    expect(await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8')).toBe(without);
    const init = expectOk(await other(['init']), 'init on a file without id');
    expect(init.stdout).toContain('added a fleet id');
    const after = await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8');
    expect(after.replace(/^# Fleet identity.*\nid: .*\n/m, '')).toBe(without);
    expect(await ids(first, ['alpha', 'beta'])).toEqual(firstIds);
  });

  it("the deploy lock: a second fleet file of the same name waits for the first's, and cannot remove it", async () => {
    // the first fleet's lock, as its `up` takes it, held by this (live) test process
    const firstId = /^id: (\S+)$/m.exec(await readFile(first.file, 'utf8'))![1]!;
    const otherId = /^id: (\S+)$/m.exec(await readFile(path.join(otherDir, 'fleet.yaml'), 'utf8'))![1]!;
    const labels = {
      [LOCK_LABELS.fleet]: first.name,
      [LOCK_LABELS.holder]: 'alice@here',
      [LOCK_LABELS.host]: os.hostname(),
      [LOCK_LABELS.pid]: String(process.pid),
      [LOCK_LABELS.since]: new Date().toISOString(),
      [LOCK_LABELS.message]: 'hold',
      [LOCK_LABELS.fleetId]: firstId,
    };
    const args = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const marker = (await docker(['create', '--name', first.lock, ...args, LOCK_IMAGE, 'lock'])).trim();
    try {
      const status = expectOk(await other(['lock', 'status']), 'lock status of the second').stdout;
      expect(status).toContain(`(another fleet file of the same name: id ${firstId})`);
      // the two share container names: the second waits for the first's deploy
      const up = await other(['up', '--base-image', BASE_IMAGE]);
      expect(up.code).toBe(4);
      expect(up.stderr).toContain(`another fleet file of the same name (id ${firstId}, this one is ${otherId})`);
      // and cannot remove its lock
      for (const cmd of [
        ['lock', 'release'],
        ['down', '--force-unlock'],
      ]) {
        const r = await other(cmd);
        expect(r.code, cmd.join(' ')).toBe(4);
        expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
          new RegExp(
            `^error: the deploy lock ${first.lock} is held by alice@here since \\S+ for another fleet file of the same name \\(id ${firstId}; this one is ${otherId}\\): not removed`,
          ),
        );
        expect((await inspectContainer(first.lock))?.Id, "the first fleet's lock is untouched").toBe(marker);
      }
      // the first fleet's own lock release removes it
      expect(expectOk(await first.cli(['lock', 'release']), 'lock release of the first').stdout).toMatch(/^released the lock/);
      expect(await inspectContainer(first.lock)).toBeNull();
    } finally {
      await docker(['rm', '-f', marker]);
    }
  });

  it("prune of a second fleet file on the same image repository keeps the first one's rollback target", async () => {
    const dockerfile = await testDockerfile(first, 'second-revision.Dockerfile', {
      append: `# TEST ONLY: a second revision of ${first.name}\n`,
    });
    expectOk(await first.up(['--dockerfile', dockerfile]), 'up of a second revision of the first fleet');
    firstIds = await ids(first, ['alpha', 'beta']);
    const labels = (await inspectContainer(first.container('alpha')))?.Config.Labels ?? {};
    const previous = labels[LABELS.previousRevision];
    expect(previous, 'the first fleet can roll back').toMatch(/^\S+-[0-9a-f]{12}$/);

    const r = expectOk(await other(['prune', '--keep', '0', '--json']), 'prune --keep 0 of the second fleet');
    const result = JSON.parse(r.stdout) as { kept: Array<{ revision: string; why: string }>; removed: Array<{ revision: string }> };
    // (the second fleet's own unused revision, from its `up` above, may go)
    expect(result.removed.map((x) => x.revision)).not.toContain(previous);
    expect(result.kept).toContainEqual({
      revision: previous,
      imageId: expect.any(String),
      why: expect.stringMatching(
        new RegExp(`^rollback target of (${first.container('alpha')}|${first.container('beta')}) \\(another fleet file\\)$`),
      ),
    });
    expect(result.kept).toContainEqual(
      expect.objectContaining({ revision: labels[LABELS.revision], why: expect.stringMatching(/^in use by /) }),
    );
    expectOk(await first.cli(['rollback', '--wait-timeout', '120']), 'the first fleet rolls back');
    expect(await ids(first, ['alpha', 'beta'])).not.toEqual(firstIds);
    expect((await inspectContainer(first.container('alpha')))?.Config.Labels?.[LABELS.revision]).toBe(previous);
    firstIds = await ids(first, ['alpha', 'beta']);
  });

  it('an up that would remove every container of the fleet needs --prune', async () => {
    expectOk(await first.cli(['remove', 'alpha']), 'remove alpha');
    expectOk(await first.cli(['remove', 'beta']), 'remove beta');
    const refused = await first.up();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/would remove every container of this fleet .*demo-fleet up --prune/);
    expect(await ids(first, ['alpha', 'beta'])).toEqual(firstIds);
    expectOk(await first.up(['--prune']), 'up --prune');
    expect(await ids(first, ['alpha', 'beta'])).toEqual([null, null]);
  });
});
