/**
 * One plan action on the runtime: what it does to the event's container, and for a re-create the
 * handle that commits it (old container removed) or rolls it back (old container running again).
 */
import type { Action } from './plan.js';
import type { ActualContainer, Replacement, Runtime } from '../targets/target.js';

export interface Executed {
  /** The container that now runs for the event (null after a remove or a refusal). */
  containerId: string | null;
  /** Set for a re-create: decide after the readiness wait. */
  replacement?: Replacement;
}

export async function executeAction(runtime: Runtime, action: Action): Promise<Executed> {
  switch (action.kind) {
    case 'create':
      return { containerId: await runtime.createAndStart(action.service) };
    case 'recreate': {
      if (action.resetServe) await resetServe(runtime, action.container);
      const replacement = await runtime.replace(action.container.id, action.service);
      return { containerId: replacement.id, replacement };
    }
    case 'start':
      await runtime.start(action.container.id);
      return { containerId: action.container.id };
    case 'keep':
      return { containerId: action.container.id };
    case 'remove':
      await runtime.stopAndRemove(action.container.id);
      return { containerId: null };
    case 'conflict':
      return { containerId: null };
  }
}

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
