/**
 * `revisions`: the fleet's revisions the engine keeps (every `<image>:rev-<revision>`), newest first, as
 * Kamal's `app images` lists an app's images: when each was built, which events run it, which events'
 * plain `rollback` goes to it, and the last deploy of it the audit log knows. The short form is what
 * `status` shows and `rollback --to` takes.
 */
import { isOurs } from '../converge/plan.js';
import { containerName, LABELS } from '../fleet/naming.js';
import type { AuditEntry } from './audit-entry.js';
import { ofFleet } from './audit.js';
import type { Deployment } from './deployment.js';
import { shortRevision } from './revision-names.js';

export interface RevisionInfo {
  revision: string;
  /** The shortest unique prefix (what `status` shows, what `rollback --to` takes). */
  short: string;
  imageId: string;
  /** When the image was built (ISO 8601). */
  built: string;
  /** Events whose container runs it. */
  events: string[];
  /** Events a plain `rollback` would put on it (their container's previous revision). */
  rollbackOf: string[];
  /** The last up/rollback the audit log records onto it (null: none logged, e.g. built but never deployed). */
  deployed: { time: string; who: string; command: string } | null;
  tags: string[];
}

export interface RevisionsReport {
  image: string;
  revisions: RevisionInfo[];
  /** Why the audit log was not read (e.g. a relative appdata on a remote engine), when it was not. */
  auditUnread?: string;
}

/** Whether the entry deployed `revision`: up and `rollback --to` name it; a plain rollback lists it per event. */
function deploys(e: AuditEntry, revision: string): boolean {
  if (e.command !== 'up' && e.command !== 'rollback') return false;
  if (e.revision === revision) return true;
  return e.command === 'rollback' && (e.detail ?? '').split(/[ =]/).includes(revision);
}

export async function listRevisions(d: Deployment): Promise<RevisionsReport> {
  const { fleet, owner } = d;
  await d.target.connect();
  const names = Object.keys(fleet.events).map((e) => containerName(fleet, e));
  const [stored, containers, audit] = await Promise.all([
    d.target.images.revisions(fleet.image),
    d.target.containers.list(names),
    readEntries(d),
  ]);
  const ours = containers.filter((c) => isOurs(c, owner) && c.labels[LABELS.event] && names.includes(c.name));
  const known = stored.map((r) => r.revision);
  const revisions = stored.map((r): RevisionInfo => {
    const last = audit.entries.findLast((e) => deploys(e, r.revision));
    return {
      revision: r.revision,
      short: shortRevision(r.revision, known),
      imageId: r.imageId,
      built: new Date(r.created * 1000).toISOString(),
      events: ours
        .filter((c) => c.imageId === r.imageId)
        .map((c) => c.labels[LABELS.event]!)
        .sort(),
      rollbackOf: ours
        .filter((c) => c.labels[LABELS.previousRevision] === r.revision)
        .map((c) => c.labels[LABELS.event]!)
        .sort(),
      deployed: last ? { time: last.time, who: last.who, command: last.command } : null,
      tags: r.tags,
    };
  });
  return { image: fleet.image, revisions, ...(audit.unread ? { auditUnread: audit.unread } : {}) };
}

async function readEntries(d: Deployment): Promise<{ entries: AuditEntry[]; unread?: string }> {
  try {
    return { entries: ofFleet((await d.target.auditLog.read(d.auditDir())) as AuditEntry[], d.fleet) };
  } catch (err) {
    return { entries: [], unread: err instanceof Error ? err.message : String(err) };
  }
}
