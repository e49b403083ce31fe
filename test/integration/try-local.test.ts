/**
 * try-local.sh's fleet (scripts/try-local-fleet.sh) on the real engine: each clone (here: each dir) gets
 * a fleet of its own — its own id, name and image repository — so `up` in a second one leaves the
 * first one's containers exactly as they were, and `down` there removes only its own. A second run in
 * the same dir keeps the fleet (same identity, so `up` converges it instead of making another).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../cli/fleet/naming.js';
import {
  BASE_IMAGE,
  cleanupFleet,
  ensureBaseImage,
  expectOk,
  inspectContainer,
  MODEL_KEY,
  REPO_ROOT,
  runCli,
} from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const EVENTS = ['berlin', 'cleveland', 'tokyo'];

interface TryFleet {
  dir: string;
  file: string;
  name: string;
  id: string;
  image: string;
}

const field = (text: string, key: string) => text.match(new RegExp(`^${key}: (.*)$`, 'm'))?.[1] ?? '';

describe.skipIf(!engine.ok)('try-local: a fleet of its own per clone', () => {
  const made: TryFleet[] = [];
  const env = { TS_AUTHKEY_CLEVELAND: MODEL_KEY, TS_AUTHKEY_BERLIN: MODEL_KEY, DEMO_FLEET_FILE: undefined };

  const makeTry = async (tag: string): Promise<TryFleet> => {
    const dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-try-${runId}-${tag}-`));
    const { stdout } = await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts/try-local-fleet.sh'), dir, BASE_IMAGE]);
    const file = stdout.trim();
    const text = await readFile(file, 'utf8');
    const f = { dir, file, name: field(text, 'name'), id: field(text, 'id'), image: field(text, 'image') };
    made.push(f);
    return f;
  };
  const cli = (f: TryFleet, args: string[]) => runCli(['--file', f.file, ...args], { cwd: f.dir, env });
  const containers = async (f: TryFleet) => Promise.all(EVENTS.map(async (e) => inspectContainer(`${f.name}-${e}`)));

  beforeAll(async () => {
    await ensureBaseImage();
  }, 300_000);

  afterAll(async () => {
    for (const f of made) {
      const { problems, imagesLeft } = await cleanupFleet(f.name, f.image, f.dir);
      if (problems.length || imagesLeft.length)
        process.stderr.write(`try-local cleanup ${f.name}: ${[...problems, ...imagesLeft].join('; ')}\n`);
    }
  }, 300_000);

  it("two dirs are two fleets: up in the second leaves the first one's containers as they were; down there removes only its own", async () => {
    const a = await makeTry('a');
    const b = await makeTry('b');
    expect(a.file).toBe(path.join(a.dir, 'fleet.yaml'));
    for (const f of [a, b]) {
      expect(f.name).toMatch(/^try-[0-9a-f]{8}$/);
      expect(f.id).toMatch(/^[a-z2-7]{12}$/);
      expect(f.image).toBe(`demo-fleet-try/${f.name}`);
      expect(field(await readFile(f.file, 'utf8'), 'baseImage')).toBe(BASE_IMAGE);
    }
    expect(b.name).not.toBe(a.name);
    expect(b.id).not.toBe(a.id);

    // The same events as the example fleet, made by the CLI (valid: list reads them).
    expect(expectOk(await cli(a, ['list']), 'list').stdout).toMatch(/berlin[\s\S]*cleveland[\s\S]*tokyo/);

    expectOk(await cli(a, ['up', '--no-wait']), 'up (first clone)');
    const before = await containers(a);
    expect(before.map((c) => c?.Config.Labels?.[LABELS.fleetId])).toEqual([a.id, a.id, a.id]);

    expectOk(await cli(b, ['up', '--no-wait']), 'up (second clone)');
    const mine = await containers(b);
    expect(mine.map((c) => c?.Config.Labels?.[LABELS.fleetId])).toEqual([b.id, b.id, b.id]);
    const after = await containers(a);
    expect(after.map((c) => c?.Id)).toEqual(before.map((c) => c?.Id));
    expect(after.map((c) => c?.State.Running)).toEqual([true, true, true]);
    // each fleet's state dirs are under its own dir (the relative appdata init writes)
    for (const f of [a, b]) {
      const mounts = (await containers(f)).flatMap((c) => c?.Mounts.map((m) => m.Source) ?? []);
      expect(mounts.every((m) => m.startsWith(`${f.dir}/appdata/`))).toBe(true);
    }

    expectOk(await cli(b, ['down']), 'down (second clone)');
    expect((await containers(b)).every((c) => c === null)).toBe(true);
    expect((await containers(a)).map((c) => c?.Id)).toEqual(before.map((c) => c?.Id));

    // A second run of the script in the first dir keeps its fleet: same identity, same events.
    const text = await readFile(a.file, 'utf8');
    const { stdout } = await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts/try-local-fleet.sh'), a.dir, BASE_IMAGE]);
    expect(stdout.trim()).toBe(a.file);
    expect(await readFile(a.file, 'utf8')).toBe(text);
    expectOk(await cli(a, ['down']), 'down (first clone)');
  }, 600_000);
});
