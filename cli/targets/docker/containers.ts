/**
 * Event containers on one Docker engine: list what is there, turn a rendered service definition into
 * container-create options (the same definition the compose file was written from), start, stop,
 * inspect.
 */
import type Docker from 'dockerode';
import { LABELS } from '../../fleet/naming.js';
import { readSecretEnv } from '../../render/secrets.js';
import { type HealthCheck, STOP_GRACE_SECONDS, type ServiceDefinition } from '../../render/service.js';
import { UsageError } from '../../errors.js';
import { statusCode } from './client.js';
import type { ActualContainer, ContainerDetails } from '../target.js';

const NS_PER_MS = 1_000_000;

/** What the engine puts on a Swarm task's container: the service it belongs to. */
const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';

/**
 * Every demo-fleet container (of any fleet: another fleet's container may hold one of our state
 * dirs) and every container that carries one of the given names. `isOurs` tells this fleet's apart.
 */
export async function listFleetContainers(docker: Docker, names: string[]): Promise<ActualContainer[]> {
  const [labelled, named] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [LABELS.fleet] } }),
    names.length ? docker.listContainers({ all: true, filters: { name: names.map((n) => `^/${n}$`) } }) : Promise.resolve([]),
  ]);
  const seen = new Map<string, ActualContainer>();
  for (const c of [...labelled, ...named]) {
    const service = c.Labels?.[SWARM_SERVICE_LABEL];
    if (service !== undefined) {
      // a Swarm task (target: swarm on this engine): never one of ours to adopt or remove here, and an
      // event of this fleet running as one must not get a second container (one node identity)
      if (names.includes(service)) {
        throw new UsageError(
          `${service} runs as a Swarm service on this engine (target: swarm): run \`demo-fleet down\` with target: swarm first, or set target: swarm back`,
        );
      }
      continue;
    }
    seen.set(c.Id, {
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      labels: c.Labels ?? {},
      state: c.State,
      imageId: c.ImageID,
      health: listedHealth(c.Status),
      mounts: (c.Mounts ?? []).map((m) => m.Source),
    });
  }
  return [...seen.values()];
}

/** `Up 2 minutes (healthy)` → healthy; undefined when the status names no health. */
export function listedHealth(status: string | undefined): ActualContainer['health'] {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '');
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as 'healthy' | 'unhealthy');
}

/** A health check as the engine API takes it (durations in nanoseconds): containers and Swarm tasks alike. */
export function engineHealthcheck(h: HealthCheck): {
  Test: string[];
  Interval: number;
  Timeout: number;
  StartPeriod: number;
  Retries: number;
} {
  return {
    Test: h.test,
    Interval: h.intervalMs * NS_PER_MS,
    Timeout: h.timeoutMs * NS_PER_MS,
    StartPeriod: h.startPeriodMs * NS_PER_MS,
    Retries: h.retries,
  };
}

export async function createOptions(service: ServiceDefinition): Promise<Docker.ContainerCreateOptions> {
  const secrets = await readSecretEnv(service.envFile);
  const h = service.healthcheck;
  return {
    name: service.name,
    Image: service.image,
    Env: [...service.environment.map(([k, v]) => `${k}=${v}`), ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`)],
    Labels: service.labels,
    StopTimeout: STOP_GRACE_SECONDS,
    Healthcheck: engineHealthcheck(h),
    HostConfig: {
      // Binds (not Mounts) so the engine creates a missing state dir on its own host, also over ssh://.
      Binds: service.volumes.map((v) => `${v.source}:${v.target}`),
      RestartPolicy: { Name: service.restart },
      Devices: service.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
      CapAdd: service.capAdd,
      ...(service.network ? { NetworkMode: service.network } : {}),
    },
  };
}

export async function createAndStart(docker: Docker, service: ServiceDefinition): Promise<string> {
  const options = await createOptions(service);
  try {
    const container = await docker.createContainer(options);
    await container.start();
    return container.id;
  } catch (err) {
    // The engine may quote the env it refused (e.g. a value it cannot take): never let a secret out.
    throw withoutSecrets(err, Object.values(await readSecretEnv(service.envFile)));
  }
}

/** The error with every secret value in its message replaced by ***, its status code kept. */
export function withoutSecrets(err: unknown, secrets: string[]): Error {
  const e = err as { message?: string; statusCode?: number; json?: { message?: string } | null };
  const scrub = (text: string) => secrets.filter((v) => v.length > 0).reduce((t, v) => t.split(v).join('***'), text);
  const message = scrub(e?.json?.message ?? e?.message ?? String(err));
  return Object.assign(new Error(message), { statusCode: e?.statusCode, json: { message } });
}

/** Stop with SIGTERM and the grace period, then remove. A container already gone is fine. */
export async function stopAndRemove(docker: Docker, id: string): Promise<void> {
  await stopContainer(docker, id);
  await removeContainer(docker, id);
}

/** SIGTERM, then SIGKILL after the grace period; already stopped or gone is fine. */
export async function stopContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).stop({ t: STOP_GRACE_SECONDS });
  } catch (err) {
    const code = statusCode(err);
    if (code !== 304 && code !== 404) throw err; // 304: already stopped
  }
}

export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true });
  } catch (err) {
    const code = statusCode(err);
    if (code !== 404 && code !== 409) throw err; // 409: removal already in progress
  }
}

/** Start a stopped container; one the engine already started (HTTP 304) is fine. */
export async function startContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).start();
  } catch (err) {
    if (statusCode(err) !== 304) throw err;
  }
}

export async function renameContainer(docker: Docker, id: string, name: string): Promise<void> {
  await docker.getContainer(id).rename({ name });
}

/** Stop (SIGTERM, then SIGKILL after the grace period) and start again, as `docker restart` does. */
export async function restartContainer(docker: Docker, id: string): Promise<void> {
  await docker.getContainer(id).restart({ t: STOP_GRACE_SECONDS });
}

export async function inspectContainer(docker: Docker, idOrName: string): Promise<ContainerDetails | null> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(idOrName).inspect();
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw err;
  }
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config.Labels ?? {},
    state: info.State.Status,
    health: info.State.Health?.Status,
    image: info.Config.Image,
    imageId: info.Image,
    startedAt: info.State.Running ? info.State.StartedAt : null,
    exitCode: info.State.ExitCode,
    restartCount: info.RestartCount ?? 0,
    environment: envPairs(info.Config.Env),
    mounts: (info.Mounts ?? []).map((m) => m.Source),
  };
}

/** The engine's `KEY=value` env list as pairs (a container's config, a Swarm container spec). */
export function envPairs(env: string[] | null | undefined): Array<[string, string]> {
  return (env ?? []).map((kv): [string, string] => {
    const i = kv.indexOf('=');
    return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
  });
}
