/**
 * `restart [event…]` against the real engine on the tailnet model: the same container (and state dir)
 * restarted, waited for until served again as `up` waits; all of the fleet's without arguments; an
 * event that is not in the file, or has no container, is refused with the documented exit code.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { docker, ensureBaseImage, expectOk, fleets, MODEL_SUFFIX, type TestFleet } from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';

const engine = dockerEngine();

async function started(f: TestFleet, event: string): Promise<{ id: string; startedAt: string }> {
  const [id, startedAt] = (await docker(['container', 'inspect', '--format', '{{.Id}} {{.State.StartedAt}}', f.container(event)]))
    .trim()
    .split(' ');
  return { id: id!, startedAt: startedAt! };
}

describe.skipIf(!engine.ok)('restart', () => {
  const make = fleets();
  let f: TestFleet;
  let year = 0;

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [], beta: [] } });
    expectOk(await f.up(), 'up');
    year = Number(/^year: (\d+)$/m.exec(await readFile(f.file, 'utf8'))![1]);
  });

  it('restart <event>: the same container starts again, only that one, and is waited for until served', async () => {
    const before = { alpha: await started(f, 'alpha'), beta: await started(f, 'beta') };
    const r = expectOk(await f.cli(['restart', 'alpha', '--json']), 'restart alpha');
    const results = JSON.parse(r.stdout) as Array<{ event: string; ok: boolean; status: string; url?: string }>;
    expect(results).toEqual([
      {
        event: 'alpha',
        container: f.container('alpha'),
        ok: true,
        status: `served https://alpha${year}.${MODEL_SUFFIX}`,
        url: `https://alpha${year}.${MODEL_SUFFIX}`,
      },
    ]);
    expect(r.stderr).toMatch(/==> restart 1 event\(s\), waiting up to 300s/);
    const after = { alpha: await started(f, 'alpha'), beta: await started(f, 'beta') };
    expect(after.alpha.id).toBe(before.alpha.id);
    expect(after.alpha.startedAt).not.toBe(before.alpha.startedAt);
    expect(after.beta).toEqual(before.beta);
  });

  it('restart without events: every event of the fleet, a table of the results; --wait-timeout takes 5m', async () => {
    const before = { alpha: await started(f, 'alpha'), beta: await started(f, 'beta') };
    const r = expectOk(await f.cli(['restart', '--wait-timeout', '5m']), 'restart');
    expect(r.stdout).toMatch(new RegExp(`^alpha +${f.container('alpha')} +served https://alpha${year}\\.`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^beta +${f.container('beta')} +served https://beta${year}\\.`, 'm'));
    for (const e of ['alpha', 'beta'] as const) expect((await started(f, e)).startedAt).not.toBe(before[e].startedAt);
  });

  it("doctor reads each running node: served nodes are ok lines with their URL (the fleet's base is the test fixture, not in the file)", async () => {
    const r = await f.cli(['doctor', '--json']);
    const findings = (JSON.parse(r.stdout) as { findings: Array<{ check: string; status: string; message: string }> }).findings;
    expect(findings.filter((x) => x.check === 'tailnet')).toEqual([
      { check: 'tailnet', status: 'ok', message: `event alpha: served at https://alpha${year}.${MODEL_SUFFIX}` },
      { check: 'tailnet', status: 'ok', message: `event beta: served at https://beta${year}.${MODEL_SUFFIX}` },
    ]);
  });

  it('an event not in the file: exit 2, one line; an event without a container: exit 5 naming it; nothing restarted', async () => {
    const before = await started(f, 'alpha');
    const unknown = await f.cli(['restart', 'nope']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toBe('error: event "nope" is not in the fleet file (`demo-fleet list` shows the events)\n');
    expectOk(await f.cli(['add', 'gamma']), 'add gamma');
    const missing = await f.cli(['restart', 'gamma']);
    expect(missing.code).toBe(EXIT.deploy);
    expect(missing.stderr).toMatch(/^error: 1 of 1 event\(s\) did not come back: gamma \(no container \(`demo-fleet up` creates it\)\)$/m);
    expect((await started(f, 'alpha')).startedAt).toBe(before.startedAt);
  });
});
