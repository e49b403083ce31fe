/**
 * Tailscale auth keys: mint one per new event node, revoke it afterwards (createKey, deleteKey in
 * the published tailscale-v2-openapi.yaml). Keys minted through an OAuth client must carry tags the
 * client owns; the client needs the `auth_keys` scope. The minted key goes to the caller only and is
 * redacted when the returned object is printed or serialised.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { parseAnswer } from './http.js';
import { answerDate, MintedKey } from './minted.js';
import type { TailscaleConnection } from './tailscale-connection.js';

export interface AuthKeyRequest {
  /** Tags for the node (required with OAuth: the client must own them). */
  tags?: string[];
  /** Seconds until the key expires (the API's default is 90 days; pass something short). */
  expirySeconds: number;
  /** At most 50 characters: letters, digits, spaces and hyphens (see authKeyDescription). */
  description?: string;
  reusable?: boolean;
  ephemeral?: boolean;
  preauthorized?: boolean;
}

const DESCRIPTION = /^[A-Za-z0-9 -]{0,50}$/;

/**
 * A description the API accepts ("a maximum of 50 alphanumeric characters. Hyphens and spaces are also
 * allowed"): other characters become hyphens, the rest is cut at 50.
 */
export function authKeyDescription(text: string): string {
  return text.replace(/[^A-Za-z0-9 -]/g, '-').slice(0, 50);
}

const KeySchema = z.object({
  id: z.string().min(1),
  key: z.string().min(1),
  expires: z.string().optional(),
});

/** Mint an auth key: single-use, not ephemeral and pre-authorized unless asked otherwise. */
export async function createAuthKey(conn: TailscaleConnection, request: AuthKeyRequest): Promise<MintedKey> {
  const call = 'create auth key';
  const tags = request.tags ?? [];
  if (request.description !== undefined && !DESCRIPTION.test(request.description)) {
    throw new UsageError(
      `auth key description ${JSON.stringify(request.description)}: the Tailscale API takes at most 50 letters, digits, spaces and hyphens`,
    );
  }
  if (!Number.isInteger(request.expirySeconds) || request.expirySeconds <= 0) {
    throw new UsageError(`auth key expiry ${request.expirySeconds}: a positive number of seconds`);
  }
  if (conn.oauth && tags.length === 0) {
    throw new UsageError('an auth key minted through an OAuth client must carry tags (e.g. tag:demo) that the client owns');
  }
  const result = await conn.call({
    call,
    method: 'POST',
    url: conn.url('tailnet', conn.tailnet, 'keys'),
    json: {
      keyType: 'auth',
      capabilities: {
        devices: {
          create: {
            reusable: request.reusable ?? false,
            ephemeral: request.ephemeral ?? false,
            preauthorized: request.preauthorized ?? true,
            tags,
          },
        },
      },
      expirySeconds: request.expirySeconds,
      ...(request.description !== undefined ? { description: request.description } : {}),
    },
    hints: conn.hints(
      call,
      'auth_keys',
      conn.noTailnet(),
      tags.length ? ` and own the tags ${tags.join(', ')} (tagOwners in the policy file)` : '',
    ),
  });
  const key = parseAnswer(conn.transport, call, result, (b) => KeySchema.parse(b));
  conn.secrets.add(key.key);
  return new MintedKey(key.id, key.key, answerDate(key.expires));
}

/** Revoke an auth key (devices that registered with it stay). */
export async function deleteAuthKey(conn: TailscaleConnection, id: string): Promise<void> {
  const call = `delete auth key ${id}`;
  await conn.call({
    call,
    method: 'DELETE',
    url: conn.url('tailnet', conn.tailnet, 'keys', id),
    hints: conn.hints(call, 'auth_keys', 'no such key (revoked already?)'),
  });
}
