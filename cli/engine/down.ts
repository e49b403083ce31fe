/** `down`: stop and remove this fleet's containers (all, or the named events'); state dirs are kept. */
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import { fleetOwner } from '../fleet/identity.js';
import { containerName, LABELS } from '../fleet/naming.js';
import { mapPool } from '../util/pool.js';
import { connect } from './connect.js';
import { withDeployLock } from './deploy-lock.js';
import { isOurs } from './plan.js';
import type { Reporter } from './reporter.js';

export interface DownOptions {
  fleetFile: string;
  events: string[];
  forceUnlock: boolean;
  concurrency: number;
}

export interface DownResult {
  removed: Array<{ event: string; container: string }>;
}

export async function down(options: DownOptions, report: Reporter): Promise<DownResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  const owner = fleetOwner(fleet, options.fleetFile);
  for (const event of options.events) {
    if (!Object.hasOwn(fleet.events, event))
      throw new UsageError(`event "${event}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  }
  const { runtime } = await connect();
  return withDeployLock(runtime, fleet, 'down', options.forceUnlock, report, async () => {
    const names = (options.events.length ? options.events : Object.keys(fleet.events)).map((event) => containerName(fleet, event));
    const actual = await runtime.list(names);
    // Ours only: named like one of the events (or, with no events given, any container of this fleet).
    const targets = actual.filter((c) => isOurs(c, owner) && (options.events.length === 0 || names.includes(c.name)));
    report.step(`stop and remove ${targets.length} container(s) (state dirs kept)`);
    await mapPool(targets, options.concurrency, async (c) => {
      report.progress(`${c.labels[LABELS.event]}: stop and remove ${c.name}`);
      await runtime.stopAndRemove(c.id);
    });
    return { removed: targets.map((c) => ({ event: c.labels[LABELS.event] ?? '', container: c.name })) };
  });
}
