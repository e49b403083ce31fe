/**
 * The Docker engine client. dockerode/docker-modem read DOCKER_HOST themselves (unix://, tcp://); an
 * ssh://user@host[:port] engine goes through the command's one SSH connection (ssh/); this module adds
 * a readable endpoint name, bounds how long a request may go unanswered, and turns "cannot connect"
 * into one clear EngineError.
 */
import Docker from 'dockerode';
import { EngineError, FleetError } from '../../errors.js';
import { modemOptions, resolveDockerEndpoint } from './docker-context.js';
import { type SshAgents, sshAgents } from './ssh/agents.js';
import { SSH_WAITS, SshConnection, type SshWaits, sshEndpoint } from './ssh/connection.js';

export interface Engine {
  docker: Docker;
  /** Where we talk to, for messages: DOCKER_HOST or the default socket. */
  endpoint: string;
  timeouts: EngineTimeouts;
  /** The command's one SSH connection, for an ssh:// engine. */
  ssh?: SshConnection;
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
 * For an ssh:// engine: each request goes through the agent of its kind (ssh/agents.ts), and a GET that
 * failed because the SSH connection dropped under it is sent once more, through the new connection the
 * retry opens. Only GETs: a create or start that may have reached the engine is not repeated. The agent
 * is picked inside dial, which reads `modem.agent` synchronously for a host-based modem. A request that
 * is not a GET waits until the server confirmed where its engine is (ssh/connection.ts `confirmed`:
 * reads may start on the socket the last command found).
 */
function throughSsh(docker: Docker, connection: SshConnection, agents: SshAgents): void {
  const modem = docker.modem as unknown as { agent: unknown; dial: (options: DialOptions, callback: DialCallback) => unknown };
  const dial = modem.dial.bind(modem);
  const send = (options: DialOptions, callback: DialCallback) => {
    modem.agent = options.isStream || options.hijack || options.openStdin ? agents.streams : agents.requests;
    try {
      return dial(options, callback);
    } finally {
      modem.agent = agents.requests;
    }
  };
  modem.dial = (options: DialOptions, callback: DialCallback) => {
    const reading = (options.method ?? 'GET') === 'GET';
    const idempotent = reading && !options.isStream && !options.hijack && !options.openStdin;
    const drops = connection.drops;
    const go = () =>
      send(options, (err, data) => {
        const dropped = err !== null && err !== undefined && connection.drops > drops && statusCode(err) === undefined;
        if (idempotent && dropped && !options.abortSignal?.aborted) return send(options, callback);
        // a request cut because the engine turned out to have moved says so, not "socket hang up"
        callback(err && connection.movedError ? connection.movedError : err, data);
      });
    if (reading) return go();
    connection.confirmed().then(go, (err: unknown) => callback(err));
    return undefined;
  };
}

/** Where the engine is: DOCKER_HOST, else the Docker context in use, else the default local socket (docker-context.ts). */
export function engineEndpoint(): string {
  return resolveDockerEndpoint().host;
}

/**
 * A client for the engine DOCKER_HOST names (docker-modem reads process.env itself), or the Docker
 * context in use (docker-context.ts turns its endpoint into docker-modem options). An ssh:// engine,
 * from either, is reached through one SSH connection for the whole command (ssh/connection.ts), not
 * docker-modem's own ssh transport, which logs in again for every request.
 */
export function connectEngine(timeouts: EngineTimeouts = ENGINE_TIMEOUTS, sshWaits: SshWaits = SSH_WAITS): Engine {
  const resolved = resolveDockerEndpoint();
  const endpoint = resolved.host;
  try {
    const ssh = endpoint.startsWith('ssh://') ? new SshConnection(sshEndpoint(endpoint), sshWaits) : undefined;
    const agents = ssh ? sshAgents(ssh) : undefined;
    // Over ssh the URL's host only names the engine in the Host header: the agent makes every socket.
    const transport = agents ? { protocol: 'http', host: 'docker', port: undefined, agent: agents.requests } : {};
    // docker-modem would read DOCKER_CLIENT_TIMEOUT (in ms, as an idle limit on every request, streams
    // included; docker-compose v1 read the same name in seconds): the bounds above replace it.
    const options = {
      ...(resolved.source === 'context' && !ssh ? modemOptions(resolved) : {}),
      ...transport,
      timeout: undefined,
    } as Docker.DockerOptions;
    const docker = new Docker(options);
    if (ssh && agents) throughSsh(docker, ssh, agents);
    boundRequests(docker, timeouts.requestMs);
    return { docker, endpoint, timeouts, ...(ssh ? { ssh } : {}) };
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
    if (err instanceof FleetError) throw err; // already one line naming the fix (an SSH host key, a refused login)
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
