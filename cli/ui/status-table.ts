/** The `status` table: one row per event, columns that give way on a narrow terminal (table.ts). */
import { shortRevision } from '../deploy/revision-names.js';
import type { EventStatus } from '../deploy/status.js';
import { upFor } from './duration.js';
import { type ColumnSpec, table } from './table.js';

/**
 * On a narrow terminal the columns give way in rank order (table.ts): the container and hostname first
 * (they follow from the event's name), the image (the fleet's), restarts, uptime, health, the revision
 * (`demo-fleet revisions` lists them); only then are the node's URL or state and the event's name cut.
 */
export const STATUS_COLUMNS: ColumnSpec[] = [
  { key: 'event', min: 16, cut: 2 },
  { key: 'container', drop: 9 },
  'state',
  { key: 'health', drop: 5 },
  { key: 'tailnet', min: 40, cut: 3 },
  { key: 'image', drop: 8 },
  { key: 'revision', drop: 4 },
  { key: 'started', drop: 6 },
  { key: 'restarts', drop: 7 },
  { key: 'hostname', drop: 10 },
];

/**
 * The rows as shown: the revision as `rollback --to` takes it (a start no other revision on the engine
 * shares; a commit's 7 digits for an image without one), uptime, the node's URL or what it waits for.
 */
export function statusRows(rows: EventStatus[], engineRevisions: string[], now = Date.now()): Array<Record<string, unknown>> {
  const known = [...engineRevisions, ...rows.flatMap((r) => (r.revision ? [r.revision] : []))];
  return rows.map((r) => ({
    ...r,
    event: r.inFleet ? r.event : `${r.event} (not in fleet)`,
    revision: r.revision ? shortRevision(r.revision, known) : r.commit ? r.commit.slice(0, 7) : '-',
    started: upFor(r.started, now),
    restarts: r.restarts ?? '-',
    node: r.node ?? '-',
    tailnet: r.url ? `${r.url}${r.funnel ? ' (funnel)' : ''}` : r.loginUrl ? `waiting for login: ${r.loginUrl}` : r.tailnet,
  }));
}

/** Where the target has several machines (Swarm), the node of each: after the state, given up with the image. */
const NODE_COLUMN: ColumnSpec = { key: 'node', drop: 8 };

/** The columns for these rows: a NODE column only where some row has a node. */
export function statusColumns(rows: EventStatus[]): ColumnSpec[] {
  return rows.some((r) => r.node !== undefined) ? [...STATUS_COLUMNS.slice(0, 3), NODE_COLUMN, ...STATUS_COLUMNS.slice(3)] : STATUS_COLUMNS;
}

/** The whole table, for a width (undefined: uncut). */
export function statusTable(rows: EventStatus[], engineRevisions: string[], width: number | undefined, now = Date.now()): string {
  return table(statusRows(rows, engineRevisions, now), statusColumns(rows), width);
}
