/**
 * Commands that change what runs (up, down, rollback, prune, retire, publish) record their run in the audit log
 * (store.ts) through `audited`; `audit` reads it back. Writing the log never fails the command: a
 * failure to write is a warning.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { FleetError, UsageError } from '../../errors.js';
import { loadFleet } from '../../fleet/file.js';
import type { Fleet } from '../../fleet/schema.js';
import { connectEngine, engineEndpoint, engineMessage, pingEngine } from '../client/docker.js';
import type { Reporter } from '../reporter.js';
import { type AuditEntry, type AuditFacts, newEntry, whoRuns } from './entry.js';
import { appendEntry, auditDir, ofFleet, readEntries } from './store.js';

export interface AuditContext {
  docker: Docker;
  fleet: Fleet;
  fleetFile: string;
  command: string;
  report: Reporter;
}

/**
 * The audit directory on the engine host. A relative appdata names a directory on this machine, which a
 * remote engine (ssh://, tcp://) does not have: refused there, as `up` refuses it.
 */
function engineAuditDir(fleet: Fleet, fleetFile: string): string {
  const endpoint = engineEndpoint();
  if (!path.isAbsolute(fleet.appdata) && !endpoint.startsWith('unix://') && !endpoint.startsWith('npipe://')) {
    throw new UsageError(
      `${fleetFile}: appdata: "${fleet.appdata}" is relative, but the engine is ${endpoint}: the audit log lives on that host, so give an absolute path there`,
    );
  }
  return auditDir(fleet, path.dirname(path.resolve(fleetFile)));
}

/** Append one entry; a failure to write is reported as a warning, never thrown. */
export async function record(ctx: AuditContext, facts: AuditFacts): Promise<void> {
  const fleetDir = path.dirname(path.resolve(ctx.fleetFile));
  const entry = newEntry(ctx.command, ctx.fleet, whoRuns(fleetDir), facts);
  try {
    await appendEntry(ctx.docker, engineAuditDir(ctx.fleet, ctx.fleetFile), entry);
  } catch (err) {
    ctx.report.warn(`audit log not written: ${err instanceof UsageError ? err.message : engineMessage(err)}`);
  }
}

/** Run `fn` and record its outcome (`facts` of its result), or the error it threw, which is rethrown. */
export async function audited<T>(ctx: AuditContext, fn: () => Promise<T>, facts: (result: T) => AuditFacts): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const kind = err instanceof FleetError ? '' : 'unexpected ';
    await record(ctx, { revision: null, events: [], outcome: `${kind}error: ${message}` });
    throw err;
  }
  await record(ctx, facts(result));
  return result;
}

export interface AuditLog {
  fleet: string;
  /** Where the log is on the engine host. */
  dir: string;
  entries: AuditEntry[];
}

/** `audit`: the last `lines` entries of this fleet, oldest first. */
export async function readAudit(options: { fleetFile: string; lines: number }): Promise<AuditLog> {
  const { fleet } = await loadFleet(options.fleetFile);
  const dir = engineAuditDir(fleet, options.fleetFile);
  const engine = connectEngine();
  await pingEngine(engine);
  const entries = ofFleet(await readEntries(engine.docker, dir), fleet);
  return { fleet: fleet.name, dir, entries: entries.slice(-options.lines) };
}
