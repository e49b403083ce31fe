/** `exec`: run a command inside an event's container (e.g. `tailscale status`) and hand back its output and exit code. */
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import { fleetOwner } from '../fleet/identity.js';
import { containerName } from '../fleet/naming.js';
import { connect } from './connect.js';
import { eventContainer } from './event-container.js';
import type { ExecResult } from './runtime/runtime.js';

export async function execInEvent(options: { fleetFile: string; event: string; command: string[] }): Promise<ExecResult> {
  const { event, command } = options;
  if (command.length === 0) throw new UsageError('exec: give the command after --, e.g. `demo-fleet exec cleveland -- tailscale status`');
  const { fleet } = await loadFleet(options.fleetFile);
  const owner = fleetOwner(fleet, options.fleetFile);
  if (!Object.hasOwn(fleet.events, event))
    throw new UsageError(`event "${event}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  const { runtime } = await connect();
  const info = await eventContainer(runtime, owner, event);
  if (!info) throw new UsageError(`event "${event}" has no container ${containerName(fleet, event)} (run \`demo-fleet up\`)`);
  if (info.state !== 'running') throw new UsageError(`${info.name} is ${info.state}, not running (\`demo-fleet up\` starts it)`);
  return runtime.exec(info.id, command);
}
