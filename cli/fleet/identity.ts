/**
 * Fleet identity: which containers belong to this fleet file. A name alone is not enough — a second
 * fleet file (another directory, an empty one) gets the same default `name:` and would take the first
 * fleet's containers for its own. `init`/`add` write a random `id:` into the file: copies of the file (a
 * teammate's clone, CI) share it, another file does not. Every container carries it as a label.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { LABELS } from './naming.js';
import { shownPath } from './path.js';
import type { Fleet } from './schema.js';

/** 12 characters of [a-z2-7] (60 random bits): short enough to read in a message, unique per file. */
export const FLEET_ID = /^[a-z2-7]{12}$/;

export function newFleetId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...randomBytes(12)].map((b) => alphabet[b & 31]).join('');
}

/** What decides whether a container is this fleet's. */
export interface FleetOwner {
  name: string;
  id: string;
  /** The resolved appdata dir: a container from before fleet ids is adopted when its state dir is under it. */
  appdataDir: string;
}

/** The owner of a loaded fleet file; a file without `id:` is refused with the fix (no silent identity). */
export function fleetOwner(
  fleet: Fleet,
  fleetFile: string,
  where: { cwd: string; env: NodeJS.ProcessEnv } = { cwd: process.cwd(), env: process.env },
): FleetOwner {
  if (!fleet.id) {
    const rel = shownPath(fleetFile, where.cwd);
    // The command that works from where the user is: `init` alone only when it finds this file by default.
    const init = rel === 'fleet.yaml' && !where.env.DEMO_FLEET_FILE ? 'demo-fleet init' : `demo-fleet --file ${rel} init`;
    throw new UsageError(
      `${rel}: no \`id:\` — the fleet identity that keeps another fleet file from touching these containers: ` +
        `run \`${init}\` to add one (containers made before fleet ids are adopted when their state dirs are under appdata)`,
    );
  }
  return { name: fleet.name, id: fleet.id, appdataDir: path.resolve(path.dirname(fleetFile), fleet.appdata) };
}

/** The labels that put a container in this fleet. */
export function ownerLabels(fleet: Pick<Fleet, 'name' | 'id'>): Record<string, string> {
  return { [LABELS.fleet]: fleet.name, ...(fleet.id ? { [LABELS.fleetId]: fleet.id } : {}) };
}

interface Labelled {
  labels: Record<string, string>;
  mounts?: string[];
}

/**
 * Ours: our name and our id. A container labelled by a demo-fleet from before fleet ids (our name, no id)
 * is adopted when its state dir lies under our appdata: the state dir is the node, so a fleet file that
 * keeps it there is the one that made it. It gets the id label at its next re-create.
 */
export function ownsContainer(owner: FleetOwner, c: Labelled): boolean {
  if (c.labels[LABELS.fleet] !== owner.name || c.labels[LABELS.event] === undefined) return false;
  const id = c.labels[LABELS.fleetId];
  if (id !== undefined) return id === owner.id;
  return isLegacyOf(owner, c);
}

function isLegacyOf(owner: FleetOwner, c: Labelled): boolean {
  const root = owner.appdataDir + path.sep;
  return (c.mounts ?? []).some((m) => m.startsWith(root));
}

/** `fleet "id-demo" (id k3v…)` as a message names a container's fleet, from its labels. */
export function describeOwner(labels: Record<string, string>): string {
  const name = labels[LABELS.fleet];
  if (name === undefined) return 'no demo-fleet fleet (no dev.demo-fleet labels)';
  const id = labels[LABELS.fleetId];
  return `fleet "${name}" (${id ? `id ${id}` : 'from before fleet ids, state dir outside this appdata'})`;
}
