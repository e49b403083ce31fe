/**
 * What every command that changes what runs does around its work: hold the fleet's deploy lock, and record
 * the run (or the error it stopped at) in the audit log. One place, so up/down/rollback/prune/retire cannot
 * drift apart on the order of the two.
 */
import type { Reporter } from '../reporter.js';
import { audited } from './audit.js';
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

export function auditedDeploy<T>(d: Deployment, run: DeployRun, fn: () => Promise<T>, facts: (result: T) => AuditFacts): Promise<T> {
  return withDeployLock(d.target.lock, d.fleet, run.lockNote ?? run.command, run.forceUnlock, run.report, () =>
    audited(d, run.command, run.report, fn, facts),
  );
}
