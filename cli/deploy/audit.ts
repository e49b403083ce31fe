/**
 * Commands that change what runs (up, down, rollback, prune, retire, publish) record their run in the
 * audit log (the target's `auditLog`, a directory under appdata on its host) through `audited`; `audit`
 * reads it back. Writing the log never fails the command: a failure to write is a warning.
 */
import { FleetError, UsageError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { type AuditEntry, type AuditFacts, newEntry, whoRuns } from './audit-entry.js';
import type { Deployment } from './deployment.js';
import type { LockInfo } from '../targets/target.js';

/**
 * The entries of one fleet (several fleet files may share an appdata, and a name): the one place that
 * decides "this fleet's" — by the fleet identity; by name only for an entry written without one.
 */
export function ofFleet(entries: AuditEntry[], fleet: { name: string; id?: string | undefined }): AuditEntry[] {
  return entries.filter((e) => (e.fleetId !== undefined ? e.fleetId === fleet.id : e.fleet === fleet.name));
}

/**
 * The last `up` or `rollback` of this fleet that ran (one that ended in an error before converging, e.g.
 * a refused rollback, changed nothing and is skipped), and the events it moved: re-created onto a new
 * container (`changed`; a create has nothing to go back to). null when none is logged.
 */
export async function lastDeploy(d: Deployment): Promise<{ entry: AuditEntry; changed: string[] } | null> {
  const entries = ofFleet((await d.target.auditLog.read(d.auditDir())) as AuditEntry[], d.fleet);
  const ran = (e: AuditEntry) => (e.command === 'up' || e.command === 'rollback') && !/^(unexpected )?error: /.test(e.outcome);
  const entry = entries.findLast(ran);
  if (!entry) return null;
  // entries written before `changed` existed: an ok re-create
  const changed = entry.events.filter((e) => e.action === 'recreate' && (e.changed ?? e.ok));
  return { entry, changed: changed.map((e) => e.event) };
}

/** How an entry reaches the log: through the held deploy lock (AcquiredLock.audit), or the target's audit log. */
export type AuditWriter = (entry: AuditEntry) => Promise<void>;

/** Append one entry; a failure to write is reported as a warning, never thrown. */
export async function record(d: Deployment, command: string, report: Reporter, facts: AuditFacts, write?: AuditWriter): Promise<void> {
  await writeOrWarn(d, report, newEntry(command, d.fleet, whoRuns(d.paths.fleetDir), facts), write);
}

async function writeOrWarn(d: Deployment, report: Reporter, entry: AuditEntry, write?: AuditWriter): Promise<void> {
  try {
    const dir = d.auditDir(); // a relative appdata on a remote engine: the UsageError says the fix
    await (write ? write(entry) : d.target.auditLog.append(dir, entry));
  } catch (err) {
    report.warn(`audit log not written: ${err instanceof UsageError ? err.message : d.target.errorMessage(err)}`);
  }
}

const LOCKED_COMMANDS = new Set(['up', 'down', 'rollback', 'prune', 'retire', 'restart']);

/**
 * The run of a process that died holding the deploy lock (SIGKILL, a crash, a lost machine) never wrote its
 * outcome; whoever takes the lock over records it from the lock's labels, so the log shows that it ran.
 */
export async function recordInterrupted(d: Deployment, dead: LockInfo, report: Reporter, write?: AuditWriter): Promise<void> {
  // The lock names what ran (`up -m` replaces it with the operator's message: that was an `up`).
  const command = LOCKED_COMMANDS.has(dead.message) ? dead.message : 'up';
  const since = Number.isNaN(Date.parse(dead.since)) ? new Date() : new Date(dead.since);
  const entry = newEntry(
    command,
    d.fleet,
    dead.holder,
    {
      revision: null,
      events: [],
      outcome: `interrupted: pid ${dead.pid} on ${dead.host} ended holding the deploy lock, without recording an outcome (taken over by ${whoRuns(d.paths.fleetDir)})`,
    },
    since,
  );
  await writeOrWarn(d, report, { ...entry, host: dead.host }, write);
}

/** Run `fn` and record its outcome (`facts` of its result), or the error it threw, which is rethrown. */
export async function audited<T>(
  d: Deployment,
  command: string,
  report: Reporter,
  fn: () => Promise<T>,
  facts: (result: T) => AuditFacts,
  write?: AuditWriter,
): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const kind = err instanceof FleetError ? '' : 'unexpected ';
    await record(d, command, report, { revision: null, events: [], outcome: `${kind}error: ${message}` }, write);
    throw err;
  }
  await record(d, command, report, facts(result), write);
  return result;
}

export interface AuditLogView {
  fleet: string;
  /** Where the log is on the target's host. */
  dir: string;
  entries: AuditEntry[];
}

/** `audit`: the last `lines` entries of this fleet, oldest first. */
export async function readAudit(d: Deployment, options: { lines: number }): Promise<AuditLogView> {
  const dir = d.auditDir();
  await d.target.connect();
  const entries = ofFleet((await d.target.auditLog.read(dir)) as AuditEntry[], d.fleet);
  return { fleet: d.fleet.name, dir, entries: entries.slice(-options.lines) };
}
