/**
 * The Tailscale API (api.tailscale.com/api/v2), the part demo-fleet needs: mint one auth key per new
 * event node, revoke keys, find devices by hostname, delete devices after the conference.
 *
 * Auth: an API access token (`tskey-api-…`, sent as a Bearer token), or an OAuth client whose ID and
 * secret are exchanged at POST /api/v2/oauth/token (client credentials grant) for an access token that is
 * cached until shortly before it expires. Keys minted through an OAuth client must carry tags the client
 * owns; the client needs the `auth_keys` scope to mint/revoke keys and `devices:core` to list/delete
 * devices.
 *
 * Shapes follow the published description (tailscale-v2-openapi.yaml; see test/fixtures/api/SOURCE.md): createKey,
 * deleteKey, listTailnetDevices, deleteDevice. The minted key goes to the caller only and is redacted when
 * the returned object is printed or serialised.
 *
 * The calls: tailscale-keys.ts, tailscale-devices.ts; what they share (URL, tailnet, token, transport,
 * secrets): tailscale-connection.ts.
 */
import type { MintedKey } from './minted.js';
import { TailscaleConnection, type TailscaleApiOptions } from './tailscale-connection.js';
import { deleteDevice, findDevicesByHostname, listDevices, type TailscaleDevice } from './tailscale-devices.js';
import { type AuthKeyRequest, createAuthKey, deleteAuthKey } from './tailscale-keys.js';

export { MintedKey } from './minted.js';
export { TAILSCALE_API, type TailscaleApiOptions, type TailscaleAuth } from './tailscale-connection.js';
export type { TailscaleDevice } from './tailscale-devices.js';
export { type AuthKeyRequest, authKeyDescription } from './tailscale-keys.js';

export class TailscaleApi {
  readonly host: string;
  private readonly conn: TailscaleConnection;

  constructor(options: TailscaleApiOptions) {
    this.conn = new TailscaleConnection(options);
    this.host = this.conn.host;
  }

  /** Mint an auth key: single-use, not ephemeral and pre-authorized unless asked otherwise. */
  createAuthKey(request: AuthKeyRequest): Promise<MintedKey> {
    return createAuthKey(this.conn, request);
  }

  /** Revoke an auth key (devices that registered with it stay). */
  deleteAuthKey(id: string): Promise<void> {
    return deleteAuthKey(this.conn, id);
  }

  listDevices(): Promise<TailscaleDevice[]> {
    return listDevices(this.conn);
  }

  /**
   * Devices whose machine name, or the first label of whose MagicDNS name, is `hostname` (case does not
   * matter). A re-registered node may be named `<hostname>-1`: that is a different name, not a match.
   */
  findDevicesByHostname(hostname: string): Promise<TailscaleDevice[]> {
    return findDevicesByHostname(this.conn, hostname);
  }

  /** Delete a device by its nodeId (or legacy numeric id). */
  deleteDevice(id: string): Promise<void> {
    return deleteDevice(this.conn, id);
  }
}
