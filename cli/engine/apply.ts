/**
 * Execute a plan: each event's action, several events at once (bounded), then wait until each event is
 * ready (served on the tailnet; see readiness.ts). One event failing does not stop the others; the
 * result says which failed, which need a person, and why.
 */
import { serveExpectation } from '../render/service.js';
import { concurrencyLimit, mapPool } from '../util/pool.js';
import { engineMessage } from './client/docker.js';
import { describeAction, type Action, type Plan } from './plan.js';
import { waitUntilReady } from './readiness.js';
import type { ActualContainer, Runtime } from './runtime/runtime.js';

export interface ApplyOptions {
  concurrency: number;
  /** Wait until ready; false = `--no-wait`. */
  wait: boolean;
  /** How long each event may take to become ready. */
  readyTimeoutMs: number;
  /** Lines of a failed container's log to include. */
  logLines: number;
  onProgress: (line: string) => void;
}

export interface EventResult {
  event: string;
  action: Action['kind'];
  /** Converged: served (or healthy without a docker-mod), removed, or started with --no-wait. */
  ok: boolean;
  /** Not converged, but nothing failed: a person must log the node in or change the tailnet. */
  needsPerson?: boolean;
  /** served https://… | healthy | removed | kept | started (no wait) | waiting for login: … | the failure */
  status: string;
  /** Where visitors reach the event (when served), or the login URL (when waiting for one). */
  url?: string;
  containerId: string | null;
  logs?: string;
}

/** The status of a kept container that the listing shows healthy (no look inside: see applyPlan). */
export const KEPT_HEALTHY = 'kept (healthy)';

/** Readiness looks (an inspect and one exec each) in flight at once, however many events wait. */
const LOOK_CONCURRENCY = 8;

/**
 * The node's saved serve config (another mode) would make the new container's `tailscale serve` fail
 * ("already serving"): clear it in the old container while it still runs. If that cannot be done the
 * old container is left as it is, running.
 */
async function resetServe(runtime: Runtime, container: ActualContainer): Promise<void> {
  const how = `or reset it by hand: docker exec ${container.name} tailscale serve reset`;
  if (container.state !== 'running') {
    throw new Error(`cannot reset serve in ${container.name}: it is ${container.state} (start it, then run up again; ${how})`);
  }
  const r = await runtime.exec(container.id, ['tailscale', 'serve', 'reset']);
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
    throw new Error(`tailscale serve reset in ${container.name} failed (exit ${r.exitCode}${why ? `: ${why}` : ''}; ${how})`);
  }
}

async function execute(runtime: Runtime, action: Action): Promise<string | null> {
  switch (action.kind) {
    case 'create':
      return runtime.createAndStart(action.service);
    case 'recreate':
      if (action.resetServe) await resetServe(runtime, action.container);
      return runtime.replace(action.container.id, action.service);
    case 'start':
      await runtime.start(action.container.id);
      return action.container.id;
    case 'keep':
      return action.container.id;
    case 'remove':
      await runtime.stopAndRemove(action.container.id);
      return null;
    case 'conflict':
      return null;
  }
}

/** Run the actions (bounded), then wait for health of all started/kept containers at once. */
export async function applyPlan(runtime: Runtime, plan: Plan, options: ApplyOptions): Promise<EventResult[]> {
  const executed = await mapPool(plan.actions, options.concurrency, async (action): Promise<EventResult> => {
    const base = { event: action.event, action: action.kind };
    if (action.kind === 'conflict') {
      options.onProgress(describeAction(action));
      return { ...base, ok: false, status: `refused: ${action.name} ${action.reason}`, containerId: null };
    }
    if (action.kind !== 'keep') options.onProgress(describeAction(action));
    try {
      const id = await execute(runtime, action);
      if (action.kind === 'remove') return { ...base, ok: true, status: 'removed', containerId: null };
      return { ...base, ok: true, status: action.kind === 'keep' ? 'kept' : 'started', containerId: id };
    } catch (err) {
      const status = `${action.kind} failed: ${engineMessage(err)}`;
      options.onProgress(`${action.event}: ${status}`);
      return { ...base, ok: false, status, containerId: null };
    }
  });
  if (!options.wait) return executed;
  const gate = concurrencyLimit(LOOK_CONCURRENCY);
  // Waits only poll, so they run side by side (their looks bounded by the gate), not inside the pool.
  return Promise.all(
    executed.map(async (result, i): Promise<EventResult> => {
      const action = plan.actions[i]!;
      if (!result.ok || !result.containerId || action.kind === 'remove' || action.kind === 'conflict') return result;
      // A kept container the listing shows healthy is not looked into: its node was read when it was
      // deployed, and a no-op up must not exec into every container (bench/up: 50 looks took 5 s on the
      // test base). `status` reads every node.
      if (action.kind === 'keep' && action.container.health === 'healthy') return { ...result, status: KEPT_HEALTHY };
      const ready = await waitUntilReady(runtime, result.containerId, serveExpectation(action.service.environment), {
        timeoutMs: options.readyTimeoutMs,
        gate,
        onWaiting: (why) => {
          if (action.kind !== 'keep') options.onProgress(`${action.event}: ${why}`);
        },
      });
      if (action.kind !== 'keep' || ready.kind !== 'served') options.onProgress(`${action.event}: ${ready.status}`);
      if (ready.kind === 'served' || ready.kind === 'healthy')
        return { ...result, status: ready.status, ...(ready.kind === 'served' ? { url: ready.url } : {}) };
      if (ready.kind === 'needs-person')
        return { ...result, ok: false, needsPerson: true, status: ready.status, ...(ready.url ? { url: ready.url } : {}) };
      const logs = await runtime.lastLogLines(result.containerId, options.logLines);
      return { ...result, ok: false, status: ready.status, logs };
    }),
  );
}
