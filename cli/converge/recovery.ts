/**
 * What a deploy that died half-way left behind, settled before anything else is planned. A re-create
 * goes through containers under other names (replace.ts: `<name>-next-<id>`, `<name>-prev-<id>`); a
 * kill, a lost connection or Ctrl-C between two of its steps leaves them there. Each is ours (fleet
 * labels) and says which event it belongs to (event label); a replacement also says which container it
 * replaces (LABELS.replaces). Before the plan decides anything, every event of the fleet ends up with at
 * most one container, under its own name: when its name is taken by one of ours, the others go — unless
 * that one is a replacement whose predecessor is still there (killed during the readiness wait or the
 * automatic rollback: never judged served, or judged failed): then the predecessor, known to have
 * worked, takes the name back and the replacement goes. When nobody has the name, the container the
 * event ran before takes it back (adopted), the others go.
 * Pure: the steps are part of the plan (printed by `up --dry-run`), run first by apply.ts whatever the
 * canary does.
 */
import { ownsContainer, type FleetOwner } from '../fleet/identity.js';
import { LABELS } from '../fleet/naming.js';
import type { ServiceDefinition } from '../render/service.js';
import type { ActualContainer } from '../targets/target.js';

export type RecoveryStep =
  /** Give the container the event's name back (it keeps its state: the plan then starts or re-creates it). */
  | { kind: 'adopt'; event: string; container: ActualContainer; name: string }
  /** Stop and remove it (its state dir is the event's, and stays). */
  | { kind: 'discard'; event: string; container: ActualContainer; reason: string };

export interface Recovered {
  steps: RecoveryStep[];
  /** The containers as they will be once the steps ran: what the plan works from. */
  actual: ActualContainer[];
}

export function planRecovery(owner: FleetOwner, desired: ServiceDefinition[], actual: ActualContainer[]): Recovered {
  const steps: RecoveryStep[] = [];
  const gone = new Set<string>();
  const renamed = new Map<string, string>();
  for (const service of [...desired].sort((a, b) => a.event.localeCompare(b.event))) {
    const holder = actual.find((c) => c.name === service.name);
    const others = actual.filter((c) => c !== holder && ownsContainer(owner, c) && c.labels[LABELS.event] === service.event);
    if (others.length === 0) continue;
    // The name is someone else's: the plan refuses the event, and what it has under other names stays.
    if (holder && !ownsContainer(owner, holder)) continue;
    // A replacement under the name whose predecessor is still there never finished: it goes first (its
    // name is free again), and the predecessor is adopted below.
    const unfinished = holder && isUnfinishedReplacement(holder, actual) ? holder : undefined;
    if (unfinished) {
      steps.push({ kind: 'discard', event: service.event, container: unfinished, reason: whatItIs(unfinished, actual) });
      gone.add(unfinished.id);
    }
    const keeper = holder && !unfinished ? undefined : pickKeeper(others, actual);
    if (keeper) {
      steps.push({ kind: 'adopt', event: service.event, container: keeper, name: service.name });
      renamed.set(keeper.id, service.name);
    }
    for (const c of others) {
      if (c === keeper) continue;
      steps.push({ kind: 'discard', event: service.event, container: c, reason: whatItIs(c, actual) });
      gone.add(c.id);
    }
  }
  return {
    steps,
    actual: actual.filter((c) => !gone.has(c.id)).map((c) => (renamed.has(c.id) ? { ...c, name: renamed.get(c.id)! } : c)),
  };
}

/** A replacement whose predecessor is still there: the re-create that made it never finished. */
function isUnfinishedReplacement(c: ActualContainer, actual: ActualContainer[]): boolean {
  const replaces = c.labels[LABELS.replaces];
  return replaces !== undefined && actual.some((other) => other.id === replaces);
}

/**
 * The container that takes the event's name back: the one it ran before an unfinished re-create (known
 * to have worked) over the replacement (never checked); among equals the first listed (the engine
 * lists newest first).
 */
function pickKeeper(others: ActualContainer[], actual: ActualContainer[]): ActualContainer {
  return others.find((c) => !isUnfinishedReplacement(c, actual)) ?? others[0]!;
}

function whatItIs(c: ActualContainer, actual: ActualContainer[]): string {
  return isUnfinishedReplacement(c, actual)
    ? 'the replacement an interrupted re-create left'
    : 'a second container of the event (an interrupted re-create, or renamed by hand)';
}

/** One line per step, as `up` prints it. */
export function describeRecovery(step: RecoveryStep): string {
  return step.kind === 'adopt'
    ? `${step.event}: adopt ${step.container.name} as ${step.name} (no container had the event's name)`
    : `${step.event}: remove ${step.container.name} (${step.reason}; state dir kept)`;
}
