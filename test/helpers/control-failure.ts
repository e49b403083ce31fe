/** What every failed control-server call must be: a ControlServerError, exit 8, one line naming the server. */
import { expect } from 'vitest';
import { ControlServerError, EXIT } from '../../cli/errors.js';

/** The error `p` rejects with, checked; `server` is how the message names it: `Tailscale (host)`. */
export async function controlFailure(p: Promise<unknown>, server: string): Promise<ControlServerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControlServerError);
  const e = err as ControlServerError;
  expect(e.exitCode).toBe(EXIT.control);
  expect(e.message).not.toContain('\n');
  expect(e.message).toContain(`${server}:`);
  return e;
}
