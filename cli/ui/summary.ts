/** The table `up` and `down` end with: per event its outcome, how long it took and where it is served. */
import type { EventResult } from '../converge/apply.js';
import type { DownResult } from '../deploy/down.js';
import type { Palette } from './colors.js';
import { elapsed } from './duration.js';
import { table } from './table.js';

/** The outcome without the URL (which has its own column): "served https://x" → "served". */
export function outcome(r: Pick<EventResult, 'status' | 'url'>): string {
  if (!r.url || !r.status.includes(r.url)) return r.status;
  return (
    r.status
      .replace(r.url, '')
      .replace(/[\s:]+$/, '')
      .trim() || r.status
  );
}

function coloured(r: EventResult, text: string, c: Palette): string {
  if (r.ok) return c.green(text);
  if (r.needsPerson) return c.yellow(text);
  return r.skipped ? c.dim(text) : c.red(text);
}

export function upSummary(results: EventResult[], c: Palette): string {
  return table(
    results.map((r) => ({
      event: r.event,
      action: r.action,
      status: coloured(r, outcome(r), c),
      duration: r.durationMs === undefined ? '-' : elapsed(r.durationMs),
      url: r.url ?? '-',
    })),
    ['event', 'action', 'status', 'duration', 'url'],
  );
}

export function downSummary(result: DownResult, c: Palette): string {
  return table(
    result.removed.map((r) => ({ event: r.event, container: r.container, status: c.green('removed'), duration: elapsed(r.durationMs) })),
    ['event', 'container', 'status', 'duration'],
  );
}
