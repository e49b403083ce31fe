/**
 * Which Docker engine to talk to, decided as the docker CLI decides it (docker/cli
 * cli/command/cli.go, resolveContextName): a non-empty DOCKER_HOST wins and means the default context;
 * else DOCKER_CONTEXT names the context; else `currentContext` in the CLI's config.json
 * ($DOCKER_CONFIG or ~/.docker); else the default context. A named context's endpoint is in
 * <config dir>/contexts/meta/<sha256 of the name>/meta.json at Endpoints.docker.Host, its TLS files in
 * <config dir>/contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem. The context "default" is
 * DOCKER_HOST or the local socket.
 *
 * Also the DOCKER_HOST scheme check: unix, tcp, ssh and npipe are what the docker CLI and docker-modem
 * speak; anything else (`htp://x`) would surface later as a DNS error.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';

/** The local socket when nothing names an engine (what docker-modem falls back to on Linux/macOS). */
export const DEFAULT_HOST = 'unix:///var/run/docker.sock';
export const SCHEMES = ['unix', 'tcp', 'ssh', 'npipe'] as const;

export interface DockerEndpoint {
  /** The engine address, e.g. unix:///var/run/docker.sock, ssh://deploy@vps, tcp://10.0.0.5:2376 */
  host: string;
  /** What chose it: the DOCKER_HOST variable, a Docker context, or nothing (the local socket). */
  source: 'DOCKER_HOST' | 'context' | 'default';
  /** The context's name (source "context"). */
  context?: string;
  /** Where the context name came from (source "context"). */
  contextFrom?: 'DOCKER_CONTEXT' | 'config.json currentContext';
  /** The context's TLS files, when it has them (tcp:// with TLS). */
  tls?: { ca: string; cert: string; key: string };
}

interface Env {
  [name: string]: string | undefined;
}

/** The docker CLI's config directory: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: Env = process.env, home = os.homedir()): string {
  return env.DOCKER_CONFIG || path.join(home, '.docker');
}

/** The directory name a context's files live under: the sha256 (hex) of its name. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Why `host` is not an engine address the docker CLI accepts, or undefined when it is. */
export function dockerHostProblem(host: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(host);
  // No scheme: tcp, as the docker CLI and docker-modem read "host:port".
  if (!m) return /^[^/\s]+$/.test(host) ? undefined : 'it is not an address';
  const scheme = m[1]!.toLowerCase();
  if ((SCHEMES as readonly string[]).includes(scheme)) return undefined;
  if (scheme === 'http' || scheme === 'https')
    return `scheme "${scheme}" is not one Docker speaks (write tcp://${host.slice(m[0].length)})`;
  return `unknown scheme "${m[1]}"`;
}

function schemeError(host: string, where: string, problem: string): UsageError {
  return new UsageError(
    `${where}=${host}: ${problem}: use unix://<socket>, tcp://<host>:<port>, ssh://<user>@<host> or npipe://<pipe> (e.g. unix:///var/run/docker.sock)`,
  );
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The context name the docker CLI would use, and where it came from; null for the default context. */
function contextName(env: Env, configDir: string): { name: string; from: NonNullable<DockerEndpoint['contextFrom']> } | null {
  if (env.DOCKER_HOST) return null;
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT === 'default' ? null : { name: env.DOCKER_CONTEXT, from: 'DOCKER_CONTEXT' };
  const configFile = path.join(configDir, 'config.json');
  if (!existsSync(configFile)) return null;
  let config: { currentContext?: unknown };
  try {
    config = readJson(configFile) as { currentContext?: unknown };
  } catch (err) {
    throw new UsageError(`${configFile}: not valid JSON (${(err as Error).message}): fix the file, or set DOCKER_HOST`);
  }
  const name = typeof config?.currentContext === 'string' ? config.currentContext : '';
  return name && name !== 'default' ? { name, from: 'config.json currentContext' } : null;
}

/**
 * The engine to use, as the docker CLI would pick it. Throws a one-line UsageError for a bad DOCKER_HOST
 * scheme, or a context that does not exist or has no Docker endpoint.
 */
export function resolveDockerEndpoint(env: Env = process.env, home = os.homedir()): DockerEndpoint {
  if (env.DOCKER_HOST) {
    const problem = dockerHostProblem(env.DOCKER_HOST);
    if (problem) throw schemeError(env.DOCKER_HOST, 'DOCKER_HOST', problem);
    return { host: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  }
  const configDir = dockerConfigDir(env, home);
  const ctx = contextName(env, configDir);
  if (!ctx) return { host: DEFAULT_HOST, source: 'default' };
  const how =
    ctx.from === 'DOCKER_CONTEXT' ? `DOCKER_CONTEXT=${ctx.name}` : `context "${ctx.name}" (currentContext in ${configDir}/config.json)`;
  const dir = contextDirName(ctx.name);
  const metaFile = path.join(configDir, 'contexts', 'meta', dir, 'meta.json');
  let meta: { Endpoints?: { docker?: { Host?: unknown } } };
  try {
    meta = readJson(metaFile) as typeof meta;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(
      `${how}: ${missing ? `no such Docker context (${metaFile} is missing)` : `cannot read ${metaFile} (${(err as Error).message})`}: \`docker context ls\` lists the contexts; or set DOCKER_HOST`,
    );
  }
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || !host) {
    throw new UsageError(
      `${how}: the context has no Docker endpoint (Endpoints.docker.Host in ${metaFile}): \`docker context update ${ctx.name} --docker host=...\``,
    );
  }
  const problem = dockerHostProblem(host);
  if (problem) throw schemeError(host, `${how}: Endpoints.docker.Host`, problem);
  const tlsDir = path.join(configDir, 'contexts', 'tls', dir, 'docker');
  const tls = { ca: path.join(tlsDir, 'ca.pem'), cert: path.join(tlsDir, 'cert.pem'), key: path.join(tlsDir, 'key.pem') };
  const hasTls = existsSync(tls.cert) && existsSync(tls.key);
  return { host, source: 'context', context: ctx.name, contextFrom: ctx.from, ...(hasTls ? { tls } : {}) };
}

/** How the endpoint was chosen, for messages: "DOCKER_HOST", "context prod (DOCKER_CONTEXT)", "the default socket". */
export function describeEndpointSource(endpoint: DockerEndpoint): string {
  if (endpoint.source === 'DOCKER_HOST') return 'DOCKER_HOST';
  if (endpoint.source === 'context') return `Docker context "${endpoint.context}" (${endpoint.contextFrom})`;
  return 'the default socket';
}

/**
 * docker-modem options for an endpoint from a context (docker-modem reads DOCKER_HOST itself, but knows
 * nothing of contexts). Mirrors docker-modem's own reading of DOCKER_HOST: unix/npipe → socketPath;
 * tcp → http, or https with the context's TLS files. Not for ssh://: client.ts dials those through one
 * SSH connection (ssh/connection.ts), from a context as from DOCKER_HOST.
 */
export function modemOptions(endpoint: DockerEndpoint): Record<string, unknown> {
  const { host } = endpoint;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) || '/var/run/docker.sock' };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) || '//./pipe/docker_engine' };
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  const base = { host: url.hostname, port: url.port || undefined, pathPrefix: '/' };
  if (endpoint.tls) {
    const ca = existsSync(endpoint.tls.ca) ? readFileSync(endpoint.tls.ca) : undefined;
    return { ...base, protocol: 'https', ca, cert: readFileSync(endpoint.tls.cert), key: readFileSync(endpoint.tls.key) };
  }
  return { ...base, protocol: url.port === '2376' ? 'https' : 'http' };
}
