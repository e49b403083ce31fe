/**
 * `up` and `down` as lists of named steps you can read top to bottom (after Kamal's deploy).
 * Core: reports through `Reporter`, returns results, throws typed errors; never prints itself.
 */
import { loadFleet } from '../fleet/file.js';
import type { Fleet } from '../fleet/schema.js';
import { renderFleet } from '../render/render.js';
import { containerName, LABELS } from '../fleet/naming.js';
import { DeployError, UsageError } from '../errors.js';
import { applyPlan, type EventResult } from './apply.js';
import { connectEngine, pingEngine, type Engine } from './client.js';
import { listFleetContainers, stopAndRemove } from './containers.js';
import { ensureImage, tagImage } from './image.js';
import { acquireLock, lockName, releaseLock } from './lock.js';
import { isOurs, planFleet, type Plan } from './plan.js';
import { pullFleetImages } from './registry.js';
import { mapPool } from '../util/pool.js';

export interface Reporter {
  /** A named step starts. */
  step: (name: string) => void;
  /** A line of progress inside a step. */
  progress: (line: string) => void;
  warn: (line: string) => void;
}

export interface UpOptions {
  fleetFile: string;
  baseImage?: string;
  dockerfile?: string;
  /** Use published images (`<image>:<event>` pulled from the registry) instead of building. */
  pull?: boolean;
  wait: boolean;
  healthTimeoutMs: number;
  concurrency: number;
  dryRun: boolean;
  forceUnlock: boolean;
}

export interface UpResult {
  imageId: string | null;
  imageRef: string | null;
  built: boolean;
  plan: Plan;
  results: EventResult[];
}

async function withLock<T>(engine: Engine, fleet: Fleet, what: string, forceUnlock: boolean, report: Reporter, fn: () => Promise<T>): Promise<T> {
  if (forceUnlock) {
    report.warn(`removing the deploy lock of fleet "${fleet.name}" (--force-unlock)`);
    await releaseLock(engine.docker, fleet.name);
  }
  report.step(`take deploy lock ${lockName(fleet.name)}`);
  const lock = await acquireLock(engine.docker, fleet.name, what);
  if (lock.tookOver) {
    report.warn(`took over a stale deploy lock of ${lock.tookOver.holder} (pid ${lock.tookOver.pid} is gone, since ${lock.tookOver.since})`);
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function up(options: UpOptions, report: Reporter): Promise<UpResult> {
  report.step('validate fleet');
  const { fleet } = await loadFleet(options.fleetFile);

  report.step('render compose file');
  const rendered = await renderFleet(fleet, { fleetFile: options.fleetFile });
  for (const w of rendered.warnings) report.warn(w);
  const events = rendered.services.map((s) => s.event);

  report.step('connect to Docker');
  const engine = connectEngine();
  const api = await pingEngine(engine);
  report.progress(`${engine.endpoint} (API ${api})`);

  const run = async (): Promise<UpResult> => {
    const pull = options.pull ?? fleet.pull;
    let imageId: string | null = null;
    let imageRef: string | null = null;
    let built = false;
    if (pull) {
      report.step(`pull ${fleet.image} for ${events.length} event(s)`);
      if (!options.dryRun) imageId = await pullFleetImages(engine, fleet.image, events, report.progress);
    } else {
      report.step('build image');
      if (options.dryRun) {
        report.progress('skipped (--dry-run)');
      } else {
        const image = await ensureImage(engine, {
          repo: fleet.image,
          baseImage: options.baseImage ?? fleet.baseImage,
          dockerfile: options.dockerfile,
          onProgress: report.progress,
        });
        ({ id: imageId, ref: imageRef, built } = image);
        report.progress(built ? `built ${image.ref}` : `${image.ref} is up to date (build skipped)`);
        report.step(`tag ${events.length} event(s)`);
        await tagImage(engine.docker, image, fleet.image, events);
      }
    }

    report.step('plan');
    const actual = await listFleetContainers(engine.docker, rendered.services.map((s) => s.name));
    const plan = planFleet(fleet.name, rendered.services, imageId, actual);
    if (options.dryRun) return { imageId, imageRef, built, plan, results: [] };

    report.step(`converge ${plan.actions.length} event(s)${options.wait ? `, waiting up to ${Math.round(options.healthTimeoutMs / 1000)}s for health` : ''}`);
    const results = await applyPlan(engine.docker, plan, {
      concurrency: options.concurrency,
      wait: options.wait,
      healthTimeoutMs: options.healthTimeoutMs,
      logLines: 20,
      onProgress: report.progress,
    });
    return { imageId, imageRef, built, plan, results };
  };

  if (options.dryRun) return run();
  return withLock(engine, fleet, 'up', options.forceUnlock, report, run);
}

/** Throw a DeployError naming the failed events (after the caller printed the summary). */
export function assertConverged(results: EventResult[]): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  throw new DeployError(
    `${failed.length} of ${results.length} event(s) did not converge: ${failed.map((r) => `${r.event} (${r.status})`).join(', ')}`,
  );
}

export interface DownOptions {
  fleetFile: string;
  events: string[];
  forceUnlock: boolean;
  concurrency: number;
}

export interface DownResult {
  removed: Array<{ event: string; container: string }>;
}

export async function down(options: DownOptions, report: Reporter): Promise<DownResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  for (const e of options.events) {
    if (!fleet.events[e]) throw new UsageError(`event "${e}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  }
  const engine = connectEngine();
  await pingEngine(engine);
  return withLock(engine, fleet, 'down', options.forceUnlock, report, async () => {
    const names = (options.events.length ? options.events : Object.keys(fleet.events)).map((e) => containerName(fleet, e));
    const actual = await listFleetContainers(engine.docker, names);
    // Ours only: named like one of the events (or, with no events given, any container of this fleet).
    const targets = actual.filter(
      (c) => isOurs(c, fleet.name) && (options.events.length === 0 || names.includes(c.name)),
    );
    report.step(`stop and remove ${targets.length} container(s) (state dirs kept)`);
    await mapPool(targets, options.concurrency, async (c) => {
      report.progress(`${c.labels[LABELS.event]}: stop and remove ${c.name}`);
      await stopAndRemove(engine.docker, c.id);
    });
    return { removed: targets.map((c) => ({ event: c.labels[LABELS.event] ?? '', container: c.name })) };
  });
}

