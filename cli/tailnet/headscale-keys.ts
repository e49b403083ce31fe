/**
 * headscale pre-auth keys: mint one per new event node, expire (0.28+: delete) them afterwards, and the
 * user lookup minting needs before 0.28. Where the API shapes differ, see headscale-version.ts.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { tagProblem } from '../fleet/tags.js';
import { type HeadscaleConnection, NO_API, uint64 } from './headscale-connection.js';
import { parseAnswer } from './http.js';
import { answerDate, MintedKey } from './minted.js';

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

/** The numeric ID of the user called `name`. */
export async function userId(conn: HeadscaleConnection, name: string): Promise<string> {
  const call = `look up user ${name}`;
  const result = await conn.call({ call, method: 'GET', url: conn.url('/api/v1/user', { name }), hints: conn.hints(call, NO_API) });
  const users = parseAnswer(conn.transport, call, result, (b) => UsersSchema.parse(b)).users ?? [];
  const user = users.find((u) => u.name === name);
  if (!user)
    throw conn.transport.error(call, 'no such user', `create it (\`headscale users create ${name}\`) or configure an existing one`, 404);
  return user.id;
}

/** Mint a pre-auth key: single-use and not ephemeral unless asked otherwise. */
export async function createPreAuthKey(conn: HeadscaleConnection, request: PreAuthKeyRequest): Promise<MintedKey> {
  const call = 'create pre-auth key';
  const tags = request.tags ?? [];
  const problem = tags.map((t) => tagProblem(t, true)).find((p) => p !== undefined);
  if (problem !== undefined) throw new UsageError(`pre-auth key tag ${problem}`);
  if (Number.isNaN(request.expiration.getTime()) || request.expiration.getTime() <= conn.transport.now()) {
    throw new UsageError('a pre-auth key needs an expiration in the future (headscale treats a missing one as already expired)');
  }
  const shape = await conn.shape();
  if (request.user === undefined) {
    if (shape === '0.26-0.27') throw new UsageError('headscale 0.26–0.27 mint pre-auth keys for a user: configure one');
    if (tags.length === 0) throw new UsageError('a pre-auth key without a user must carry tags (e.g. tag:demo)');
  }
  const user = request.user === undefined ? undefined : await userId(conn, request.user);
  const result = await conn.call({
    call,
    method: 'POST',
    url: conn.url('/api/v1/preauthkey'),
    json: {
      ...(user !== undefined ? { user } : {}),
      reusable: request.reusable ?? false,
      ephemeral: request.ephemeral ?? false,
      expiration: request.expiration.toISOString(),
      aclTags: tags,
    },
    hints: conn.hints(call, NO_API),
  });
  const { preAuthKey } = parseAnswer(conn.transport, call, result, (b) => CreatedSchema.parse(b));
  conn.secrets.add(preAuthKey.key);
  return new MintedKey(preAuthKey.id, preAuthKey.key, answerDate(preAuthKey.expiration), preAuthKey.user?.id ?? user);
}

/** Expire a pre-auth key so it can no longer register nodes (nodes it registered stay). */
export async function expirePreAuthKey(conn: HeadscaleConnection, ref: PreAuthKeyRef): Promise<void> {
  const call = `expire pre-auth key ${ref.id}`;
  const hints = conn.hints(call, 'no such pre-auth key (deleted already?)');
  if ((await conn.shape()) === '0.28+') {
    await conn.call({ call, method: 'POST', url: conn.url('/api/v1/preauthkey/expire'), json: { id: ref.id }, hints });
    return;
  }
  if (ref.userId === undefined)
    throw new UsageError(`headscale 0.26–0.27 expire a pre-auth key by its user: pass the key's userId (${ref.id})`);
  const key = ref.key ?? (await keyOf(conn, ref.userId, ref.id, call));
  conn.secrets.add(key);
  await conn.call({ call, method: 'POST', url: conn.url('/api/v1/preauthkey/expire'), json: { user: ref.userId, key }, hints });
}

/** 0.26–0.27 list a user's keys in full: the key of a given ID. */
async function keyOf(conn: HeadscaleConnection, userId: string, id: string, call: string): Promise<string> {
  const result = await conn.call({
    call,
    method: 'GET',
    url: conn.url('/api/v1/preauthkey', { user: userId }),
    hints: conn.hints(call, `no user with ID ${userId}`),
  });
  const keys = parseAnswer(conn.transport, call, result, (b) => KeysSchema.parse(b)).preAuthKeys ?? [];
  for (const k of keys) conn.secrets.add(k.key);
  const found = keys.find((k) => k.id === id);
  if (!found)
    throw conn.transport.error(call, `user ${userId} has no pre-auth key ${id}`, 'it was deleted already, or belongs to another user', 404);
  return found.key;
}

/** Delete a pre-auth key (0.28+; older releases can only expire one). */
export async function deletePreAuthKey(conn: HeadscaleConnection, id: string): Promise<void> {
  const call = `delete pre-auth key ${id}`;
  if ((await conn.shape()) !== '0.28+') {
    throw conn.transport.error(
      call,
      'headscale 0.26–0.27 cannot delete pre-auth keys (DELETE /api/v1/preauthkey came in 0.28)',
      'expire it instead',
    );
  }
  await conn.call({
    call,
    method: 'DELETE',
    url: conn.url('/api/v1/preauthkey', { id }),
    hints: conn.hints(call, 'no such pre-auth key (deleted already?)'),
  });
}
