/**
 * Execute a plan: each event's action, several events at once (bounded), then wait for health.
 * One event failing does not stop the others; the result says which failed and why.
 */
import { mapPool } from '../util/pool.js';
import { engineMessage } from './client/docker.js';
import { describeAction, type Action, type Plan } from './plan.js';
import type { Runtime } from './runtime/runtime.js';

export interface ApplyOptions {
  concurrency: number;
  /** Wait for health; false = `--no-wait`. */
  wait: boolean;
  healthTimeoutMs: number;
  /** Lines of a failed container's log to include. */
  logLines: number;
  onProgress: (line: string) => void;
}

export interface EventResult {
  event: string;
  action: Action['kind'];
  ok: boolean;
  /** healthy | running | removed | kept | created (no wait) | the failure */
  status: string;
  containerId: string | null;
  logs?: string;
}

async function execute(runtime: Runtime, action: Action): Promise<string | null> {
  switch (action.kind) {
    case 'create':
      return runtime.createAndStart(action.service);
    case 'recreate':
      await runtime.stopAndRemove(action.container.id);
      return runtime.createAndStart(action.service);
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
  // Health waits only poll, so they need no bound; waiting inside the pool would hold its slots.
  return Promise.all(
    executed.map(async (result, i): Promise<EventResult> => {
      const action = plan.actions[i]!;
      if (!result.ok || !result.containerId) return result;
      // `docker ps` already said this kept container is healthy: no need to inspect it again.
      if (action.kind === 'keep' && action.container.health === 'healthy') return { ...result, status: 'healthy' };
      const health = await runtime.waitReady(result.containerId, options.healthTimeoutMs);
      if (health.ok) {
        if (action.kind !== 'keep') options.onProgress(`${action.event}: ${health.status}`);
        return { ...result, status: health.status };
      }
      options.onProgress(`${action.event}: ${health.status}`);
      const logs = await runtime.lastLogLines(result.containerId, options.logLines);
      return { ...result, ok: false, status: health.status, logs };
    }),
  );
}
