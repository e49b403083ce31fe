/**
 * THE mapping event → service definition. The event's tailnet node is typed (`NodeSettings`: hostname,
 * serve mode, Funnel, login server, SSH) and the docker-mod environment is derived from it here and
 * nowhere else; everything that runs an event — the compose file, the engine's container-create
 * options, the tests — reads that environment from here. The only env parsed is a container's read back
 * from the engine (`runningServeExpectation`, `keptNodeSettings`), to compare with what is wanted.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { APP_ENV } from '../../app/env-names.js';
import { containerName, eventHostname, LABELS, type ServeModeName, serveMode, stateDir } from '../fleet/naming.js';
import { ownerLabels } from '../fleet/identity.js';
import type { Fleet, FleetEvent } from '../fleet/schema.js';
import { parseDuration } from '../util/duration.js';

/** Where the app listens inside the container (loopback only: tailscale serve proxies to it; `open` forwards to it). */
export const APP_PORT = 5000;
export const STATE_DIR = '/var/lib/tailscale';
const HEALTH_URL = `http://127.0.0.1:${APP_PORT}/healthz`;
/** The docker-mod's auth key variable: the one secret, rendered only into the event's 0600 env file. */
export const AUTHKEY_ENV = 'TAILSCALE_AUTHKEY';
/** Seconds between SIGTERM and SIGKILL on stop (Compose's default is 10). */
export const STOP_GRACE_SECONDS = 10;

export interface HealthCheck {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

export interface ServiceDefinition {
  /** Compose service name = container name: `<fleet>-<event>`. */
  name: string;
  event: string;
  image: string;
  hostname: string;
  /** The tailnet node, typed: `environment` says the same to the docker-mod (derived from it). */
  node: NodeSettings;
  /** Ordered as in the original compose snippet. */
  environment: Array<[string, string]>;
  /** Absolute path of the event's 0600 secret env file, or null when it has no auth key. */
  envFile: string | null;
  /** Host directory → container directory. The state dir must survive re-creates. */
  volumes: Array<{ source: string; target: string }>;
  healthcheck: HealthCheck;
  restart: 'unless-stopped';
  /** Host devices handed to the container (same path inside). */
  devices: string[];
  /** Linux capabilities added to the container's default set. */
  capAdd: string[];
  /** The Docker network it joins (fleet file `network:`); null: the engine's default. */
  network: string | null;
  /** target: swarm: the node (hostname or ID) the fleet file puts it on (`node:`); null: picked on first deploy. */
  placement: string | null;
  labels: Record<string, string>;
}

/**
 * Kernel TUN for tailscaled. Without /dev/net/tun the docker-mod starts tailscaled with
 * --tun=userspace-networking (docker-mod root/etc/s6-overlay/s6-rc.d/svc-tailscale/run l.5-6 @49dcf43),
 * and in that mode tailscaled's netstack hands a peer's connection to the node's tailnet IP on any port
 * to 127.0.0.1:<port> (tailscale wgengine/netstack/netstack.go): a tailnet peer reaching <ip>:5000 gets
 * to the app from loopback, past serve, and its own Tailscale-User-* headers are believed. Checked on
 * the real binaries (test/fixtures/real-tailnet/FINDINGS.md f); with the device and NET_ADMIN that
 * connection is refused and serve works as before.
 */
export const TUN_DEVICE = '/dev/net/tun';
export const TUN_CAPABILITIES = ['NET_ADMIN'];

export interface ServicePaths {
  /** Directory of the fleet file: relative paths in it resolve from here. */
  fleetDir: string;
  /** Where secret env files go (compose/secrets). */
  secretsDir: string;
}

/** The docker-mod's names of the settings read back from a container (see keptNodeSettings). */
const MOD_ENV = {
  serveMode: 'TAILSCALE_SERVE_MODE',
  servePort: 'TAILSCALE_SERVE_PORT',
  loginServer: 'TAILSCALE_LOGIN_SERVER',
} as const;

/** The tailnet node an event's container runs: what the docker-mod is told to make of it. */
export interface NodeSettings {
  hostname: string;
  /** How serve publishes the app on :443. */
  serveMode: ServeModeName;
  /** The app's port inside the container, which serve proxies to. */
  servePort: number;
  funnel: boolean;
  ssh: boolean;
  /** undefined: Tailscale's own control server. */
  loginServer: string | undefined;
  /** A Tailscale docker-mod is applied: without one nothing serves, and "healthy" is all `up` can wait for. */
  tailscaleMod: boolean;
}

const isTailscaleMod = (mods: string) => /tailscale/.test(mods);

/** The event's node, from the fleet file. */
export function nodeSettingsFor(fleet: Fleet, event: string, config: FleetEvent): NodeSettings {
  return {
    hostname: eventHostname(fleet, event, config),
    serveMode: serveMode(fleet, config),
    servePort: APP_PORT,
    funnel: Boolean(config.funnel),
    ssh: Boolean(config.ssh),
    loginServer: fleet.loginServer,
    tailscaleMod: isTailscaleMod(fleet.dockerMods.join('|')),
  };
}

/** The docker-mod + app environment of one event (without secrets). */
export function eventEnvironment(fleet: Fleet, event: string, config: FleetEvent): Array<[string, string]> {
  return environmentOf(fleet, config, nodeSettingsFor(fleet, event, config));
}

/** The environment: the node's settings as the docker-mod reads them, and the app's own. */
function environmentOf(fleet: Fleet, config: FleetEvent, node: NodeSettings): Array<[string, string]> {
  const env: Array<[string, string]> = [
    ['PUID', String(fleet.puid)],
    ['PGID', String(fleet.pgid)],
    ['TZ', config.tz ?? fleet.tz],
    ['DOCKER_MODS', fleet.dockerMods.join('|')],
    ['TAILSCALE_STATE_DIR', STATE_DIR],
    [MOD_ENV.serveMode, node.serveMode],
    [MOD_ENV.servePort, String(node.servePort)],
    ['TAILSCALE_USE_SSH', node.ssh ? '1' : '0'],
    ['TAILSCALE_HOSTNAME', node.hostname],
  ];
  if (node.loginServer) env.push([MOD_ENV.loginServer, node.loginServer]);
  // The mod turns Funnel on when TAILSCALE_FUNNEL is defined at all, even as "false": render it only when on.
  // The app reads it too (app/env-names.ts): its texts say "public internet" only with Funnel on.
  if (node.funnel) env.push([APP_ENV.funnel, 'on']);
  if (config.inviteLink) env.push([APP_ENV.inviteLink, config.inviteLink]);
  // The fleet's own headscale lets in only who passes its OIDC filters; the app's friend view agrees
  // (app/access.ts). Groups are not in the identity headers, so allowedGroups stays headscale's alone.
  const oidc = fleet.controlServer?.oidc;
  if (oidc?.allowedDomains.length) env.push([APP_ENV.allowedDomains, oidc.allowedDomains.join(',')]);
  if (oidc?.allowedUsers.length) env.push([APP_ENV.allowedUsers, oidc.allowedUsers.join(',')]);
  if (fleet.tailnetDomain) {
    const scheme = node.serveMode === 'http' ? 'http' : 'https';
    const port = node.serveMode === 'http' ? ':443' : '';
    env.push([APP_ENV.tailscaleUrl, `${scheme}://${node.hostname}.${fleet.tailnetDomain}${port}`]);
  }
  return env;
}

function healthCheck(fleet: Fleet): HealthCheck {
  return {
    test: ['CMD-SHELL', `wget -q -O /dev/null ${HEALTH_URL} || exit 1`],
    intervalMs: parseDuration(fleet.health.interval),
    timeoutMs: parseDuration(fleet.health.timeout),
    startPeriodMs: parseDuration(fleet.health.startPeriod),
    retries: fleet.health.retries,
  };
}

/**
 * The service definition of one event. `secretDigest` (a hash of the secret env file's content, or
 * null) goes into the config hash, so a changed auth key re-creates the container like Compose does.
 */
export function serviceFor(fleet: Fleet, event: string, paths: ServicePaths, secretDigest: string | null): ServiceDefinition {
  const config = fleet.events[event];
  if (!config) throw new Error(`serviceFor: no event ${event}`);
  const node = nodeSettingsFor(fleet, event, config);
  // `node` is not hashed: the environment derived from it is, as it was before the node was typed.
  const base = {
    name: containerName(fleet, event),
    event,
    image: `${fleet.image}:${event}`,
    hostname: node.hostname,
    environment: environmentOf(fleet, config, node),
    envFile: secretDigest ? path.join(paths.secretsDir, `${event}.env`) : null,
    volumes: [{ source: stateDir(fleet, event, config, paths.fleetDir), target: STATE_DIR }],
    healthcheck: healthCheck(fleet),
    restart: 'unless-stopped' as const,
    devices: [TUN_DEVICE],
    capAdd: [...TUN_CAPABILITIES],
    network: fleet.network ?? null,
  };
  const placement = config.node ?? null;
  // hashed only when set: a fleet file without node: keeps the config hash (and containers) it had
  const configHash = createHash('sha256')
    .update(JSON.stringify({ ...base, secretDigest, ...(placement ? { placement } : {}) }))
    .digest('hex');
  return {
    ...base,
    node,
    placement,
    labels: {
      ...ownerLabels(fleet),
      [LABELS.event]: event,
      [LABELS.hostname]: base.hostname,
      [LABELS.configHash]: configHash,
      [LABELS.envKeys]: base.environment.map(([k]) => k).join(','),
    },
  };
}

/** What an event's node must serve: :443 → http://localhost:<port> in this mode, with Funnel or not. */
export interface ServeExpectation {
  mode: 'https' | 'http';
  /** The app's port inside the container. */
  port: number;
  funnel: boolean;
}

/**
 * What the event's node must serve for the event to count as up; null when no Tailscale docker-mod is
 * applied (then "healthy" is all `up` can wait for).
 */
export function serveExpectation(node: NodeSettings): ServeExpectation | null {
  return node.tailscaleMod ? { mode: node.serveMode, port: node.servePort, funnel: node.funnel } : null;
}

/**
 * The same, for a container the engine has (`status`, `restart`): read back from the env it was created
 * with, which the render derived from its node's settings then.
 */
export function runningServeExpectation(environment: Array<[string, string]>): ServeExpectation | null {
  const env = new Map(environment);
  if (!isTailscaleMod(env.get('DOCKER_MODS') ?? '')) return null;
  const mode = env.get(MOD_ENV.serveMode);
  if (mode !== 'https' && mode !== 'http') return null;
  return { mode, port: Number(env.get(MOD_ENV.servePort) ?? APP_PORT), funnel: env.has(APP_ENV.funnel) };
}

/** The settings a node keeps in its state dir: changing them on an existing node is not a plain re-create. */
export interface KeptNodeSettings {
  serveMode: string | undefined;
  /** undefined: Tailscale's own control server. */
  loginServer: string | undefined;
}

/** What the node of a container the engine has keeps, read back from the env it was created with. */
export function keptNodeSettings(environment: Array<[string, string]>): KeptNodeSettings {
  const env = new Map(environment);
  return { serveMode: env.get(MOD_ENV.serveMode), loginServer: env.get(MOD_ENV.loginServer) };
}
