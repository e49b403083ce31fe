/** Hold the fleet's deploy lock on the runtime for the length of `fn` (`up`, `down`). */
import { lockKey } from '../fleet/identity.js';
import type { Fleet } from '../fleet/schema.js';
import { undoOnInterrupt } from '../util/interrupt.js';
import type { Reporter } from './reporter.js';
import type { Runtime } from './runtime/runtime.js';

export async function withDeployLock<T>(
  runtime: Runtime,
  fleet: Fleet,
  what: string,
  forceUnlock: boolean,
  report: Reporter,
  fn: () => Promise<T>,
): Promise<T> {
  const key = lockKey(fleet);
  if (forceUnlock) {
    report.warn(`removing the deploy lock of fleet "${fleet.name}" (--force-unlock)`);
    await runtime.lock.forceRelease(key);
  }
  report.step(`take deploy lock ${runtime.lock.name(key)}`);
  const lock = await runtime.lock.acquire(key, what, fleet.name);
  if (lock.tookOver) {
    report.warn(
      `took over a stale deploy lock of ${lock.tookOver.holder} (pid ${lock.tookOver.pid} is gone, since ${lock.tookOver.since})`,
    );
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await lock.release();
  };
  try {
    // Ctrl-C / SIGTERM release it too (the CLI runs this before exiting), so no lock is left behind.
    return await undoOnInterrupt(release, fn);
  } finally {
    await release();
  }
}
