/**
 * Containers on the engine: list what is there, turn a rendered service definition into
 * container-create options (the same definition the compose file was written from), logs, health.
 */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { LABELS } from '../fleet/naming.js';
import { STOP_GRACE_SECONDS, type ServiceDefinition } from '../render/service.js';
import { readSecretEnv } from '../render/secrets.js';
import type { ActualContainer } from './plan.js';
import { statusCode } from './client.js';

const NS_PER_MS = 1_000_000;

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

export async function createOptions(service: ServiceDefinition): Promise<Docker.ContainerCreateOptions> {
  const secrets = await readSecretEnv(service.envFile);
  const h = service.healthcheck;
  return {
    name: service.name,
    Image: service.image,
    Env: [...service.environment.map(([k, v]) => `${k}=${v}`), ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`)],
    Labels: service.labels,
    StopTimeout: STOP_GRACE_SECONDS,
    Healthcheck: {
      Test: h.test,
      Interval: h.intervalMs * NS_PER_MS,
      Timeout: h.timeoutMs * NS_PER_MS,
      StartPeriod: h.startPeriodMs * NS_PER_MS,
      Retries: h.retries,
    },
    HostConfig: {
      // Binds (not Mounts) so the engine creates a missing state dir on its own host, also over ssh://.
      Binds: service.volumes.map((v) => `${v.source}:${v.target}`),
      RestartPolicy: { Name: service.restart },
    },
  };
}

export async function createAndStart(docker: Docker, service: ServiceDefinition): Promise<string> {
  const container = await docker.createContainer(await createOptions(service));
  await container.start();
  return container.id;
}

/** Stop with SIGTERM and the grace period, then remove. A container already gone is fine. */
export async function stopAndRemove(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id);
  try {
    await container.stop({ t: STOP_GRACE_SECONDS });
  } catch (err) {
    const code = statusCode(err);
    if (code !== 304 && code !== 404) throw err; // 304: already stopped
  }
  try {
    await container.remove({ force: true });
  } catch (err) {
    const code = statusCode(err);
    if (code !== 404 && code !== 409) throw err; // 409: removal already in progress
  }
}

export type HealthOutcome = { ok: true; status: string } | { ok: false; status: string };

/** Wait until the container is healthy (or has no health check and runs), or fails, or time runs out. */
export async function waitHealthy(docker: Docker, id: string, timeoutMs: number, pollMs = 250): Promise<HealthOutcome> {
  const deadline = Date.now() + timeoutMs;
  let last = 'unknown';
  for (;;) {
    const info = await docker.getContainer(id).inspect();
    const health = info.State.Health?.Status;
    if (!info.State.Running && !info.State.Restarting) return { ok: false, status: `exited (code ${info.State.ExitCode})` };
    if (health === 'healthy' || (health === undefined && info.State.Running)) return { ok: true, status: health ?? 'running' };
    if (health === 'unhealthy') return { ok: false, status: 'unhealthy' };
    last = health ?? info.State.Status;
    if (Date.now() >= deadline) return { ok: false, status: `still ${last} after ${Math.round(timeoutMs / 1000)}s` };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Demultiplexed logs (non-TTY containers interleave stdout/stderr frames). */
export async function containerLogs(
  docker: Docker,
  id: string,
  options: { tail?: number; follow?: boolean; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<void> {
  const container = docker.getContainer(id);
  const common = { stdout: true, stderr: true, timestamps: false, ...(options.tail ? { tail: options.tail } : {}) } as const;
  if (!options.follow) {
    const buf = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
    const out = new PassThrough();
    const err = new PassThrough();
    out.pipe(options.stdout, { end: false });
    err.pipe(options.stderr, { end: false });
    demuxBuffer(buf, out, err);
    return;
  }
  const stream = (await container.logs({ ...common, follow: true })) as unknown as NodeJS.ReadableStream;
  docker.modem.demuxStream(stream, options.stdout, options.stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
}

/** Split a multiplexed log buffer: 8-byte headers [stream, 0, 0, 0, size(4, BE)]. */
export function demuxBuffer(buf: Buffer, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset]!;
    const size = buf.readUInt32BE(offset + 4);
    const chunk = buf.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? stderr : stdout).write(chunk);
    offset += 8 + size;
  }
}

/** The last lines of a container's output, as text (for failure reports). */
export async function lastLogLines(docker: Docker, id: string, lines: number): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  try {
    await containerLogs(docker, id, { tail: lines, stdout: sink, stderr: sink });
  } catch {
    return '(no logs)';
  }
  return Buffer.concat(chunks).toString('utf8').trimEnd();
}
