/**
 * The one place a target is chosen. A second target (e.g. Swarm) is one folder under targets/ and one
 * case here; nothing else names a target's folder (test/unit/architecture.test.ts).
 */
import { dockerChecks } from './docker/doctor/checks.js';
import { dockerTarget } from './docker/target.js';
import type { Target, TargetChecks } from './target.js';

export type TargetKind = 'docker';

/** The target for a fleet (today always the Docker engine DOCKER_HOST or the Docker context names). */
export function openTarget(kind: TargetKind = 'docker'): Target {
  switch (kind) {
    case 'docker':
      return dockerTarget();
  }
}

/** `doctor`'s checks of that target, which work before it is known to be there. */
export function targetChecks(kind: TargetKind = 'docker'): TargetChecks {
  switch (kind) {
    case 'docker':
      return dockerChecks();
  }
}
