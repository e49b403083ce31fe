/**
 * Plan = desired services vs the containers the runtime has → one action per event. Pure: no Docker,
 * printable (`up --dry-run`) and unit-tested. Like Compose, a config-hash label decides keep vs
 * recreate; unlike a blind forced removal, a container we did not create is never touched.
 */
import { describeConfigChange } from './config-diff.js';
import { describeOwner, type FleetOwner, ownsContainer } from '../fleet/identity.js';
import { LABELS, type ServeModeName } from '../fleet/naming.js';
import type { ServiceDefinition } from '../render/service.js';
import type { ActualContainer } from '../targets/target.js';
import { planRecovery, type RecoveryStep } from './recovery.js';

export type Action =
  | { kind: 'create'; event: string; service: ServiceDefinition }
  | {
      kind: 'recreate';
      event: string;
      service: ServiceDefinition;
      container: ActualContainer;
      reason: string;
      /** The node's saved serve config is of another mode: reset it in the old container first (or the new one's serve fails "already serving"). */
      resetServe?: { from: string; to: ServeModeName };
    }
  | { kind: 'start'; event: string; service: ServiceDefinition; container: ActualContainer }
  | { kind: 'keep'; event: string; service: ServiceDefinition; container: ActualContainer }
  /** The event left the fleet file. */
  | { kind: 'remove'; event: string; container: ActualContainer }
  /** nameTaken: the container holding our name is the problem (else: the container we would make). */
  | { kind: 'conflict'; event: string; name: string; container: ActualContainer; reason: string; nameTaken?: boolean };

export interface Plan {
  /** What an interrupted deploy left, settled first (recovery.ts); empty on a clean engine. */
  recovery: RecoveryStep[];
  actions: Action[];
}

export function isOurs(c: Pick<ActualContainer, 'labels' | 'mounts'>, owner: FleetOwner): boolean {
  return ownsContainer(owner, c);
}

/** What the plan works from: the fleet, the image its containers should run, what is there. */
interface PlanInput {
  owner: FleetOwner;
  imageId: string | null;
  actual: ActualContainer[];
  byName: Map<string, ActualContainer>;
}

export function planFleet(owner: FleetOwner, desired: ServiceDefinition[], imageId: string | null, listed: ActualContainer[]): Plan {
  const wanted = new Map(desired.map((s) => [s.event, s]));
  // After recovery every wanted event has at most one container of ours, under its own name (or, when
  // another's container holds the name, its own under other names, left alone).
  const { steps, actual } = planRecovery(owner, desired, listed);
  const input: PlanInput = { owner, imageId, actual, byName: new Map(actual.map((c) => [c.name, c])) };
  const eventActions = [...desired].sort((a, b) => a.event.localeCompare(b.event)).map((service) => planEvent(service, input));
  return { recovery: steps, actions: [...eventActions, ...planLeftovers(input, wanted)] };
}

/** The one action for an event of the fleet file. */
function planEvent(service: ServiceDefinition, input: PlanInput): Action {
  const { event } = service;
  const sharer = stateDirSharer(service, input.actual, input.owner);
  if (sharer) return sharedStateDirConflict(service, sharer);
  const container = input.byName.get(service.name);
  if (!container) return { kind: 'create', event, service };
  if (!isOurs(container, input.owner)) return nameTakenConflict(service, container, input.owner);
  const reason = recreateReason(service, container, input.imageId);
  if (reason) {
    const moved = stateDirMove(service, container) ?? loginServerChange(service, container);
    if (moved) return moved;
    return { kind: 'recreate', event, service, container, reason, ...serveReset(service, container) };
  }
  if (container.state === 'running' || container.state === 'restarting') return { kind: 'keep', event, service, container };
  return { kind: 'start', event, service, container };
}

/** Why our container of the event must be re-made, or null when it can stay. */
function recreateReason(service: ServiceDefinition, container: ActualContainer, imageId: string | null): string | null {
  if (container.labels[LABELS.configHash] !== service.labels[LABELS.configHash]) {
    if (!container.config) return 'configuration changed';
    return `configuration changed: ${describeConfigChange(service, container.config) ?? 'auth key, health check or restart policy'}`;
  }
  if (imageId !== null && container.imageId !== imageId) return 'image changed';
  if (['dead', 'removing', 'paused'].includes(container.state)) return `container is ${container.state}`;
  return null;
}

/**
 * The state dir is the node: a re-create onto another path (appdata or year changed, or the fleet file
 * run from elsewhere with a relative appdata) would join as a new node named <host>-1. Refused with the fix.
 */
function stateDirMove(service: ServiceDefinition, container: ActualContainer): Action | null {
  const now = service.volumes[0]?.source;
  const was = container.mounts?.[0];
  if (!now || !was || container.mounts!.includes(now)) return null;
  return refuse(
    service,
    container,
    `its node's state dir is ${was}, the fleet file now puts it at ${now}: that would be a new tailnet node ` +
      `(set appdata/year back, or stop the container and move ${was} to ${now} first; ` +
      'or, when this fleet file is a copy of the one that made it (another clone) and should be a fleet of its own: ' +
      'delete its `id:` line, run `demo-fleet init` and give it another `name:`)',
  );
}

/**
 * A node cannot change its control server: `tailscale up` refuses a removed --login-server ("requires
 * mentioning all non-default flags") and a changed one needs a re-login as another node. The state dir
 * is that node, so this is refused with the fix instead of re-created into a container that cannot join.
 */
function loginServerChange(service: ServiceDefinition, container: ActualContainer): Action | null {
  if (!container.node) return null;
  const was = container.node.loginServer;
  const now = service.node.loginServer;
  if (was === now) return null;
  const name = (url: string | undefined) => url ?? 'Tailscale';
  const dir = service.volumes[0]?.source ?? 'its state dir';
  return refuse(
    service,
    container,
    `its node (state dir ${dir}) is registered with ${name(was)}, the fleet file now says ${name(now)}: a node cannot change ` +
      `its login server (${was ? `set \`loginServer: ${was}\` again` : 'remove loginServer again'}, or move the state dir aside to make a new node)`,
  );
}

/** When the re-create changes the serve mode of an existing node, its saved serve config must be reset first. */
function serveReset(service: ServiceDefinition, container: ActualContainer): { resetServe?: { from: string; to: ServeModeName } } {
  const from = container.node?.serveMode;
  const to = service.node.serveMode;
  return from && from !== to ? { resetServe: { from, to } } : {};
}

/** Containers of this fleet no event wants: the event left the fleet file (under any name). */
function planLeftovers(input: PlanInput, wanted: Map<string, ServiceDefinition>): Action[] {
  return input.actual
    .filter((c) => isOurs(c, input.owner) && !wanted.has(c.labels[LABELS.event]!))
    .map((container) => ({ kind: 'remove', event: container.labels[LABELS.event]!, container }));
}

/** The event is refused because of `container` (nothing is done to it). */
function refuse(service: ServiceDefinition, container: ActualContainer, reason: string): Extract<Action, { kind: 'conflict' }> {
  return { kind: 'conflict', event: service.event, name: service.name, container, reason };
}

function nameTakenConflict(service: ServiceDefinition, container: ActualContainer, owner: FleetOwner): Action {
  const theirs = container.labels[LABELS.fleet];
  const ours = `fleet "${owner.name}" (id ${owner.id})`;
  const reason =
    theirs === undefined
      ? 'was not created by demo-fleet (no dev.demo-fleet labels)'
      : theirs === owner.name
        ? `belongs to another fleet file of the same name: ${describeOwner(container.labels)}, this file is ${ours} ` +
          '(give this fleet another `name:`, or run up from the fleet file that made it)'
        : `belongs to demo-fleet ${describeOwner(container.labels)}, not ${ours}`;
  return { ...refuse(service, container, reason), nameTaken: true };
}

function sharedStateDirConflict(service: ServiceDefinition, sharer: { container: ActualContainer; dir: string }): Action {
  const owner = sharer.container.labels[LABELS.fleet];
  return refuse(
    service,
    sharer.container,
    `would share its state dir ${sharer.dir} with ${sharer.container.name} of demo-fleet fleet "${owner}" ` +
      `(one tailnet node per state dir: remove ${sharer.container.name}, or put \`name: ${owner}\` back in the fleet file)`,
  );
}

/**
 * A container of another demo-fleet fleet that mounts this event's state dir, e.g. the containers
 * left running after `name:` was changed in the fleet file. Starting a second tailscaled on the same
 * state would make two nodes fight over one identity.
 */
function stateDirSharer(
  service: ServiceDefinition,
  actual: ActualContainer[],
  owner: FleetOwner,
): { container: ActualContainer; dir: string } | undefined {
  const dirs = new Set(service.volumes.map((v) => v.source));
  for (const c of actual) {
    if (isOurs(c, owner) || c.labels[LABELS.fleet] === undefined) continue;
    const dir = c.mounts?.find((m) => dirs.has(m));
    if (dir) return { container: c, dir };
  }
  return undefined;
}

/**
 * The plan of the whole fleet cut to some events (`up <event…>`, `rollback <event…>`): the others, and
 * what an interrupted deploy left of them, are left for their next run.
 */
export function scopedTo(plan: Plan, events: string[]): Plan {
  return {
    recovery: plan.recovery.filter((s) => events.includes(s.event)),
    actions: plan.actions.filter((a) => events.includes(a.event)),
  };
}

/** One line per action, as `up` prints it. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'create':
      return `${a.event}: create ${a.service.name}`;
    case 'recreate':
      return `${a.event}: recreate ${a.service.name} (${a.reason}${a.resetServe ? `; reset serve ${a.resetServe.from} → ${a.resetServe.to} in the old container first` : ''})`;
    case 'start':
      return `${a.event}: start ${a.service.name} (was ${a.container.state})`;
    case 'keep':
      return `${a.event}: keep ${a.service.name} (up to date)`;
    case 'remove':
      return `${a.event}: remove ${a.container.name} (no longer in the fleet; state dir kept)`;
    case 'conflict':
      // the reason's subject is the name: a container under it, or the container we would make
      return `${a.event}: refuse ${a.name}: ${a.nameTaken ? 'a container with that name ' : ''}${a.reason}`;
  }
}
