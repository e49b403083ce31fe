/**
 * THE mapping event → service definition. Everything that runs an event — the compose file, the
 * engine's container-create options, the tests — reads the docker-mod environment from here and
 * nowhere else.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { APP_ENV } from '../../app/env-names.js';
import { containerName, eventHostname, LABELS, serveMode, stateDir } from '../fleet/naming.js';
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

/** The docker-mod + app environment of one event (without secrets). */
export function eventEnvironment(fleet: Fleet, event: string, config: FleetEvent): Array<[string, string]> {
  const hostname = eventHostname(fleet, event, config);
  const mode = serveMode(fleet, config);
  const env: Array<[string, string]> = [
    ['PUID', String(fleet.puid)],
    ['PGID', String(fleet.pgid)],
    ['TZ', config.tz ?? fleet.tz],
    ['DOCKER_MODS', fleet.dockerMods.join('|')],
    ['TAILSCALE_STATE_DIR', STATE_DIR],
    ['TAILSCALE_SERVE_MODE', mode],
    ['TAILSCALE_SERVE_PORT', String(APP_PORT)],
    ['TAILSCALE_USE_SSH', config.ssh ? '1' : '0'],
    ['TAILSCALE_HOSTNAME', hostname],
  ];
  if (fleet.loginServer) env.push(['TAILSCALE_LOGIN_SERVER', fleet.loginServer]);
  // The mod turns Funnel on when TAILSCALE_FUNNEL is defined at all, even as "false": render it only when on.
  // The app reads it too (app/env-names.ts): its texts say "public internet" only with Funnel on.
  if (config.funnel) env.push([APP_ENV.funnel, 'on']);
  if (config.inviteLink) env.push([APP_ENV.inviteLink, config.inviteLink]);
  // The fleet's own headscale lets in only who passes its OIDC filters; the app's friend view agrees
  // (app/access.ts). Groups are not in the identity headers, so allowedGroups stays headscale's alone.
  const oidc = fleet.controlServer?.oidc;
  if (oidc?.allowedDomains.length) env.push([APP_ENV.allowedDomains, oidc.allowedDomains.join(',')]);
  if (oidc?.allowedUsers.length) env.push([APP_ENV.allowedUsers, oidc.allowedUsers.join(',')]);
  if (fleet.tailnetDomain) {
    const scheme = mode === 'http' ? 'http' : 'https';
    const port = mode === 'http' ? ':443' : '';
    env.push([APP_ENV.tailscaleUrl, `${scheme}://${hostname}.${fleet.tailnetDomain}${port}`]);
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
  const base = {
    name: containerName(fleet, event),
    event,
    image: `${fleet.image}:${event}`,
    hostname: eventHostname(fleet, event, config),
    environment: eventEnvironment(fleet, event, config),
    envFile: secretDigest ? path.join(paths.secretsDir, `${event}.env`) : null,
    volumes: [{ source: stateDir(fleet, event, config, paths.fleetDir), target: STATE_DIR }],
    healthcheck: healthCheck(fleet),
    restart: 'unless-stopped' as const,
    devices: [TUN_DEVICE],
    capAdd: [...TUN_CAPABILITIES],
    network: fleet.network ?? null,
  };
  const configHash = createHash('sha256')
    .update(JSON.stringify({ ...base, secretDigest }))
    .digest('hex');
  return {
    ...base,
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
 * What the event's node must serve for the event to count as up, read back from a service's (or a
 * running container's) own docker-mod env (so it cannot disagree with what was rendered); null when no Tailscale docker-mod is
 * applied (then "healthy" is all `up` can wait for).
 */
export function serveExpectation(environment: Array<[string, string]>): ServeExpectation | null {
  const env = new Map(environment);
  if (!/tailscale/.test(env.get('DOCKER_MODS') ?? '')) return null;
  const mode = env.get('TAILSCALE_SERVE_MODE');
  if (mode !== 'https' && mode !== 'http') return null;
  return { mode, port: Number(env.get('TAILSCALE_SERVE_PORT') ?? APP_PORT), funnel: env.has(APP_ENV.funnel) };
}

/** The settings a node keeps in its state dir: changing them on an existing node is not a plain re-create. */
export interface NodeSettings {
  serveMode: string | undefined;
  /** undefined: Tailscale's own control server. */
  loginServer: string | undefined;
}

/** Read back from a container's (or a service's) docker-mod env. */
export function nodeSettings(environment: Array<[string, string]>): NodeSettings {
  const env = new Map(environment);
  return { serveMode: env.get('TAILSCALE_SERVE_MODE'), loginServer: env.get('TAILSCALE_LOGIN_SERVER') };
}
