/**
 * The test fleets' cleanup (test/helpers/engine-fixture.ts) removes every image a fleet made, not only
 * those a tag still leads to. Full CI runs left untagged images on the engine: a crashing build whose
 * rev- tag a test removed by hand, kept alive by the commit tag until the next build took that tag
 * (rollback.test.ts 5b), and the layers an interrupted build had finished (engine-failures.test.ts 6b).
 * Both are made here on purpose; cleanup removes them, and reports an image it cannot remove (one a
 * container still uses), which fails the file in `fleets()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  docker,
  ensureBaseImage,
  exec,
  expectOk,
  inspectImage,
  makeFleet,
  TEST_FLEET_LABEL,
  type TestFleet,
  testDockerfile,
} from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();

describe.skipIf(!engine.ok)('engine-fixture: a fleet cleanup removes the images it made, untagged ones too', () => {
  let f: TestFleet | undefined;
  const probe = `demo-fleet-cleanup-probe-${runId}`;

  beforeAll(async () => {
    await ensureBaseImage();
    f = await makeFleet({ events: { alpha: [] } });
  });

  afterAll(async () => {
    await exec('docker', ['rm', '-f', probe]);
    await f?.cleanup();
  });

  it('an image whose tags moved on and the layers of a failed build are removed; one in use is reported until it is free', async () => {
    const fleet = f!;
    const build = async (file: string) =>
      JSON.parse(expectOk(await fleet.cli(['build', '--base-image', BASE_IMAGE, '--dockerfile', file, '--json']), 'build').stdout) as {
        id: string;
        ref: string;
      };
    const labelled = async () =>
      (await docker(['images', '-q', '--no-trunc', '--filter', `label=${TEST_FLEET_LABEL}=${fleet.name}`])).split('\n').filter(Boolean);

    // X loses its rev- tag by hand; Y, the next build, takes the commit and event tags: X is dangling
    const x = await build(await testDockerfile(fleet, 'X.Dockerfile', { append: `# TEST ONLY: X (${runId})\n` }));
    await docker(['rmi', x.ref]);
    const y = await build(await testDockerfile(fleet, 'Y.Dockerfile', { append: `# TEST ONLY: Y (${runId})\n` }));
    expect(y.id).not.toBe(x.id);
    expect((await inspectImage(x.id))?.RepoTags).toEqual([]);

    // a failed build leaves the layers it finished, untagged and named nowhere but by the label
    const failed = await fleet.cli([
      'build',
      '--base-image',
      BASE_IMAGE,
      '--dockerfile',
      await testDockerfile(fleet, 'Failed.Dockerfile', { append: `# TEST ONLY: fails (${runId})\nRUN false\n` }),
    ]);
    expect(failed.code, failed.stderr).toBe(6);
    const failedLayers = (await labelled()).filter((id) => id !== x.id && id !== y.id);
    expect(failedLayers.length, 'the failed build left a layer').toBeGreaterThan(0);
    for (const id of failedLayers) expect((await inspectImage(id))?.RepoTags).toEqual([]);

    // X in use by a container the fleet's cleanup does not remove: everything else goes, X is reported
    await docker(['create', '--name', probe, x.id]);
    expect(await fleet.cleanup()).toEqual([x.id]);
    expect(await inspectImage(y.id)).toBeNull();
    for (const id of failedLayers) expect(await inspectImage(id)).toBeNull();

    await docker(['rm', probe]);
    expect(await fleet.cleanup()).toEqual([]);
    expect(await inspectImage(x.id)).toBeNull();
    expect(await labelled()).toEqual([]);
  });
});
