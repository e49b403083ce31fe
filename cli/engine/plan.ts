/**
 * Plan = desired services vs the containers the engine has → one action per event. Pure: no Docker,
 * printable (`up --dry-run`) and unit-tested. Like Compose, a config-hash label decides keep vs
 * recreate; unlike a blind `docker rm -f`, a container we did not create is never touched.
 */
import { LABELS } from '../fleet/naming.js';
import type { ServiceDefinition } from '../render/service.js';

export interface ActualContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  imageId: string;
  /** Health as `docker ps` shows it ("Up 2 minutes (healthy)"), when the container has a check. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** Host paths mounted into it (bind sources), as `docker ps` lists them. */
  mounts?: string[];
}

export type Action =
  | { kind: 'create'; event: string; service: ServiceDefinition }
  | { kind: 'recreate'; event: string; service: ServiceDefinition; container: ActualContainer; reason: string }
  | { kind: 'start'; event: string; service: ServiceDefinition; container: ActualContainer }
  | { kind: 'keep'; event: string; service: ServiceDefinition; container: ActualContainer }
  /** reason: why, when the event is still in the fleet (a second container of it); else it left the fleet. */
  | { kind: 'remove'; event: string; container: ActualContainer; reason?: string }
  | { kind: 'conflict'; event: string; name: string; container: ActualContainer; reason: string };

export interface Plan {
  actions: Action[];
}

export function isOurs(c: ActualContainer, fleetName: string): boolean {
  return c.labels[LABELS.fleet] === fleetName && c.labels[LABELS.event] !== undefined;
}

export function planFleet(
  fleetName: string,
  desired: ServiceDefinition[],
  imageId: string | null,
  actual: ActualContainer[],
): Plan {
  const byName = new Map(actual.map((c) => [c.name, c]));
  const wanted = new Map(desired.map((s) => [s.event, s]));
  const actions: Action[] = [];
  /** Events refused (a conflict): their renamed containers are all they have, so they stay. */
  const refused = new Set<string>();
  // Our containers of a wanted event under another name (renamed by hand): the event's container is
  // re-made under its name from the first one, any others are removed; two tailscaleds must never
  // share one state dir.
  const strays = new Map<string, ActualContainer[]>();
  for (const c of actual) {
    const service = isOurs(c, fleetName) ? wanted.get(c.labels[LABELS.event]!) : undefined;
    if (service && c.name !== service.name) strays.set(service.event, [...(strays.get(service.event) ?? []), c]);
  }

  for (const service of [...desired].sort((a, b) => a.event.localeCompare(b.event))) {
    const { event } = service;
    const sharer = stateDirSharer(service, actual, fleetName);
    if (sharer) {
      refused.add(event);
      const owner = sharer.container.labels[LABELS.fleet];
      actions.push({
        kind: 'conflict',
        event,
        name: service.name,
        container: sharer.container,
        reason:
          `would share its state dir ${sharer.dir} with ${sharer.container.name} of demo-fleet fleet "${owner}" ` +
          `(one tailnet node per state dir: remove ${sharer.container.name}, or put \`name: ${owner}\` back in the fleet file)`,
      });
      continue;
    }
    const container = byName.get(service.name);
    if (!container) {
      const stray = strays.get(event)?.shift();
      if (stray) actions.push({ kind: 'recreate', event, service, container: stray, reason: `found as ${stray.name}` });
      else actions.push({ kind: 'create', event, service });
      continue;
    }
    if (!isOurs(container, fleetName)) {
      refused.add(event);
      const owner = container.labels[LABELS.fleet];
      actions.push({
        kind: 'conflict',
        event,
        name: service.name,
        container,
        reason: owner
          ? `belongs to demo-fleet fleet "${owner}", not "${fleetName}"`
          : 'was not created by demo-fleet (no dev.demo-fleet labels)',
      });
      continue;
    }
    const reason =
      container.labels[LABELS.configHash] !== service.labels[LABELS.configHash]
        ? 'configuration changed'
        : imageId !== null && container.imageId !== imageId
          ? 'image changed'
          : ['dead', 'removing', 'paused'].includes(container.state)
            ? `container is ${container.state}`
            : null;
    if (reason) actions.push({ kind: 'recreate', event, service, container, reason });
    else if (container.state === 'running' || container.state === 'restarting') actions.push({ kind: 'keep', event, service, container });
    else actions.push({ kind: 'start', event, service, container });
  }

  for (const container of actual) {
    if (!isOurs(container, fleetName)) continue;
    const event = container.labels[LABELS.event]!;
    if (!wanted.has(event)) actions.push({ kind: 'remove', event, container });
    else if (strays.get(event)?.includes(container) && !refused.has(event)) {
      actions.push({ kind: 'remove', event, container, reason: `a second container of ${event}` });
    }
  }
  return { actions };
}

/**
 * A container of another demo-fleet fleet that mounts this event's state dir, e.g. the containers
 * left running after `name:` was changed in the fleet file. Starting a second tailscaled on the same
 * state would make two nodes fight over one identity.
 */
function stateDirSharer(service: ServiceDefinition, actual: ActualContainer[], fleetName: string): { container: ActualContainer; dir: string } | undefined {
  const dirs = new Set(service.volumes.map((v) => v.source));
  for (const c of actual) {
    if (isOurs(c, fleetName) || c.labels[LABELS.fleet] === undefined) continue;
    const dir = c.mounts?.find((m) => dirs.has(m));
    if (dir) return { container: c, dir };
  }
  return undefined;
}

/** One line per action, as `up` prints it. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'create':
      return `${a.event}: create ${a.service.name}`;
    case 'recreate':
      return `${a.event}: recreate ${a.service.name} (${a.reason})`;
    case 'start':
      return `${a.event}: start ${a.service.name} (was ${a.container.state})`;
    case 'keep':
      return `${a.event}: keep ${a.service.name} (up to date)`;
    case 'remove':
      return `${a.event}: remove ${a.container.name} (${a.reason ?? 'no longer in the fleet'}; state dir kept)`;
    case 'conflict':
      // the reason's subject is the name: a container under it, or the container we would make
      return `${a.event}: refuse ${a.name}: ${a.container.name === a.name ? 'a container with that name ' : ''}${a.reason}`;
  }
}
