import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { fleetPath, positiveInt } from './options.js';

export function register(program: Command): void {
  program
    .command('logs')
    .description("an event's container output (stdout and stderr, demultiplexed)")
    .argument('<event>', 'event name')
    .option('-f, --follow', 'keep streaming')
    .option('-n, --tail <lines>', 'only the last lines', positiveInt('--tail'))
    .addHelpText('after', '\nExamples:\n  $ demo-fleet logs cleveland --tail 50\n  $ demo-fleet logs cleveland -f')
    .action(async (event: string, opts: { follow?: boolean; tail?: number }, cmd: Command) => {
      const { loadFleet } = await import('../fleet/file.js');
      const { containerName } = await import('../fleet/naming.js');
      const { connectEngine, pingEngine, statusCode } = await import('../engine/client.js');
      const { containerLogs } = await import('../engine/containers.js');
      const { isOurs } = await import('../engine/plan.js');
      const { fleet } = await loadFleet(fleetPath(cmd));
      if (!fleet.events[event]) throw new UsageError(`event "${event}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
      const engine = connectEngine();
      await pingEngine(engine);
      const name = containerName(fleet, event);
      let id: string;
      try {
        const info = await engine.docker.getContainer(name).inspect();
        // A container of someone else under our name (status calls it "foreign"): not this event's logs.
        if (!isOurs({ id: info.Id, name, labels: info.Config.Labels ?? {}, state: info.State.Status, imageId: info.Image }, fleet.name)) {
          throw new UsageError(`${name} is not a container of fleet "${fleet.name}" (it was not created by demo-fleet for event ${event}; see \`demo-fleet status\`)`);
        }
        id = info.Id;
      } catch (err) {
        if (statusCode(err) === 404) throw new UsageError(`event "${event}" has no container ${name} (run \`demo-fleet up\`)`);
        throw err;
      }
      await containerLogs(engine.docker, id, { ...opts, stdout: process.stdout, stderr: process.stderr });
    });
}
