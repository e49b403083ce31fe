/** A printable view of the fleet's events: what `list` shows. Names where a key comes from, never a key. */
import { containerName, eventHostname, serveMode } from './naming.js';
import type { Fleet } from './schema.js';
import type { SummaryField } from './summary-fields.js';

export interface EventSummary {
  event: string;
  container: string;
  hostname: string;
  funnel: boolean;
  serveMode: string;
  inviteLink: string | null;
  /** "env:NAME", "file:path" or "none". */
  authKey: string;
}

/** Compiles only while summary-fields.ts lists exactly the fields of EventSummary. */
type Holds<T extends true> = T;
export type SummaryFieldsAreEventSummary = Holds<
  [SummaryField] extends [keyof EventSummary] ? ([keyof EventSummary] extends [SummaryField] ? true : false) : false
>;

export function eventSummaries(fleet: Fleet): EventSummary[] {
  return Object.entries(fleet.events)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([event, config]) => ({
      event,
      container: containerName(fleet, event),
      hostname: eventHostname(fleet, event, config),
      funnel: config.funnel,
      serveMode: serveMode(fleet, config),
      inviteLink: config.inviteLink ?? null,
      authKey: !config.authKey ? 'none' : 'env' in config.authKey ? `env:${config.authKey.env}` : `file:${config.authKey.file}`,
    }));
}
