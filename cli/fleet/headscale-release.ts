/**
 * What each headscale release of the control server accessory takes, as fleet-file rules: a setting the
 * chosen release does not have is refused when the file is read, not when headscale refuses to start.
 * tailnet/headscale-config.ts renders the config from the same settings.
 */
import type * as z from 'zod';
import type { ControlServerSchema } from './schema.js';

type ControlServer = z.output<typeof ControlServerSchema>;

/** The minor release: 26 for "0.26.1". */
export function headscaleMinor(version: string): number {
  return Number(/^v?0\.(\d+)/.exec(version)?.[1] ?? 0);
}

/** Problems as a field under `controlServer` and a one-line message with the fix. */
export function releaseProblems(control: ControlServer): Array<{ field: string; message: string }> {
  const minor = headscaleMinor(control.version);
  const problems: Array<{ field: string; message: string }> = [];
  if (control.oidc?.emailVerifiedRequired !== undefined && minor < 28)
    problems.push({
      field: 'oidc.emailVerifiedRequired',
      message: `headscale ${control.version} has no email_verified_required (0.28 added it): remove it, or use version 0.28 or later`,
    });
  return problems;
}
