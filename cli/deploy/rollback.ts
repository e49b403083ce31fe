/**
 * `rollback [event…] [--to <revision>]`: put events back on the revision they ran before (the
 * `previous-revision` label `up` recorded on their container), or on a named one. The image of every
 * revision is still on the engine under `<image>:rev-<revision>` (until `prune`); the event's container
 * is re-created on that reference through the same path as `up` (deploy lock, canary first, readiness
 * wait, each failed event put back on its container as it was), and only an event that got there has its
 * tag `<image>:<event>` (the published pointer) moved to it. Planning changes nothing. Other events are
 * not touched.
 * Without events or --to it undoes the last deploy: only the events that deploy changed (the audit log).
 */
import { UsageError } from '../errors.js';
import type { FleetOwner } from '../fleet/identity.js';
import { LABELS } from '../fleet/naming.js';
import type { Fleet } from '../fleet/schema.js';
import { renderFleet } from '../render/render.js';
import type { ServiceDefinition } from '../render/service.js';
import { type ApplyOptions, applyPlan, type EventResult } from '../converge/apply.js';
import { outcomeOf } from './audit-entry.js';
import { lastDeploy } from './audit.js';
import { auditedDeploy } from './audited-deploy.js';
import { connectTo } from './connect.js';
import type { Deployment } from './deployment.js';
import { revisionRef } from '../targets/revision.js';
import { resolveRevision, revisionQuery } from './revision-names.js';
import { type Action, planFleet, scopedTo } from '../converge/plan.js';
import type { RecoveryStep } from '../converge/recovery.js';
import type { Reporter } from '../reporter.js';
import type { Images, Runtime } from '../targets/target.js';

export interface RollbackOptions {
  /** Events to roll back; all of the fleet's when empty. */
  events: string[];
  /** The revision to go to (default: each event's previous one). */
  to?: string;
  wait: boolean;
  readyTimeoutMs: number;
  concurrency: number;
  canary: boolean;
  forceUnlock: boolean;
}

export interface RollbackResult {
  /** The revision each event was rolled back to. */
  revisions: Record<string, string>;
  results: EventResult[];
}

/** Lines of a failed container's log that are reported. */
const FAILURE_LOG_LINES = 20;

export async function rollback(d: Deployment, options: RollbackOptions, report: Reporter): Promise<RollbackResult> {
  report.step('validate fleet');
  const { fleet, owner } = d;
  const query = options.to === undefined ? undefined : revisionQuery(options.to);
  if (query === null) {
    throw new UsageError(
      `--to: "${options.to}" is not a revision (they look like 1a2b3c4-0123456789ab, or as much of one as names it alone; \`demo-fleet revisions\` lists them)`,
    );
  }
  d.requireEvents(options.events);
  report.step('render compose file');
  const rendered = await renderFleet(fleet, { fleetFile: d.fleetFile, env: d.env });
  for (const w of rendered.warnings) report.warn(w);
  await connectTo(d.target, report);
  const { containers: runtime, images } = d.target;
  // what status and `revisions` show (a unique start of a revision) names one of the engine's
  const to =
    query === undefined
      ? undefined
      : resolveRevision(
          query,
          (await images.revisions(fleet.image)).map((r) => r.revision),
        );
  return auditedDeploy(
    d,
    { command: 'rollback', forceUnlock: options.forceUnlock, report },
    async () => {
      const wanted = options.events.length || to ? options.events : await changedByLastDeploy(d, report);
      const services = rendered.services.filter((s) => (wanted.length ? wanted.includes(s.event) : true));
      report.step('plan');
      const { recovery, actions, revisions, imageIds } = await planRollback(images, runtime, fleet, owner, rendered.services, services, to);
      report.step(`converge ${actions.length} event(s)`);
      const results = await applyPlan(runtime, { recovery, actions }, applyOptions(options, report));
      await moveEventTags(images, fleet, actions, imageIds, results, report);
      return { revisions, results };
    },
    (r) => ({
      revision: to ?? null,
      events: r.results,
      outcome: outcomeOf(r.results),
      ...(Object.keys(r.revisions).length ? { detail: revisionsText(r.revisions) } : {}),
    }),
  );
}

/**
 * A plain `rollback` undoes the last deploy: only the events its `up` (or `rollback`) re-created onto new
 * containers. After a canary that failed and was put back, that is none: the others were never touched
 * and must not move back a revision. Without an audit log entry, every event (as before there was one).
 */
async function changedByLastDeploy(d: Deployment, report: Reporter): Promise<string[]> {
  const last = await lastDeploy(d);
  if (!last) return [];
  const { entry } = last;
  const what = `the last ${entry.command} (${entry.time}${entry.revision ? `, revision ${entry.revision}` : ''})`;
  const changed = last.changed.filter((e) => Object.hasOwn(d.fleet.events, e));
  if (changed.length === 0) {
    throw new UsageError(
      `nothing rolled back: ${what} moved no event onto a new container (${entry.outcome}); ` +
        'name the events (`rollback <event>`) or a revision (`rollback --to <revision>`; `demo-fleet audit` lists them)',
    );
  }
  report.progress(`rolling back what ${what} changed: ${changed.join(', ')}`);
  return changed;
}

/**
 * The published pointer follows the container: an event whose new container runs the revision (served,
 * or waiting for a person) gets `<image>:<event>` on it; one that did not get there — put back on its
 * container, or not tried after the canary failed — gets it on the image it still runs (a `build` since
 * may have moved it), so the tag never names a revision no container of the event runs.
 */
async function moveEventTags(
  images: Images,
  fleet: Fleet,
  actions: Action[],
  imageIds: Record<string, string>,
  results: EventResult[],
  report: Reporter,
): Promise<void> {
  for (const r of results) {
    const action = actions.find((a) => a.event === r.event);
    const revisionImage = imageIds[r.event];
    if (action?.kind !== 'recreate' || !revisionImage) continue;
    const got = r.ok || r.needsPerson;
    await images.tag(got ? revisionImage : action.container.imageId, fleet.image, r.event);
    report.progress(`${r.event}: ${fleet.image}:${r.event} ${got ? 'moved to' : 'back on'} the image it runs`);
  }
}

function revisionsText(revisions: Record<string, string>): string {
  return `to ${Object.entries(revisions)
    .map(([e, r]) => `${e}=${r}`)
    .join(' ')}`;
}

function applyOptions(options: RollbackOptions, report: Reporter): ApplyOptions {
  return {
    concurrency: options.concurrency,
    wait: options.wait,
    readyTimeoutMs: options.readyTimeoutMs,
    logLines: FAILURE_LOG_LINES,
    canary: options.canary,
    onProgress: report.progress,
  };
}

/**
 * One action per event to roll back: a re-create onto the revision's image (its `rev-` tag), `keep` when
 * it already runs it, or the refusal `up` would make. Everything is checked before anything changes, and
 * nothing is changed here: an event without a container or a recorded previous revision, or a revision
 * whose image is gone, is refused up front.
 */
async function planRollback(
  images: Images,
  runtime: Runtime,
  fleet: Fleet,
  owner: FleetOwner,
  all: ServiceDefinition[],
  services: ServiceDefinition[],
  to: string | undefined,
): Promise<{ recovery: RecoveryStep[]; actions: Action[]; revisions: Record<string, string>; imageIds: Record<string, string> }> {
  const actual = await runtime.list(all.map((s) => s.name));
  const base = planFleet(owner, all, null, actual);
  const problems: string[] = [];
  const steps: Array<{ action: Action; revision?: string }> = [];
  for (const service of services) {
    const action = base.actions.find((a) => a.event === service.event && a.kind !== 'remove')!;
    if (action.kind === 'conflict') {
      steps.push({ action });
      continue;
    }
    if (action.kind === 'create') {
      problems.push(`${service.event}: has no container to roll back (\`demo-fleet up\` deploys it)`);
      continue;
    }
    const revision = to ?? action.container.labels[LABELS.previousRevision];
    if (!revision) {
      problems.push(`${service.event}: no previous revision is recorded on ${action.container.name} (name one with --to <revision>)`);
      continue;
    }
    steps.push({ action, revision });
  }
  const imageIds = new Map<string, string>();
  for (const revision of new Set(steps.flatMap((s) => (s.revision ? [s.revision] : [])))) {
    const image = await images.inspect(revisionRef(fleet.image, revision));
    if (image) imageIds.set(revision, image.id);
    else problems.push(`revision ${revision}: ${revisionRef(fleet.image, revision)} is not on the engine (pruned, or never built here)`);
  }
  if (problems.length) throw new UsageError(`nothing rolled back: ${problems.join('; ')}`);

  const actions: Action[] = [];
  const revisions: Record<string, string> = {};
  const eventImages: Record<string, string> = {};
  for (const { action, revision } of steps) {
    if (!revision || action.kind === 'conflict' || action.kind === 'create' || action.kind === 'remove') {
      actions.push(action);
      continue;
    }
    revisions[action.event] = revision;
    const imageId = imageIds.get(revision)!;
    eventImages[action.event] = imageId;
    const container = action.container;
    if (container.imageId === imageId && action.kind === 'keep') {
      actions.push(action);
      continue;
    }
    const current = container.labels[LABELS.revision];
    const labels: Record<string, string> = { ...action.service.labels, [LABELS.revision]: revision };
    if (current && current !== revision) labels[LABELS.previousRevision] = current;
    actions.push({
      ...(action.kind === 'recreate' ? action : {}),
      kind: 'recreate',
      event: action.event,
      service: { ...action.service, image: revisionRef(fleet.image, revision), labels },
      container,
      reason: `roll back to revision ${revision}`,
    });
  }
  // Only the events of this rollback: what an interrupted deploy left of others waits for their next run.
  return {
    recovery: scopedTo(
      base,
      services.map((s) => s.event),
    ).recovery,
    actions,
    revisions,
    imageIds: eventImages,
  };
}
