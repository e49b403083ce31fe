/**
 * Work that must be undone when the user interrupts (Ctrl-C, SIGTERM): core registers it while it holds
 * something shared (the deploy lock); the CLI runs it on the signal before exiting. Nothing else here.
 */
const cleanups = new Set<() => Promise<void>>();

/** Run `cleanup` if the process is interrupted while `fn` runs. */
export async function undoOnInterrupt<T>(cleanup: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  cleanups.add(cleanup);
  try {
    return await fn();
  } finally {
    cleanups.delete(cleanup);
  }
}

/** Run every registered cleanup once (each failure is passed to `onError`, the rest still run). */
export async function runInterruptCleanups(onError: (err: unknown) => void): Promise<number> {
  const pending = [...cleanups];
  cleanups.clear();
  for (const cleanup of pending) await cleanup().catch(onError);
  return pending.length;
}
