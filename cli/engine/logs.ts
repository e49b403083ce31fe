/** `logs`: one event's container output, refusing a container that is not this fleet's. */
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import { containerName } from '../fleet/naming.js';
import { connect } from './connect.js';
import { isOurs } from './plan.js';

export interface LogsOptions {
  fleetFile: string;
  event: string;
  follow?: boolean;
  tail?: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function eventLogs(options: LogsOptions): Promise<void> {
  const { event } = options;
  const { fleet } = await loadFleet(options.fleetFile);
  if (!Object.hasOwn(fleet.events, event)) throw new UsageError(`event "${event}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  const { runtime } = await connect();
  const name = containerName(fleet, event);
  const info = await runtime.inspect(name);
  if (!info) throw new UsageError(`event "${event}" has no container ${name} (run \`demo-fleet up\`)`);
  // A container of someone else under our name (status calls it "foreign"): not this event's logs.
  if (!isOurs({ id: info.id, name, labels: info.labels, state: info.state, imageId: info.imageId }, fleet.name)) {
    throw new UsageError(`${name} is not a container of fleet "${fleet.name}" (it was not created by demo-fleet for event ${event}; see \`demo-fleet status\`)`);
  }
  await runtime.logs(info.id, { follow: options.follow, tail: options.tail, stdout: options.stdout, stderr: options.stderr });
}
