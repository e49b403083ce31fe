/** `lock status` / `lock release` (as in Kamal): who holds the fleet's deploy lock, and removing it by hand. */
import { loadFleet } from '../fleet/file.js';
import { lockKey } from '../fleet/identity.js';
import { connect } from './connect.js';
import type { LockInfo } from './runtime/runtime.js';

export interface LockState {
  fleet: string;
  /** The lock's key (name and identity: cli/fleet/identity.ts). */
  key: string;
  /** The lock's name on the target. */
  lock: string;
  holder: Omit<LockInfo, 'id'> | null;
}

export async function lockStatus(options: { fleetFile: string }): Promise<LockState> {
  const { fleet } = await loadFleet(options.fleetFile);
  const { runtime } = await connect();
  const key = lockKey(fleet);
  const held = await runtime.lock.holder(key);
  const holder = held ? { holder: held.holder, host: held.host, pid: held.pid, since: held.since, message: held.message } : null;
  return { fleet: fleet.name, key, lock: runtime.lock.name(key), holder };
}

/** Remove the lock whoever holds it; returns who held it (null: it was free). */
export async function lockRelease(options: { fleetFile: string }): Promise<LockState> {
  const state = await lockStatus(options);
  if (state.holder) {
    const { runtime } = await connect();
    await runtime.lock.forceRelease(state.key);
  }
  return state;
}
