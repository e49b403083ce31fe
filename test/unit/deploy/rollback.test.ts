/**
 * rollback over an in-memory target: it plans without changing anything (no tag moves before the
 * containers do), re-creates each event on the revision's immutable reference (`<image>:rev-<revision>`),
 * and only then points `<image>:<event>` at the image each event's container runs.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDeployment } from '../../../cli/deploy/deployment.js';
import { rollback } from '../../../cli/deploy/rollback.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import type { Reporter } from '../../../cli/reporter.js';
import { renderFleet } from '../../../cli/render/render.js';
import type { ServiceDefinition } from '../../../cli/render/service.js';
import type { ActualContainer, ContainerDetails, Target } from '../../../cli/targets/target.js';
import { tempDir } from '../../helpers/cli.js';

const IMAGE = 'demo-fleet-test/rb';
const REV = { now: '1111111-aaaaaaaaaaaa', before: '0000000-bbbbbbbbbbbb' };
const ID = { now: 'sha256:now', before: 'sha256:before' };
const quiet: Reporter = { step: () => {}, progress: () => {}, warn: () => {} };

const dirs: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(dirs.map((c) => c()));
});

/** A fleet of alpha and beta (no docker-mod: ready means healthy), both running REV.now with REV.before recorded. */
async function scenario(options: { crashes?: boolean } = {}) {
  const { dir, cleanup } = await tempDir('demo-fleet-rollback-');
  dirs.push(cleanup);
  const file = path.join(dir, 'fleet.yaml');
  await writeFile(file, `name: rb\nid: rbrbrbrbrbrb\nyear: 2026\nimage: ${IMAGE}\ndockerMods: []\nevents:\n  alpha: {}\n  beta: {}\n`);
  const log: string[] = [];
  const tags = new Map<string, string>([
    [`${IMAGE}:rev-${REV.now}`, ID.now],
    [`${IMAGE}:rev-${REV.before}`, ID.before],
    [`${IMAGE}:alpha`, ID.now],
    [`${IMAGE}:beta`, ID.now],
  ]);
  const created: ServiceDefinition[] = [];
  let containers: ActualContainer[] = [];
  const target = {
    kind: 'memory',
    endpoint: 'memory',
    sharesHostPaths: true,
    connect: async () => 'in memory',
    errorMessage: (err: unknown) => String((err as Error)?.message ?? err),
    lock: {
      name: (fleet: string) => `${fleet}-lock`,
      acquire: async () => ({ release: async () => {} }),
      forceRelease: async () => {},
      holder: async () => null,
    },
    auditLog: { append: async () => {}, read: async () => [] },
    images: {
      revisions: async () =>
        Object.entries(REV).map(([k, revision]) => ({ revision, imageId: ID[k as keyof typeof ID], created: 0, tags: [] })),
      inspect: async (ref: string) => {
        const id = tags.get(ref) ?? (ref.startsWith('sha256:') ? ref : undefined);
        return id ? { id, labels: {} } : null;
      },
      tag: async (imageId: string, repo: string, tag: string) => {
        log.push(`tag ${repo}:${tag} → ${imageId}`);
        tags.set(`${repo}:${tag}`, imageId);
      },
    },
    containers: {
      list: async () => containers,
      replace: async (oldId: string, service: ServiceDefinition) => {
        log.push(`replace ${oldId} with ${service.image}`);
        created.push(service);
        const id = `new-${service.event}`;
        return { id, commit: async () => void log.push(`commit ${id}`), rollback: async () => void log.push(`rollback ${id}`) };
      },
      inspect: async (id: string): Promise<Partial<ContainerDetails>> => {
        const bad = options.crashes && id.startsWith('new-');
        return { id, state: bad ? 'exited' : 'running', exitCode: bad ? 3 : 0, health: bad ? undefined : 'healthy', environment: [] };
      },
      lastLogLines: async () => 'crashed',
      errorMessage: (err: unknown) => String((err as Error)?.message ?? err),
    },
  } as unknown as Target;
  const d = await openDeployment(file, { target, cwd: dir, env: {} });
  const { services } = await renderFleet(d.fleet, { fleetFile: file, write: false, env: {} });
  containers = services.map((s) => ({
    id: `old-${s.event}`,
    name: s.name,
    labels: { ...s.labels, [LABELS.revision]: REV.now, [LABELS.previousRevision]: REV.before },
    state: 'running',
    imageId: ID.now,
    mounts: [s.volumes[0]!.source],
  }));
  const run = (to?: string) =>
    rollback(
      d,
      { events: ['alpha', 'beta'], to, wait: true, readyTimeoutMs: 5_000, concurrency: 2, canary: true, forceUnlock: false },
      quiet,
    );
  return { run, log, tags, created };
}

describe('rollback', () => {
  it('re-creates on <image>:rev-<revision>; each event tag moves only after its container runs that revision', async () => {
    const { run, log, tags, created } = await scenario();
    const result = await run();
    expect(result.revisions).toEqual({ alpha: REV.before, beta: REV.before });
    expect(result.results.map((r) => [r.event, r.ok])).toEqual([
      ['alpha', true],
      ['beta', true],
    ]);
    expect(created.map((s) => s.image)).toEqual([`${IMAGE}:rev-${REV.before}`, `${IMAGE}:rev-${REV.before}`]);
    // no tag before the first container moved: planning changes nothing
    expect(log.findIndex((l) => l.startsWith('tag '))).toBeGreaterThan(log.findIndex((l) => l.startsWith('commit ')));
    expect([tags.get(`${IMAGE}:alpha`), tags.get(`${IMAGE}:beta`)]).toEqual([ID.before, ID.before]);
  });

  it('a revision that cannot start: the canary is put back, the other never tried, and no tag ends off the image its event runs', async () => {
    const { run, log, tags } = await scenario({ crashes: true });
    const result = await run();
    expect(result.results.map((r) => [r.event, r.ok])).toEqual([
      ['alpha', false],
      ['beta', false],
    ]);
    expect(log.filter((l) => l.startsWith('replace '))).toEqual([`replace old-alpha with ${IMAGE}:rev-${REV.before}`]);
    expect(log).toContain('rollback new-alpha');
    expect(log.filter((l) => l.startsWith('tag ') && l.endsWith(ID.before))).toEqual([]);
    expect([tags.get(`${IMAGE}:alpha`), tags.get(`${IMAGE}:beta`)]).toEqual([ID.now, ID.now]);
  });

  it('a refused rollback (a revision not on the target) changes nothing at all', async () => {
    const { run, log, tags } = await scenario();
    await expect(run('2222222-cccccccccccc')).rejects.toThrow(/is not on the engine/);
    expect(log).toEqual([]);
    expect(tags.get(`${IMAGE}:alpha`)).toBe(ID.now);
  });
});
