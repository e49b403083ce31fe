/** An event's container as the commands that act on one event (logs, exec) find it: ours, or refused. */
import { UsageError } from '../errors.js';
import { describeOwner, type FleetOwner } from '../fleet/identity.js';
import { containerName } from '../fleet/naming.js';
import { isOurs } from '../converge/plan.js';
import type { ContainerDetails, Runtime } from '../targets/target.js';
import type { Deployment } from './deployment.js';

export /** The event's container, or null when it has none; refuses one under its name that is not ours. */
async function eventContainer(runtime: Runtime, owner: FleetOwner, event: string): Promise<ContainerDetails | null> {
  const name = containerName(owner, event);
  const info = await runtime.inspect(name);
  if (!info) return null;
  // A container of someone else under our name (status calls it "foreign"): not this event's logs.
  if (!isOurs(info, owner)) {
    throw new UsageError(
      `${name} is not a container of this fleet file (fleet "${owner.name}", id ${owner.id}): it belongs to ${describeOwner(info.labels)} (see \`demo-fleet status\`)`,
    );
  }
  return info;
}

/** The event's running container, for commands that work inside it (exec, open); refused with the fix otherwise. */
export async function runningEventContainer(d: Deployment, event: string): Promise<ContainerDetails> {
  d.requireEvents([event]);
  await d.target.connect();
  const info = await eventContainer(d.target.containers, d.owner, event);
  if (!info) throw new UsageError(`event "${event}" has no container ${containerName(d.fleet, event)} (run \`demo-fleet up\`)`);
  if (info.state !== 'running') throw new UsageError(`${info.name} is ${info.state}, not running (\`demo-fleet up\` starts it)`);
  return info;
}
