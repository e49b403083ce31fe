/**
 * The Swarm target (cli/targets/swarm/) on a real single-node swarm of the test's own (a dockerd in a netns,
 * test/helpers/swarm.ts, with a registry the node pulls from): the CLI with `target: swarm` and DOCKER_HOST
 * at the manager runs the events of a fleet as services, on the tailnet model (demo-fleet-test/base:tailnet):
 * up → served (read from the events' own reports, report.ts) → status → a second revision → rollback → down.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage, expectOk, FAST_HEALTH, MODEL_KEY, MODEL_KEY_VAR, runCli } from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';
import { reapAbandoned, startSwarm, swarmEnv, swarmRequirement, type Swarm } from '../helpers/swarm.js';

const engine = dockerEngine();
const ok = engine.ok && swarmRequirement({ registry: true }).ok;

describe.skipIf(!ok)('target: swarm on a single-node swarm', () => {
  let swarm: Swarm;
  let dir: string;
  const name = `sw-${runId}`.slice(0, 20);
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { ...swarmEnv(swarm), [MODEL_KEY_VAR]: MODEL_KEY }, timeoutMs: 300_000 });
  const manager = (args: string[]) => swarm.manager.docker(args);

  beforeAll(async () => {
    await reapAbandoned();
    await ensureBaseImage();
    swarm = await startSwarm({ name: 'target', workers: 0, registry: true, images: [BASE_IMAGE] });
    dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-${name}-`));
    expectOk(await cli(['init', '--name', name, '--image', `${swarm.registry}/swarmtest/${name}`]), 'init');
    expectOk(await cli(['add', 'alpha', '--auth-key-env', MODEL_KEY_VAR]), 'add alpha');
    const file = path.join(dir, 'fleet.yaml');
    // every node needs appdata (the nodes of the fixture share this machine's files)
    await mkdir(path.join(dir, 'appdata'));
    const health = Object.entries(FAST_HEALTH).map(([k, v]) => `  ${k}: ${v}\n`);
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      `${text.replace(/^appdata:.*$/m, '')}\ntarget: swarm\nappdata: ${path.join(dir, 'appdata')}\nhealth:\n${health.join('')}`,
    );
  }, 600_000);
  afterAll(async () => {
    await swarm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('up brings the event to served as a service', async () => {
    const r = await cli(['up', '--base-image', BASE_IMAGE]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/served/);
    const services = await manager(['service', 'ls', '--format', '{{.Name}}']);
    expect(services).toContain(`${name}-alpha`);
  });
});
