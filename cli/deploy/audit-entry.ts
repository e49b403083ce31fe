/**
 * One audit-log entry (after Kamal's audit log): when, who, which command on which fleet, the revision,
 * what happened to each event, and the outcome. Never a secret: statuses come from the engine messages
 * `up` already scrubbed, and are cut short.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface AuditEvent {
  event: string;
  action: string;
  ok: boolean;
  status: string;
  /** The run left the event on a new container (created or re-created, not put back): what `rollback` undoes. */
  changed?: boolean;
}

/** How a command reports an event: an EventResult of up/rollback says whether it was skipped or put back. */
type ReportedEvent = Omit<AuditEvent, 'changed'> & { skipped?: boolean; rolledBack?: boolean; needsPerson?: boolean };

export interface AuditEntry {
  time: string;
  /** git user.name <user.email> where the command ran, else $USER@host */
  who: string;
  /** The machine the command ran on. */
  host: string;
  command: string;
  fleet: string;
  /** The fleet file's `id:` (cli/fleet/identity.ts): two fleet files may share a name and an appdata. */
  fleetId?: string;
  revision: string | null;
  events: AuditEvent[];
  /** ok | failed: … | needs a person: … | error: <message> */
  outcome: string;
  /** Anything else the command records (e.g. publish: the pushed tags; prune: the removed revisions). */
  detail?: string;
}

/** What a command reports about its run; the rest of the entry is filled in by `newEntry`. */
export type AuditFacts = Pick<AuditEntry, 'revision' | 'outcome'> & { events: ReportedEvent[]; detail?: string };

/** Whether the event now runs on a container this run made (see AuditEvent.changed). */
function changedBy(e: ReportedEvent): boolean {
  return (e.action === 'create' || e.action === 'recreate') && !e.skipped && !e.rolledBack && (e.ok || e.needsPerson === true);
}

/** A status is cut to this many characters (an engine message can be long; the line stays short). */
const STATUS_CHARS = 200;

function git(args: string[], cwd: string): string | null {
  try {
    return (
      execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** git user.name <user.email> as configured where the fleet file is, else $USER@host. */
export function whoRuns(cwd: string): string {
  const name = git(['config', 'user.name'], cwd);
  const email = git(['config', 'user.email'], cwd);
  if (name || email) return [name, email ? `<${email}>` : null].filter(Boolean).join(' ');
  return `${process.env.USER || os.userInfo().username}@${os.hostname()}`;
}

export function newEntry(
  command: string,
  fleet: { name: string; id?: string | undefined },
  who: string,
  facts: AuditFacts,
  now = new Date(),
): AuditEntry {
  const cut = (s: string) => (s.length > STATUS_CHARS ? `${s.slice(0, STATUS_CHARS - 1)}…` : s);
  return {
    time: now.toISOString(),
    who,
    host: os.hostname(),
    command,
    fleet: fleet.name,
    ...(fleet.id ? { fleetId: fleet.id } : {}),
    revision: facts.revision,
    events: facts.events.map((e) => ({
      event: e.event,
      action: e.action,
      ok: e.ok,
      status: cut(e.status.replace(/\s+/g, ' ')),
      changed: changedBy(e),
    })),
    outcome: cut(facts.outcome.replace(/\s+/g, ' ')),
    ...(facts.detail ? { detail: cut(facts.detail) } : {}),
  };
}

/** The outcome of a run over events: ok, failed (naming how many), or waiting for a person. */
export function outcomeOf(events: Array<{ ok: boolean; needsPerson?: boolean; skipped?: boolean }>): string {
  const failed = events.filter((e) => !e.ok && !e.needsPerson && !e.skipped).length;
  if (failed) return `failed: ${failed} of ${events.length} event(s)`;
  const waiting = events.filter((e) => e.needsPerson).length;
  return waiting ? `needs a person: ${waiting} of ${events.length} event(s)` : 'ok';
}
