/**
 * Hold the fleet's deploy lock on the target for the length of `fn` (audited-deploy.ts, `restart`); remove it
 * by hand. `auditDir`: the audit log the holder writes through the lock (AcquiredLock.audit).
 */
import { LockedError } from '../errors.js';
import type { Fleet } from '../fleet/schema.js';
import { undoOnInterrupt } from '../util/interrupt.js';
import type { Reporter } from '../reporter.js';
import type { AcquiredLock, DeployLock, LockInfo } from '../targets/target.js';

export async function withDeployLock<T>(
  lock: DeployLock,
  fleet: Fleet,
  what: string,
  forceUnlock: boolean,
  report: Reporter,
  fn: (held: AcquiredLock) => Promise<T>,
  auditDir?: string,
  /** Run on Ctrl-C / SIGTERM while the lock is still held, before it is released (never throws). */
  onInterrupt?: (held: AcquiredLock) => Promise<void>,
): Promise<T> {
  if (forceUnlock) {
    const held = await releaseByHand(lock, fleet);
    if (held) report.warn(`removed the deploy lock of fleet "${fleet.name}" held by ${held.holder} since ${held.since} (--force-unlock)`);
  }
  report.step(`take deploy lock ${lock.name(fleet.name)}`);
  const held = await lock.acquire(fleet.name, what, fleet.id, auditDir);
  if (held.tookOver) {
    report.warn(
      `took over a stale deploy lock of ${held.tookOver.holder} (pid ${held.tookOver.pid} is gone, since ${held.tookOver.since})`,
    );
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await held.release();
  };
  try {
    // Ctrl-C / SIGTERM release it too (the CLI runs this before exiting), so no lock is left behind.
    const interrupted = async () => {
      await onInterrupt?.(held).catch(() => {});
      await release();
    };
    return await undoOnInterrupt(interrupted, () => fn(held));
  } finally {
    await release();
  }
}

/**
 * Remove the fleet's lock by hand (`--force-unlock`, `lock release`) — never the lock of another fleet file
 * of the same name (its id is on the lock): that one is refused with the fix. Removed by the ID read, so a
 * lock taken in between is not the one removed. Returns who held it (null: nobody).
 */
export async function releaseByHand(lock: DeployLock, fleet: Pick<Fleet, 'name' | 'id'>): Promise<LockInfo | null> {
  const held = await lock.holder(fleet.name);
  if (!held) return null;
  if (held.fleetId && fleet.id && held.fleetId !== fleet.id) {
    throw new LockedError(
      `the deploy lock ${lock.name(fleet.name)} is held by ${held.holder} since ${held.since} for another fleet file of the same name (id ${held.fleetId}; this one is ${fleet.id}): not removed — wait for that deploy, or release it from that fleet file`,
    );
  }
  await lock.forceRelease(fleet.name, held.id);
  return held;
}
