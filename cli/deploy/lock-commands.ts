/** `lock status` / `lock release` (as in Kamal): who holds the fleet's deploy lock, and removing it by hand. */
import type { Fleet } from '../fleet/schema.js';
import type { LockInfo } from '../targets/target.js';
import { releaseByHand } from './deploy-lock.js';
import type { Deployment } from './deployment.js';

export interface LockState {
  fleet: string;
  /** This fleet file's id: a holder with another one is a fleet file of the same name. */
  fleetId: string | null;
  /** The lock's name on the target. */
  lock: string;
  holder: Omit<LockInfo, 'id'> | null;
}

function state(fleet: Pick<Fleet, 'name' | 'id'>, lock: string, held: LockInfo | null): LockState {
  let holder: LockState['holder'] = null;
  if (held) {
    const { id: _id, ...withoutId } = held;
    holder = withoutId;
  }
  return { fleet: fleet.name, fleetId: fleet.id ?? null, lock, holder };
}

export async function lockStatus(d: Deployment): Promise<LockState> {
  const { fleet } = d;
  const { lock } = d.target;
  await d.target.connect();
  return state(fleet, lock.name(fleet.name), await lock.holder(fleet.name));
}

/** Remove the lock whoever of this fleet file holds it; returns who held it (null: it was free). */
export async function lockRelease(d: Deployment): Promise<LockState> {
  const { fleet } = d;
  const { lock } = d.target;
  await d.target.connect();
  return state(fleet, lock.name(fleet.name), await releaseByHand(lock, fleet));
}
