/**
 * Execute a plan: each event's action, several events at once (bounded), then wait for health.
 * One event failing does not stop the others; the result says which failed and why.
 */
import type Docker from 'dockerode';
import { mapPool } from '../util/pool.js';
import { engineMessage } from './client.js';
import { createAndStart, lastLogLines, stopAndRemove, waitHealthy } from './containers.js';
import { describeAction, type Action, type Plan } from './plan.js';

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

async function execute(docker: Docker, action: Action): Promise<string | null> {
  switch (action.kind) {
    case 'create':
      return createAndStart(docker, action.service);
    case 'recreate':
      await stopAndRemove(docker, action.container.id);
      return createAndStart(docker, action.service);
    case 'start':
      await docker.getContainer(action.container.id).start();
      return action.container.id;
    case 'keep':
      return action.container.id;
    case 'remove':
      await stopAndRemove(docker, action.container.id);
      return null;
    case 'conflict':
      return null;
  }
}

export async function applyPlan(docker: Docker, plan: Plan, options: ApplyOptions): Promise<EventResult[]> {
  return mapPool(plan.actions, options.concurrency, async (action) => {
    const base = { event: action.event, action: action.kind };
    if (action.kind === 'conflict') {
      options.onProgress(describeAction(action));
      return { ...base, ok: false, status: `refused: ${action.name} ${action.reason}`, containerId: null };
    }
    if (action.kind !== 'keep') options.onProgress(describeAction(action));
    let id: string | null;
    try {
      id = await execute(docker, action);
    } catch (err) {
      const status = `${action.kind} failed: ${engineMessage(err)}`;
      options.onProgress(`${action.event}: ${status}`);
      return { ...base, ok: false, status, containerId: null };
    }
    if (action.kind === 'remove') return { ...base, ok: true, status: 'removed', containerId: null };
    if (!options.wait || !id) return { ...base, ok: true, status: action.kind === 'keep' ? 'kept' : 'started', containerId: id };
    const health = await waitHealthy(docker, id, options.healthTimeoutMs);
    if (health.ok) {
      if (action.kind !== 'keep') options.onProgress(`${action.event}: ${health.status}`);
      return { ...base, ok: true, status: health.status, containerId: id };
    }
    options.onProgress(`${action.event}: ${health.status}`);
    return { ...base, ok: false, status: health.status, containerId: id, logs: await lastLogLines(docker, id, options.logLines) };
  });
}
