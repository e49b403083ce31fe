/**
 * What every command that changes what runs does around its work: hold the fleet's deploy lock, and record
 * the run (or the error it stopped at) in the audit log. One place, so up/down/rollback/prune/retire cannot
 * drift apart on the order of the two.
 */
import { UsageError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { audited, record, recordInterrupted } from './audit.js';
import type { AuditFacts } from './audit-entry.js';
import { withDeployLock } from './deploy-lock.js';
import type { Deployment } from './deployment.js';

export interface DeployRun {
  /** The audit log's command name. */
  command: string;
  /** What the lock says its holder is doing (`up -m` gives its message); the command name by default. */
  lockNote?: string | undefined;
  forceUnlock: boolean;
  report: Reporter;
}

/**
 * The entry is written through the lock (the lock's marker carries the audit directory: no request of its
 * own before the write). A run stopped by Ctrl-C or SIGTERM records that, before its lock goes; a lock
 * taken over from a process that died holding it (SIGKILL, a crash) is recorded first: that run never
 * wrote its outcome.
 */
export function auditedDeploy<T>(d: Deployment, run: DeployRun, fn: () => Promise<T>, facts: (result: T) => AuditFacts): Promise<T> {
  return withDeployLock(
    d.target.lock,
    d.fleet,
    run.lockNote ?? run.command,
    run.forceUnlock,
    run.report,
    async (held) => {
      if (held.tookOver) await recordInterrupted(d, held.tookOver, run.report, held.audit);
      return audited(d, run.command, run.report, fn, facts, held.audit);
    },
    auditDirOrNone(d),
    (held) =>
      record(
        d,
        run.command,
        run.report,
        { revision: null, events: [], outcome: 'interrupted: stopped by a signal (Ctrl-C or SIGTERM)' },
        held.audit,
      ),
  );
}

/** The audit directory the lock carries; none where appdata cannot be resolved (the write then warns why). */
function auditDirOrNone(d: Deployment): string | undefined {
  try {
    return d.auditDir();
  } catch (err) {
    if (err instanceof UsageError) return undefined;
    throw err;
  }
}
