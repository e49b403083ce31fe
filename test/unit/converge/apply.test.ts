/**
 * applyPlan over a scripted Runtime (the seam): what it asks the runtime to do for each action, in what
 * order, and what it reports — re-creates go through replace (never stop-then-create), serve is reset
 * in the old container first when the plan says so, a re-create that is not ready is rolled back, and
 * with several re-creates one goes first (the canary) and the rest only if it becomes ready.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_PROBE } from '../../../cli/tailnet/probe.js';
import { applyPlan, type ApplyOptions } from '../../../cli/converge/apply.js';
import type { Action, Plan } from '../../../cli/converge/plan.js';
import type { ActualContainer, ContainerDetails, ExecResult, Runtime } from '../../../cli/targets/target.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { type ServiceDefinition, serviceFor } from '../../../cli/render/service.js';

const paths = { fleetDir: '/srv', secretsDir: '/srv/compose/secrets' };
// No docker-mod: readiness is "healthy", so the script only has to answer inspect.
const fleet = FleetSchema.parse({
  name: 'ap',
  image: 'demo-fleet-test/ap',
  year: 2026,
  dockerMods: [],
  events: { alpha: {}, beta: {}, gamma: {} },
});
const services = Object.fromEntries(['alpha', 'beta', 'gamma'].map((e) => [e, serviceFor(fleet, e, paths, null)])) as Record<
  string,
  ServiceDefinition
>;
const old = (e: string): ActualContainer => ({
  id: `old-${e}`,
  name: `ap-${e}`,
  labels: services[e]!.labels,
  state: 'running',
  imageId: 'sha256:1',
});

/** A runtime that records calls; `bad` new containers exit at once. */
function scripted(
  options: { exec?: (cmd: string[]) => ExecResult; bad?: string[]; refuse?: string; replaceMs?: number; rollbackFails?: boolean } = {},
) {
  const calls: string[] = [];
  const runtime = {
    replace: async (oldId: string, service: ServiceDefinition) => {
      calls.push(`replace ${oldId}`);
      if (options.replaceMs) vi.setSystemTime(Date.now() + options.replaceMs); // the clock is faked by the test
      const id = `new-${service.event}`;
      return {
        id,
        commit: async () => void calls.push(`commit ${id}`),
        rollback: async () => {
          calls.push(`rollback ${id}`);
          if (options.rollbackFails) throw new Error('no such container');
        },
      };
    },
    stopAndRemove: async (id: string) => {
      calls.push(`stopAndRemove ${id}`);
      if (options.refuse === id) throw new Error('conflict: removal of container in progress');
    },
    rename: async (id: string, name: string) => void calls.push(`rename ${id} ${name}`),
    exec: async (id: string, cmd: string[]) => {
      calls.push(`exec ${id} ${cmd.join(' ')}`);
      return (options.exec ?? (() => ({ exitCode: 0, stdout: '', stderr: '' })))(cmd);
    },
    inspect: async (id: string): Promise<Partial<ContainerDetails>> => {
      const bad = options.bad?.some((e) => id === `new-${e}`);
      return { id, state: bad ? 'exited' : 'running', exitCode: bad ? 3 : 0, health: bad ? undefined : 'healthy', environment: [] };
    },
    lastLogLines: async () => 'the app crashed',
    errorMessage: (err: unknown) => (err instanceof Error ? err.message : String(err)),
    // as the Docker target: the probe is an exec of EVENT_PROBE
    probe(id: string) {
      return (this as unknown as Runtime).exec(id, [...EVENT_PROBE]);
    },
  } as unknown as Runtime;
  return { runtime, calls };
}
const options: ApplyOptions = { concurrency: 2, wait: false, readyTimeoutMs: 5_000, logLines: 5, onProgress: () => {}, canary: true };
const waiting = { ...options, wait: true };
const recreateOf = (e: string, extra: object = {}): Action => ({
  kind: 'recreate',
  event: e,
  service: services[e]!,
  container: old(e),
  reason: 'image changed',
  ...extra,
});
const plan = (...actions: Action[]): Plan => ({ recovery: [], actions });

describe('applyPlan', () => {
  afterEach(() => vi.useRealTimers());

  it("re-creates through the runtime's replace (the old container stays until the new one runs)", async () => {
    const { runtime, calls } = scripted();
    const [r] = await applyPlan(runtime, plan(recreateOf('alpha')), options);
    expect(calls).toEqual(['replace old-alpha', 'commit new-alpha']);
    expect(r).toMatchObject({ ok: true, status: 'started', containerId: 'new-alpha' });
  });

  it("settles what an interrupted deploy left before any event's action, whatever the canary does", async () => {
    const { runtime, calls } = scripted({ bad: ['alpha'] });
    const lines: string[] = [];
    const recovery: Plan['recovery'] = [
      { kind: 'adopt', event: 'alpha', container: { ...old('alpha'), name: 'ap-alpha-prev-x' }, name: 'ap-alpha' },
      { kind: 'discard', event: 'alpha', container: { ...old('alpha'), id: 'next-alpha', name: 'ap-alpha-next-x' }, reason: 'left' },
    ];
    const results = await applyPlan(
      runtime,
      { recovery, actions: [recreateOf('alpha'), recreateOf('beta')] },
      {
        ...waiting,
        onProgress: (l) => lines.push(l),
      },
    );
    expect(calls.slice(0, 3)).toEqual(['rename old-alpha ap-alpha', 'stopAndRemove next-alpha', 'replace old-alpha']);
    expect(lines.slice(0, 2)).toEqual([
      "alpha: adopt ap-alpha-prev-x as ap-alpha (no container had the event's name)",
      'alpha: remove ap-alpha-next-x (left; state dir kept)',
    ]);
    expect(results.map((r) => r.skipped ?? false)).toEqual([false, true]); // the canary failed after recovery ran
  });

  it('a recovery step the engine refuses ends the deploy before any event is touched', async () => {
    const { runtime, calls } = scripted({ refuse: 'next-alpha' });
    const recovery: Plan['recovery'] = [
      { kind: 'discard', event: 'alpha', container: { ...old('alpha'), id: 'next-alpha', name: 'ap-alpha-next-x' }, reason: 'left' },
    ];
    await expect(applyPlan(runtime, { recovery, actions: [recreateOf('alpha')] }, options)).rejects.toThrow(
      'alpha: could not remove ap-alpha-next-x: conflict: removal of container in progress (no event was changed; run the command again)',
    );
    expect(calls).toEqual(['stopAndRemove next-alpha']);
  });

  it("a rollback the engine refuses is that event's outcome (said, for the next up to settle), not an error of the run", async () => {
    const { runtime } = scripted({ bad: ['alpha'], rollbackFails: true });
    const [r] = await applyPlan(runtime, plan(recreateOf('alpha')), waiting);
    expect(r).toMatchObject({
      ok: false,
      status: 'exited (code 3); putting the previous container back failed (no such container): the next up settles it',
    });
    expect(r!.rolledBack).toBeUndefined();
  });

  it('resets serve in the old container first when the plan says the mode changes', async () => {
    const { runtime, calls } = scripted();
    await applyPlan(runtime, plan(recreateOf('alpha', { resetServe: { from: 'https', to: 'http' } })), options);
    expect(calls).toEqual(['exec old-alpha tailscale serve reset', 'replace old-alpha', 'commit new-alpha']);
  });

  it('a reset that fails leaves the old container as it is, and says how to do it by hand', async () => {
    const { runtime, calls } = scripted({ exec: () => ({ exitCode: 1, stdout: '', stderr: 'failed to connect to local tailscaled\n' }) });
    const [r] = await applyPlan(runtime, plan(recreateOf('alpha', { resetServe: { from: 'https', to: 'http' } })), options);
    expect(calls).toEqual(['exec old-alpha tailscale serve reset']);
    expect(r!.status).toBe(
      'recreate failed: tailscale serve reset in ap-alpha failed (exit 1: failed to connect to local tailscaled; or reset it by hand: docker exec ap-alpha tailscale serve reset)',
    );
  });

  it('an old container that does not run cannot have its serve reset: refused before anything is touched', async () => {
    const { runtime, calls } = scripted();
    const action = recreateOf('alpha', { resetServe: { from: 'https', to: 'http' }, container: { ...old('alpha'), state: 'exited' } });
    const [r] = await applyPlan(runtime, plan(action), options);
    expect(calls).toEqual([]);
    expect(r!.status).toMatch(/^recreate failed: cannot reset serve in ap-alpha: it is exited \(start it, then run up again/);
  });

  it('a re-created event that is not ready is rolled back onto its previous container', async () => {
    const { runtime, calls } = scripted({ bad: ['alpha'] });
    const [r] = await applyPlan(runtime, plan(recreateOf('alpha')), waiting);
    expect(calls).toEqual(['replace old-alpha', 'rollback new-alpha']);
    expect(r).toMatchObject({
      ok: false,
      rolledBack: true,
      status: 'exited (code 3); rolled back to the previous container',
      logs: 'the app crashed',
    });
  });

  it('several re-creates: the canary goes first; when it fails, the others are not touched', async () => {
    const { runtime, calls } = scripted({ bad: ['alpha', 'beta', 'gamma'] });
    const results = await applyPlan(runtime, plan(recreateOf('alpha'), recreateOf('beta'), recreateOf('gamma')), waiting);
    expect(calls).toEqual(['replace old-alpha', 'rollback new-alpha']);
    expect(results.map((r) => [r.event, r.ok, r.skipped ?? false])).toEqual([
      ['alpha', false, false],
      ['beta', false, true],
      ['gamma', false, true],
    ]);
    expect(results[1]!.status).toBe('not changed: canary alpha failed');
  });

  it('several re-creates: a ready canary lets the rest go; a later failure is rolled back on its own', async () => {
    const { runtime, calls } = scripted({ bad: ['gamma'] });
    const results = await applyPlan(runtime, plan(recreateOf('alpha'), recreateOf('beta'), recreateOf('gamma')), waiting);
    expect(calls.slice(0, 2)).toEqual(['replace old-alpha', 'commit new-alpha']);
    expect(calls.slice(2).sort()).toEqual(['commit new-beta', 'replace old-beta', 'replace old-gamma', 'rollback new-gamma']);
    expect(results.map((r) => [r.event, r.ok])).toEqual([
      ['alpha', true],
      ['beta', true],
      ['gamma', false],
    ]);
  });

  it('--no-canary (or --no-wait): all at once', async () => {
    const { runtime, calls } = scripted({ bad: ['alpha', 'beta'] });
    await applyPlan(runtime, plan(recreateOf('alpha'), recreateOf('beta')), { ...waiting, canary: false });
    expect(calls.filter((c) => c.startsWith('replace')).sort()).toEqual(['replace old-alpha', 'replace old-beta']);
    expect(calls.filter((c) => c.startsWith('rollback')).sort()).toEqual(['rollback new-alpha', 'rollback new-beta']);
  });

  it("tells onEvent each event's phases (queued behind the canary, working, then its end), and times each", async () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // only the clock: each replace takes 250 ms of it
    const { runtime } = scripted({ bad: ['alpha'], replaceMs: 250 });
    const seen: string[] = [];
    const results = await applyPlan(
      runtime,
      plan(recreateOf('alpha'), recreateOf('beta'), {
        kind: 'keep',
        event: 'gamma',
        container: { ...old('gamma'), health: 'healthy' },
      } as Action),
      {
        ...waiting,
        onEvent: (e) => seen.push(`${e.event} ${e.phase}: ${e.text}`),
      },
    );
    expect(seen).toEqual([
      'beta queued: after the canary alpha',
      'gamma queued: after the canary alpha',
      'alpha working: recreate',
      'alpha failed: exited (code 3); rolled back to the previous container',
      'beta skipped: not changed: canary alpha failed',
      'gamma skipped: not changed: canary alpha failed',
    ]);
    vi.useRealTimers();
    expect(results[0]!.durationMs).toBe(250); // from its action's start until it was put back
    expect(results[1]!.durationMs).toBeUndefined(); // never started
  });

  it('an event with nothing to wait for (a kept healthy container, a remove) ends when its action did', async () => {
    const { runtime } = scripted();
    const seen: string[] = [];
    const keep = { kind: 'keep', event: 'gamma', service: services.gamma!, container: { ...old('gamma'), health: 'healthy' } } as Action;
    const results = await applyPlan(runtime, plan(keep, recreateOf('alpha')), {
      ...waiting,
      concurrency: 1,
      onEvent: (e) => seen.push(`${e.event} ${e.phase}: ${e.text}`),
    });
    // gamma is done before alpha's action even starts (concurrency 1: one action at a time)
    expect(seen).toEqual(['gamma working: checking', 'gamma done: kept (healthy)', 'alpha working: recreate', 'alpha done: healthy']);
    expect(results.map((r) => [r.event, r.status, typeof r.durationMs])).toEqual([
      ['gamma', 'kept (healthy)', 'number'],
      ['alpha', 'healthy', 'number'],
    ]);
  });
});
