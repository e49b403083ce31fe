/**
 * The Docker engine client. dockerode/docker-modem read DOCKER_HOST themselves (unix://, tcp://,
 * ssh://user@host[:port] through SSH_AUTH_SOCK); this module adds a readable endpoint name, bounds how
 * long a request may go unanswered, and turns "cannot connect" into one clear EngineError.
 */
import Docker from 'dockerode';
import { EngineError } from '../../errors.js';
import { modemOptions, resolveDockerEndpoint } from './docker-context.js';

export interface Engine {
  docker: Docker;
  /** Where we talk to, for messages: DOCKER_HOST or the default socket. */
  endpoint: string;
  timeouts: EngineTimeouts;
}

/**
 * How long the engine may leave a request unanswered (connecting included). Fixed: the docker CLI has
 * no setting for it either (its own ping gives up after 2 s). Long streams (build, pull, push,
 * `logs -f`, attach, exec) have none: they may rightly run for minutes.
 */
export interface EngineTimeouts {
  /** The first request (`/version`): an engine that accepts the connection but never answers. */
  pingMs: number;
  /** Every other request that is not a stream (inspect, list, create, start, stop with its grace period, ...). */
  requestMs: number;
}

export const ENGINE_TIMEOUTS: EngineTimeouts = { pingMs: 10_000, requestMs: 60_000 };

/** A request the engine did not answer in time (code ETIMEDOUT, so it counts as unreachable). */
export class EngineTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly ms: number;
  constructor(what: string, ms: number) {
    super(`no answer to ${what} within ${ms / 1000} s`);
    this.name = 'EngineTimeoutError';
    this.ms = ms;
  }
}

interface DialOptions {
  path?: string;
  method?: string;
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
  abortSignal?: AbortSignal;
}
type DialCallback = (err: unknown, data?: unknown) => void;

/**
 * Every request that is not a stream gets an abort signal that fires after `ms` (unless the caller
 * brought its own); the abort surfaces as an EngineTimeoutError naming the request. Wraps the modem's
 * dial, its one entry point for requests.
 */
function boundRequests(docker: Docker, ms: number): void {
  const modem = docker.modem as unknown as { dial: (options: DialOptions, callback: DialCallback) => unknown };
  const dial = modem.dial.bind(modem);
  modem.dial = (options: DialOptions, callback: DialCallback) => {
    if (options.isStream || options.hijack || options.openStdin || options.abortSignal) return dial(options, callback);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    return dial({ ...options, abortSignal: controller.signal }, (err, data) => {
      clearTimeout(timer);
      const what = `${options.method ?? 'GET'} ${(options.path ?? '').split('?')[0]}`;
      callback(err && controller.signal.aborted ? new EngineTimeoutError(what, ms) : err, data);
    });
  };
}

/**
 * docker-modem builds its request URL for ssh:// as `ssh:<host>:<port>…` (no slashes) and parses it
 * with url.parse(), which emits "[DEP0170] DeprecationWarning: The URL ssh:127.0.0.1:22… is invalid"
 * on stderr. The URL only builds the request path; the ssh transport does not read it. So while this
 * modem builds a request (synchronously, inside dial), that one warning is dropped; nothing else is,
 * and process.emitWarning is back as it was once dial returns.
 */
function quietSshUrlWarning(docker: Docker): void {
  const modem = docker.modem as unknown as { dial: (...args: unknown[]) => unknown };
  const dial = modem.dial.bind(modem);
  modem.dial = (...args: unknown[]) => {
    const emit = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const text = typeof warning === 'string' ? warning : warning?.message;
      const code = typeof rest[1] === 'string' ? rest[1] : (rest[0] as { code?: string } | undefined)?.code;
      if (code === 'DEP0170' && /^The URL ssh:/.test(text ?? '')) return;
      (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      return dial(...args);
    } finally {
      process.emitWarning = emit;
    }
  };
}

/** Where the engine is: DOCKER_HOST, else the Docker context in use, else the default local socket (docker-context.ts). */
export function engineEndpoint(): string {
  return resolveDockerEndpoint().host;
}

/**
 * A client for the engine DOCKER_HOST names (docker-modem reads process.env itself), or the Docker
 * context in use (docker-context.ts turns its endpoint into docker-modem options).
 */
export function connectEngine(timeouts: EngineTimeouts = ENGINE_TIMEOUTS): Engine {
  const resolved = resolveDockerEndpoint();
  const endpoint = resolved.host;
  try {
    // docker-modem would read DOCKER_CLIENT_TIMEOUT (in ms, as an idle limit on every request, streams
    // included; docker-compose v1 read the same name in seconds): the bounds above replace it.
    const options = { ...(resolved.source === 'context' ? modemOptions(resolved) : {}), timeout: undefined } as Docker.DockerOptions;
    const docker = new Docker(options);
    if (endpoint.startsWith('ssh://')) quietSshUrlWarning(docker);
    boundRequests(docker, timeouts.requestMs);
    return { docker, endpoint, timeouts };
  } catch (err) {
    throw new EngineError(`DOCKER_HOST=${endpoint}: ${(err as Error).message}`);
  }
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'ENOTFOUND']);

/** Is this error "the engine is not there" rather than a refused request? */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; level?: string; message?: string };
  return (
    (e?.code !== undefined && UNREACHABLE.has(e.code)) ||
    e?.level === 'client-socket' ||
    e?.level === 'client-authentication' ||
    /connect|socket hang up|handshake|All configured authentication methods failed/i.test(e?.message ?? '')
  );
}

function unreachableError(engine: Engine, err: unknown): EngineError {
  const why = (err as Error)?.message?.split('\n')[0] ?? String(err);
  if ((err as { code?: string })?.code === 'EACCES') {
    return new EngineError(
      `permission denied on the Docker socket ${engine.endpoint}: add yourself to the docker group (\`sudo usermod -aG docker $USER\`, then log in again) or use sudo`,
    );
  }
  return new EngineError(`cannot reach Docker at ${engine.endpoint}: is dockerd running? (${why})`);
}

/** Fail fast with one clear line when the engine cannot be reached or does not answer. Returns the API version. */
export async function pingEngine(engine: Engine): Promise<string> {
  const ms = engine.timeouts.pingMs;
  const signal = AbortSignal.timeout(ms);
  try {
    // dockerode's version() takes { abortSignal } (its typings omit the argument).
    const version = engine.docker.version as unknown as (opts: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
    const v = await version.call(engine.docker, { abortSignal: signal });
    return v.ApiVersion;
  } catch (err) {
    if (signal.aborted) {
      throw new EngineError(
        `Docker at ${engine.endpoint} did not answer within ${ms / 1000} s: check that DOCKER_HOST names a Docker engine and that dockerd is not hung`,
      );
    }
    if (isUnreachable(err)) throw unreachableError(engine, err);
    throw new EngineError(`Docker at ${engine.endpoint} refused: ${(err as Error).message}`);
  }
}

/** The message of a dockerode/engine error, without the "(HTTP code 409) conflict - " noise. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string } | null; message?: string };
  if (e?.json?.message) return e.json.message.trim();
  // Streaming endpoints (build, pull, push, logs) leave `json` null: the engine's message is only in
  // docker-modem's "(HTTP code 400) unexpected - <message> " text.
  return (e?.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}
