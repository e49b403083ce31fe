/**
 * What every target's deploy lock decides the same way, whatever stores the lock: when a lock is stale
 * (its holder was a process on this machine that is gone, e.g. an `up` killed with SIGKILL) and how a
 * taken lock is refused. One place, so a second target (or the in-memory one of the unit tests) cannot
 * drift from the Docker one.
 */
import os from 'node:os';
import { LockedError } from '../errors.js';
import type { LockInfo } from './target.js';

/** A lock taken on this machine by a process that no longer exists. Another host's pid means nothing here. */
export function isStaleLock(lock: LockInfo): boolean {
  if (lock.host !== os.hostname() || !lock.pid) return false;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The refusal of a lock someone else holds, naming the holder (and the other fleet file, when it is one). */
export function lockedBy(fleetName: string, held: LockInfo, fleetId?: string): LockedError {
  const who = `${held.holder} (pid ${held.pid}) since ${held.since}${held.message ? `: ${held.message}` : ''}`;
  if (fleetId && held.fleetId && held.fleetId !== fleetId) {
    return new LockedError(
      `fleet "${fleetName}" is locked by ${who}, deploying another fleet file of the same name (id ${held.fleetId}, this one is ${fleetId}); wait for it — the two share container names`,
    );
  }
  return new LockedError(`fleet "${fleetName}" is locked by ${who}; wait for that deploy, or run with --force-unlock if it died`);
}
