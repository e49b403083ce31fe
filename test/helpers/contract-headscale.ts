/**
 * A stateful fake of headscale's API (users, pre-auth keys, nodes) behind the contract server, per
 * release: the swagger file headscale ships at that tag (../shared/upstream/headscale-swagger/, read
 * through upstream.ts) is the description every request and answer is checked against.
 *
 * What the swagger files cannot say, taken from headscale's source at the same tags (see SOURCE.md):
 * - /api/* needs `Authorization: Bearer <api key>`; a missing or wrong key is answered by the HTTP auth
 *   middleware (hscontrol/app.go) with `401` and the plain text `Unauthorized`, before the gRPC gateway.
 * - Errors from the gRPC handlers arrive as a google.rpc.Status body (the swagger's `default` answer);
 *   a plain Go error (e.g. "user not found" from the database layer) becomes code 2 (Unknown), HTTP 500.
 * - Which fields a create request really needs (0.26–0.27: `user` must be an existing user's ID;
 *   0.28+: `user` may be left out for a tagged key) is in hscontrol/grpcv1.go, not in the swagger.
 * - headscale serves its own swagger file, unauthenticated, at /swagger/v1/openapiv2.json (swagger.go
 *   embeds gen/openapiv2/headscale/v1/headscale.swagger.json): the client reads it to tell versions apart.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  loadApiDocument,
  startContractServer,
  type ApiDocument,
  type ContractReply,
  type ContractRequest,
  type ContractServer,
} from './contract-server.js';
import { upstreamData, upstreamPath } from './upstream.js';

/** The release whose published description stands for each minor version. */
export const HEADSCALE_TAGS = { 25: 'v0.25.1', 26: 'v0.26.1', 27: 'v0.27.1', 28: 'v0.28.0', 29: 'v0.29.2' } as const;
export type HeadscaleMinor = keyof typeof HEADSCALE_TAGS;

const specFile = (minor: HeadscaleMinor) => `headscale-swagger/headscale-${HEADSCALE_TAGS[minor]}.swagger.json`;

/** Tests that talk to a headscale contract server skip (or fail under CI) without the published descriptions. */
export const HEADSCALE_UPSTREAM = upstreamData(...(Object.keys(HEADSCALE_TAGS).map(Number) as HeadscaleMinor[]).map(specFile));

export function headscaleSpecFile(minor: HeadscaleMinor): string {
  return upstreamPath(specFile(minor));
}

export interface FakeUser {
  id: number;
  name: string;
}

export interface FakePreAuthKey {
  id: number;
  key: string;
  /** 0.28+ keys: `hskey-auth-<prefix>-<secret>`, listed as `hskey-auth-<prefix>-***`. */
  prefix?: string;
  userId?: number;
  reusable: boolean;
  ephemeral: boolean;
  used: boolean;
  expiration: string;
  createdAt: string;
  aclTags: string[];
}

export interface FakeNode {
  id: number;
  /** The hostname the node reported. */
  name: string;
  /** The DNS name headscale gave it (may differ, e.g. a `-1` suffix on a clash). */
  givenName: string;
  userId: number;
  tags: string[];
}

const rpcCode = { Unknown: 2, InvalidArgument: 3, NotFound: 5 } as const;

function rpcError(status: number, code: number, message: string): ContractReply {
  return { status, body: { code, message, details: [] } };
}

export class FakeHeadscale {
  readonly minor: HeadscaleMinor;
  clock = Date.parse('2026-11-23T10:00:00Z');
  readonly now = (): number => this.clock;
  apiKeys = new Set<string>();
  users: FakeUser[] = [];
  keys: FakePreAuthKey[] = [];
  nodes: FakeNode[] = [];
  private nextKeyId = 1;
  private nextNodeId = 1;

  constructor(minor: HeadscaleMinor) {
    this.minor = minor;
  }

  /** 0.26–0.27 address pre-auth keys by user ID + key; 0.28+ by key ID. */
  get keyIdApi(): boolean {
    return this.minor >= 28;
  }

  addUser(name: string): FakeUser {
    const user = { id: this.users.length + 1, name };
    this.users.push(user);
    return user;
  }

  addNode(name: string, user: FakeUser, options: { givenName?: string; tags?: string[] } = {}): FakeNode {
    const node = { id: this.nextNodeId++, name, givenName: options.givenName ?? name, userId: user.id, tags: options.tags ?? [] };
    this.nodes.push(node);
    return node;
  }

  private iso(ms = this.clock): string {
    return new Date(ms).toISOString();
  }

  private userProto(id: number | undefined): Record<string, unknown> | undefined {
    const user = this.users.find((u) => u.id === id);
    if (!user) return undefined;
    return {
      id: String(user.id),
      name: user.name,
      createdAt: this.iso(),
      displayName: '',
      email: '',
      providerId: '',
      provider: '',
      profilePicUrl: '',
    };
  }

  private keyProto(k: FakePreAuthKey, reveal: boolean): Record<string, unknown> {
    const user = this.userProto(k.userId);
    return {
      // 0.25 and earlier carried the user's name here; 0.26+ carry the user object.
      ...(user ? { user } : {}),
      id: String(k.id),
      key: reveal || !k.prefix ? k.key : `hskey-auth-${k.prefix}-***`,
      reusable: k.reusable,
      ephemeral: k.ephemeral,
      used: k.used,
      expiration: k.expiration,
      createdAt: k.createdAt,
      aclTags: k.aclTags,
    };
  }

  private nodeProto(n: FakeNode): Record<string, unknown> {
    const tagFields = this.minor >= 28 ? { tags: n.tags } : { forcedTags: n.tags, invalidTags: [], validTags: n.tags };
    return {
      id: String(n.id),
      machineKey: `mkey:${randomBytes(8).toString('hex')}`,
      nodeKey: `nodekey:${randomBytes(8).toString('hex')}`,
      discoKey: `discokey:${randomBytes(8).toString('hex')}`,
      ipAddresses: [`100.64.0.${n.id}`],
      name: n.name,
      user: this.userProto(n.userId),
      lastSeen: this.iso(),
      createdAt: this.iso(),
      registerMethod: 'REGISTER_METHOD_AUTH_KEY',
      givenName: n.givenName,
      online: true,
      approvedRoutes: [],
      availableRoutes: [],
      subnetRoutes: [],
      ...tagFields,
    };
  }

  handlers(): Record<string, (req: ContractRequest) => ContractReply> {
    const userNotFound = rpcError(500, rpcCode.Unknown, 'user not found');
    return {
      HeadscaleService_ListUsers: (req) => {
        const name = req.query.name as string | undefined;
        const users = this.users.filter((u) => name === undefined || u.name === name);
        return { status: 200, body: { users: users.map((u) => this.userProto(u.id)) } };
      },

      HeadscaleService_CreatePreAuthKey: (req) => {
        const body = req.body as { user?: string; reusable?: boolean; ephemeral?: boolean; expiration?: string; aclTags?: string[] };
        const tags = body.aclTags ?? [];
        const bad = tags.find((t) => !t.startsWith('tag:'));
        if (bad) return rpcError(400, rpcCode.InvalidArgument, `tag "${bad}" must start with "tag:"`);
        let userId: number | undefined;
        if (this.minor >= 28 && (body.user === undefined || body.user === '0')) {
          if (tags.length === 0) return rpcError(500, rpcCode.Unknown, 'pre auth key must be either tagged or owned by user');
        } else {
          // 0.26–0.27 look the ID up whatever it is (0 included).
          userId = Number(body.user ?? 0);
          if (!this.users.some((u) => u.id === userId)) return userNotFound;
        }
        const id = this.nextKeyId++;
        const prefix = this.minor >= 28 ? randomBytes(6).toString('hex') : undefined;
        const key: FakePreAuthKey = {
          id,
          key: prefix ? `hskey-auth-${prefix}-${randomBytes(24).toString('hex')}` : randomBytes(24).toString('hex'),
          prefix,
          userId,
          reusable: body.reusable ?? false,
          ephemeral: body.ephemeral ?? false,
          used: false,
          // No expiration given: Go's zero time, i.e. already expired (0.26 grpcv1.go CreatePreAuthKey).
          expiration: body.expiration ?? '0001-01-01T00:00:00Z',
          createdAt: this.iso(),
          aclTags: tags,
        };
        this.keys.push(key);
        return { status: 200, body: { preAuthKey: this.keyProto(key, true) } };
      },

      HeadscaleService_ExpirePreAuthKey: (req) => {
        const body = req.body as { user?: string; key?: string; id?: string };
        let key: FakePreAuthKey | undefined;
        if (this.keyIdApi) {
          key = this.keys.find((k) => String(k.id) === body.id);
          if (!key) return rpcError(404, rpcCode.NotFound, 'PreAuthKey not found');
        } else {
          key = this.keys.find((k) => k.key === body.key);
          if (!key) return rpcError(500, rpcCode.Unknown, 'record not found');
          if (String(key.userId) !== body.user) return rpcError(500, rpcCode.Unknown, 'preauth key does not belong to user');
        }
        key.expiration = this.iso();
        return { status: 200, body: {} };
      },

      HeadscaleService_DeletePreAuthKey: (req) => {
        const i = this.keys.findIndex((k) => String(k.id) === String(req.query.id));
        if (i < 0) return rpcError(404, rpcCode.NotFound, 'PreAuthKey not found');
        this.keys.splice(i, 1);
        return { status: 200, body: {} };
      },

      HeadscaleService_ListPreAuthKeys: (req) => {
        if (this.keyIdApi) return { status: 200, body: { preAuthKeys: this.keys.map((k) => this.keyProto(k, false)) } };
        const userId = Number(req.query.user ?? 0);
        if (!this.users.some((u) => u.id === userId)) return userNotFound;
        return { status: 200, body: { preAuthKeys: this.keys.filter((k) => k.userId === userId).map((k) => this.keyProto(k, false)) } };
      },

      HeadscaleService_ListNodes: () => ({ status: 200, body: { nodes: this.nodes.map((n) => this.nodeProto(n)) } }),

      HeadscaleService_DeleteNode: (req) => {
        const i = this.nodes.findIndex((n) => n.id === Number(req.params.nodeId));
        if (i < 0)
          return this.minor >= 27 ? rpcError(404, rpcCode.NotFound, 'node not found') : rpcError(500, rpcCode.Unknown, 'record not found');
        this.nodes.splice(i, 1);
        return { status: 200, body: {} };
      },
    };
  }
}

const loaded = new Map<HeadscaleMinor, { doc: ApiDocument; text: string }>();

/** The published swagger file of a release: parsed (shared, so validators compile once) and as served. */
export function headscaleSpec(minor: HeadscaleMinor): { doc: ApiDocument; text: string } {
  let spec = loaded.get(minor);
  if (!spec) {
    const file = headscaleSpecFile(minor);
    spec = { doc: loadApiDocument(file), text: readFileSync(file, 'utf8') };
    loaded.set(minor, spec);
  }
  return spec;
}

export async function startHeadscaleContract(fake: FakeHeadscale, options: { serveSpec?: boolean } = {}): Promise<ContractServer> {
  const { doc, text: specText } = headscaleSpec(fake.minor);
  return startContractServer({
    documents: [doc],
    handlers: fake.handlers(),
    requireBearer: { source: 'hscontrol/app.go httpAuthenticationMiddleware (AuthPrefix "Bearer ")' },
    authorize: (token) => fake.apiKeys.has(token),
    unauthorized: () => ({
      status: 401,
      text: 'Unauthorized',
      outsideSpec: "headscale's HTTP auth middleware answers in plain text before the gRPC gateway (hscontrol/app.go)",
    }),
    errorBody: (status) => ({
      code: status === 404 ? rpcCode.NotFound : status >= 500 ? 14 : rpcCode.InvalidArgument,
      message: `injected ${status}`,
      details: [],
    }),
    rawRoutes: [
      {
        method: 'GET',
        path: '/swagger/v1/openapiv2.json',
        source: 'hscontrol/app.go route + swagger.go (go:embed gen/openapiv2/headscale/v1/headscale.swagger.json)',
        // serveSpec: false plays a reverse proxy that only passes /api through.
        reply: () =>
          options.serveSpec === false
            ? { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' }
            : { status: 200, contentType: 'application/json; charset=utf-8', body: specText },
      },
    ],
  });
}
