/** An event's container as the commands that act on one event (logs, exec) find it: ours, or refused. */
import { UsageError } from '../errors.js';
import { containerName } from '../fleet/naming.js';
import type { Fleet } from '../fleet/schema.js';
import { isOurs } from './plan.js';
import type { ContainerDetails, Runtime } from './runtime/runtime.js';

export /** The event's container, or null when it has none; refuses one under its name that is not ours. */
async function eventContainer(runtime: Runtime, fleet: Fleet, event: string): Promise<ContainerDetails | null> {
  const name = containerName(fleet, event);
  const info = await runtime.inspect(name);
  if (!info) return null;
  // A container of someone else under our name (status calls it "foreign"): not this event's logs.
  if (!isOurs({ id: info.id, name, labels: info.labels, state: info.state, imageId: info.imageId }, fleet.name)) {
    throw new UsageError(
      `${name} is not a container of fleet "${fleet.name}" (it was not created by demo-fleet for event ${event}; see \`demo-fleet status\`)`,
    );
  }
  return info;
}
