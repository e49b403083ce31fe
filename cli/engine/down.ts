/** `down`: stop and remove this fleet's containers (all, or the named events'); state dirs are kept. */
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import { fleetOwner } from '../fleet/identity.js';
import { containerName, LABELS } from '../fleet/naming.js';
import { mapPool } from '../util/pool.js';
import { connect } from './connect.js';
import { auditedDeploy } from './audited-deploy.js';
import { isOurs } from './plan.js';
import type { Reporter } from './reporter.js';

export interface DownOptions {
  fleetFile: string;
  events: string[];
  forceUnlock: boolean;
  concurrency: number;
}

export interface DownResult {
  /** `durationMs`: how long its stop and remove took. */
  removed: Array<{ event: string; container: string; durationMs: number }>;
}

export async function down(options: DownOptions, report: Reporter): Promise<DownResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  const owner = fleetOwner(fleet, options.fleetFile);
  for (const event of options.events) {
    if (!Object.hasOwn(fleet.events, event))
      throw new UsageError(`event "${event}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  }
  const { engine, runtime } = await connect();
  const removedEntries = (r: DownResult) =>
    r.removed.map((c) => ({ event: c.event, action: 'remove', ok: true, status: `removed ${c.container}` }));
  const deployment = {
    runtime,
    docker: engine.docker,
    fleet,
    fleetFile: options.fleetFile,
    command: 'down',
    forceUnlock: options.forceUnlock,
    report,
  };
  return auditedDeploy(
    deployment,
    async () => {
      const names = (options.events.length ? options.events : Object.keys(fleet.events)).map((event) => containerName(fleet, event));
      const actual = await runtime.list(names);
      // Ours only: named like one of the events (or, with no events given, any container of this fleet).
      const targets = byEvent(actual.filter((c) => isOurs(c, owner) && (options.events.length === 0 || names.includes(c.name))));
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
      return { removed };
    },
    (r) => ({ revision: null, events: removedEntries(r), outcome: 'ok' }),
  );
}

/** By event, as `up` plans and reports (the engine lists newest first); containers without one by name. */
function byEvent<C extends { name: string; labels: Record<string, string> }>(containers: C[]): C[] {
  const key = (c: C) => c.labels[LABELS.event] ?? c.name;
  return [...containers].sort((a, b) => key(a).localeCompare(key(b)) || a.name.localeCompare(b.name));
}
