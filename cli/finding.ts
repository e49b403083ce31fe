/** What each `doctor` check reports: one line per finding, with the fix when something is wrong. */
export interface Finding {
  /** The check's name: docker-host, engine, fleet-file, auth-key, base-image, disk, tailnet. */
  check: string;
  /** ok; warn: `up` works but something wants attention; fail: `up` would fail. */
  status: 'ok' | 'warn' | 'fail';
  message: string;
  /** What to do (warn/fail). */
  fix?: string;
}

export const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
export const warn = (check: string, message: string, fix?: string): Finding => ({
  check,
  status: 'warn',
  message,
  ...(fix ? { fix } : {}),
});
export const fail = (check: string, message: string, fix?: string): Finding => ({
  check,
  status: 'fail',
  message,
  ...(fix ? { fix } : {}),
});
