/** headscale nodes: list them, find an event's node by hostname, delete one after the conference. */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { type HeadscaleConnection, NO_API, uint64 } from './headscale-connection.js';
import { parseAnswer } from './http.js';

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

export async function listNodes(conn: HeadscaleConnection): Promise<HeadscaleNode[]> {
  const call = 'list nodes';
  const result = await conn.call({ call, method: 'GET', url: conn.url('/api/v1/node'), hints: conn.hints(call, NO_API) });
  const nodes = parseAnswer(conn.transport, call, result, (b) => NodesSchema.parse(b)).nodes ?? [];
  return nodes.map((n) => ({
    id: n.id,
    name: n.name,
    givenName: n.givenName,
    user: n.user?.name,
    tags: n.tags ?? [...new Set([...(n.forcedTags ?? []), ...(n.validTags ?? [])])],
  }));
}

/** Nodes whose reported hostname or given (DNS) name is `hostname` (case does not matter). */
export async function findNodesByHostname(conn: HeadscaleConnection, hostname: string): Promise<HeadscaleNode[]> {
  const want = hostname.toLowerCase();
  return (await listNodes(conn)).filter((n) => n.name.toLowerCase() === want || n.givenName.toLowerCase() === want);
}

export async function deleteNode(conn: HeadscaleConnection, id: string): Promise<void> {
  const call = `delete node ${id}`;
  if (!/^\d+$/.test(id)) throw new UsageError(`headscale node ID ${JSON.stringify(id)}: a number`);
  await conn.call({
    call,
    method: 'DELETE',
    url: conn.url(`/api/v1/node/${id}`),
    hints: conn.hints(call, 'no such node (deleted already?)'),
  });
}
