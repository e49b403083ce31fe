/**
 * Where an event runs on a Swarm: its home node, the one that holds its state dir. The home is a node
 * label `dev.demo-fleet.home.<service>` = the state dir, set on the event's first deploy — on the node
 * the fleet file names (`node:`), or else the ready, active node with the fewest events — and the service
 * is constrained to it (spec.ts). An event never moves silently: a drained home leaves it pending
 * (FINDINGS.md §4), and a `node:` that names another node than its home is refused with what a move
 * means. Labels are changed one at a time (a node update needs the node's current version).
 */
import type Docker from 'dockerode';
import { UsageError } from '../../errors.js';
import type { ServiceDefinition } from '../../render/service.js';
import { asRequest } from './request.js';
import { HOME_LABEL_PREFIX, homeLabelKey } from './spec.js';

export interface SwarmNode {
  id: string;
  hostname: string;
  role: string;
  ready: boolean;
  active: boolean;
  availability: string;
  labels: Record<string, string>;
  version: number;
}

interface NodeInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string };
  Status?: { State?: string };
}

export async function listNodes(docker: Docker): Promise<SwarmNode[]> {
  const nodes = (await docker.listNodes()) as unknown as NodeInfo[];
  return nodes
    .map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? '',
      role: n.Spec?.Role ?? 'worker',
      ready: n.Status?.State === 'ready',
      active: n.Spec?.Availability === 'active',
      availability: n.Spec?.Availability ?? 'unknown',
      labels: n.Spec?.Labels ?? {},
      version: n.Version?.Index ?? 0,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function describeNode(n: SwarmNode): string {
  return `${n.hostname || '?'} (${n.id.slice(0, 12)})`;
}

/**
 * What a constraint value may hold, narrowed: swarmkit checks values against a pattern of letters, digits,
 * whitespace and a few symbols (manager/constraint/constraint.go, valuePattern — read in a copy of
 * swarmkit, not at a pinned upstream version); paths like /srv/demo-fleet/appdata/2026/cleveland pass
 * (the Swarm target's tests run on such paths).
 */
const CONSTRAINT_VALUE = /^[A-Za-z0-9/._-]+$/;

export interface Home {
  node: SwarmNode;
  key: string;
  value: string;
}

/** The node whose home label for `service` is set, or null. */
export function homeOf(nodes: SwarmNode[], serviceName: string): Home | null {
  const key = `${HOME_LABEL_PREFIX}${serviceName}`;
  const node = nodes.find((n) => n.labels[key] !== undefined);
  return node ? { node, key, value: node.labels[key]! } : null;
}

/** The node that holds `stateDir` (any event's home label with that value), or null. */
export function nodeHolding(nodes: SwarmNode[], stateDir: string): Home | null {
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node.labels)) {
      if (key.startsWith(HOME_LABEL_PREFIX) && value === stateDir) return { node, key, value };
    }
  }
  return null;
}

function matches(node: SwarmNode, name: string): boolean {
  return node.id === name || node.id.startsWith(name) || node.hostname === name;
}

/** The node `node:` names, among all nodes; throws when none or several. */
function named(nodes: SwarmNode[], service: ServiceDefinition, name: string): SwarmNode {
  const found = nodes.filter((n) => matches(n, name));
  const all = nodes.map(describeNode).join(', ');
  if (found.length === 0)
    throw new UsageError(`${service.event}: node: ${name} is not a node of the swarm (nodes: ${all}): name one of them`);
  if (found.length > 1) {
    throw new UsageError(
      `${service.event}: node: ${name} names ${found.length} nodes (${found.map(describeNode).join(', ')}): give the node ID instead`,
    );
  }
  return found[0]!;
}

/**
 * Where the service goes: its home, or (first deploy) a node chosen now and labelled. Throws a
 * UsageError when the fleet file names another node than its home, or a home for another state dir.
 */
export async function placeEvent(docker: Docker, service: ServiceDefinition): Promise<Home> {
  const stateDir = service.volumes[0]!.source;
  if (!CONSTRAINT_VALUE.test(stateDir)) {
    throw new UsageError(
      `${service.event}: its state dir ${stateDir} places the event (a Swarm constraint value), which takes letters, digits, "/", ".", "_" and "-" only: choose an appdata of those`,
    );
  }
  const nodes = await listNodes(docker);
  const home = homeOf(nodes, service.name);
  if (home) {
    if (service.placement && !matches(home.node, service.placement)) {
      throw new UsageError(
        `${service.event}: its node state (${home.value}) is on node ${describeNode(home.node)}, the fleet file says node: ${service.placement}: ` +
          `moving it there makes a new tailnet node unless the state dir moves too — remove node: to keep it where it is; or \`demo-fleet down ${service.event}\`, ` +
          `copy ${home.value} to the new node, remove the node label (docker node update --label-rm ${home.key} ${home.node.id}) and run up again`,
      );
    }
    refuseUnavailable(service.event, home);
    if (home.value !== stateDir) {
      throw new UsageError(
        `${service.event}: its node state is ${home.value} on node ${describeNode(home.node)}, the fleet file now puts it at ${stateDir}: ` +
          `set appdata/year back, or move the directory on that node and change the label (docker node update --label-add ${home.key}=${stateDir} ${home.node.id})`,
      );
    }
    return home;
  }
  const node = service.placement ? named(nodes, service, service.placement) : leastBusy(nodes, service);
  const key = homeLabelKey(service);
  await labelNode(docker, node, { [key]: stateDir });
  return { node, key, value: stateDir };
}

/** The home of an event must take a task now: a drained or down one leaves it where its state is, and says so. */
export function refuseUnavailable(event: string, home: Home): void {
  if (home.node.ready && home.node.active) return;
  const why = home.node.ready ? home.node.availability : 'down';
  throw new UsageError(
    `${event}: its home node ${describeNode(home.node)} is ${why} (its tailnet state is there; the event is not moved): ` +
      `docker node update --availability active ${home.node.id}, or bring the node back`,
  );
}

function leastBusy(nodes: SwarmNode[], service: ServiceDefinition): SwarmNode {
  const usable = nodes.filter((n) => n.ready && n.active);
  if (usable.length === 0) {
    throw new UsageError(
      `${service.event}: no node of the swarm is ready and active (${nodes.map((n) => `${describeNode(n)}: ${n.availability}`).join(', ')}): activate one (docker node update --availability active <node>)`,
    );
  }
  const homes = (n: SwarmNode) => Object.keys(n.labels).filter((k) => k.startsWith(HOME_LABEL_PREFIX)).length;
  return usable.reduce((best, n) => (homes(n) < homes(best) ? n : best));
}

/** Set (value) or remove (null) labels on a node, at its current version. */
export async function labelNode(docker: Docker, node: SwarmNode, labels: Record<string, string | null>): Promise<void> {
  // another command (another fleet) may change the node between the read and the write: the engine then
  // refuses the stale version ("update out of sequence"); read it again, a few times
  for (let attempt = 1; ; attempt++) {
    const current = (await docker.getNode(node.id).inspect()) as unknown as NodeInfo;
    const next = { ...(current.Spec?.Labels ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    try {
      await docker.getNode(node.id).update(asRequest({ version: current.Version?.Index ?? 0 }, { ...current.Spec, Labels: next }));
      return;
    } catch (err) {
      if (attempt >= 3 || !/out of sequence/i.test(String((err as Error)?.message ?? err))) throw err;
    }
  }
}
