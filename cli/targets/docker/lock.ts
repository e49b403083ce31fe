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
import { pack } from 'tar-stream';
import { EngineError, LockedError } from '../../errors.js';
import { engineMessage, statusCode } from './client.js';
import { followStream } from './stream.js';
import { isStaleLock, lockedBy } from '../lock-rules.js';
import type { AcquiredLock, LockInfo } from '../target.js';

/** A zero-layer image whose only job is to be the marker container's image (nothing is pulled). */
export const LOCK_IMAGE = 'demo-fleet/lock:1';
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

/** Build the marker image when the engine lacks it (also the audit log's carrier: audit/store.ts). */
export async function ensureLockImage(docker: Docker): Promise<void> {
  try {
    await docker.getImage(LOCK_IMAGE).inspect();
    return;
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
  const tar = pack();
  tar.entry({ name: 'Dockerfile', mtime: new Date(0) }, 'FROM scratch\nLABEL dev.demo-fleet.role=lock\n');
  tar.finalize();
  const stream = await docker.buildImage(tar as never, { t: LOCK_IMAGE, rm: true });
  await followStream(docker, stream);
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

/** Remove one marker container by ID or name; already gone is fine. */
export async function removeMarker(docker: Docker, idOrName: string): Promise<void> {
  try {
    await docker.getContainer(idOrName).remove({ force: true });
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
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

/** Take the fleet's lock, recording the holder (and its fleet file's id, when given). */
export async function acquireLock(docker: Docker, fleetName: string, message: string, fleetId?: string): Promise<AcquiredLock> {
  await ensureLockImage(docker);
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
      const marker = await docker.createContainer({ name: lockName(fleetName), Image: LOCK_IMAGE, Cmd: ['lock'], Labels: labels });
      // Release our own marker by ID: after someone's --force-unlock the name may be another's lock.
      return { release: () => removeMarker(docker, marker.id), tookOver };
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
