/**
 * The fleet's control server as `up` and `retire` use it, whichever it is: Tailscale (API access token
 * or OAuth client) or headscale (API key; the login server of the fleet). Built from the fleet file's
 * `keys:` block; the calls themselves are tailscale-*.ts and headscale-*.ts.
 *
 * What a minted key is: single use, pre-authorized, not ephemeral, expiring after `keys.expiry`
 * (default 1 h), with `keys.tags`; on Tailscale its description names fleet and event (at most 50
 * characters, as the API allows).
 */
import path from 'node:path';
import { ControlServerError } from '../errors.js';
import type { Fleet } from '../fleet/schema.js';
import { parseDuration } from '../util/duration.js';
import { readCredential } from './credentials.js';
import { HeadscaleApi } from './headscale-api.js';
import type { HttpOptions } from './http.js';
import type { MintedKey } from './minted.js';
import { authKeyDescription, TailscaleApi } from './tailscale-api.js';

/** A minted key as remembered until it is revoked: never the key itself. */
export interface KeyRef {
  id: string;
  /** headscale 0.26–0.27 expire a key by its user's ID. */
  userId?: string;
  /** When it expires on its own (ISO), if the server said. */
  expires?: string;
}

export interface ControlServer {
  /** "Tailscale (api.tailscale.com)" / "headscale (hs.example.com)", for messages. */
  readonly name: string;
  /** Mint the key for a new node of `event`. */
  mint(event: string): Promise<MintedKey>;
  /** Revoke (Tailscale) or expire (headscale) a key; `gone` when the server no longer has it. */
  revoke(ref: KeyRef, key?: string): Promise<'revoked' | 'gone'>;
  /** Whether a node's own stable ID (`tailscale status --json` Self.ID) is an ID this API deletes by. */
  isNodeId(id: string): boolean;
  /** IDs of the nodes called `hostname` (Tailscale: nodeId; headscale: the numeric ID). */
  nodeIdsByHostname(hostname: string): Promise<string[]>;
  /** Delete a node; `gone` when there is no such node (deleted already). */
  deleteNode(id: string): Promise<'deleted' | 'gone'>;
}

export function keyRef(key: MintedKey): KeyRef {
  return {
    id: key.id,
    ...(key.userId !== undefined ? { userId: key.userId } : {}),
    ...(key.expires ? { expires: key.expires.toISOString() } : {}),
  };
}

/** A 404 means the thing is gone already; anything else is the caller's to report. */
async function unlessGone<T extends string>(call: Promise<void>, done: T): Promise<T | 'gone'> {
  try {
    await call;
    return done;
  } catch (err) {
    if (err instanceof ControlServerError && err.status === 404) return 'gone';
    throw err;
  }
}

/** The key's description on Tailscale: fleet and event, cut to what the API takes. */
export function keyDescription(fleetName: string, event: string): string {
  return authKeyDescription(`demo-fleet ${fleetName} ${event}`);
}

/**
 * The fleet's control server, or null when the fleet file has no `keys:` block (then nothing is minted
 * and nodes log in with their `authKey`, or interactively). Reads the credentials now: a missing one is
 * a UsageError before anything changes.
 */
export async function controlServer(fleet: Fleet, fleetFile: string, http: HttpOptions = {}): Promise<ControlServer | null> {
  const keys = fleet.keys;
  if (!keys) return null;
  const fleetDir = path.dirname(path.resolve(fleetFile));
  const expiryMs = Math.max(1000, parseDuration(keys.expiry));
  const now = http.now ?? Date.now;

  if (fleet.loginServer) {
    const api = new HeadscaleApi({
      ...http,
      baseUrl: keys.apiUrl ?? fleet.loginServer,
      apiKey: await readCredential('keys.apiKey', keys.apiKey!, fleetDir),
      version: keys.headscaleVersion,
    });
    return {
      name: `headscale (${api.host})`,
      mint: () => api.createPreAuthKey({ user: keys.user, tags: keys.tags, expiration: new Date(now() + expiryMs) }),
      revoke: (ref, key) => unlessGone(api.expirePreAuthKey({ id: ref.id, userId: ref.userId, key }), 'revoked'),
      // headscale's stable node ID is its numeric ID (hscontrol: StableID = strconv of the ID)
      isNodeId: (id) => /^\d+$/.test(id),
      nodeIdsByHostname: async (hostname) => (await api.findNodesByHostname(hostname)).map((n) => n.id),
      deleteNode: (id) => unlessGone(api.deleteNode(id), 'deleted'),
    };
  }

  const auth = keys.oauthClient
    ? {
        oauthClientId: keys.oauthClient.id,
        oauthClientSecret: await readCredential('keys.oauthClient.secret', keys.oauthClient.secret, fleetDir),
      }
    : { apiToken: await readCredential('keys.apiToken', keys.apiToken!, fleetDir) };
  const api = new TailscaleApi({ ...http, auth, baseUrl: keys.apiUrl, tailnet: keys.tailnet });
  return {
    name: `Tailscale (${api.host})`,
    mint: (event) =>
      api.createAuthKey({
        tags: keys.tags,
        expirySeconds: Math.ceil(expiryMs / 1000),
        description: keyDescription(fleet.name, event),
        reusable: false,
        ephemeral: false,
        preauthorized: true,
      }),
    revoke: (ref) => unlessGone(api.deleteAuthKey(ref.id), 'revoked'),
    isNodeId: (id) => id !== '',
    nodeIdsByHostname: async (hostname) => (await api.findDevicesByHostname(hostname)).map((d) => d.nodeId),
    deleteNode: (id) => unlessGone(api.deleteDevice(id), 'deleted'),
  };
}
