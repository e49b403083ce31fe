/**
 * `up` when things go wrong in ways only a real engine shows: Ctrl-C (a real signal) while building and
 * while converging, the builder's own errors for a broken Dockerfile, an image whose containers the
 * engine cannot start (replace.ts puts every old container back), an engine that is not there. The
 * logic of the other failures (a foreign container under our name, stale and live locks, a canary that
 * exits / crash-loops / is restarted and is rolled back, an event that never becomes healthy) is tested
 * in-process on the in-memory target: test/unit/deploy/up-failures.test.ts; real SIGKILLs in kill.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../cli/fleet/naming.js';
import {
  BASE_IMAGE,
  docker,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  inspectImage,
  repoTags,
  spawnCli,
  waitFor,
  type TestFleet,
  testDockerfile,
} from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const EVENTS = ['alpha', 'beta', 'gamma'] as const;

async function containerIds(f: TestFleet): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const e of EVENTS) out[e] = (await inspectContainer(f.container(e)))?.Id ?? null;
  return out;
}

async function health(f: TestFleet, event: string): Promise<string | undefined> {
  return (await inspectContainer(f.container(event)))?.State.Health?.Status;
}

async function expectAllHealthy(f: TestFleet, events: readonly string[] = EVENTS): Promise<void> {
  for (const e of events) expect(await health(f, e), `${e} health`).toBe('healthy');
}

/** Labelled containers of the fleet (what `up` made), by name. */
async function labelled(f: TestFleet): Promise<string[]> {
  const out = await docker(['ps', '-a', '--filter', `label=${LABELS.fleet}=${f.name}`, '--format', '{{.Names}}']);
  return out.split('\n').filter(Boolean).sort();
}

describe.skipIf(!engine.ok)('engine: interrupted up, broken build, unstartable image, unreachable engine', () => {
  const make = fleets();
  let f: TestFleet;
  let broken = '';
  let bad = '';

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [], beta: ['--funnel'], gamma: [] } });
    expectOk(await f.up(), 'first up');
    broken = await testDockerfile(f, 'Broken.Dockerfile', {
      text: `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nRUN echo "this build is broken on purpose (${runId})" && false\n`,
    });
    bad = await testDockerfile(f, 'Bad.Dockerfile', { text: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nFROBNICATE the widget\n' });
  });

  it('6b. Ctrl-C during up (while building, while converging) releases the lock; the next up converges', async () => {
    // interrupted, the build leaves the layers it finished untagged: testDockerfile's label finds them
    const slow = await testDockerfile(f, 'Slow.Dockerfile', {
      append: `# TEST ONLY: a build slow enough to be interrupted (${runId}).\nRUN sleep 20\n`,
    });
    const interruptAt = async (args: string[], step: RegExp) => {
      const run = spawnCli(['up', '--base-image', BASE_IMAGE, ...args], { cwd: f.dir, env: f.env });
      await waitFor(`up reaching ${step}`, async () => step.test(run.stderrSoFar()), 120_000, 20);
      run.child.kill('SIGINT');
      const r = await run.result;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain('interrupted (SIGINT): cleaning up');
      expect(await inspectContainer(f.lock), 'no lock left').toBeNull();
    };
    await interruptAt(['--dockerfile', slow], /==> build image\n/);
    expectOk(await f.cli(['down']), 'down');
    await interruptAt([], /==> converge /);
    const r = expectOk(await f.up(['--json']), 'up after the interrupted ones');
    expect(r.stderr).not.toContain('took over a stale deploy lock');
    const json = JSON.parse(r.stdout) as { results: Array<{ ok: boolean; status: string }> };
    expect(json.results.every((x) => x.ok)).toBe(true);
    expect(await labelled(f)).toEqual(EVENTS.map((e) => f.container(e)));
  });

  it('7. a broken Dockerfile: build/up exit non-zero with the builder message; no container created or changed', async () => {
    const before = await containerIds(f);
    const imageBefore = (await inspectImage(`${f.image}:alpha`))!.Id;

    const build = await f.cli(['build', '--base-image', BASE_IMAGE, '--dockerfile', broken]);
    expect(build.code).toBe(6);
    expect(build.stderr).toContain(`this build is broken on purpose (${runId})`); // the RUN's own output
    expect(build.stderr).toMatch(/^error: build of \S+ failed: The command '\/bin\/sh -c echo .*' returned a non-zero code: 1$/m);

    const up = await f.up(['--dockerfile', broken]);
    expect(up.code).toBe(6);
    expect(up.stderr).toMatch(/returned a non-zero code: 1$/m);
    expect(up.stderr).not.toMatch(/: (create|recreate|remove|start) /);

    const parse = await f.up(['--dockerfile', bad]);
    expect(parse.code).toBe(6);
    expect(parse.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^error: build of \S+ failed: dockerfile parse error line 4: unknown instruction: FROBNICATE/,
    );

    expect(await containerIds(f)).toEqual(before);
    await expectAllHealthy(f);
    expect((await inspectImage(`${f.image}:alpha`))!.Id).toBe(imageBefore); // tags not moved
    expect(await inspectContainer(f.lock)).toBeNull();

    // a fleet that never ran: nothing at all is created
    const fresh = await make({ events: { alpha: [], beta: [], gamma: [] } });
    const r = await fresh.up(['--dockerfile', broken]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('returned a non-zero code: 1');
    expect(await labelled(fresh)).toEqual([]);
    expect(await repoTags(fresh.image)).toEqual([]);
  });

  it('7b. an image whose containers cannot start: each event is put back on its old container, running', async () => {
    const before = await containerIds(f);
    const unstartable = await testDockerfile(f, 'Unstartable.Dockerfile', {
      append: `# TEST ONLY: an entry point that does not exist, so a container of this image cannot start.\nENTRYPOINT ["/nonexistent-${runId}"]\n`,
    });
    // --no-canary: every event tries the image, and each is put back on its own
    const r = await f.up(['--dockerfile', unstartable, '--no-canary']);
    expect(r.code, r.stderr).toBe(5);
    for (const e of EVENTS) expect(r.stderr).toContain(`${e}: recreate ${f.container(e)} (image changed)`);
    expect(r.stderr).toMatch(/recreate failed: .*nonexistent/);
    // the old containers run on, as they were, and no replacement is left behind
    expect(await containerIds(f)).toEqual(before);
    for (const e of EVENTS) await waitFor(`${e} healthy again`, async () => (await health(f, e)) === 'healthy', 60_000);
    expect(await labelled(f)).toEqual(EVENTS.map((e) => f.container(e)).sort());
    // and the next up with the good image converges. The unstartable build was another revision, so
    // the good image kept its own rev- tag: it is reused (not rebuilt) and every event keeps its container.
    const again = expectOk(await f.up(['--json']), 'up with the good image again');
    expect(again.stderr).toContain('is up to date (build skipped)');
    const results = (JSON.parse(again.stdout) as { results: Array<{ ok: boolean; status: string }> }).results;
    expect(results.every((x) => x.ok)).toBe(true);
    expect(await containerIds(f)).toEqual(before);
  });

  it('12. engine unreachable: exit ≠ 0 and one line "error: cannot reach Docker at …", no stack trace', async () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent.sock' };
    const s = await f.cli(['status'], { env });
    expect(s.code).toBe(3); // EXIT.engine
    expect(s.stdout).toBe('');
    const lines = s.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot reach Docker at unix:\/\/\/nonexistent\.sock/);

    const up = await f.up([], { env });
    expect(up.code).toBe(s.code);
    expect(up.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: cannot reach Docker at unix:\/\/\/nonexistent\.sock/);
    expect(up.stderr).not.toMatch(/^\s+at /m);
  });
});
