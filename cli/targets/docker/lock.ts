/**
 * The deploy lock lives on the engine host, so two operators deploying to the same VPS exclude each
 * other: a never-started marker container named `demo-fleet-lock-<fleet>`. By name, not by fleet
 * identity: two fleet files of the same name share container names and image tags, so their deploys
 * must exclude each other; the holder's fleet id is a label, so neither can remove the other's lock. Container names are
 * reserved atomically by the engine, so creating it is the test-and-set. Its labels say who holds the
 * lock and since when (Kamal's `lock status`).
 */
import type Docker from 'dockerode';
import os from 'node:os';
import { EngineError, LockedError } from '../../errors.js';
import { engineMessage, statusCode } from './client.js';
import { isStaleLock, lockedBy } from '../lock-rules.js';
import { createMarker, removeMarker } from './markers.js';
import type { AcquiredLock, AuditRecord, LockInfo } from '../target.js';

export { LOCK_IMAGE, removeMarker } from './markers.js';
import { carrierOptions, writeEntry } from './audit-store.js';

export const LOCK_LABELS = {
  fleet: 'dev.demo-fleet.lock',
  holder: 'dev.demo-fleet.lock.holder',
  host: 'dev.demo-fleet.lock.host',
  pid: 'dev.demo-fleet.lock.pid',
  since: 'dev.demo-fleet.lock.since',
  message: 'dev.demo-fleet.lock.message',
  /** The holder's fleet file id (cli/fleet/identity.ts); absent on locks of versions before fleet ids. */
  fleetId: 'dev.demo-fleet.lock.fleet-id',
} as const;

export function lockName(fleetName: string): string {
  return `demo-fleet-lock-${fleetName}`;
}

function parseInfo(labels: Record<string, string>): LockInfo {
  return {
    holder: labels[LOCK_LABELS.holder] ?? 'unknown',
    host: labels[LOCK_LABELS.host] ?? 'unknown',
    pid: Number(labels[LOCK_LABELS.pid] ?? 0),
    since: labels[LOCK_LABELS.since] ?? 'unknown',
    message: labels[LOCK_LABELS.message] ?? '',
    ...(labels[LOCK_LABELS.fleetId] ? { fleetId: labels[LOCK_LABELS.fleetId] } : {}),
  };
}

export async function readLock(docker: Docker, fleetName: string): Promise<LockInfo | null> {
  try {
    const info = await docker.getContainer(lockName(fleetName)).inspect();
    return { id: info.Id, ...parseInfo(info.Config.Labels ?? {}) };
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw err;
  }
}

/** Remove the marker (by name, whoever holds it: `--force-unlock`). */
export async function releaseLock(docker: Docker, fleetName: string): Promise<void> {
  await removeMarker(docker, lockName(fleetName));
}

/** Tries to take the lock when it keeps being released between our create and our look. */
const ACQUIRE_ATTEMPTS = 5;

/**
 * Who holds the lock we just lost to. The engine reserves the name before the winner's marker can be
 * inspected, so a look right after a lost race may find nothing: look again briefly before concluding
 * that the lock was released.
 */
async function readHolder(docker: Docker, fleetName: string): Promise<LockInfo | null> {
  for (let look = 0; look < 20; look++) {
    const held = await readLock(docker, fleetName);
    if (held) return held;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/**
 * Take the fleet's lock, recording the holder (and its fleet file's id, when given). With `auditDir` the
 * marker also binds the audit log's directory, and `audit` writes an entry through it (audit-store.ts):
 * the lock is the audit log's carrier for the command that holds it.
 */
export async function acquireLock(
  docker: Docker,
  fleetName: string,
  message: string,
  fleetId?: string,
  auditDir?: string,
): Promise<AcquiredLock> {
  const user = os.userInfo().username;
  const labels = {
    [LOCK_LABELS.fleet]: fleetName,
    [LOCK_LABELS.holder]: `${user}@${os.hostname()}`,
    [LOCK_LABELS.host]: os.hostname(),
    [LOCK_LABELS.pid]: String(process.pid),
    [LOCK_LABELS.since]: new Date().toISOString(),
    [LOCK_LABELS.message]: message,
    ...(fleetId ? { [LOCK_LABELS.fleetId]: fleetId } : {}),
  };
  let tookOver: LockInfo | undefined;
  for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
    try {
      const carrier = auditDir ? carrierOptions(auditDir) : undefined;
      const marker = await createMarker(docker, {
        name: lockName(fleetName),
        Cmd: ['lock'],
        Labels: { ...labels, ...carrier?.Labels },
        ...(carrier ? { HostConfig: carrier.HostConfig } : {}),
      });
      // Release our own marker by ID: after someone's --force-unlock the name may be another's lock.
      const audit = async (entry: AuditRecord) => {
        if (!auditDir) throw new EngineError('this deploy lock does not carry the audit log');
        await writeEntry(marker, entry);
      };
      return { release: () => removeMarker(docker, marker.id), audit, tookOver };
    } catch (err) {
      if (statusCode(err) !== 409) throw new EngineError(`cannot take the deploy lock: ${engineMessage(err)}`);
    }
    const held = await readHolder(docker, fleetName);
    if (!held) continue; // released in the meantime: try again
    if (tookOver === undefined && isStaleLock(held)) {
      tookOver = held;
      // By ID: if another process took the stale lock over in the meantime, its fresh marker has the
      // same name, and removing by name would leave two deploys each believing they hold the lock.
      await removeMarker(docker, held.id ?? lockName(fleetName));
      continue;
    }
    throw lockedBy(fleetName, held, fleetId);
  }
  throw new LockedError(`fleet "${fleetName}": could not take the deploy lock`);
}
