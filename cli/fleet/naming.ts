/**
 * The naming rules every other module imports: what an event's container, tailnet hostname and state
 * dir are called, its serve mode, and the labels that mark a container as demo-fleet's. `event` is an
 * event's name (a key of `events:`); `config` is its entry in the fleet file.
 */
import path from 'node:path';
import type { Fleet, FleetEvent } from './schema.js';

/** Labels on every event container: which fleet and event it belongs to, and what it was made from. */
export const LABELS = {
  fleet: 'dev.demo-fleet.fleet',
  /** The fleet file's `id:` (fleet/identity.ts): name + id say which fleet file a container belongs to. */
  fleetId: 'dev.demo-fleet.fleet-id',
  event: 'dev.demo-fleet.event',
  configHash: 'dev.demo-fleet.config-hash',
  hostname: 'dev.demo-fleet.hostname',
  /** The env keys the render wrote (not values): what a later re-create's plan line calls "removed". */
  envKeys: 'dev.demo-fleet.env-keys',
  /** The image revision the container runs (cli/targets/revision.ts). */
  revision: 'dev.demo-fleet.revision',
  /** The revision the event ran before this container (what `rollback` goes back to). */
  previousRevision: 'dev.demo-fleet.previous-revision',
  /** On a re-create's new container: the ID of the container it replaces (converge/recovery.ts reads it). */
  replaces: 'dev.demo-fleet.replaces',
  /** A fleet's container that is no event (no event label): `control-server` for the headscale accessory. */
  accessory: 'dev.demo-fleet.accessory',
  /** The headscale release the control server accessory runs. */
  headscaleVersion: 'dev.demo-fleet.headscale-version',
} as const;

/** Container (and compose service) name: `<fleet>-<event>`. */
export function containerName(fleet: Pick<Fleet, 'name'>, event: string): string {
  return `${fleet.name}-${event}`;
}

/** Tailnet hostname: the event's own, else `<event><year>`. */
export function eventHostname(fleet: Fleet, event: string, config: FleetEvent): string {
  return config.hostname ?? `${event}${config.year ?? fleet.year}`;
}

/** Host directory of the event's tailscaled state (`<appdata>/<year>/<event>`): losing it makes a new node. */
export function stateDir(fleet: Fleet, event: string, config: FleetEvent, fleetDir: string): string {
  return path.resolve(fleetDir, fleet.appdata, String(config.year ?? fleet.year), event);
}

export type ServeModeName = NonNullable<FleetEvent['serveMode']>;

/** `tailscale serve` mode: the event's own, else http on headscale (no certificates there), else https. */
export function serveMode(fleet: Fleet, config: FleetEvent): ServeModeName {
  return config.serveMode ?? (fleet.loginServer ? 'http' : 'https');
}
