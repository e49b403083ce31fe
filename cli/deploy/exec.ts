/** `exec`: run a command inside an event's container (e.g. `tailscale status`) and hand back its output and exit code. */
import { UsageError } from '../errors.js';
import { containerName } from '../fleet/naming.js';
import type { ExecResult } from '../targets/target.js';
import type { Deployment } from './deployment.js';
import { eventContainer } from './event-container.js';

export async function execInEvent(d: Deployment, options: { event: string; command: string[] }): Promise<ExecResult> {
  const { event, command } = options;
  if (command.length === 0) throw new UsageError('exec: give the command after --, e.g. `demo-fleet exec cleveland -- tailscale status`');
  d.requireEvents([event]);
  await d.target.connect();
  const runtime = d.target.containers;
  const info = await eventContainer(runtime, d.owner, event);
  if (!info) throw new UsageError(`event "${event}" has no container ${containerName(d.fleet, event)} (run \`demo-fleet up\`)`);
  if (info.state !== 'running') throw new UsageError(`${info.name} is ${info.state}, not running (\`demo-fleet up\` starts it)`);
  return runtime.exec(info.id, command);
}
