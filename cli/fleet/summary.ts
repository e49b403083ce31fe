/** A printable view of the fleet's events: what `list` shows. Names where a key comes from, never a key. */
import { containerName, eventHostname, serveMode } from '../render/service.js';
import type { Fleet } from './schema.js';

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

export function eventSummaries(fleet: Fleet): EventSummary[] {
  return Object.entries(fleet.events)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([event, e]) => ({
      event,
      container: containerName(fleet, event),
      hostname: eventHostname(fleet, event, e),
      funnel: e.funnel,
      serveMode: serveMode(fleet, e),
      inviteLink: e.inviteLink ?? null,
      authKey: !e.authKey ? 'none' : 'env' in e.authKey ? `env:${e.authKey.env}` : `file:${e.authKey.file}`,
    }));
}
