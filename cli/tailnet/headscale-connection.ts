/**
 * What every call to headscale's REST API (the gRPC gateway under /api/v1) shares: the server URL, the
 * API key as a Bearer token (`headscale apikeys create`; `hskey-api-…` since 0.28), the transport with
 * the secrets it scrubs from messages, the hints a failed call gives, and the API shape the server speaks.
 */
import * as z from 'zod';
import { type CallSpec, type Hints, type HttpOptions, type HttpResult, Transport } from './http.js';
import { detectShape, type HeadscaleApiShape, shapeForVersion } from './headscale-version.js';

export interface HeadscaleApiOptions extends HttpOptions {
  /** The server URL, e.g. https://headscale.example.com (the API is under /api/v1). */
  baseUrl: string;
  apiKey: string;
  /** The headscale release, e.g. `0.26`, `v0.28.0`. Without it, read from the server's API description. */
  version?: string;
}

/** IDs are uint64: the gateway sends them as JSON strings (a number is taken too). */
export const uint64 = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().transform(String)]);

/** gRPC codes worth another attempt (Unavailable, DeadlineExceeded, ResourceExhausted, Aborted, Internal). */
const TRANSIENT_RPC = new Set([4, 8, 10, 13, 14]);

/** A 5xx with a gRPC status body is retried only for a transient code; a 5xx from a proxy always is. */
function retryable(_status: number, body: string): boolean {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? TRANSIENT_RPC.has(code) : true;
  } catch {
    return true;
  }
}

/** The hint for a 404 on a call that only needs the API to be there. */
export const NO_API = 'no headscale API at this URL: check the server URL (the API is under /api/v1)';

export class HeadscaleConnection {
  readonly host: string;
  readonly transport: Transport;
  /** Secrets that must never appear in a message: the API key, and every pre-auth key seen. */
  readonly secrets = new Set<string>();
  private readonly base: URL;
  private readonly apiKey: string;
  private shapePromise: Promise<HeadscaleApiShape> | undefined;

  constructor(options: HeadscaleApiOptions) {
    this.base = new URL(options.baseUrl);
    this.host = this.base.host;
    this.apiKey = options.apiKey;
    this.secrets.add(options.apiKey);
    this.transport = new Transport('headscale', this.host, () => [...this.secrets], options);
    // A configured version is checked at once: a wrong one fails before anything is sent.
    if (options.version !== undefined) this.shapePromise = Promise.resolve(shapeForVersion(options.version, this.host));
  }

  url(path: string, query: Record<string, string> = {}): URL {
    const root = this.base.pathname.replace(/\/$/, '');
    const url = new URL(`${root}${path}`, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  hints(call: string, notFound: string): Hints {
    return {
      unauthorized:
        'the API key is wrong, expired or revoked: make a new one (`headscale apikeys create --expiration 90d`) and configure it',
      forbidden: `something in front of headscale refused to ${call}: check the reverse proxy and the API key`,
      notFound,
      refused: 'headscale refused it: see its message above and the headscale log',
    };
  }

  async call(spec: Omit<CallSpec, 'headers' | 'retryable'>): Promise<HttpResult> {
    return this.transport.request({ ...spec, headers: { authorization: `Bearer ${this.apiKey}` }, retryable });
  }

  /** The API shape the server speaks: configured, or read once from its served description. */
  shape(): Promise<HeadscaleApiShape> {
    this.shapePromise ??= detectShape(this.transport, this.url('/swagger/v1/openapiv2.json')).catch((err: unknown) => {
      this.shapePromise = undefined; // a failed detection may be retried by the next call
      throw err;
    });
    return this.shapePromise;
  }
}
