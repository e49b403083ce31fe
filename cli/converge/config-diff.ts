/**
 * What a re-create changes, for the plan's line (`up --dry-run`): which env keys, the image, the state
 * dir mount, the hostname — never a value of the env (an env can hold what should not be printed).
 * Read from the running container (its env, mounts, labels) against the rendered service.
 */
import { LABELS } from '../fleet/naming.js';
import { AUTHKEY_ENV, type ServiceDefinition } from '../render/service.js';
import type { ContainerConfig } from '../targets/target.js';

/**
 * Whether two image references name the same repository. A container runs its revision (`<repo>:rev-…`,
 * or an image ID, which names no repository) while the service names `<repo>:<event>`: only another
 * repository is a change of configuration.
 */
function sameRepository(a: string, b: string): boolean {
  const repository = (ref: string) => ref.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  if (/^sha256:[0-9a-f]+$/.test(a) || /^sha256:[0-9a-f]+$/.test(b)) return true;
  return repository(a) === repository(b);
}

/** "env TZ, TAILSCALE_FUNNEL added; image …", or null when none of the compared parts differ. */
export function describeConfigChange(service: ServiceDefinition, was: ContainerConfig): string | null {
  const changes: string[] = [];
  const before = new Map(was.environment);
  const after = new Map(service.environment);
  const byKind = (kind: string, keys: string[]) => keys.length && changes.push(`env ${keys.join(', ')} ${kind}`);
  byKind(
    'added',
    [...after.keys()].filter((k) => !before.has(k)),
  );
  byKind(
    'changed',
    [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
  );
  // Removed: keys this demo-fleet wrote last time (the label) that the render no longer writes; the
  // image's own env (PATH, …) is in the container too and is not ours to report.
  const ours = (was.labels[LABELS.envKeys] ?? '').split(',').filter(Boolean);
  byKind(
    'removed',
    ours.filter((k) => k !== AUTHKEY_ENV && !after.has(k) && before.has(k)),
  );
  const hadKey = before.has(AUTHKEY_ENV);
  const hasKey = service.envFile !== null;
  if (hadKey !== hasKey) changes.push(hasKey ? 'auth key added' : 'auth key removed');
  if (!sameRepository(was.image, service.image)) changes.push(`image ${was.image} → ${service.image}`);
  const mount = service.volumes[0]?.source;
  if (mount && !was.mounts.includes(mount)) changes.push(`state dir mount ${was.mounts.join(', ') || 'none'} → ${mount}`);
  const hostname = was.labels[LABELS.hostname];
  if (hostname !== undefined && hostname !== service.labels[LABELS.hostname])
    changes.push(`hostname ${hostname} → ${service.labels[LABELS.hostname]}`);
  return changes.length ? changes.join('; ') : null;
}
