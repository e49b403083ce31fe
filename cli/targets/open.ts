/**
 * The one place a target is chosen (the fleet file's `target:`). Each target is one folder under
 * targets/ and one case here; nothing else names a target's folder (test/unit/architecture.test.ts).
 */
import type { TargetKind } from '../fleet/schema.js';
import { dockerChecks } from './docker/doctor/checks.js';
import { dockerTarget } from './docker/target.js';
import { swarmChecks } from './swarm/doctor.js';
import { swarmTarget } from './swarm/target.js';
import type { Target, TargetChecks } from './target.js';

export type { TargetKind };

/** The target for a fleet: the Docker engine DOCKER_HOST or the Docker context names, or a Swarm through it. */
export function openTarget(kind: TargetKind = 'docker'): Target {
  switch (kind) {
    case 'docker':
      return dockerTarget();
    case 'swarm':
      return swarmTarget();
  }
}

/** `doctor`'s checks of that target, which work before it is known to be there. */
export function targetChecks(kind: TargetKind = 'docker'): TargetChecks {
  switch (kind) {
    case 'docker':
      return dockerChecks();
    case 'swarm':
      return swarmChecks();
  }
}
