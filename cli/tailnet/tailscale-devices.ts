/**
 * Tailscale devices: list them, find an event's node by hostname, delete one after the conference
 * (listTailnetDevices, deleteDevice in the published tailscale-v2-openapi.yaml; see test/fixtures/api/SOURCE.md). An OAuth client needs
 * the `devices:core` scope.
 */
import * as z from 'zod';
import { parseAnswer } from './http.js';
import type { TailscaleConnection } from './tailscale-connection.js';

export interface TailscaleDevice {
  /** The legacy numeric ID. */
  id: string;
  /** The preferred ID (what deleteDevice uses). */
  nodeId: string;
  /** MagicDNS name, e.g. `berlin2026.tail1234.ts.net`. */
  name: string;
  /** The machine name in the admin console. */
  hostname: string;
  tags: string[];
}

const DevicesSchema = z.object({
  devices: z
    .array(
      z.object({
        id: z.string().default(''),
        nodeId: z.string().min(1),
        name: z.string().default(''),
        hostname: z.string().default(''),
        tags: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});

export async function listDevices(conn: TailscaleConnection): Promise<TailscaleDevice[]> {
  const call = 'list devices';
  const result = await conn.call({
    call,
    method: 'GET',
    url: conn.url('tailnet', conn.tailnet, 'devices'),
    hints: conn.hints(call, 'devices:core:read', conn.noTailnet()),
  });
  const answer = parseAnswer(conn.transport, call, result, (b) => DevicesSchema.parse(b));
  return (answer.devices ?? []).map((d) => ({ id: d.id, nodeId: d.nodeId, name: d.name, hostname: d.hostname, tags: d.tags ?? [] }));
}

/**
 * Devices whose machine name, or the first label of whose MagicDNS name, is `hostname` (case does not
 * matter). A re-registered node may be named `<hostname>-1`: that is a different name, not a match.
 */
export async function findDevicesByHostname(conn: TailscaleConnection, hostname: string): Promise<TailscaleDevice[]> {
  const want = hostname.toLowerCase();
  return (await listDevices(conn)).filter((d) => d.hostname.toLowerCase() === want || d.name.toLowerCase().split('.')[0] === want);
}

/** Delete a device by its nodeId (or legacy numeric id). */
export async function deleteDevice(conn: TailscaleConnection, id: string): Promise<void> {
  const call = `delete device ${id}`;
  await conn.call({
    call,
    method: 'DELETE',
    url: conn.url('device', id),
    hints: conn.hints(call, 'devices:core', 'no such device (deleted already?)'),
  });
}
