/** `status`: each event of the fleet file beside what the engine runs for it, plus orphans. */
import type Docker from 'dockerode';
import type { Fleet } from '../fleet/schema.js';
import { containerName, eventHostname, LABELS } from '../fleet/naming.js';
import { listFleetContainers } from './containers.js';
import { isOurs, type ActualContainer } from './plan.js';
import { mapPool } from '../util/pool.js';

/** Container inspects in flight at once (a fleet of 50 is one round trip's worth of waiting, not 50). */
const INSPECT_CONCURRENCY = 8;

export interface EventStatus {
  event: string;
  container: string;
  /** running | exited | ... | missing (in the file, no container) | foreign (name taken by someone else) */
  state: string;
  health: string;
  image: string;
  started: string | null;
  hostname: string;
  /** in the file (true) or an orphan: a container of this fleet with no event (false) */
  inFleet: boolean;
}

/** One row to show: an event (with its container, or missing) or a container of this fleet. */
interface RowSpec {
  event: string;
  name: string;
  hostname: string;
  inFleet: boolean;
  container?: ActualContainer;
}

export async function fleetStatus(docker: Docker, fleet: Fleet): Promise<EventStatus[]> {
  const events = Object.keys(fleet.events).sort();
  const names = new Map(events.map((e) => [e, containerName(fleet, e)]));
  const actual = await listFleetContainers(docker, [...names.values()]);
  const specs: RowSpec[] = events.map((event) => ({
    event,
    name: names.get(event)!,
    hostname: eventHostname(fleet, event, fleet.events[event]!),
    inFleet: true,
    container: actual.find((a) => a.name === names.get(event)),
  }));
  // Ours but not under an event's name: an event removed from the file (orphan), or a second
  // container of an event (renamed by hand). `up` removes or re-makes both.
  for (const c of actual) {
    const event = c.labels[LABELS.event];
    if (!event || !isOurs(c, fleet.name) || names.get(event) === c.name) continue;
    specs.push({ event, name: c.name, hostname: c.labels[LABELS.hostname] ?? '-', inFleet: Boolean(fleet.events[event]), container: c });
  }
  return mapPool(specs, INSPECT_CONCURRENCY, async ({ container: c, ...spec }): Promise<EventStatus> => {
    const base = { event: spec.event, container: spec.name, hostname: spec.hostname, inFleet: spec.inFleet };
    if (!c) return { ...base, state: 'missing', health: '-', image: '-', started: null };
    const info = await docker.getContainer(c.id).inspect();
    return {
      ...base,
      state: isOurs(c, fleet.name) ? info.State.Status : 'foreign',
      health: info.State.Health?.Status ?? '-',
      image: info.Config.Image,
      started: info.State.Running ? info.State.StartedAt : null,
    };
  });
}
