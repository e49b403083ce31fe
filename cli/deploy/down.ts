/** `down`: stop and remove this fleet's containers (all, or the named events'); state dirs are kept. */
import { containerName, LABELS } from '../fleet/naming.js';
import { mapPool } from '../util/pool.js';
import { auditedDeploy } from './audited-deploy.js';
import type { Deployment } from './deployment.js';
import { isOurs } from '../converge/plan.js';
import type { Reporter } from '../reporter.js';

export interface DownOptions {
  events: string[];
  forceUnlock: boolean;
  concurrency: number;
}

export interface DownResult {
  /** `durationMs`: how long its stop and remove took. */
  removed: Array<{ event: string; container: string; durationMs: number }>;
}

export async function down(d: Deployment, options: DownOptions, report: Reporter): Promise<DownResult> {
  const { fleet, owner } = d;
  d.requireEvents(options.events);
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
