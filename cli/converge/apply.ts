/**
 * Execute a plan: each event's action, several events at once (bounded), then wait until each event is
 * ready (served on the tailnet; see readiness.ts). When more than one event is re-created, one goes
 * first (the canary) and the rest only if it becomes ready; a re-created event that does not is rolled
 * back onto its previous container. One event failing does not stop the others (past the canary); the
 * result says which failed, which were rolled back, which need a person, and why.
 */
import { serveExpectation } from '../render/service.js';
import { concurrencyLimit, mapPool } from '../util/pool.js';
import { DeployError } from '../errors.js';
import { describeAction, type Action, type Plan } from './plan.js';
import { describeRecovery, type RecoveryStep } from './recovery.js';
import { waitUntilReady } from './readiness.js';
import { executeAction } from './execute-action.js';
import type { EventPhase, EventProgress } from '../reporter.js';
import type { Replacement, Runtime } from '../targets/target.js';

export interface ApplyOptions {
  concurrency: number;
  /** Wait until ready; false = `--no-wait`. */
  wait: boolean;
  /** How long each event may take to become ready. */
  readyTimeoutMs: number;
  /** Lines of a failed container's log to include. */
  logLines: number;
  /** Re-create one event first and the rest only if it becomes ready (`--no-canary`: false). */
  canary: boolean;
  onProgress: (line: string) => void;
  /** Each event's state as it changes (a live display keeps one line per event). */
  onEvent?: (e: EventProgress) => void;
}

export interface EventResult {
  event: string;
  action: Action['kind'];
  /** Converged: served (or healthy without a docker-mod), removed, or started with --no-wait. */
  ok: boolean;
  /** Not converged, but nothing failed: a person must log the node in or change the tailnet. */
  needsPerson?: boolean;
  /** Not attempted: the canary failed, so the event was left as it was. */
  skipped?: boolean;
  /** Re-created, not ready, and put back on its previous container. */
  rolledBack?: boolean;
  /** served https://… | healthy | removed | kept | started (no wait) | waiting for login: … | the failure */
  status: string;
  /** Where visitors reach the event (when served), or the login URL (when waiting for one). */
  url?: string;
  containerId: string | null;
  logs?: string;
  /** From the start of its action until it settled (ready, failed, rolled back), in ms. */
  durationMs?: number;
}

/** The status of a kept container that the listing shows healthy (no look inside: see applyPlan). */
export const KEPT_HEALTHY = 'kept (healthy)';

/** Readiness looks (an inspect and one exec each) in flight at once, however many events wait. */
const LOOK_CONCURRENCY = 8;

/** Run the plan: the canary first when there is one, then the rest (bounded), each waited for. */
export async function applyPlan(runtime: Runtime, plan: Plan, options: ApplyOptions): Promise<EventResult[]> {
  await recover(runtime, plan.recovery, options);
  const gate = concurrencyLimit(LOOK_CONCURRENCY);
  const recreates = plan.actions.filter((a) => a.kind === 'recreate');
  const canary = options.canary && options.wait && recreates.length > 1 ? recreates[0] : undefined;
  if (!canary) return runActions(runtime, plan.actions, options, gate);
  options.onProgress(`${canary.event}: canary (${recreates.length} events are re-created: this one first)`);
  for (const a of plan.actions)
    if (a !== canary) options.onEvent?.({ event: a.event, phase: 'queued', text: `after the canary ${canary.event}` });
  const [first] = await runActions(runtime, [canary], options, gate);
  if (!first!.ok && !first!.needsPerson) {
    const note = `not changed: canary ${canary.event} failed`;
    return plan.actions.map((a) =>
      a === canary
        ? first!
        : reported(options, { event: a.event, action: a.kind, ok: false, skipped: true, status: note, containerId: null }),
    );
  }
  const rest = await runActions(
    runtime,
    plan.actions.filter((a) => a !== canary),
    options,
    gate,
  );
  return plan.actions.map((a) => (a === canary ? first! : rest.shift()!));
}

/**
 * What an interrupted deploy left, settled before any event is touched (recovery.ts), whatever the
 * canary does later. A step the target refuses ends the deploy: the plan assumed it.
 */
async function recover(runtime: Runtime, steps: RecoveryStep[], options: ApplyOptions): Promise<void> {
  for (const step of steps) {
    options.onProgress(describeRecovery(step));
    try {
      if (step.kind === 'adopt') await runtime.rename(step.container.id, step.name);
      else await runtime.stopAndRemove(step.container.id);
    } catch (err) {
      throw new DeployError(
        `${step.event}: could not ${step.kind === 'adopt' ? `rename ${step.container.name} to ${step.name}` : `remove ${step.container.name}`}: ` +
          `${runtime.errorMessage(err)} (no event was changed; run the command again)`,
      );
    }
  }
}

/** Execute the actions (bounded), then wait for all their events at once (looks bounded by the gate). */
async function runActions(runtime: Runtime, actions: Action[], options: ApplyOptions, gate: Gate): Promise<EventResult[]> {
  const executed = await mapPool(actions, options.concurrency, async (action) => {
    const started = Date.now();
    const ran = await execute(runtime, action, options);
    // An event with nothing to wait for has its outcome now (not when the others' actions are done).
    if (options.wait && waitsFor(action, ran.result)) return { ...ran, started, final: false };
    const result = options.wait ? await settle(runtime, action, ran.result, options, gate) : ran.result;
    return { ...ran, result: ran.replacement ? result : finished(options, result, started), started, final: !ran.replacement };
  });
  return Promise.all(
    executed.map(async ({ started, result, replacement, final }, i) => {
      if (final) return result;
      const settled = options.wait ? await settle(runtime, actions[i]!, result, options, gate) : result;
      if (!replacement) return finished(options, settled, started);
      // A commit or rollback the target refuses is this event's outcome, not the whole run's: what it left
      // is settled by the next run (recovery.ts).
      if (settled.ok || settled.needsPerson || !options.wait) {
        try {
          await replacement.commit();
        } catch (err) {
          options.onProgress(
            `${settled.event}: the previous container was not removed (${runtime.errorMessage(err)}); the next up removes it`,
          );
        }
        return finished(options, settled, started);
      }
      try {
        await replacement.rollback();
      } catch (err) {
        const status = `${settled.status}; putting the previous container back failed (${runtime.errorMessage(err)}): the next up settles it`;
        return finished(options, { ...settled, status }, started);
      }
      options.onProgress(`${settled.event}: rolled back to its previous container`);
      const status = `${settled.status}; rolled back to the previous container`;
      return finished(options, { ...settled, rolledBack: true, status }, started);
    }),
  );
}

/** The action on the runtime; its failure is the event's result. */
async function execute(
  runtime: Runtime,
  action: Action,
  options: ApplyOptions,
): Promise<{ result: EventResult; replacement?: Replacement }> {
  const base = { event: action.event, action: action.kind };
  if (action.kind === 'conflict') {
    options.onProgress(describeAction(action));
    return { result: { ...base, ok: false, status: `refused: ${action.name} ${action.reason}`, containerId: null } };
  }
  if (action.kind !== 'keep') options.onProgress(describeAction(action));
  options.onEvent?.({ event: action.event, phase: 'working', text: action.kind === 'keep' ? 'checking' : action.kind });
  try {
    const { containerId, replacement } = await executeAction(runtime, action);
    const status = action.kind === 'remove' ? 'removed' : action.kind === 'keep' ? 'kept' : 'started';
    return { result: { ...base, ok: true, status, containerId }, replacement };
  } catch (err) {
    const status = `${action.kind} failed: ${runtime.errorMessage(err)}`;
    options.onProgress(`${action.event}: ${status}`);
    return { result: { ...base, ok: false, status, containerId: null } };
  }
}

/** Whether settle() waits for the event to be ready: a started container that is not a kept healthy one. */
function waitsFor(action: Action, result: EventResult): boolean {
  if (!result.ok || !result.containerId || action.kind === 'remove' || action.kind === 'conflict') return false;
  // A kept container the listing shows healthy is not looked into: its node was read when it was
  // deployed, and a no-op up must not exec into every container (bench/up: 50 looks took 5 s on the
  // test base). `status` reads every node.
  return !(action.kind === 'keep' && action.container.health === 'healthy');
}

/** The event's outcome is known: timed from the start of its action, and told to `onEvent`. */
function finished(options: ApplyOptions, r: EventResult, started: number): EventResult {
  return reported(options, { ...r, durationMs: Date.now() - started });
}

/** The phase a finished event is in. */
function phaseOf(r: EventResult): EventPhase {
  if (r.ok) return 'done';
  if (r.needsPerson) return 'attention';
  return r.skipped ? 'skipped' : 'failed';
}

/** Tell `onEvent` where a finished event ended; returns the result. */
function reported(options: ApplyOptions, r: EventResult): EventResult {
  options.onEvent?.({ event: r.event, phase: phaseOf(r), text: r.status });
  return r;
}

type Gate = ReturnType<typeof concurrencyLimit>;

/** Wait until the event of a started or kept container is ready, needs a person, or failed. */
async function settle(runtime: Runtime, action: Action, result: EventResult, options: ApplyOptions, gate: Gate): Promise<EventResult> {
  if (!result.ok || !result.containerId || action.kind === 'remove' || action.kind === 'conflict') return result;
  if (!waitsFor(action, result)) return { ...result, status: KEPT_HEALTHY }; // a kept healthy container: see waitsFor
  const ready = await waitUntilReady(runtime, result.containerId, serveExpectation(action.service.node), {
    timeoutMs: options.readyTimeoutMs,
    gate,
    onWaiting: (why) => {
      if (action.kind !== 'keep') options.onProgress(`${action.event}: ${why}`);
      options.onEvent?.({ event: action.event, phase: 'working', text: why });
    },
  });
  if (action.kind !== 'keep' || ready.kind !== 'served') options.onProgress(`${action.event}: ${ready.status}`);
  if (ready.kind === 'served') return { ...result, status: ready.status, url: ready.url };
  if (ready.kind === 'healthy') return { ...result, status: ready.status };
  if (ready.kind === 'needs-person')
    return { ...result, ok: false, needsPerson: true, status: ready.status, ...(ready.url ? { url: ready.url } : {}) };
  const logs = await runtime.lastLogLines(result.containerId, options.logLines);
  return { ...result, ok: false, status: ready.status, logs };
}
