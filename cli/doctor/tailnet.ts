/**
 * `doctor`: each existing node's tailnet prerequisites as the node itself reports them (status's
 * one exec per running container): a pending login or a tailnet setting to change (HTTPS certificates,
 * the funnel attribute) is something only a person can fix, and `up` would stop at it (exit 9).
 */
import { fleetStatus } from '../deploy/status.js';
import type { Runtime } from '../targets/target.js';
import { fleetOwner } from '../fleet/identity.js';
import type { Fleet } from '../fleet/schema.js';
import { ok, warn, type Finding } from '../finding.js';

export async function checkTailnet(runtime: Runtime, fleet: Fleet, fleetFile: string): Promise<Finding[]> {
  const rows = (await fleetStatus(runtime, fleet, fleetOwner(fleet, fleetFile))).events.filter((r) => r.inFleet);
  return rows.map((r): Finding => {
    if (r.state === 'missing') return ok('tailnet', `event ${r.event}: no container yet (up creates it)`);
    if (r.state === 'foreign')
      return warn(
        'tailnet',
        `event ${r.event}: ${r.container} is not a container of this fleet`,
        `give this fleet another \`name:\` in the fleet file, or have its owner free the name (demo-fleet never removes a container it did not make)`,
      );
    if (r.url) return ok('tailnet', `event ${r.event}: served at ${r.url}${r.funnel ? ' (funnel)' : ''}`);
    if (r.loginUrl)
      return warn('tailnet', `event ${r.event}: the node waits for a login`, `open ${r.loginUrl}, or give the event an auth key`);
    if (r.state !== 'running') return ok('tailnet', `event ${r.event}: container ${r.state} (up starts it)`);
    if (r.tailnet === '-') return ok('tailnet', `event ${r.event}: no tailnet node (no docker-mod)`);
    return warn('tailnet', `event ${r.event}: ${r.tailnet}`);
  });
}
