/** `down`: stop and remove this fleet's containers (all, or the named events'); state dirs are kept. */
import { UsageError } from '../errors.js';
import { containerName, LABELS } from '../fleet/naming.js';
import { accessoryName, isOurAccessory } from '../tailnet/control-server.js';
import { fleetNetworkLabels } from './control-server.js';
import { mapPool } from '../util/pool.js';
import { auditedDeploy } from './audited-deploy.js';
import type { Deployment } from './deployment.js';
import { isOurs } from '../converge/plan.js';
import type { Reporter } from '../reporter.js';

export interface DownOptions {
  events: string[];
  forceUnlock: boolean;
  concurrency: number;
  /** Also the control server accessory and the network the fleet made (its state dir is kept). */
  withControlServer?: boolean;
}

export interface DownResult {
  /** `durationMs`: how long its stop and remove took. */
  removed: Array<{ event: string; container: string; durationMs: number }>;
}

export async function down(d: Deployment, options: DownOptions, report: Reporter): Promise<DownResult> {
  const { fleet, owner } = d;
  d.requireEvents(options.events);
  if (options.withControlServer && options.events.length)
    throw new UsageError('--with-control-server takes the whole fleet down: leave out the event names');
  await d.target.connect();
  const runtime = d.target.containers;
  const removedEntries = (r: DownResult) =>
    r.removed.map((c) => ({ event: c.event, action: 'remove', ok: true, status: `removed ${c.container}` }));
  return auditedDeploy(
    d,
    { command: 'down', forceUnlock: options.forceUnlock, report },
    async () => {
      const names = (options.events.length ? options.events : Object.keys(fleet.events)).map((event) => containerName(fleet, event));
      const actual = await runtime.list(names);
      // Ours only: of one of the events, under any name (what an interrupted deploy left goes too), or, with
      // no events given, any container of this fleet.
      const named = (c: (typeof actual)[number]) => options.events.includes(c.labels[LABELS.event] ?? '');
      const targets = byEvent(actual.filter((c) => isOurs(c, owner) && (options.events.length === 0 || named(c))));
      report.step(`stop and remove ${targets.length} container(s) (state dirs kept)`);
      for (const c of targets) report.event?.({ event: c.labels[LABELS.event] ?? c.name, phase: 'queued', text: 'stop and remove' });
      const removed = await mapPool(targets, options.concurrency, async (c) => {
        const event = c.labels[LABELS.event] ?? '';
        const started = Date.now();
        report.progress(`${event}: stop and remove ${c.name}`);
        report.event?.({ event: event || c.name, phase: 'working', text: `stop and remove ${c.name}` });
        await runtime.stopAndRemove(c.id);
        report.event?.({ event: event || c.name, phase: 'done', text: 'removed' });
        return { event, container: c.name, durationMs: Date.now() - started };
      });
      if (options.withControlServer && !fleet.controlServer)
        report.warn('--with-control-server: this fleet file has no controlServer: block, so there is none to remove');
      const control = fleet.controlServer
        ? await downControlServer(d, Boolean(options.withControlServer && !options.events.length), report)
        : null;
      return { removed: control ? [...removed, control] : removed };
    },
    (r) => ({ revision: null, events: removedEntries(r), outcome: 'ok' }),
  );
}

/**
 * The control server outlives `down` (visitors' nodes and its database stay usable for the next `up`)
 * unless asked; then it goes with the network the fleet made. Its state dir is kept either way.
 */
async function downControlServer(d: Deployment, remove: boolean, report: Reporter): Promise<DownResult['removed'][number] | null> {
  const runtime = d.target.containers;
  const name = accessoryName(d.fleet);
  const found = (await runtime.list([name])).find((c) => c.name === name && isOurAccessory(c.labels, d.fleet));
  if (!remove) {
    if (found) report.progress(`control server ${name} kept (\`down --with-control-server\` removes it)`);
    return null;
  }
  const started = Date.now();
  if (found) {
    report.progress(`stop and remove ${name} (its state dir is kept)`);
    await runtime.stopAndRemove(found.id);
  }
  const network = d.fleet.network!;
  const outcome = await d.target.accessories.removeNetwork(network, fleetNetworkLabels(d));
  if (outcome === 'removed') report.progress(`network ${network} removed`);
  else if (outcome === 'in use') report.warn(`network ${network} kept: containers other than this fleet's are on it`);
  return found ? { event: 'control server', container: name, durationMs: Date.now() - started } : null;
}

/** By event, as `up` plans and reports (the engine lists newest first); containers without one by name. */
function byEvent<C extends { name: string; labels: Record<string, string> }>(containers: C[]): C[] {
  const key = (c: C) => c.labels[LABELS.event] ?? c.name;
  return [...containers].sort((a, b) => key(a).localeCompare(key(b)) || a.name.localeCompare(b.name));
}
