/**
 * `up` as a list of named steps you can read top to bottom (after Kamal's deploy): validate, render,
 * connect, lock, image, plan, converge. Core: reports through `Reporter`, returns results, throws
 * typed errors; never prints itself.
 */
import { DeployError, NeedsPersonError, UsageError } from '../errors.js';
import type { FleetOwner } from '../fleet/identity.js';
import { renderFleet } from '../render/render.js';
import { LABELS } from '../fleet/naming.js';
import { keptNodeSettings, type ServiceDefinition } from '../render/service.js';
import { mapPool } from '../util/pool.js';
import { applyPlan, type EventResult } from '../converge/apply.js';
import { REVISION_LABEL, revisionRef } from '../targets/revision.js';
import { auditedDeploy } from './audited-deploy.js';
import { outcomeOf } from './audit-entry.js';
import type { Deployment } from './deployment.js';
import { connectTo } from './connect.js';
import { ensureControlServer, planControlServer } from './control-server.js';
import { mintKeys } from './mint-keys.js';
import { runningImage, withRevisionLabels } from '../converge/revision-labels.js';
import { isOurs, planFleet, type Plan, scopedTo } from '../converge/plan.js';
import type { Reporter } from '../reporter.js';
import type { ActualContainer, Runtime } from '../targets/target.js';

export interface UpOptions {
  baseImage?: string;
  dockerfile?: string;
  /** Use published images (`<image>:<event>` pulled from the registry) instead of building. */
  pull?: boolean;
  wait: boolean;
  readyTimeoutMs: number;
  concurrency: number;
  dryRun: boolean;
  forceUnlock: boolean;
  /** Re-create one event first when several are (default true; `--no-canary`: false). */
  canary?: boolean;
  /** Why this deploy runs, shown to whoever finds the lock taken (`up -m`). Default "up". */
  message?: string;
  /** Allow an `up` that removes every container of the fleet (its events were all deleted). */
  prune?: boolean;
  /** Only these events (`up cleveland berlin`); the others, and containers of removed events, are untouched. All when empty. */
  events?: string[];
}

/** The image every event's container runs: its ID decides "image changed"; null when not known (dry run). */
interface FleetImage {
  imageId: string | null;
  imageRef: string | null;
  /** Its revision (image/revision.ts), recorded on the containers; null when not known. */
  revision: string | null;
  built: boolean;
}

export interface UpResult extends FleetImage {
  plan: Plan;
  results: EventResult[];
}

/** Lines of a failed container's log that `up` reports. */
const FAILURE_LOG_LINES = 20;

export async function up(d: Deployment, options: UpOptions, report: Reporter): Promise<UpResult> {
  validate(d, options, report);
  const services = await render(d, options, report);
  await connectTo(d.target, report);
  const { containers } = d.target;
  const only = options.events ?? [];
  if (options.dryRun) {
    await planControlServer(d, report);
    return { ...noImage(report), plan: onlyEvents(await plan(containers, d.owner, services, null, report), only, report), results: [] };
  }
  const run = { command: 'up', lockNote: options.message, forceUnlock: options.forceUnlock, report };
  return auditedDeploy(
    d,
    run,
    async () => {
      // the fleet's own control server first: the events log in to it, with keys it mints
      const control = await ensureControlServer(d, report);
      // The containers are listed (once the control server is in place) while the image is looked at (a
      // round trip less on a no-op); that list is used only when nothing was built or pulled in between.
      const pulling = options.pull ?? d.fleet.pull;
      const early = pulling ? undefined : listed(containers, services).catch(() => undefined);
      // the image is built once as always; only the events of this run get their tag moved
      const image = await provideImage(d, only.length ? services.filter((s) => only.includes(s.event)) : services, options, report);
      const actual = image.built ? undefined : await early;
      // Containers run the revision (its tag, or the image ID), not the per-event tag that points at it.
      const runs = image.revision ? revisionRef(d.fleet.image, image.revision) : image.imageId;
      const planned = runningImage(
        withRevisionLabels(
          onlyEvents(await plan(containers, d.owner, services, image.imageId, report, actual), only, report),
          image.revision,
        ),
        runs,
      );
      refuseEmptying(planned, options);
      // keys: mint for new nodes before anything is created; revoke once they are up or given up on.
      const minted = await mintKeys(d, planned, report, {}, control);
      const thePlan = minted.plan;
      let results: EventResult[];
      try {
        results = await converge(containers, thePlan, options, report);
      } finally {
        // --no-wait: the nodes may not have used their keys yet; they stay open (and remembered) until
        // the next `up` revokes them, or they expire.
        if (options.wait || minted.events.length === 0) await minted.revoke();
        else report.warn(`--no-wait: auth keys of ${minted.events.join(', ')} stay open until the next \`up\` or their expiry`);
      }
      return { ...image, plan: thePlan, results };
    },
    (r) => ({ revision: r.revision, events: r.results, outcome: outcomeOf(r.results) }),
  );
}

/** The fleet file was read and checked when the deployment was opened; state dirs must be reachable on the target. */
function validate(d: Deployment, options: UpOptions, report: Reporter): void {
  report.step('validate fleet');
  d.requireEvents(options.events ?? []);
  d.appdata();
}

/**
 * `up <event…>`: the plan of the whole fleet (so it is the same plan), cut to those events: every other
 * event and every container of a removed event is left as it is, and the report says which.
 */
function onlyEvents(thePlan: Plan, events: string[], report: Reporter): Plan {
  if (events.length === 0) return thePlan;
  const left = [...new Set(thePlan.actions.filter((a) => !events.includes(a.event)).map((a) => a.event))];
  if (left.length) report.progress(`not in this run (untouched): ${left.join(', ')}`);
  return scopedTo(thePlan, events);
}

/** Removing every container of the fleet (e.g. all its events deleted) is never silent: it needs --prune. */
function refuseEmptying(thePlan: Plan, options: UpOptions): void {
  const removed = thePlan.actions.filter((a) => a.kind === 'remove');
  if (options.prune || removed.length === 0 || thePlan.actions.some((a) => a.kind !== 'remove')) return;
  throw new UsageError(
    `up would remove every container of this fleet (${removed.map((a) => a.container.name).join(', ')}): the fleet file has no events left; ` +
      'run `demo-fleet up --prune` to remove them (state dirs are kept), or `demo-fleet down`',
  );
}

async function render(d: Deployment, options: UpOptions, report: Reporter): Promise<ServiceDefinition[]> {
  report.step(options.dryRun ? 'render compose file (--dry-run: nothing written)' : 'render compose file');
  // A dry run writes nothing: no compose file, no secret env file written or pruned.
  const rendered = await renderFleet(d.fleet, { fleetFile: d.fleetFile, write: !options.dryRun, env: d.env });
  for (const w of rendered.warnings) report.warn(w);
  return rendered.services;
}

function noImage(report: Reporter): FleetImage {
  report.step('build image');
  report.progress('skipped (--dry-run)');
  return { imageId: null, imageRef: null, revision: null, built: false };
}

/** Build once and tag per event, or (`pull`) the published per-event tags. */
async function provideImage(d: Deployment, services: ServiceDefinition[], options: UpOptions, report: Reporter): Promise<FleetImage> {
  const { fleet } = d;
  const { images } = d.target;
  const events = services.map((s) => s.event);
  if (options.pull ?? fleet.pull) {
    report.step(`pull ${fleet.image} for ${events.length} event(s)`);
    const imageId = await images.pullEventTags(fleet.image, events, report.progress);
    const pulled = imageId ? await images.inspect(imageId) : null;
    return { imageId, imageRef: null, revision: pulled?.labels[REVISION_LABEL] ?? null, built: false };
  }
  const request = { repo: fleet.image, baseImage: options.baseImage ?? fleet.baseImage, dockerfile: options.dockerfile };
  const image = await images.buildAndTag(request, events, report);
  return { imageId: image.id, imageRef: image.ref, revision: image.revision, built: image.built };
}

/** Every demo-fleet container and every container holding one of the services' names. */
function listed(runtime: Runtime, services: ServiceDefinition[]): Promise<ActualContainer[]> {
  return runtime.list(services.map((s) => s.name));
}

async function plan(
  runtime: Runtime,
  owner: FleetOwner,
  services: ServiceDefinition[],
  imageId: string | null,
  report: Reporter,
  listedBefore?: ActualContainer[],
): Promise<Plan> {
  report.step('plan');
  const actual = listedBefore ?? (await listed(runtime, services));
  return planFleet(owner, services, imageId, await withNodeSettings(runtime, owner, services, actual));
}

/** Inspects in flight at once when reading what re-create candidates' nodes keep. */
const INSPECT_CONCURRENCY = 8;

/**
 * For each of our containers whose configuration changed (a re-create candidate), what its node keeps in
 * the state dir (serve mode, login server), read from its env: the plan must not re-create a node onto
 * another control server, and must reset a saved serve config of another mode. Kept containers are not
 * inspected, so a no-op `up` costs no extra request.
 */
async function withNodeSettings(
  runtime: Runtime,
  owner: FleetOwner,
  services: ServiceDefinition[],
  actual: ActualContainer[],
): Promise<ActualContainer[]> {
  // By event, not by name: a container recovery gives the event's name back is planned like one under it.
  const wanted = new Map(services.map((s) => [s.event, s]));
  return mapPool(actual, INSPECT_CONCURRENCY, async (c) => {
    const service = isOurs(c, owner) ? wanted.get(c.labels[LABELS.event]!) : undefined;
    if (!service || c.labels[LABELS.configHash] === service.labels[LABELS.configHash]) return c;
    const info = await runtime.inspect(c.id);
    return info ? { ...c, node: keptNodeSettings(info.environment), config: info } : c;
  });
}

async function converge(runtime: Runtime, thePlan: Plan, options: UpOptions, report: Reporter): Promise<EventResult[]> {
  const waiting = options.wait ? `, waiting up to ${Math.round(options.readyTimeoutMs / 1000)}s for each to be served` : '';
  report.step(`converge ${thePlan.actions.length} event(s)${waiting}`);
  for (const a of thePlan.actions) report.event?.({ event: a.event, phase: 'queued', text: a.kind });
  return applyPlan(runtime, thePlan, {
    concurrency: options.concurrency,
    wait: options.wait,
    readyTimeoutMs: options.readyTimeoutMs,
    logLines: FAILURE_LOG_LINES,
    canary: options.canary ?? true,
    onProgress: report.progress,
    onEvent: report.event,
  });
}

/**
 * After the caller printed the summary: a DeployError (exit 5) naming the failed events, else a
 * NeedsPersonError (exit 9) naming those that wait for a login or a tailnet setting; nothing when all
 * are served.
 */
export function assertConverged(results: EventResult[]): void {
  const named = (rs: EventResult[]) => rs.map((r) => `${r.event} (${r.status})`).join(', ');
  const failed = results.filter((r) => !r.ok && !r.needsPerson && !r.skipped);
  const skipped = results.filter((r) => r.skipped).length;
  const untouched = skipped ? `; ${skipped} other event(s) left as they were` : '';
  if (failed.length > 0)
    throw new DeployError(`${failed.length} of ${results.length} event(s) did not converge: ${named(failed)}${untouched}`);
  const waiting = results.filter((r) => r.needsPerson);
  if (waiting.length > 0) throw new NeedsPersonError(`${waiting.length} of ${results.length} event(s) need a person: ${named(waiting)}`);
}
