/**
 * A stateful fake of the Tailscale API (api.tailscale.com) behind the contract server: API access
 * tokens, OAuth clients and the access tokens they exchange for (with scopes, tags and an expiry on a
 * clock the test controls), auth keys, devices.
 *
 * The API description is the published tailscale-v2-openapi.yaml, read from ../shared/upstream/
 * (upstream.ts). It does not describe the OAuth token endpoint, so
 * test/fixtures/api/tailscale-oauth-token.openapi.yaml (written for these tests from RFC 6749 §4.4/§5 and
 * tailscale-client-go-v2 oauth.go, see SOURCE.md) supplements it.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  type ApiDocument,
  loadApiDocument,
  startContractServer,
  type ContractReply,
  type ContractRequest,
  type ContractServer,
} from './contract-server.js';
import { upstreamData, upstreamPath } from './upstream.js';

const SPEC_FILE = 'tailscale-client-go-v2/tailscale-v2-openapi.yaml';

/** Tests that talk to the Tailscale contract server skip (or fail under CI) without the published description. */
export const TAILSCALE_UPSTREAM = upstreamData(SPEC_FILE);

let spec: ApiDocument | undefined;
/** The published API description, parsed once. */
export function tailscaleSpec(): ApiDocument {
  spec ??= loadApiDocument(upstreamPath(SPEC_FILE));
  return spec;
}
const OAUTH_SUPPLEMENT = loadApiDocument(path.resolve(import.meta.dirname, '../fixtures/api/tailscale-oauth-token.openapi.yaml'));

export interface FakeOAuthClient {
  secret: string;
  scopes: string[];
  /** Tags the client owns: keys it mints must carry only these. */
  tags: string[];
}

export interface FakeKey {
  id: string;
  key: string;
  created: string;
  expires: string;
  description?: string;
  tags: string[];
  reusable: boolean;
  ephemeral: boolean;
  preauthorized: boolean;
}

export interface FakeDevice {
  id: string;
  nodeId: string;
  name: string;
  hostname: string;
  tags: string[];
}

interface Principal {
  kind: 'user' | 'oauth';
  scopes: string[];
  tags: string[];
}

const rand = (n: number): string => randomBytes(n).toString('hex');

export class FakeTailscale {
  /** Milliseconds since the epoch, as the fake sees it (share it with the client's `now`). */
  clock = Date.parse('2026-11-23T10:00:00Z');
  readonly now = (): number => this.clock;
  apiTokens = new Set<string>();
  oauthClients = new Map<string, FakeOAuthClient>();
  /** Access tokens handed out by the OAuth endpoint. */
  issued = new Map<string, { clientId: string; expiresAt: number; scopes: string[]; tags: string[] }>();
  tokenLifetimeSeconds = 3600;
  exchanges = 0;
  keys = new Map<string, FakeKey>();
  devices: FakeDevice[] = [];

  addDevice(hostname: string, tags: string[] = ['tag:demo']): FakeDevice {
    const n = this.devices.length + 1;
    const device = {
      id: String(90000000000 + n),
      nodeId: `n${rand(4)}CNTRL`,
      name: `${hostname}.tail1234.ts.net`,
      hostname,
      tags,
    };
    this.devices.push(device);
    return device;
  }

  principal(token: string): Principal | undefined {
    if (this.apiTokens.has(token)) return { kind: 'user', scopes: ['all'], tags: [] };
    const t = this.issued.get(token);
    if (t && t.expiresAt > this.clock) return { kind: 'oauth', scopes: t.scopes, tags: t.tags };
    return undefined;
  }

  /** `all` grants everything, `x:read` only reads, `x` reads and writes (Tailscale's scope rules). */
  private allows(p: Principal, scope: string, write: boolean): boolean {
    return p.scopes.some((s) => s === 'all' || s === scope || (!write && (s === 'all:read' || s === `${scope}:read`)));
  }

  private forbidden(message: string): ContractReply {
    return { status: 403, body: { message } };
  }

  handlers(): Record<string, (req: ContractRequest) => ContractReply> {
    return {
      exchangeOAuthClientCredentials: (req) => {
        const form = req.body as Record<string, string>;
        const client = this.oauthClients.get(form.client_id ?? '');
        if (!client || client.secret !== form.client_secret) {
          return { status: 401, body: { error: 'invalid_client', error_description: 'unknown client or wrong secret' } };
        }
        this.exchanges += 1;
        const requested = form.scope ? form.scope.split(' ') : client.scopes;
        if (requested.some((s) => !client.scopes.includes(s))) return { status: 400, body: { error: 'invalid_scope' } };
        const token = `tskey-api-${rand(6)}-${rand(16)}`;
        this.issued.set(token, {
          clientId: form.client_id!,
          expiresAt: this.clock + this.tokenLifetimeSeconds * 1000,
          scopes: requested,
          tags: client.tags,
        });
        return {
          status: 200,
          body: { access_token: token, token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds, scope: requested.join(' ') },
        };
      },

      createKey: (req) => {
        const p = this.principal(req.token!)!;
        const body = req.body as {
          keyType?: string;
          description?: string;
          expirySeconds?: number;
          capabilities?: { devices?: { create?: { reusable?: boolean; ephemeral?: boolean; preauthorized?: boolean; tags?: string[] } } };
        };
        // Rules the description states in prose, not in the schema.
        if (body.description !== undefined && !/^[A-Za-z0-9 -]{0,50}$/.test(body.description)) {
          req.violate(
            `description ${JSON.stringify(body.description)}: "a maximum of 50 alphanumeric characters. Hyphens and spaces are also allowed."`,
          );
        }
        if ((body.keyType ?? 'auth') === 'auth' && body.capabilities?.devices === undefined) {
          req.violate('an auth key request "must have a `capabilities` object with a `devices` object"');
        }
        if (!this.allows(p, 'auth_keys', true))
          return this.forbidden('calling actor does not have enough permissions to perform this function');
        const create = body.capabilities?.devices?.create ?? {};
        const tags = create.tags ?? [];
        if (p.kind === 'oauth') {
          if (tags.length === 0) return { status: 400, body: { message: 'auth keys created with an OAuth client must have tags' } };
          const notOwned = tags.filter((t) => !p.tags.includes(t));
          if (notOwned.length > 0) return this.forbidden(`requested tags [${notOwned.join(', ')}] are invalid or not permitted`);
        }
        const id = `k${rand(5)}CNTRL`;
        const expirySeconds = body.expirySeconds ?? 90 * 86400;
        const key: FakeKey = {
          id,
          key: `tskey-auth-${id}-${rand(16)}`,
          created: new Date(this.clock).toISOString(),
          expires: new Date(this.clock + expirySeconds * 1000).toISOString(),
          description: body.description,
          tags,
          reusable: create.reusable ?? false,
          ephemeral: create.ephemeral ?? false,
          preauthorized: create.preauthorized ?? false,
        };
        this.keys.set(id, key);
        return {
          status: 200,
          body: {
            id,
            key: key.key,
            keyType: 'auth',
            created: key.created,
            expires: key.expires,
            expirySeconds,
            capabilities: {
              devices: { create: { reusable: key.reusable, ephemeral: key.ephemeral, preauthorized: key.preauthorized, tags } },
            },
            ...(key.description !== undefined ? { description: key.description } : {}),
            invalid: false,
            userId: p.kind === 'user' ? 'uFake11DEVEL' : '',
          },
        };
      },

      deleteKey: (req) => {
        const p = this.principal(req.token!)!;
        if (!this.allows(p, 'auth_keys', true))
          return this.forbidden('calling actor does not have enough permissions to perform this function');
        if (!this.keys.delete(String(req.params.keyId))) return { status: 404, body: { message: 'key not found' } };
        return { status: 200 };
      },

      listTailnetDevices: (req) => {
        const p = this.principal(req.token!)!;
        if (!this.allows(p, 'devices:core', false))
          return this.forbidden('calling actor does not have enough permissions to perform this function');
        return {
          status: 200,
          body: {
            devices: this.devices.map((d) => ({
              addresses: ['100.64.0.1'],
              id: d.id,
              nodeId: d.nodeId,
              user: 'tagged-devices',
              name: d.name,
              hostname: d.hostname,
              clientVersion: '1.90.0',
              updateAvailable: false,
              os: 'linux',
              created: new Date(this.clock).toISOString(),
              lastSeen: new Date(this.clock).toISOString(),
              connectedToControl: false,
              keyExpiryDisabled: true,
              expires: '0001-01-01T00:00:00Z',
              authorized: true,
              isExternal: false,
              machineKey: '',
              nodeKey: `nodekey:${rand(8)}`,
              blocksIncomingConnections: false,
              tags: d.tags,
              tailnetLockKey: '',
              tailnetLockError: '',
              isEphemeral: false,
            })),
          },
        };
      },

      deleteDevice: (req) => {
        const p = this.principal(req.token!)!;
        if (!this.allows(p, 'devices:core', true))
          return this.forbidden('calling actor does not have enough permissions to perform this function');
        const id = String(req.params.deviceId);
        const i = this.devices.findIndex((d) => d.nodeId === id || d.id === id);
        if (i < 0) return { status: 404, body: { message: 'device not found' } };
        this.devices.splice(i, 1);
        return { status: 200 };
      },
    };
  }
}

export async function startTailscaleContract(fake: FakeTailscale): Promise<ContractServer> {
  return startContractServer({
    documents: [tailscaleSpec(), OAUTH_SUPPLEMENT],
    handlers: fake.handlers(),
    authorize: (token) => fake.principal(token) !== undefined,
    unauthorized: () => ({ status: 401, body: { message: 'API token invalid' } }),
    errorBody: (status, operationId) =>
      operationId === 'exchangeOAuthClientCredentials' && (status === 400 || status === 401)
        ? { error: 'invalid_client' }
        : { message: `injected ${status}` },
  });
}
