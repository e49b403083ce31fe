/**
 * Registry side of the engine: credentials (env or the user's docker config — never argv, never
 * printed), pull and push through dockerode with stream errors raised.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { engineMessage, type Engine } from '../client/docker.js';
import { followStream } from '../client/stream.js';
import { EngineError, RegistryError, StreamFailure } from '../../errors.js';

export interface AuthConfig {
  username: string;
  password: string;
  serveraddress: string;
}

/** `ghcr.io/acme/app` → `ghcr.io`; `acme/app` → Docker Hub. */
export function registryHost(repo: string): string {
  const first = repo.split('/')[0]!;
  return repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

async function dockerConfigAuth(host: string, env: NodeJS.ProcessEnv): Promise<AuthConfig | null> {
  const dir = env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  try {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
    const keys =
      host === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'] : [host, `https://${host}`, `http://${host}`];
    for (const key of keys) {
      const auth = config.auths?.[key]?.auth;
      if (!auth) continue;
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1), serveraddress: host };
    }
  } catch {
    // no readable docker config: anonymous
  }
  return null;
}

/** Credentials for `repo`'s registry: REGISTRY_USERNAME/PASSWORD, GITHUB_ACTOR/TOKEN for ghcr.io, docker config. */
export async function registryAuth(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<AuthConfig | null> {
  const host = registryHost(repo);
  if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD) {
    return { username: env.REGISTRY_USERNAME, password: env.REGISTRY_PASSWORD, serveraddress: host };
  }
  if (host === 'ghcr.io' && env.GITHUB_ACTOR && env.GITHUB_TOKEN) {
    return { username: env.GITHUB_ACTOR, password: env.GITHUB_TOKEN, serveraddress: host };
  }
  return dockerConfigAuth(host, env);
}

/** Remove any credential from a message before it can be printed. */
export function redact(message: string, auth: AuthConfig | null): string {
  return auth?.password ? message.split(auth.password).join('***') : message;
}

async function pullImage(docker: Docker, ref: string, auth: AuthConfig | null, onProgress: (line: string) => void): Promise<void> {
  try {
    const stream = await docker.pull(ref, auth ? { authconfig: auth } : {});
    await followStream(docker, stream, (e) => {
      if (e.status && !e.progress) onProgress(`${ref}: ${e.id ? `${e.id} ` : ''}${e.status}`);
    });
  } catch (err) {
    const message = redact(err instanceof StreamFailure ? err.message : engineMessage(err), auth);
    throw new RegistryError(`pull of ${ref} failed: ${message}`);
  }
}

/** Pull `<repo>:<event>` for every event; they must be one image. Returns its ID. */
export async function pullFleetImages(
  engine: Engine,
  repo: string,
  events: string[],
  onProgress: (line: string) => void,
): Promise<string | null> {
  const auth = await registryAuth(repo);
  const ids = new Set<string>();
  for (const event of events) {
    const ref = `${repo}:${event}`;
    await pullImage(engine.docker, ref, auth, onProgress);
    ids.add((await engine.docker.getImage(ref).inspect()).Id);
  }
  if (ids.size > 1) {
    throw new EngineError(
      `the published tags of ${repo} are ${ids.size} different images; publish the fleet again (\`demo-fleet publish\`)`,
    );
  }
  return [...ids][0] ?? null;
}

export interface PushedTag {
  ref: string;
  digest: string | null;
}

export async function pushTag(
  docker: Docker,
  repo: string,
  tag: string,
  auth: AuthConfig | null,
  onProgress: (line: string) => void,
): Promise<PushedTag> {
  const ref = `${repo}:${tag}`;
  let digest: string | null = null;
  try {
    const stream = await docker.getImage(ref).push({ tag, ...(auth ? { authconfig: auth } : {}) } as never);
    await followStream(docker, stream as unknown as NodeJS.ReadableStream, (e) => {
      if (e.aux?.Digest) digest = e.aux.Digest;
      if (e.status && !e.progress) onProgress(`${ref}: ${e.id ? `${e.id} ` : ''}${e.status}`);
    });
  } catch (err) {
    const message = redact(err instanceof StreamFailure ? err.message : engineMessage(err), auth);
    throw new RegistryError(`push of ${ref} failed: ${message}`);
  }
  return { ref, digest };
}
