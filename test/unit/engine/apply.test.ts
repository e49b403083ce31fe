/**
 * applyPlan over a scripted Runtime (the seam): what it asks the runtime to do for each action, in what
 * order, and what it reports — re-creates go through replace (never stop-then-create), serve is reset
 * in the old container first when the plan says so, and a failure leaves the old container alone.
 */
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../cli/engine/apply.js';
import type { Plan } from '../../../cli/engine/plan.js';
import type { ActualContainer, ExecResult, Runtime } from '../../../cli/engine/runtime/runtime.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { serviceFor } from '../../../cli/render/service.js';

const fleet = FleetSchema.parse({
  name: 'ap',
  image: 'demo-fleet-test/ap',
  year: 2026,
  loginServer: 'https://hs.example.com',
  events: { alpha: {} },
});
const service = serviceFor(fleet, 'alpha', { fleetDir: '/srv', secretsDir: '/srv/compose/secrets' }, null);
const old: ActualContainer = { id: 'old1', name: 'ap-alpha', labels: service.labels, state: 'running', imageId: 'sha256:1' };

function scripted(exec: (cmd: string[]) => ExecResult = () => ({ exitCode: 0, stdout: '', stderr: '' })) {
  const calls: string[] = [];
  const runtime = {
    endpoint: 'test',
    replace: async (oldId: string) => {
      calls.push(`replace ${oldId}`);
      return 'new1';
    },
    stopAndRemove: async (id: string) => {
      calls.push(`stopAndRemove ${id}`);
    },
    exec: async (id: string, cmd: string[]) => {
      calls.push(`exec ${id} ${cmd.join(' ')}`);
      return exec(cmd);
    },
  } as unknown as Runtime;
  return { runtime, calls };
}
const options = { concurrency: 2, wait: false, readyTimeoutMs: 1000, logLines: 5, onProgress: () => {} };
const recreate = (extra: object = {}): Plan => ({
  actions: [{ kind: 'recreate', event: 'alpha', service, container: old, reason: 'configuration changed', ...extra }],
});

describe('applyPlan', () => {
  it("re-creates through the runtime's replace (the old container stays until the new one runs)", async () => {
    const { runtime, calls } = scripted();
    const [r] = await applyPlan(runtime, recreate(), options);
    expect(calls).toEqual(['replace old1']);
    expect(r).toMatchObject({ ok: true, status: 'started', containerId: 'new1' });
  });

  it('resets serve in the old container first when the plan says the mode changes', async () => {
    const { runtime, calls } = scripted();
    await applyPlan(runtime, recreate({ resetServe: { from: 'https', to: 'http' } }), options);
    expect(calls).toEqual(['exec old1 tailscale serve reset', 'replace old1']);
  });

  it('a reset that fails leaves the old container as it is, and says how to do it by hand', async () => {
    const { runtime, calls } = scripted(() => ({ exitCode: 1, stdout: '', stderr: 'failed to connect to local tailscaled\n' }));
    const [r] = await applyPlan(runtime, recreate({ resetServe: { from: 'https', to: 'http' } }), options);
    expect(calls).toEqual(['exec old1 tailscale serve reset']);
    expect(r).toMatchObject({ ok: false });
    expect(r!.status).toBe(
      'recreate failed: tailscale serve reset in ap-alpha failed (exit 1: failed to connect to local tailscaled; or reset it by hand: docker exec ap-alpha tailscale serve reset)',
    );
  });

  it('an old container that does not run cannot have its serve reset: refused before anything is touched', async () => {
    const { runtime, calls } = scripted();
    const plan = recreate({ resetServe: { from: 'https', to: 'http' } });
    (plan.actions[0] as { container: ActualContainer }).container = { ...old, state: 'exited' };
    const [r] = await applyPlan(runtime, plan, options);
    expect(calls).toEqual([]);
    expect(r!.status).toMatch(/^recreate failed: cannot reset serve in ap-alpha: it is exited \(start it, then run up again/);
  });
});
