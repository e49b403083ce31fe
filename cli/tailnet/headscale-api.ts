/**
 * headscale's REST API (the gRPC gateway under /api/v1), the part demo-fleet needs: mint one pre-auth
 * key per new event node, expire (0.28+: delete) keys, find nodes by hostname, delete nodes.
 *
 * Auth: `Authorization: Bearer <api key>` (`headscale apikeys create`; `hskey-api-…` since 0.28).
 *
 * Releases differ (from the swagger files headscale ships at each tag, test/fixtures/api/SOURCE.md):
 * - 0.26–0.27: a pre-auth key is created for `user` = the user's numeric ID (looked up by name with
 *   GET /api/v1/user?name=), and expired with {user: <ID>, key: <the key itself>}.
 * - 0.28+: `user` may be left out for a tagged key; keys are expired with {id} and can be deleted with
 *   DELETE /api/v1/preauthkey?id=.
 * - 0.25 and older take the user's *name*: not supported.
 *
 * Which one a server speaks is configured (`version`) or read from the API description headscale serves
 * about itself, unauthenticated, at /swagger/v1/openapiv2.json (the same swagger file, embedded in the
 * binary): it has DELETE /api/v1/preauthkey and an `id`-only expire request from 0.28 on. The API itself
 * has no version call; /version (outside the API) exists only from 0.27 and says `dev` on source builds.
 */
import { z } from 'zod';
import { ControlServerError, UsageError } from '../errors.js';
import { parseAnswer, Transport, type CallSpec, type Hints, type HttpOptions, type HttpResult } from './http.js';
import { answerDate, MintedKey } from './minted.js';

export { MintedKey } from './minted.js';

/** The two API shapes demo-fleet speaks. */
export type HeadscaleApiShape = '0.26-0.27' | '0.28+';

export interface HeadscaleApiOptions extends HttpOptions {
  /** The server URL, e.g. https://headscale.example.com (the API is under /api/v1). */
  baseUrl: string;
  apiKey: string;
  /** The headscale release, e.g. `0.26`, `v0.28.0`. Without it, read from the server's API description. */
  version?: string;
}

export interface PreAuthKeyRequest {
  /** The headscale user (by name) the key belongs to. Required before 0.28; optional after, with tags. */
  user?: string;
  tags?: string[];
  /** When the key stops working (headscale treats a missing expiration as already expired). */
  expiration: Date;
  reusable?: boolean;
  ephemeral?: boolean;
}

/** A key to expire: its ID, and on 0.26–0.27 its user's ID (the key itself is looked up if not given). */
export interface PreAuthKeyRef {
  id: string;
  userId?: string;
  key?: string;
}

export interface HeadscaleNode {
  id: string;
  /** The hostname the node reported. */
  name: string;
  /** The name headscale gave it in DNS (may carry a suffix). */
  givenName: string;
  /** The owning user's name. */
  user: string | undefined;
  tags: string[];
}

export const SUPPORTED = '0.26–0.29';

/** The API shape for a configured release, or a ControlServerError for one demo-fleet does not speak. */
export function shapeForVersion(version: string, host: string): HeadscaleApiShape {
  const m = /^v?0\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.-]*)?$/.exec(version.trim());
  const minor = m ? Number(m[1]) : NaN;
  if (minor === 26 || minor === 27) return '0.26-0.27';
  if (minor === 28 || minor === 29) return '0.28+';
  throw new ControlServerError(
    `headscale (${host}): headscale ${version} is not supported: demo-fleet speaks the API of headscale ${SUPPORTED}; upgrade headscale or set the version to the release it runs`,
  );
}

const Obj = z.record(z.string(), z.unknown());

/**
 * The API shape a served description (headscale's own swagger file) describes, or why it is not one
 * demo-fleet speaks. Checks exactly the operations and fields the client uses.
 */
export function shapeFromDescription(doc: unknown): HeadscaleApiShape | { unsupported: string } {
  const parsed = z.object({ paths: Obj, definitions: Obj }).safeParse(doc);
  if (!parsed.success) return { unsupported: 'it is not a Swagger 2 description with paths and definitions' };
  const { paths, definitions } = parsed.data;
  const op = (p: string, method: string): boolean =>
    Obj.safeParse(paths[p]).success && (paths[p] as Record<string, unknown>)[method] !== undefined;
  const props = (name: string): Record<string, { type?: string; format?: string }> =>
    (definitions[name] as { properties?: Record<string, { type?: string; format?: string }> } | undefined)?.properties ?? {};
  for (const [p, m] of [
    ['/api/v1/preauthkey', 'post'],
    ['/api/v1/preauthkey/expire', 'post'],
    ['/api/v1/user', 'get'],
    ['/api/v1/node', 'get'],
    ['/api/v1/node/{nodeId}', 'delete'],
  ] as const) {
    if (!op(p, m)) return { unsupported: `it has no ${m.toUpperCase()} ${p}` };
  }
  const user = props('v1CreatePreAuthKeyRequest').user;
  if (!user) return { unsupported: 'its pre-auth key request has no `user`' };
  if (user.format !== 'uint64') return { unsupported: 'its pre-auth keys are made for a user *name* (headscale 0.25 or older)' };
  const expire = props('v1ExpirePreAuthKeyRequest');
  if (expire.id && op('/api/v1/preauthkey', 'delete')) return '0.28+';
  if (expire.user && expire.key) return '0.26-0.27';
  return { unsupported: 'its pre-auth key expire request is neither {user, key} nor {id}' };
}

const uint64 = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().transform(String)]);

const UsersSchema = z.object({ users: z.array(z.object({ id: uint64, name: z.string() })).nullish() });

const CreatedSchema = z.object({
  preAuthKey: z.object({
    id: uint64,
    key: z.string().min(1),
    expiration: z.string().nullish(),
    user: z.object({ id: uint64 }).nullish(),
  }),
});

const KeysSchema = z.object({ preAuthKeys: z.array(z.object({ id: uint64, key: z.string() })).nullish() });

const NodesSchema = z.object({
  nodes: z
    .array(
      z.object({
        id: uint64,
        name: z.string().default(''),
        givenName: z.string().default(''),
        user: z.object({ name: z.string() }).nullish(),
        // 0.28+: tags; 0.26–0.27: forcedTags / validTags.
        tags: z.array(z.string()).nullish(),
        forcedTags: z.array(z.string()).nullish(),
        validTags: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});

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

export class HeadscaleApi {
  readonly host: string;
  private readonly base: URL;
  private readonly apiKey: string;
  private readonly transport: Transport;
  private readonly configured: string | undefined;
  private readonly secrets = new Set<string>();
  private shapePromise: Promise<HeadscaleApiShape> | undefined;

  constructor(options: HeadscaleApiOptions) {
    this.base = new URL(options.baseUrl);
    this.host = this.base.host;
    this.apiKey = options.apiKey;
    this.configured = options.version;
    this.secrets.add(options.apiKey);
    this.transport = new Transport('headscale', this.host, () => [...this.secrets], options);
    // A configured version is checked at once: a wrong one fails before anything is sent.
    if (this.configured !== undefined) this.shapePromise = Promise.resolve(shapeForVersion(this.configured, this.host));
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const root = this.base.pathname.replace(/\/$/, '');
    const url = new URL(`${root}${path}`, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  private hints(call: string, notFound: string): Hints {
    return {
      unauthorized:
        'the API key is wrong, expired or revoked: make a new one (`headscale apikeys create --expiration 90d`) and configure it',
      forbidden: `something in front of headscale refused to ${call}: check the reverse proxy and the API key`,
      notFound,
      refused: 'headscale refused it: see its message above and the headscale log',
    };
  }

  private async call(spec: Omit<CallSpec, 'headers' | 'retryable'>): Promise<HttpResult> {
    return this.transport.request({ ...spec, headers: { authorization: `Bearer ${this.apiKey}` }, retryable });
  }

  /** The API shape the server speaks: configured, or read once from its served description. */
  shape(): Promise<HeadscaleApiShape> {
    this.shapePromise ??= this.detect().catch((err: unknown) => {
      this.shapePromise = undefined; // a failed detection may be retried by the next call
      throw err;
    });
    return this.shapePromise;
  }

  private async detect(): Promise<HeadscaleApiShape> {
    const call = 'read the API description it serves (to tell its version)';
    const setVersion = 'set the headscale version in the configuration (e.g. 0.28)';
    const result = await this.transport.request({
      call,
      method: 'GET',
      url: this.url('/swagger/v1/openapiv2.json'),
      hints: {
        unauthorized: `something in front of headscale wants credentials for /swagger: ${setVersion}`,
        forbidden: `something in front of headscale hides /swagger: ${setVersion}`,
        notFound: `no /swagger/v1/openapiv2.json here (a proxy that only passes /api?): check the URL, or ${setVersion}`,
      },
    });
    const doc = parseAnswer(this.transport, call, result, (b) => b);
    const shape = shapeFromDescription(doc);
    if (typeof shape === 'string') return shape;
    throw this.transport.error(
      call,
      `the server's API is not one demo-fleet speaks (${shape.unsupported})`,
      `demo-fleet supports headscale ${SUPPORTED}: upgrade headscale, or ${setVersion} if this is wrong`,
    );
  }

  /** The numeric ID of the user called `name`. */
  async userId(name: string): Promise<string> {
    const call = `look up user ${name}`;
    const result = await this.call({
      call,
      method: 'GET',
      url: this.url('/api/v1/user', { name }),
      hints: this.hints(call, 'no headscale API at this URL: check the server URL (the API is under /api/v1)'),
    });
    const users = parseAnswer(this.transport, call, result, (b) => UsersSchema.parse(b)).users ?? [];
    const user = users.find((u) => u.name === name);
    if (!user)
      throw this.transport.error(call, 'no such user', `create it (\`headscale users create ${name}\`) or configure an existing one`, 404);
    return user.id;
  }

  /** Mint a pre-auth key: single-use and not ephemeral unless asked otherwise. */
  async createPreAuthKey(request: PreAuthKeyRequest): Promise<MintedKey> {
    const call = 'create pre-auth key';
    const tags = request.tags ?? [];
    const bad = tags.find((t) => !/^tag:[A-Za-z0-9-]+$/.test(t));
    if (bad !== undefined) throw new UsageError(`pre-auth key tag ${JSON.stringify(bad)}: tags look like tag:demo`);
    if (Number.isNaN(request.expiration.getTime()) || request.expiration.getTime() <= this.transport.now()) {
      throw new UsageError('a pre-auth key needs an expiration in the future (headscale treats a missing one as already expired)');
    }
    const shape = await this.shape();
    if (request.user === undefined) {
      if (shape === '0.26-0.27') throw new UsageError('headscale 0.26–0.27 mint pre-auth keys for a user: configure one');
      if (tags.length === 0) throw new UsageError('a pre-auth key without a user must carry tags (e.g. tag:demo)');
    }
    const userId = request.user === undefined ? undefined : await this.userId(request.user);
    const result = await this.call({
      call,
      method: 'POST',
      url: this.url('/api/v1/preauthkey'),
      json: {
        ...(userId !== undefined ? { user: userId } : {}),
        reusable: request.reusable ?? false,
        ephemeral: request.ephemeral ?? false,
        expiration: request.expiration.toISOString(),
        aclTags: tags,
      },
      hints: this.hints(call, 'no headscale API at this URL: check the server URL (the API is under /api/v1)'),
    });
    const { preAuthKey } = parseAnswer(this.transport, call, result, (b) => CreatedSchema.parse(b));
    this.secrets.add(preAuthKey.key);
    return new MintedKey(preAuthKey.id, preAuthKey.key, answerDate(preAuthKey.expiration), preAuthKey.user?.id ?? userId);
  }

  /** Expire a pre-auth key so it can no longer register nodes (nodes it registered stay). */
  async expirePreAuthKey(ref: PreAuthKeyRef): Promise<void> {
    const call = `expire pre-auth key ${ref.id}`;
    const hints = this.hints(call, 'no such pre-auth key (deleted already?)');
    if ((await this.shape()) === '0.28+') {
      await this.call({ call, method: 'POST', url: this.url('/api/v1/preauthkey/expire'), json: { id: ref.id }, hints });
      return;
    }
    if (ref.userId === undefined)
      throw new UsageError(`headscale 0.26–0.27 expire a pre-auth key by its user: pass the key's userId (${ref.id})`);
    const key = ref.key ?? (await this.keyOf(ref.userId, ref.id, call));
    this.secrets.add(key);
    await this.call({ call, method: 'POST', url: this.url('/api/v1/preauthkey/expire'), json: { user: ref.userId, key }, hints });
  }

  /** 0.26–0.27 list a user's keys in full: the key of a given ID. */
  private async keyOf(userId: string, id: string, call: string): Promise<string> {
    const result = await this.call({
      call,
      method: 'GET',
      url: this.url('/api/v1/preauthkey', { user: userId }),
      hints: this.hints(call, `no user with ID ${userId}`),
    });
    const keys = parseAnswer(this.transport, call, result, (b) => KeysSchema.parse(b)).preAuthKeys ?? [];
    for (const k of keys) this.secrets.add(k.key);
    const found = keys.find((k) => k.id === id);
    if (!found)
      throw this.transport.error(
        call,
        `user ${userId} has no pre-auth key ${id}`,
        'it was deleted already, or belongs to another user',
        404,
      );
    return found.key;
  }

  /** Delete a pre-auth key (0.28+; older releases can only expire one). */
  async deletePreAuthKey(id: string): Promise<void> {
    const call = `delete pre-auth key ${id}`;
    if ((await this.shape()) !== '0.28+') {
      throw this.transport.error(
        call,
        'headscale 0.26–0.27 cannot delete pre-auth keys (DELETE /api/v1/preauthkey came in 0.28)',
        'expire it instead',
      );
    }
    await this.call({
      call,
      method: 'DELETE',
      url: this.url('/api/v1/preauthkey', { id }),
      hints: this.hints(call, 'no such pre-auth key (deleted already?)'),
    });
  }

  async listNodes(): Promise<HeadscaleNode[]> {
    const call = 'list nodes';
    const result = await this.call({
      call,
      method: 'GET',
      url: this.url('/api/v1/node'),
      hints: this.hints(call, 'no headscale API at this URL: check the server URL (the API is under /api/v1)'),
    });
    const nodes = parseAnswer(this.transport, call, result, (b) => NodesSchema.parse(b)).nodes ?? [];
    return nodes.map((n) => ({
      id: n.id,
      name: n.name,
      givenName: n.givenName,
      user: n.user?.name,
      tags: n.tags ?? [...new Set([...(n.forcedTags ?? []), ...(n.validTags ?? [])])],
    }));
  }

  /** Nodes whose reported hostname or given (DNS) name is `hostname` (case does not matter). */
  async findNodesByHostname(hostname: string): Promise<HeadscaleNode[]> {
    const want = hostname.toLowerCase();
    return (await this.listNodes()).filter((n) => n.name.toLowerCase() === want || n.givenName.toLowerCase() === want);
  }

  async deleteNode(id: string): Promise<void> {
    const call = `delete node ${id}`;
    if (!/^\d+$/.test(id)) throw new UsageError(`headscale node ID ${JSON.stringify(id)}: a number`);
    await this.call({
      call,
      method: 'DELETE',
      url: this.url(`/api/v1/node/${id}`),
      hints: this.hints(call, 'no such node (deleted already?)'),
    });
  }
}
