/**
 * `restart [event…]`: restart event containers in place (same container, same state dir, same node),
 * under the deploy lock, then wait for each as `up` does (readiness.ts: served, or needs a person).
 * Without events: every event of the fleet that has a container. Core: reports through Reporter,
 * returns per-event results; the command prints them and throws through assertRestarted.
 */
import { DeployError, NeedsPersonError, UsageError } from '../errors.js';
import { containerName } from '../fleet/naming.js';
import { runningServeExpectation } from '../render/service.js';
import { concurrencyLimit, mapPool } from '../util/pool.js';
import { withDeployLock } from './deploy-lock.js';
import type { Deployment } from './deployment.js';
import { eventContainer } from './event-container.js';
import { waitUntilReady } from '../converge/readiness.js';
import type { Reporter } from '../reporter.js';

export interface RestartOptions {
  /** Events to restart; empty: all of the fleet's that have a container. */
  events: string[];
  wait: boolean;
  readyTimeoutMs: number;
  concurrency: number;
  forceUnlock: boolean;
}

export interface RestartResult {
  event: string;
  container: string;
  /** Restarted and served (or healthy without a docker-mod, or restarted with --no-wait). */
  ok: boolean;
  needsPerson?: boolean;
  /** No container to restart (only when all events were asked for: `up` creates it). */
  skipped?: boolean;
  /** served https://… | healthy | restarted (no wait) | waiting for login: … | the failure */
  status: string;
  url?: string;
  /** Last log lines of one that did not become ready. */
  logs?: string;
}

/** Readiness looks (inspect + one exec) in flight at once, as in `up`. */
const LOOK_CONCURRENCY = 8;
const FAILURE_LOG_LINES = 20;

export async function restart(d: Deployment, options: RestartOptions, report: Reporter): Promise<RestartResult[]> {
  const { fleet, owner } = d;
  d.requireEvents(options.events);
  const named = options.events.length > 0;
  const events = named ? [...new Set(options.events)] : Object.keys(fleet.events).sort();
  await d.target.connect();
  const runtime = d.target.containers;
  return withDeployLock(d.target.lock, fleet, 'restart', options.forceUnlock, report, async () => {
    const waiting = options.wait ? `, waiting up to ${Math.round(options.readyTimeoutMs / 1000)}s for each to be served` : '';
    report.step(`restart ${events.length} event(s)${waiting}`);
    const gate = concurrencyLimit(LOOK_CONCURRENCY);
    return mapPool(events, options.concurrency, async (event): Promise<RestartResult> => {
      const container = containerName(fleet, event);
      const base = { event, container };
      let info: Awaited<ReturnType<typeof eventContainer>>;
      try {
        info = await eventContainer(runtime, owner, event);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        report.progress(`${event}: refused: ${err.message}`);
        return { ...base, ok: false, status: `refused: ${container} is not a container of this fleet` };
      }
      if (!info) {
        const status = 'no container (`demo-fleet up` creates it)';
        report.progress(`${event}: ${status}`);
        return { ...base, ok: false, skipped: !named, status };
      }
      report.progress(`${event}: restart ${container}`);
      try {
        await runtime.restart(info.id);
      } catch (err) {
        const status = `restart failed: ${d.target.errorMessage(err)}`;
        report.progress(`${event}: ${status}`);
        return { ...base, ok: false, status };
      }
      if (!options.wait) return { ...base, ok: true, status: 'restarted (no wait)' };
      const ready = await waitUntilReady(runtime, info.id, runningServeExpectation(info.environment), {
        timeoutMs: options.readyTimeoutMs,
        gate,
        onWaiting: (why) => report.progress(`${event}: ${why}`),
      });
      report.progress(`${event}: ${ready.status}`);
      if (ready.kind === 'served') return { ...base, ok: true, status: ready.status, url: ready.url };
      if (ready.kind === 'healthy') return { ...base, ok: true, status: ready.status };
      if (ready.kind === 'needs-person')
        return { ...base, ok: false, needsPerson: true, status: ready.status, ...(ready.url ? { url: ready.url } : {}) };
      return { ...base, ok: false, status: ready.status, logs: await runtime.lastLogLines(info.id, FAILURE_LOG_LINES) };
    });
  });
}

/** As `up`'s: a DeployError (exit 5) naming the events that failed, else NeedsPersonError (exit 9); nothing when all are served. */
export function assertRestarted(results: RestartResult[]): void {
  const named = (rs: RestartResult[]) => rs.map((r) => `${r.event} (${r.status})`).join(', ');
  const failed = results.filter((r) => !r.ok && !r.needsPerson && !r.skipped);
  if (failed.length > 0) throw new DeployError(`${failed.length} of ${results.length} event(s) did not come back: ${named(failed)}`);
  const waiting = results.filter((r) => r.needsPerson);
  if (waiting.length > 0) throw new NeedsPersonError(`${waiting.length} of ${results.length} event(s) need a person: ${named(waiting)}`);
}
