/**
 * The HTTP part both control-server clients share: global fetch, bounded retries (429 honouring
 * Retry-After, 5xx and network failures with exponential backoff), and one-line ControlServerError
 * messages that name the server, the call and what to do, with every secret scrubbed out.
 *
 * Retries apply to creating keys too: a key minted by an attempt whose answer was lost is never seen by
 * anyone and expires on its own (keys are minted single-use with a short expiry).
 */
import { ControlServerError } from '../errors.js';

export interface HttpOptions {
  /** Defaults to the global fetch (Node 20). */
  fetch?: typeof globalThis.fetch;
  /** How to wait between attempts (tests pass one that does not really wait). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock, in milliseconds since the epoch (Retry-After dates, token expiry). */
  now?: () => number;
  /** Attempts per call, first included (default 4). */
  attempts?: number;
  /** The first backoff after a 5xx or a network failure; it doubles per attempt (default 500 ms). */
  backoffMs?: number;
  /** The longest single wait; a Retry-After beyond it fails the call at once (default 60 s). */
  maxWaitMs?: number;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
}

/** What a failed call's message tells the user to do, by the kind of failure. */
export interface Hints {
  unauthorized: string;
  forbidden: string;
  notFound: string;
  /** Any other refusal (default: check the settings the request was made from). */
  refused?: string;
}

export interface CallSpec {
  /** What the call does, for messages: "create auth key". */
  call: string;
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  hints: Hints;
  /** Whether a 5xx answer is worth another attempt (default: yes, except 501). */
  retryable?: (status: number, body: string) => boolean;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Shapes of secrets that must never reach a message, whatever the server echoes. */
const SECRET_SHAPES = [/tskey-[A-Za-z0-9]+-[A-Za-z0-9_-]+/g, /hskey-[A-Za-z0-9]+-[A-Za-z0-9_*-]+/g, /\b(Bearer|Basic)\s+\S+/gi];

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('<redacted>');
  }
  for (const shape of SECRET_SHAPES) out = out.replace(shape, '<redacted>');
  return out;
}

/** One line, at most `max` characters. */
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The error text a server put in its body: Tailscale `{message}`, gRPC status `{message}`, OAuth `{error_description|error}`. */
function serverMessage(text: string): string {
  if (!text) return '';
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['message', 'error_description', 'error']) {
      if (typeof body[key] === 'string' && body[key]) return body[key];
    }
    return '';
  } catch {
    return text.length <= 200 ? text : '';
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export class Transport {
  private readonly fetch: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxWaitMs: number;
  private readonly timeoutMs: number;

  /**
   * @param label "Tailscale" or "headscale"
   * @param host  the server's host, for messages
   * @param secrets every secret a message could contain (read at failure time: minted keys join later)
   */
  constructor(
    readonly label: string,
    readonly host: string,
    private readonly secrets: () => readonly string[],
    options: HttpOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.backoffMs = options.backoffMs ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** A ControlServerError for this server and call: "<label> (<host>): <call> failed: <what>; <todo>". */
  error(call: string, what: string, todo: string, status?: number): ControlServerError {
    const text = oneLine(`${this.label} (${this.host}): ${call} failed: ${what}; ${todo}`, 600);
    return new ControlServerError(scrub(text, this.secrets()), status);
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxWaitMs, this.backoffMs * 2 ** (attempt - 1));
  }

  /** Send the call; a 2xx answer is returned, anything else ends in a ControlServerError. */
  async request(spec: CallSpec): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(spec.form).toString();
    }

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      let res: Response;
      try {
        res = await this.fetch(spec.url, { method: spec.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        if (!last) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw this.error(
          spec.call,
          `could not reach the server (${networkReason(err)}) after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
          `check the URL and that ${this.host} is up and reachable from here, then run again`,
        );
      }
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };

      const said = oneLine(scrub(serverMessage(text), this.secrets()));
      const what = `HTTP ${res.status}${said ? ` (server said: ${said})` : ''}`;
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'), this.now()) ?? this.backoff(attempt);
        if (wait > this.maxWaitMs) {
          throw this.error(
            spec.call,
            `${what}, Retry-After ${Math.ceil(wait / 1000)} s`,
            'rate limited for longer than demo-fleet waits: run again later',
            429,
          );
        }
        if (!last) {
          await this.sleep(wait);
          continue;
        }
        throw this.error(spec.call, `${what} after ${attempt} attempts`, 'rate limited: wait a minute and run again', 429);
      }
      if (res.status >= 500 && res.status !== 501 && (spec.retryable?.(res.status, text) ?? true)) {
        if (!last) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw this.error(spec.call, `${what} after ${attempt} attempts`, 'the server is failing: try again later', res.status);
      }
      if (res.status === 401) throw this.error(spec.call, what, spec.hints.unauthorized, 401);
      if (res.status === 403) throw this.error(spec.call, what, spec.hints.forbidden, 403);
      if (res.status === 404) throw this.error(spec.call, what, spec.hints.notFound, 404);
      throw this.error(spec.call, what, spec.hints.refused ?? 'the request was refused: check the settings it was made from', res.status);
    }
  }
}

/** Parse a 2xx JSON answer with `parse`; a body that does not parse or fit is a ControlServerError. */
export function parseAnswer<T>(transport: Transport, call: string, result: HttpResult, parse: (body: unknown) => T): T {
  let body: unknown;
  try {
    body = result.text ? JSON.parse(result.text) : {};
  } catch {
    throw transport.error(
      call,
      `HTTP ${result.status} with a body that is not JSON`,
      'is the URL the API of the server, not a proxy or web page?',
    );
  }
  try {
    return parse(body);
  } catch (err) {
    // The detail names fields, never values: the body may hold a minted key.
    const detail = err instanceof Error && 'issues' in err ? describeIssues(err.issues) : 'unexpected shape';
    throw transport.error(call, `unexpected answer (${detail})`, 'the server speaks another API version than demo-fleet expects');
  }
}

function describeIssues(issues: unknown): string {
  if (!Array.isArray(issues)) return 'unexpected shape';
  return issues
    .slice(0, 3)
    .map(
      (i: { path?: PropertyKey[]; message?: string }) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`,
    )
    .join('; ');
}
