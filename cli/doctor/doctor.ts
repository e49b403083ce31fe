/**
 * `doctor`: the pre-flight check of what `up` needs, each finding one line with the fix. The checks run
 * in order and a check that needs what an earlier one found missing (the target, a valid fleet file) is
 * left out rather than reported twice. Core: returns the findings; the command prints them.
 */
import type { Finding } from '../finding.js';
import { targetChecks } from '../targets/open.js';
import { checkAuthKeys, checkFleetFile } from './fleet.js';
import { checkTailnet } from './tailnet.js';

export type { Finding } from '../finding.js';

export interface DoctorOptions {
  fleetFile: string;
  /** Skip reading each running node's tailnet state (one exec per container). */
  tailnet?: boolean;
  /** `up --base-image`: the base `up` would build on (default: the fleet file's baseImage). */
  baseImage?: string | undefined;
  /** `up --pull`: `up` would run the published images. */
  pull?: boolean | undefined;
}

export interface DoctorResult {
  /** false when some finding would make `up` fail. */
  ok: boolean;
  findings: Finding[];
}

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const findings: Finding[] = [];
  // the fleet file says which target to check (read first, reported after the target's findings)
  const fleetCheck = await checkFleetFile(options.fleetFile);
  const checks = targetChecks(fleetCheck.fleet?.target);
  const reach = await checks.reach();
  findings.push(...reach.findings);
  findings.push(...fleetCheck.findings);
  const { fleet } = fleetCheck;
  if (fleet) findings.push(...(await checkAuthKeys(fleet, options.fleetFile)));
  if (reach.ready && fleet) {
    findings.push(...(await checks.forFleet(fleet, { baseImage: options.baseImage, pull: options.pull })));
    if (options.tailnet !== false) findings.push(...(await checkTailnet(checks.target().containers, fleet, options.fleetFile)));
  }
  return { ok: findings.every((f) => f.status !== 'fail'), findings };
}
