/**
 * Fleet identity on the real engine: the containers carry the fleet file's id as a label, and a second
 * fleet file with the same `name:` (another directory, as `init` makes it) that wants the same event is
 * refused and its `down` touches none of the first's containers (the engine's own label listing). The
 * rest (an empty second fleet, the deploy lock between the two, prune keeping the other's rollback target,
 * a file without `id:`, --prune) is tested in-process on the in-memory target:
 * test/unit/deploy/fleet-identity.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../cli/fleet/naming.js';
import {
  BASE_IMAGE,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  MODEL_KEY,
  MODEL_KEY_VAR,
  removeAuditCarriers,
  runCli,
  type TestFleet,
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
});
