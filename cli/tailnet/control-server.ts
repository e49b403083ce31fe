/**
 * The control server accessory (fleet file `controlServer:`): headscale in a container of the fleet,
 * `<name>-headscale`, next to the events. This module says what that container is — image, command, the
 * config file put into it before it starts, its state dir, network, labels and the hash that decides a
 * re-create — from the fleet file alone. Running it is deploy/control-server.ts; talking to it is
 * accessory-control.ts.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ownerLabels } from '../fleet/identity.js';
import { LABELS } from '../fleet/naming.js';
import type { Fleet } from '../fleet/schema.js';
import { headscaleMinor, headscaleSettings } from '../fleet/headscale-release.js';
import { HEADSCALE_CONFIG_PATH, HEADSCALE_STATE_DIR, OIDC_SECRET_ENV, renderHeadscaleConfig, STUN_PORT } from './headscale-config.js';

/** The accessory's role label value (LABELS.accessory): containers of the fleet that are not events. */
export const CONTROL_SERVER_ROLE = 'control-server';

export interface AccessoryDefinition {
  /** `<fleet>-headscale` */
  name: string;
  /** `<image>:v<version>` (headscale publishes v-prefixed tags: .goreleaser.yml kos tags, l.110 @v0.26.1). */
  image: string;
  /** The image's entrypoint is headscale; this is its subcommand. */
  command: string[];
  /** Files put into the container after it is created and before it starts (the config: not a secret). */
  files: Array<{ path: string; content: string; mode: number }>;
  /** Names of the secret env variables it gets at create (values are the caller's, never in this definition). */
  secretEnvironment: string[];
  /** Host dir → container dir: the database, noise and DERP keys survive re-creates. */
  volumes: Array<{ source: string; target: string }>;
  network: string;
  /** A fixed IPv4 on `network`, or null. */
  ip: string | null;
  /** Publish the listen port on the host: `[hostIp:]hostPort`, or null. */
  publish: { hostIp: string; hostPort: number; containerPort: number } | null;
  /**
   * The embedded DERP server's STUN port, published (UDP, same port, same host address) with `publish`:
   * without it clients' STUN to the server's host fails and every connection stays relayed. null: none.
   */
  publishStun: number | null;
  restart: 'unless-stopped';
  labels: Record<string, string>;
  /** The headscale release it runs (also a label: a change backs the database up first). */
  version: string;
  /** A headscale subcommand that exits 0 once the server answers (also the container's health check). */
  healthCommand: string[];
}

export function accessoryName(fleet: Pick<Fleet, 'name'>): string {
  return `${fleet.name}-headscale`;
}

/** Host dir of the control server's state: `<appdata>/control-server` (not per year: it outlives events). */
export function controlServerStateDir(appdataDir: string): string {
  return path.join(appdataDir, 'control-server');
}

function parsePublish(publish: string | undefined, containerPort: number): AccessoryDefinition['publish'] {
  if (!publish) return null;
  const at = publish.lastIndexOf(':');
  return {
    hostIp: at < 0 ? '' : publish.slice(0, at),
    hostPort: Number(at < 0 ? publish : publish.slice(at + 1)),
    containerPort,
  };
}

/**
 * The accessory of a fleet with `controlServer:`. `secretDigest` (a hash of the OIDC client secret, or
 * null) goes into the config hash, so a new secret re-creates the container as a new auth key does.
 */
export function controlServerAccessory(fleet: Fleet, appdataDir: string, secretDigest: string | null): AccessoryDefinition {
  const control = fleet.controlServer;
  if (!control) throw new Error('controlServerAccessory: the fleet has no controlServer');
  const base = {
    name: accessoryName(fleet),
    image: `${control.image}:v${control.version}`,
    command: ['serve'],
    files: [{ path: HEADSCALE_CONFIG_PATH, content: renderHeadscaleConfig(headscaleSettings(control)), mode: 0o644 }],
    secretEnvironment: control.oidc ? [OIDC_SECRET_ENV] : [],
    volumes: [{ source: controlServerStateDir(appdataDir), target: HEADSCALE_STATE_DIR }],
    // the schema gives a fleet with a control server a network (its own or `<name>-tailnet`)
    network: fleet.network!,
    ip: control.ip ?? null,
    publish: parsePublish(control.publish, control.listenPort),
    publishStun: control.publish && control.embeddedDerp ? STUN_PORT : null,
    restart: 'unless-stopped' as const,
    version: control.version,
    // 0.28 added `headscale health` (cmd/headscale/cli/health.go @v0.28.0); 0.26-0.27 answer `users list`
    healthCommand: (headscaleMinor(control.version) ?? 0) >= 28 ? ['health'] : ['users', 'list', '-o', 'json'],
  };
  const configHash = createHash('sha256')
    .update(JSON.stringify({ ...base, secretDigest }))
    .digest('hex');
  return {
    ...base,
    labels: {
      ...ownerLabels(fleet),
      [LABELS.accessory]: CONTROL_SERVER_ROLE,
      [LABELS.configHash]: configHash,
      [LABELS.headscaleVersion]: control.version,
    },
  };
}

/** Whether a listed container is this fleet's control server (our name and id, the accessory role). */
export function isOurAccessory(labels: Record<string, string>, fleet: Pick<Fleet, 'name' | 'id'>): boolean {
  return labels[LABELS.fleet] === fleet.name && labels[LABELS.fleetId] === fleet.id && labels[LABELS.accessory] === CONTROL_SERVER_ROLE;
}
