/**
 * The control server accessory on one engine: its container (config file put in through the archive API
 * between create and start, so no host file and no shell in the image is needed: the official headscale
 * image is distroless), a backup of its database before a version change (archive API again: works on a
 * stopped container and over ssh://), and the fleet network it shares with the events.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { EngineError } from '../../errors.js';
import { STOP_GRACE_SECONDS } from '../../render/service.js';
import type { AccessoryDefinition } from '../../tailnet/control-server.js';
import { untar, untarFiles } from './archive.js';
import { engineMessage, statusCode } from './client.js';
import { inspectImage } from './image/image.js';
import { pullImage, registryAuth } from './image/registry.js';

const NS_PER_MS = 1_000_000;

async function toBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** A tar of `files`, each named by its path relative to `root`. */
async function tarOf(files: Array<{ name: string; content: Buffer | string; mode: number }>): Promise<Buffer> {
  const tar = pack();
  for (const f of files) tar.entry({ name: f.name, mode: f.mode }, f.content);
  tar.finalize();
  return toBuffer(tar as unknown as NodeJS.ReadableStream);
}

export function accessoryCreateOptions(def: AccessoryDefinition, secrets: Record<string, string>): Docker.ContainerCreateOptions {
  // container port → host binding: the listen port (tcp) and, with it, the embedded DERP's STUN (udp)
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  if (def.publish) {
    const { hostIp, hostPort, containerPort } = def.publish;
    bindings[`${containerPort}/tcp`] = [{ HostIp: hostIp, HostPort: String(hostPort) }];
    if (def.publishStun !== null) bindings[`${def.publishStun}/udp`] = [{ HostIp: hostIp, HostPort: String(def.publishStun) }];
  }
  const ports = Object.keys(bindings);
  return {
    name: def.name,
    Image: def.image,
    Cmd: def.command,
    Env: def.secretEnvironment.map((k) => `${k}=${secrets[k] ?? ''}`),
    Labels: def.labels,
    StopTimeout: STOP_GRACE_SECONDS,
    // exec form: the official image has no shell
    Healthcheck: {
      Test: ['CMD', 'headscale', ...def.healthCommand],
      Interval: 30_000 * NS_PER_MS,
      Timeout: 10_000 * NS_PER_MS,
      StartPeriod: 60_000 * NS_PER_MS,
      Retries: 3,
    },
    ...(ports.length ? { ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) } : {}),
    HostConfig: {
      Binds: def.volumes.map((v) => `${v.source}:${v.target}`),
      RestartPolicy: { Name: def.restart },
      NetworkMode: def.network,
      ...(ports.length ? { PortBindings: bindings } : {}),
    },
    ...(def.ip ? { NetworkingConfig: { EndpointsConfig: { [def.network]: { IPAMConfig: { IPv4Address: def.ip } } } } } : {}),
  };
}

/** The accessory's image on the engine: pulled (with the user's registry credentials) when it has none. */
export async function ensureAccessoryImage(docker: Docker, ref: string, onProgress: (line: string) => void): Promise<'present' | 'pulled'> {
  if (await inspectImage(docker, ref)) return 'present';
  await pullImage(docker, ref, await registryAuth(ref), onProgress, 'control-server');
  return 'pulled';
}

/**
 * Create the accessory (not started) and put its files in; returns its ID. The files go in through the
 * archive API at `/` with their whole paths, so directories the image lacks are made (the official image
 * has no /etc/headscale). A failure leaves no container.
 */
export async function createAccessory(docker: Docker, def: AccessoryDefinition, secrets: Record<string, string>): Promise<string> {
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer(accessoryCreateOptions(def, secrets));
    const body = await tarOf(def.files.map((f) => ({ name: f.path.replace(/^\/+/, ''), content: f.content, mode: f.mode })));
    await container.putArchive(body, { path: '/' });
    return container.id;
  } catch (err) {
    // the engine may quote the env it refused: say what failed, not what it held
    if (container) await container.remove({ force: true }).catch(() => {});
    throw new EngineError(`control server ${def.name}: ${engineMessage(err).replace(/=\S+/g, '=…')}`);
  }
}

/** A text file in container `id` (running or not; a bind mount's files too), or null when there is none. */
export async function readTextIn(docker: Docker, id: string, file: string): Promise<string | null> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = (await docker.getContainer(id).getArchive({ path: file })) as NodeJS.ReadableStream;
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw new EngineError(`read ${file} in ${id.slice(0, 12)}: ${engineMessage(err)}`);
  }
  const [first] = await untar(archive);
  return first?.content ?? null;
}

/** Write a text file into container `id` (running or not): its directory must exist. */
export async function writeTextIn(docker: Docker, id: string, file: string, content: string): Promise<void> {
  const body = await tarOf([{ name: path.posix.basename(file), content, mode: 0o644 }]);
  await docker.getContainer(id).putArchive(body, { path: path.posix.dirname(file) });
}

/**
 * Copy the files of `dir` in container `id` whose names match into `dir/<into>/` (it ends up on the
 * host when `dir` is a bind). The container may be stopped. Returns the names copied.
 */
export async function backupFiles(docker: Docker, id: string, dir: string, names: RegExp, into: string): Promise<string[]> {
  const container = docker.getContainer(id);
  let archive: NodeJS.ReadableStream;
  try {
    archive = (await container.getArchive({ path: `${dir}/.` })) as NodeJS.ReadableStream;
  } catch (err) {
    if (statusCode(err) === 404) return [];
    throw new EngineError(`back up ${dir} of ${id.slice(0, 12)}: ${engineMessage(err)}`);
  }
  // only the directory's own files (not the backups already there)
  const files = (await untarFiles(archive))
    .filter((f) => f.name.split('/').filter((p) => p && p !== '.').length === 1 && names.test(path.posix.basename(f.name)))
    .map((f) => ({ name: `${into}/${path.posix.basename(f.name)}`, content: f.content, mode: 0o600 }));
  if (files.length === 0) return [];
  await container.putArchive(await tarOf(files), { path: dir });
  return files.map((f) => f.name);
}

/** Create the network when there is none of that name (labelled as ours); `exists` leaves it as it is. */
export async function ensureNetwork(docker: Docker, name: string, labels: Record<string, string>): Promise<'created' | 'exists'> {
  const found = await docker.listNetworks({ filters: { name: [`^${name}$`] } });
  if (found.some((n) => n.Name === name)) return 'exists';
  await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
  return 'created';
}

/** Remove the network only when it carries every one of `labels` and no container is on it. */
export async function removeNetwork(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<'removed' | 'absent' | 'not ours' | 'in use'> {
  let info: Docker.NetworkInspectInfo;
  try {
    info = (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
  } catch (err) {
    if (statusCode(err) === 404) return 'absent';
    throw err;
  }
  if (!Object.entries(labels).every(([k, v]) => info.Labels?.[k] === v)) return 'not ours';
  if (Object.keys(info.Containers ?? {}).length > 0) return 'in use';
  await docker.getNetwork(name).remove();
  return 'removed';
}
