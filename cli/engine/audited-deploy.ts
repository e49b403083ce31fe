/**
 * What every command that changes what runs does around its work: hold the fleet's deploy lock, and record
 * the run (or the error it stopped at) in the audit log. One place, so up/down/rollback/prune/retire cannot
 * drift apart on the order of the two.
 */
import type Docker from 'dockerode';
import type { Fleet } from '../fleet/schema.js';
import { audited } from './audit/audit.js';
import type { AuditFacts } from './audit/entry.js';
import { withDeployLock } from './deploy-lock.js';
import type { Reporter } from './reporter.js';
import type { Runtime } from './runtime/runtime.js';

export interface Deployment {
  runtime: Runtime;
  docker: Docker;
  fleet: Fleet;
  fleetFile: string;
  /** The audit log's command name. */
  command: string;
  /** What the lock says its holder is doing (`up -m` gives its message); the command name by default. */
  lockNote?: string | undefined;
  forceUnlock: boolean;
  report: Reporter;
}

export function auditedDeploy<T>(d: Deployment, fn: () => Promise<T>, facts: (result: T) => AuditFacts): Promise<T> {
  const audit = { docker: d.docker, fleet: d.fleet, fleetFile: d.fleetFile, command: d.command, report: d.report };
  return withDeployLock(d.runtime, d.fleet, d.lockNote ?? d.command, d.forceUnlock, d.report, () => audited(audit, fn, facts));
}
