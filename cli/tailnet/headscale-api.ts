/**
 * headscale's REST API (the gRPC gateway under /api/v1), the part demo-fleet needs: mint one pre-auth
 * key per new event node, expire (0.28+: delete) keys, find nodes by hostname, delete nodes.
 *
 * Auth: `Authorization: Bearer <api key>` (`headscale apikeys create`; `hskey-api-…` since 0.28).
 *
 * The client speaks the API of headscale 0.26–0.29, whose releases differ in how keys are made and
 * expired; which shape a server speaks is configured or read from the description it serves
 * (headscale-version.ts). The calls themselves: headscale-keys.ts, headscale-nodes.ts; what they share
 * (URL, API key, transport, secrets, shape): headscale-connection.ts.
 */
import { HeadscaleConnection, type HeadscaleApiOptions } from './headscale-connection.js';
import {
  createPreAuthKey,
  deletePreAuthKey,
  expirePreAuthKey,
  type PreAuthKeyRef,
  type PreAuthKeyRequest,
  userId,
} from './headscale-keys.js';
import { deleteNode, findNodesByHostname, type HeadscaleNode, listNodes } from './headscale-nodes.js';
import type { HeadscaleApiShape } from './headscale-version.js';
import type { MintedKey } from './minted.js';

export type { HeadscaleApiOptions } from './headscale-connection.js';
export type { PreAuthKeyRef, PreAuthKeyRequest } from './headscale-keys.js';
export type { HeadscaleNode } from './headscale-nodes.js';
export { type HeadscaleApiShape, SUPPORTED, shapeForVersion, shapeFromDescription } from './headscale-version.js';
export { MintedKey } from './minted.js';

export class HeadscaleApi {
  readonly host: string;
  private readonly conn: HeadscaleConnection;

  constructor(options: HeadscaleApiOptions) {
    this.conn = new HeadscaleConnection(options);
    this.host = this.conn.host;
  }

  /** The API shape the server speaks: configured, or read once from its served description. */
  shape(): Promise<HeadscaleApiShape> {
    return this.conn.shape();
  }

  /** The numeric ID of the user called `name`. */
  userId(name: string): Promise<string> {
    return userId(this.conn, name);
  }

  /** Mint a pre-auth key: single-use and not ephemeral unless asked otherwise. */
  createPreAuthKey(request: PreAuthKeyRequest): Promise<MintedKey> {
    return createPreAuthKey(this.conn, request);
  }

  /** Expire a pre-auth key so it can no longer register nodes (nodes it registered stay). */
  expirePreAuthKey(ref: PreAuthKeyRef): Promise<void> {
    return expirePreAuthKey(this.conn, ref);
  }

  /** Delete a pre-auth key (0.28+; older releases can only expire one). */
  deletePreAuthKey(id: string): Promise<void> {
    return deletePreAuthKey(this.conn, id);
  }

  listNodes(): Promise<HeadscaleNode[]> {
    return listNodes(this.conn);
  }

  /** Nodes whose reported hostname or given (DNS) name is `hostname` (case does not matter). */
  findNodesByHostname(hostname: string): Promise<HeadscaleNode[]> {
    return findNodesByHostname(this.conn, hostname);
  }

  deleteNode(id: string): Promise<void> {
    return deleteNode(this.conn, id);
  }
}
