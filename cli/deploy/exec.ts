/** `exec`: run a command inside an event's container (e.g. `tailscale status`) and hand back its output and exit code. */
import { UsageError } from '../errors.js';
import { accessoryName, isOurAccessory } from '../tailnet/control-server.js';
import type { ExecResult } from '../targets/target.js';
import type { Deployment } from './deployment.js';
import { runningEventContainer } from './event-container.js';

export async function execInEvent(d: Deployment, options: { event: string; command: string[] }): Promise<ExecResult> {
  const { event, command } = options;
  if (command.length === 0) throw new UsageError('exec: give the command after --, e.g. `demo-fleet exec cleveland -- tailscale status`');
  if (event === CONTROL_SERVER_EXEC && d.fleet.controlServer) return execInControlServer(d, command);
  const info = await runningEventContainer(d, event);
  return d.target.containers.exec(info.id, command);
}

/** `exec headscale -- headscale nodes list`: the fleet's own control server (no event may take this name). */
export const CONTROL_SERVER_EXEC = 'headscale';

async function execInControlServer(d: Deployment, command: string[]): Promise<ExecResult> {
  await d.target.connect();
  const runtime = d.target.containers;
  const name = accessoryName(d.fleet);
  const info = await runtime.inspect(name);
  if (!info || !isOurAccessory(info.labels, d.fleet))
    throw new UsageError(`the control server ${name} is not running here (run \`demo-fleet up\`)`);
  if (info.state !== 'running') throw new UsageError(`${name} is ${info.state}, not running (\`demo-fleet up\` starts it)`);
  return runtime.exec(info.id, command);
}
