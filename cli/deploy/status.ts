/** `status`: each event of the fleet file beside what the runtime runs for it, plus orphans. */
import type { FleetOwner } from '../fleet/identity.js';
import { containerName, eventHostname, LABELS } from '../fleet/naming.js';
import type { Fleet } from '../fleet/schema.js';
import { runningServeExpectation } from '../render/service.js';
import { mapPool } from '../util/pool.js';
import { OCI_REVISION_LABEL, REVISION_LABEL } from '../targets/revision.js';
import type { StatusField } from './status-fields.js';
import { isOurs } from '../converge/plan.js';
import { probeNode } from '../converge/readiness.js';
import { accessoryName, isOurAccessory } from '../tailnet/control-server.js';
import type { ActualContainer, ContainerDetails, Runtime } from '../targets/target.js';
import type { Deployment } from './deployment.js';

/** Container inspects in flight at once (a fleet of 50 is one round trip's worth of waiting, not 50). */
const INSPECT_CONCURRENCY = 8;

export interface EventStatus {
  event: string;
  container: string;
  /** running | exited | ... | missing (in the file, no container) | foreign (name taken by someone else) */
  state: string;
  health: string;
  image: string;
  /** The revision it runs (cli/targets/revision.ts: one per build input, what `rollback --to` takes), when labelled. */
  revision: string | null;
  /** The git commit the image was built from (its org.opencontainers.image.revision label), when it has one. */
  commit: string | null;
  started: string | null;
  /** Restarts by the runtime's restart policy (null without a container). */
  restarts: number | null;
  /** The machine that runs it, where the target has several (Swarm: its node); absent on one engine. */
  node?: string;
  hostname: string;
  /** in the file (true) or an orphan: a container of this fleet with no event (false) */
  inFleet: boolean;
  /** The node, read inside the running container: served | waiting for login | what a person must change | what it waits for | - */
  tailnet: string;
  /** Where visitors reach it, when served. */
  url: string | null;
  /** Funnel on (served), or null when not known. */
  funnel: boolean | null;
  /** The pending interactive login, when there is one. */
  loginUrl: string | null;
}

/** Compiles only while status-fields.ts lists exactly the fields of EventStatus. */
type Holds<T extends true> = T;
export type StatusFieldsAreEventStatus = Holds<
  [StatusField] extends [keyof EventStatus] ? ([keyof EventStatus] extends [StatusField] ? true : false) : false
>;

/** One row to show: an event (with its container, or missing) or a container of this fleet. */
interface RowSpec {
  event: string;
  name: string;
  hostname: string;
  inFleet: boolean;
  container?: ActualContainer;
}

const NO_NODE = { tailnet: '-', url: null, funnel: null, loginUrl: null } as const;

/** The node as the running container reports it (one exec); never the container's env beyond the mod's settings. */
async function nodeColumns(
  runtime: Runtime,
  info: ContainerDetails,
): Promise<Pick<EventStatus, 'tailnet' | 'url' | 'funnel' | 'loginUrl'>> {
  const want = runningServeExpectation(info.environment);
  // not running: the target's words for why, where it has them (Swarm: "pending: no suitable node …")
  if (!want || info.state !== 'running') return info.detail ? { ...NO_NODE, tailnet: info.detail } : NO_NODE;
  const node = await probeNode(runtime, info.id, want).catch(() => null);
  if (!node) return NO_NODE;
  switch (node.kind) {
    case 'served':
      return { tailnet: 'served', url: node.url, funnel: node.funnel, loginUrl: null };
    case 'login':
      return { tailnet: 'waiting for login', url: null, funnel: null, loginUrl: node.url };
    case 'attention':
      return { tailnet: node.message, url: null, funnel: null, loginUrl: null };
    case 'pending':
      return { tailnet: node.why, url: null, funnel: null, loginUrl: null };
  }
}

/** A container of an event of the fleet under another name: what an interrupted deploy left (never a row). */
export interface Leftover {
  event: string;
  container: string;
  state: string;
}

/** The fleet's own control server (`controlServer:`), as the runtime lists it. */
export interface ControlServerStatus {
  container: string;
  /** running | exited | … | missing (not created yet) | foreign (the name is someone else's) */
  state: string;
  /** The headscale release it runs (its label), or the one the fleet file asks for when missing. */
  version: string;
  url: string;
}

export interface StatusReport {
  /** One row per event of the fleet file (missing when it has no container), then orphans. */
  events: EventStatus[];
  leftovers: Leftover[];
  /** null when the fleet file has no controlServer. */
  controlServer: ControlServerStatus | null;
  /** Every revision of the fleet's image the engine keeps (for the short forms that name one alone). */
  revisions: string[];
}

/** The `status` command's core: connect, report every event. */
export async function status(d: Deployment): Promise<StatusReport> {
  await d.target.connect();
  const { fleet } = d;
  const accessory = fleet.controlServer ? accessoryName(fleet) : null;
  // one listing serves the events' rows and the control server's line
  const listing = d.target.containers.list([...eventContainerNames(fleet), ...(accessory ? [accessory] : [])]);
  const [report, stored] = await Promise.all([
    listing.then((actual) => fleetStatus(d.target.containers, fleet, d.owner, actual)),
    d.target.images.revisions(fleet.image),
  ]);
  return { ...report, controlServer: controlServerStatus(fleet, await listing), revisions: stored.map((r) => r.revision) };
}

function controlServerStatus(fleet: Fleet, actual: ActualContainer[]): ControlServerStatus | null {
  const control = fleet.controlServer;
  if (!control) return null;
  const name = accessoryName(fleet);
  const found = actual.find((c) => c.name === name);
  const state = !found ? 'missing' : isOurAccessory(found.labels, fleet) ? found.state : 'foreign';
  return { container: name, state, version: found?.labels[LABELS.headscaleVersion] ?? control.version, url: control.url };
}

/** The container name of every event of the fleet file. */
function eventContainerNames(fleet: Fleet): string[] {
  return Object.keys(fleet.events).map((e) => containerName(fleet, e));
}

/** Each event's row and the leftovers, from `actual` (what the runtime lists; listed here when not given). */
export async function fleetStatus(
  runtime: Runtime,
  fleet: Fleet,
  owner: FleetOwner,
  actual?: ActualContainer[],
): Promise<Omit<StatusReport, 'controlServer' | 'revisions'>> {
  const events = Object.keys(fleet.events).sort();
  const names = new Map(events.map((e) => [e, containerName(fleet, e)]));
  const listed = actual ?? (await runtime.list(eventContainerNames(fleet)));
  const specs: RowSpec[] = events.map((event) => ({
    event,
    name: names.get(event)!,
    hostname: eventHostname(fleet, event, fleet.events[event]!),
    inFleet: true,
    container: listed.find((a) => a.name === names.get(event)),
  }));
  // Ours but not under an event's name: an event removed from the file (an orphan: a row of its own),
  // or a container an interrupted deploy left (`up` settles it: converge/recovery.ts; not an event).
  const leftovers: Leftover[] = [];
  for (const c of listed) {
    const event = c.labels[LABELS.event];
    if (!event || !isOurs(c, owner) || names.get(event) === c.name) continue;
    if (fleet.events[event]) leftovers.push({ event, container: c.name, state: c.state });
    else specs.push({ event, name: c.name, hostname: c.labels[LABELS.hostname] ?? '-', inFleet: false, container: c });
  }
  const rows = await mapPool(specs, INSPECT_CONCURRENCY, async ({ container: c, ...spec }): Promise<EventStatus> => {
    const base = { event: spec.event, container: spec.name, hostname: spec.hostname, inFleet: spec.inFleet };
    const missing = {
      ...base,
      state: 'missing',
      health: '-',
      image: '-',
      revision: null,
      commit: null,
      started: null,
      restarts: null,
      ...NO_NODE,
    };
    if (!c) return missing;
    const info = await runtime.inspect(c.id);
    if (!info) return missing; // removed since the listing
    const ours = isOurs(c, owner);
    return {
      ...base,
      state: ours ? info.state : 'foreign',
      health: info.health ?? '-',
      image: info.image,
      revision: info.labels[REVISION_LABEL] || null,
      commit: info.labels[OCI_REVISION_LABEL] || null,
      started: info.startedAt,
      restarts: info.restartCount,
      ...(info.runsOn ? { node: info.runsOn } : {}),
      ...(ours ? await nodeColumns(runtime, info) : NO_NODE),
    };
  });
  return { events: rows, leftovers };
}
