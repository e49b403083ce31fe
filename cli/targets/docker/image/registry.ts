/**
 * Registry side of the engine: credentials (env, or the docker CLI's config with its credential
 * helpers — never argv, never printed), pull and push through dockerode with stream errors raised and
 * transient failures retried.
 */
import type Docker from 'dockerode';
import type { Engine } from '../client.js';
import { followStream } from '../stream.js';
import { EngineError, RegistryError } from '../../../errors.js';
import { readDockerConfig } from './docker-config.js';
import { HELPER_PREFIX, helperCredentials } from './credential-helper.js';
import { failureMessage, REGISTRY_RETRY, withRetries } from './retry.js';
import { registryHost } from '../../registry-host.js';
import { baseImageFix, controlServerImageFix, publishedImageFix, registryFailureKind, registryFailureReason } from './registry-failure.js';
import { REVISION_LABEL, REVISION_TAG_PREFIX } from '../../revision.js';

export interface AuthConfig {
  username: string;
  password: string;
  /** From a credential helper that stores a token (Username `<token>`); then username/password are empty. */
  identitytoken?: string;
  serveraddress: string;
}

/** Where each AuthConfig came from, for messages ("check ..."); never sent to the engine. */
const sources = new WeakMap<AuthConfig, string>();

export function authSource(auth: AuthConfig): string {
  return sources.get(auth) ?? 'the credentials';
}

function credentials(auth: AuthConfig, source: string): AuthConfig {
  sources.set(auth, source);
  return auth;
}

/** The key the docker CLI files a registry's credentials under (and asks a helper for). */
export function dockerConfigKey(host: string): string {
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

/**
 * As the docker CLI: a helper named for this registry in `credHelpers`, else the `credsStore` helper,
 * asked with the registry's key (a helper with nothing stored for it: anonymous); with no helper,
 * `auths.<key>.auth` (base64 user:password) or `auths.<key>.identitytoken`.
 */
async function dockerConfigAuth(host: string, env: NodeJS.ProcessEnv): Promise<AuthConfig | null> {
  const config = await readDockerConfig(env);
  const key = dockerConfigKey(host);
  const helper = config.credHelpers[key] ?? config.credsStore;
  if (helper && config.file) {
    const found = await helperCredentials(helper, key, config.file, env);
    if (!found) return null;
    const auth = { username: found.username ?? '', password: found.password ?? '', serveraddress: host };
    return credentials(found.identitytoken ? { ...auth, identitytoken: found.identitytoken } : auth, `${HELPER_PREFIX}${helper}`);
  }
  const keys = host === 'docker.io' ? [key, 'docker.io', 'index.docker.io'] : [host, `https://${host}`, `http://${host}`];
  for (const k of keys) {
    const entry = config.auths[k];
    if (entry?.identitytoken) {
      return credentials(
        { username: '', password: '', identitytoken: entry.identitytoken, serveraddress: host },
        `auths in ${config.file}`,
      );
    }
    if (!entry?.auth) continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      return credentials({ username: decoded.slice(0, i), password: decoded.slice(i + 1), serveraddress: host }, `auths in ${config.file}`);
    }
  }
  return null;
}

/**
 * Credentials for `repo`'s registry: REGISTRY_USERNAME/PASSWORD, GITHUB_ACTOR/TOKEN for ghcr.io, then
 * the docker config ($DOCKER_CONFIG or ~/.docker) with its credential helpers.
 */
export async function registryAuth(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<AuthConfig | null> {
  const host = registryHost(repo);
  if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD) {
    return credentials(
      { username: env.REGISTRY_USERNAME, password: env.REGISTRY_PASSWORD, serveraddress: host },
      'REGISTRY_USERNAME/REGISTRY_PASSWORD',
    );
  }
  if (host === 'ghcr.io' && env.GITHUB_ACTOR && env.GITHUB_TOKEN) {
    return credentials({ username: env.GITHUB_ACTOR, password: env.GITHUB_TOKEN, serveraddress: host }, 'GITHUB_ACTOR/GITHUB_TOKEN');
  }
  return dockerConfigAuth(host, env);
}

/** Remove any credential from a message before it can be printed. */
export function redact(message: string, auth: AuthConfig | null): string {
  let out = message;
  for (const secret of [auth?.password, auth?.identitytoken]) if (secret) out = out.split(secret).join('***');
  return out;
}

/** "pull of x failed, retrying (2 of 3) in 2 s: <reason>" — the reason with any credential removed. */
function retryLine(what: string, auth: AuthConfig | null, onProgress: (line: string) => void) {
  return (err: unknown, nextTry: number, delayMs: number) =>
    onProgress(
      `${what} failed, retrying (${nextTry} of ${REGISTRY_RETRY.attempts}) in ${delayMs / 1000} s: ${redact(failureMessage(err), auth)}`,
    );
}

/**
 * Pull one reference, stream errors raised as RegistryError (credentials redacted). A failure says what
 * it is (DNS, connection, credentials, name: registry-failure.ts) and the fix for the image's role (a
 * build's base, or the fleet's published event image).
 */
export async function pullImage(
  docker: Docker,
  ref: string,
  auth: AuthConfig | null,
  onProgress: (line: string) => void,
  role: 'base' | 'published' | 'control-server' = 'base',
): Promise<void> {
  try {
    await withRetries(
      async () => {
        const stream = await docker.pull(ref, auth ? { authconfig: auth } : {});
        await followStream(docker, stream, (e) => {
          if (e.status && !e.progress) onProgress(`${ref}: ${e.id ? `${e.id} ` : ''}${e.status}`);
        });
      },
      retryLine(`pull of ${ref}`, auth, onProgress),
    );
  } catch (err) {
    const why = redact(failureMessage(err), auth).split('\n')[0] ?? '';
    const host = registryHost(ref);
    const kind = registryFailureKind(why);
    const fix =
      role === 'base' ? baseImageFix(kind, host) : role === 'published' ? publishedImageFix(kind, host) : controlServerImageFix(kind, host);
    throw new RegistryError(`pull of ${ref} failed: ${registryFailureReason(kind, host)} (${why}); fix: ${fix}`);
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
    await pullImage(engine.docker, ref, auth, onProgress, 'published');
    ids.add((await engine.docker.getImage(ref).inspect()).Id);
  }
  if (ids.size > 1) {
    throw new EngineError(
      `the published tags of ${repo} are ${ids.size} different images; publish the fleet again (\`demo-fleet publish\`)`,
    );
  }
  const id = [...ids][0] ?? null;
  if (id) await tagRevision(engine.docker, repo, id);
  return id;
}

/** A pulled image built by demo-fleet keeps its revision's tag here too, so `rollback` can go back to it. */
async function tagRevision(docker: Docker, repo: string, id: string): Promise<void> {
  const image = await docker.getImage(id).inspect();
  const revision = image.Config?.Labels?.[REVISION_LABEL];
  if (revision && !(image.RepoTags ?? []).includes(`${repo}:${REVISION_TAG_PREFIX}${revision}`)) {
    await docker.getImage(id).tag({ repo, tag: `${REVISION_TAG_PREFIX}${revision}` });
  }
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
    await withRetries(
      async () => {
        const stream = await docker.getImage(ref).push({ tag, ...(auth ? { authconfig: auth } : {}) } as never);
        await followStream(docker, stream as unknown as NodeJS.ReadableStream, (e) => {
          if (e.aux?.Digest) digest = e.aux.Digest;
          if (e.status && !e.progress) onProgress(`${ref}: ${e.id ? `${e.id} ` : ''}${e.status}`);
        });
      },
      retryLine(`push of ${ref}`, auth, onProgress),
    );
  } catch (err) {
    throw new RegistryError(`push of ${ref} failed: ${redact(failureMessage(err), auth)}`);
  }
  return { ref, digest };
}
