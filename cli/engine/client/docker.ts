/**
 * The Docker engine client. dockerode/docker-modem read DOCKER_HOST themselves (unix://, tcp://,
 * ssh://user@host[:port] through SSH_AUTH_SOCK); this module adds a readable endpoint name and turns
 * "cannot connect" into one clear EngineError.
 */
import Docker from 'dockerode';
import { EngineError } from '../../errors.js';

export interface Engine {
  docker: Docker;
  /** Where we talk to, for messages: DOCKER_HOST or the default socket. */
  endpoint: string;
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

/** Where the engine is: DOCKER_HOST, or the default local socket. */
export function engineEndpoint(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A client for the engine DOCKER_HOST names (docker-modem reads process.env itself, so this does too). */
export function connectEngine(): Engine {
  const endpoint = engineEndpoint();
  try {
    const docker = new Docker();
    if (endpoint.startsWith('ssh://')) quietSshUrlWarning(docker);
    return { docker, endpoint };
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
  return new EngineError(`cannot reach Docker at ${engine.endpoint}: is dockerd running? (${why})`);
}

/** Fail fast with one clear line when the engine cannot be reached. Returns the API version. */
export async function pingEngine(engine: Engine): Promise<string> {
  try {
    const v = await engine.docker.version();
    return v.ApiVersion;
  } catch (err) {
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
