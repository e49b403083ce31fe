/**
 * `doctor`: the pre-flight check of what `up` needs, each finding one line with the fix. The checks run
 * in order and a check that needs what an earlier one found missing (the engine, a valid fleet file) is
 * left out rather than reported twice. Core: returns the findings; the command prints them.
 */
import { dockerRuntime } from '../engine/runtime/docker/runtime.js';
import { checkDisk, FRESH_IMAGE_BYTES } from './disk.js';
import { checkEngine } from './engine.js';
import type { Finding } from './finding.js';
import { checkAuthKeys, checkFleetFile } from './fleet.js';
import { checkImages } from './image.js';
import { checkTailnet } from './tailnet.js';

export type { Finding } from './finding.js';

export interface DoctorOptions {
  fleetFile: string;
  /** Skip reading each running node's tailnet state (one exec per container). */
  tailnet?: boolean;
}

export interface DoctorResult {
  /** false when some finding would make `up` fail. */
  ok: boolean;
  findings: Finding[];
}

/** What a rebuild of the app layers on a present base image takes, with room. */
const REBUILD_BYTES = 200 * 1024 ** 2;

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const findings: Finding[] = [];
  const engine = await checkEngine();
  findings.push(...engine.findings);
  const fleetCheck = await checkFleetFile(options.fleetFile);
  findings.push(...fleetCheck.findings);
  const { fleet } = fleetCheck;
  if (fleet) findings.push(...(await checkAuthKeys(fleet, options.fleetFile)));
  if (engine.engine && engine.endpoint && fleet) {
    const images = await checkImages(engine.engine, fleet);
    findings.push(...images.findings);
    if (engine.info) findings.push(await checkDisk(engine.endpoint, engine.info, images.missing > 0 ? FRESH_IMAGE_BYTES : REBUILD_BYTES));
    if (options.tailnet !== false) findings.push(...(await checkTailnet(dockerRuntime(engine.engine), fleet, options.fleetFile)));
  }
  return { ok: findings.every((f) => f.status !== 'fail'), findings };
}
