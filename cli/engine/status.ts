/** `status`: each event of the fleet file beside what the engine runs for it, plus orphans. */
import type Docker from 'dockerode';
import type { Fleet } from '../fleet/schema.js';
import { containerName, eventHostname, LABELS } from '../render/service.js';
import { listFleetContainers } from './containers.js';
import { isOurs, type ActualContainer } from './plan.js';

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

export async function fleetStatus(docker: Docker, fleet: Fleet): Promise<EventStatus[]> {
  const events = Object.keys(fleet.events).sort();
  const actual = await listFleetContainers(docker, fleet.name, events.map((e) => containerName(fleet, e)));
  const row = async (c: ActualContainer, event: string, hostname: string, inFleet: boolean): Promise<EventStatus> => {
    const info = await docker.getContainer(c.id).inspect();
    return {
      event,
      container: c.name,
      state: isOurs(c, fleet.name) ? info.State.Status : 'foreign',
      health: info.State.Health?.Status ?? '-',
      image: info.Config.Image,
      started: info.State.Running ? info.State.StartedAt : null,
      hostname,
      inFleet,
    };
  };
  const rows: EventStatus[] = [];
  for (const event of events) {
    const name = containerName(fleet, event);
    const hostname = eventHostname(fleet, event, fleet.events[event]!);
    const c = actual.find((a) => a.name === name);
    rows.push(
      c
        ? await row(c, event, hostname, true)
        : { event, container: name, state: 'missing', health: '-', image: '-', started: null, hostname, inFleet: true },
    );
  }
  for (const c of actual) {
    const event = c.labels[LABELS.event];
    if (isOurs(c, fleet.name) && event && !fleet.events[event]) rows.push(await row(c, event, c.labels[LABELS.hostname] ?? '-', false));
  }
  return rows;
}
