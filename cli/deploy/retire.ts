/**
 * `retire <event…>` after the conference, per event in this order:
 *   1. container  stop and remove it (a container not ours under its name is refused, as logs/exec do);
 *   2. node       delete it from the tailnet (Tailscale DELETE /api/v2/device/{id}; headscale node
 *                 delete). Its ID comes from the node itself (`tailscale status --json`, Self.ID: the
 *                 stable node ID, which is the numeric ID on headscale) while the container runs, else
 *                 from the API by hostname. `--keep-node` skips this step;
 *   3. keys       expire every key still open for it (tailnet/open-keys.ts), and remove its secret env
 *                 file (compose/secrets/<event>.env, render/secrets.ts): the key in it would otherwise stay
 *                 on disk until the next render, also with --keep-node;
 *   4. state      move its state dir to <appdata>/archive/<year>/<event>-<UTC time> (`--purge`: delete
 *                 it), through a short-lived helper container: the engine API is the only channel, so
 *                 this works over ssh:// too;
 *   5. fleet file drop the event (comment-preserving, as `remove` does).
 * Everything that is looked up is looked up before anything changes. Each step is idempotent (gone is
 * fine), so a retire that failed midway is run again as it was. `--dry-run` looks up, lists the steps
 * and changes nothing.
 *
 * Each step's outcome goes to the Reporter and to `onStep`: the seam through which an audit log records
 * what retire did (one call per step, in order, also for a dry run and for the step that failed).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ControlServerError, UsageError } from '../errors.js';
import { containerName, eventHostname, stateDir } from '../fleet/naming.js';
import { removeFleetEvent } from '../fleet/operations.js';
import { removeEventSecret, secretFileOf } from '../render/secrets.js';
import { type ControlServer, controlServer } from '../tailnet/control.js';
import { runningControlServer } from './control-server.js';
import type { HttpOptions } from '../tailnet/http.js';
import { probeSections } from '../tailnet/probe.js';
import { forgetKey, openKeys } from '../tailnet/open-keys.js';
import { outcomeOf } from './audit-entry.js';
import { auditedDeploy } from './audited-deploy.js';
import { eventContainer } from './event-container.js';
import type { Reporter } from '../reporter.js';
import type { ContainerDetails, Runtime } from '../targets/target.js';
import type { Deployment } from './deployment.js';

export interface RetireOptions {
  events: string[];
  dryRun: boolean;
  /** Leave the node on the tailnet. */
  keepNode: boolean;
  /** Delete the state dir instead of archiving it. */
  purge: boolean;
  forceUnlock: boolean;
  /** Transport settings for the control server's API (tests). */
  http?: HttpOptions;
  /** Called once per step with its outcome (the audit log's seam). */
  onStep?: (step: RetireStep) => void | Promise<void>;
}

export type RetireStepName = 'container' | 'node' | 'keys' | 'state' | 'fleet file';

export interface RetireStep {
  event: string;
  step: RetireStepName;
  /** done: changed; unchanged: nothing to do (gone already, or skipped by a flag); planned: --dry-run; failed. */
  outcome: 'done' | 'unchanged' | 'planned' | 'failed';
  detail: string;
}

export interface RetireResult {
  steps: RetireStep[];
}

/** What is looked up about an event before anything changes. */
interface Retiree {
  event: string;
  container: ContainerDetails | null;
  /** The node's ID, null when there is none to delete (or --keep-node); `from` says where it came from. */
  node: { id: string; from: string } | null;
  nodeNote: string;
  /** Relative to the appdata root. */
  stateFrom: string;
  stateTo: string | null;
  /** Images on the engine that have `sh` (the event's own), for the state dir helper. */
  images: string[];
}

export async function retire(d: Deployment, options: RetireOptions, report: Reporter): Promise<RetireResult> {
  const { fleet } = d;
  const unknown = options.events.filter((e) => !Object.hasOwn(fleet.events, e));
  if (unknown.length)
    throw new UsageError(
      `event(s) ${unknown.join(', ')} not in the fleet file (\`demo-fleet list\` shows the events; retired ones are gone)`,
    );
  if (options.events.length === 0) throw new UsageError('name the event(s) to retire, e.g. `demo-fleet retire cleveland`');
  if (!options.keepNode && !fleet.keys && !fleet.controlServer) {
    throw new UsageError(
      `${d.fleetFile}: retire deletes each node through the control server's API, configured in keys: (see README "Auth keys"); add it, or pass --keep-node`,
    );
  }
  const root = d.appdata();
  const api = fleet.keys ? await controlServer(fleet, d.fleetFile, options.http) : null;
  await d.target.connect();
  // the fleet's own headscale deletes its nodes through its CLI (it must run)
  const control = api ?? (fleet.controlServer && !options.keepNode ? await runningControlServer(d) : null);
  const steps: RetireStep[] = [];
  const record = async (s: RetireStep) => {
    steps.push(s);
    report.progress(`${s.event}: ${s.step}: ${s.detail}`);
    await options.onStep?.(s);
  };
  const run = async () => {
    for (const event of options.events) {
      report.step(`${options.dryRun ? 'retire (--dry-run: nothing changes)' : 'retire'} ${event}`);
      const t = await lookUp(d, event, root, control, options);
      if (options.dryRun) await listSteps(d, t, control, record);
      else await retireEvent(d, t, control, root, record);
    }
    return { steps };
  };
  if (options.dryRun) return run();
  // Audited like up/down: one entry with every step's outcome (or the error a step stopped at).
  const facts = (r: RetireResult) => {
    const events = r.steps.map((x) => ({
      event: x.event,
      action: `retire ${x.step}`,
      ok: x.outcome !== 'failed',
      status: `${x.outcome}: ${x.detail}`,
    }));
    return { revision: null, events, outcome: outcomeOf(events) };
  };
  return auditedDeploy(d, { command: 'retire', forceUnlock: options.forceUnlock, report }, run, facts);
}

/** The event's secret env file as the user knows it: relative to the fleet file's directory. */
function secretFileShown(d: Deployment, event: string): string {
  return path.relative(d.paths.fleetDir, secretFileOf(event, d.paths.secretsDir));
}

/** The node's stable ID from `tailscale status --json` in the probe of its running container, or null. */
async function ownNodeId(runtime: Runtime, container: ContainerDetails): Promise<string | null> {
  if (container.state !== 'running') return null;
  try {
    const r = await runtime.probe(container.id);
    // the status section alone: the probe's exit code is its last command's (serve status)
    if (!r) return null;
    const status = JSON.parse(probeSections(r.stdout).status) as { BackendState?: unknown; Self?: { ID?: unknown } };
    // A node that never logged in has no ID that control knows.
    if (status.BackendState === 'NeedsLogin' || status.BackendState === 'NoState') return null;
    return typeof status.Self?.ID === 'string' && status.Self.ID !== '' ? status.Self.ID : null;
  } catch {
    return null;
  }
}

async function lookUp(d: Deployment, event: string, root: string, control: ControlServer | null, options: RetireOptions): Promise<Retiree> {
  const { fleet, owner } = d;
  const runtime = d.target.containers;
  const config = fleet.events[event]!;
  const container = await eventContainer(runtime, owner, event);
  const hostname = eventHostname(fleet, event, config);
  let node: Retiree['node'] = null;
  let nodeNote = '--keep-node: the node stays on the tailnet';
  if (!options.keepNode && control) {
    const own = container ? await ownNodeId(runtime, container) : null;
    if (own && control.isNodeId(own)) {
      node = { id: own, from: 'its own tailscale status' };
    } else {
      const ids = await control.nodeIdsByHostname(hostname);
      if (ids.length > 1) {
        throw new ControlServerError(
          `${control.name}: find the node of ${event} failed: ${ids.length} nodes are called ${hostname} (${ids.join(', ')}); delete the right one in the admin console, then run \`demo-fleet retire ${event} --keep-node\``,
        );
      }
      if (ids[0]) node = { id: ids[0], from: `${control.name} by hostname ${hostname}` };
      else nodeNote = `no node called ${hostname} on ${control.name} (deleted already?)`;
    }
  }
  const dir = stateDir(fleet, event, config, d.paths.fleetDir);
  const stateFrom = path.relative(root, dir);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const year = String(config.year ?? fleet.year);
  const stateTo = options.purge ? null : path.posix.join('archive', year, `${event}-${stamp}`);
  const images: string[] = [];
  for (const ref of [container?.image, `${fleet.image}:${event}`]) {
    if (!ref || images.includes(ref)) continue;
    if (await d.target.images.inspect(ref)) images.push(ref);
  }
  return { event, container, node, nodeNote, stateFrom, stateTo, images };
}

async function listSteps(
  d: Deployment,
  t: Retiree,
  control: ControlServer | null,
  record: (s: RetireStep) => Promise<void>,
): Promise<void> {
  const { fleet } = d;
  const planned = (step: RetireStepName, detail: string) => record({ event: t.event, step, outcome: 'planned', detail });
  const unchanged = (step: RetireStepName, detail: string) => record({ event: t.event, step, outcome: 'unchanged', detail });
  if (t.container) await planned('container', `would stop and remove ${t.container.name}`);
  else await unchanged('container', `no container ${containerName(fleet, t.event)}`);
  if (t.node) await planned('node', `would delete node ${t.node.id} (found through ${t.node.from})`);
  else await unchanged('node', t.nodeNote);
  const keys = await openKeys(d.paths.secretsDir, t.event);
  const would = [
    ...(keys.length && control ? [`would expire ${keys.map((k) => k.id).join(', ')} on ${control.name}`] : []),
    ...(existsSync(secretFileOf(t.event, d.paths.secretsDir)) ? [`would remove ${secretFileShown(d, t.event)}`] : []),
  ];
  if (would.length) await planned('keys', would.join('; '));
  else await unchanged('keys', 'no key open');
  await planned('state', t.stateTo ? `would move ${t.stateFrom} to ${t.stateTo} (under appdata)` : `would delete ${t.stateFrom} (--purge)`);
  await planned('fleet file', `would drop ${t.event} from ${d.fleetFile}`);
}

async function retireEvent(
  d: Deployment,
  t: Retiree,
  control: ControlServer | null,
  root: string,
  record: (s: RetireStep) => Promise<void>,
): Promise<void> {
  const { fleet, target } = d;
  const event = t.event;
  /** Run a step; its failure is recorded, then thrown (the steps before stay done). */
  const step = async (name: RetireStepName, fn: () => Promise<{ outcome: 'done' | 'unchanged'; detail: string }>) => {
    let result: { outcome: 'done' | 'unchanged'; detail: string };
    try {
      result = await fn();
    } catch (err) {
      await record({ event, step: name, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    await record({ event, step: name, ...result });
  };

  await step('container', async () => {
    if (!t.container) return { outcome: 'unchanged', detail: `no container ${containerName(fleet, event)}` };
    await target.containers.stopAndRemove(t.container.id);
    return { outcome: 'done', detail: `stopped and removed ${t.container.name}` };
  });

  await step('node', async () => {
    if (!t.node || !control) return { outcome: 'unchanged', detail: t.nodeNote };
    const outcome = await control.deleteNode(t.node.id);
    return outcome === 'gone'
      ? { outcome: 'unchanged', detail: `node ${t.node.id} was gone already` }
      : { outcome: 'done', detail: `deleted node ${t.node.id} on ${control.name}` };
  });

  await step('keys', async () => {
    const { secretsDir } = d.paths;
    const keys = await openKeys(secretsDir, event);
    const details: string[] = [];
    let changed = false;
    if (keys.length && !control) details.push(`keys ${keys.map((k) => k.id).join(', ')} open, but no keys: block to expire them`);
    if (keys.length && control) {
      const expired: string[] = [];
      for (const ref of keys) {
        await control.revoke(ref);
        await forgetKey(secretsDir, event, ref.id);
        expired.push(ref.id);
      }
      details.push(`expired ${expired.join(', ')} on ${control.name}`);
      changed = true;
    }
    if (await removeEventSecret(event, secretsDir)) {
      details.push(`removed ${secretFileShown(d, event)}`);
      changed = true;
    }
    return { outcome: changed ? 'done' : 'unchanged', detail: details.join('; ') || 'no key open' };
  });

  await step('state', async () => {
    const image = t.images[0];
    if (!image) {
      throw new UsageError(
        `${event}: no image of the event on the engine to run the state dir helper (${fleet.image}:${event}): run \`demo-fleet up\` or \`demo-fleet build\` first, or move ${root}/${t.stateFrom} by hand and run retire again`,
      );
    }
    const outcome = await target.hostFiles.moveStateDir(image, root, t.stateFrom, t.stateTo);
    if (outcome === 'absent') return { outcome: 'unchanged', detail: `no state dir ${t.stateFrom} (archived already?)` };
    if (outcome === 'deleted') return { outcome: 'done', detail: `deleted ${t.stateFrom} (--purge)` };
    return { outcome: 'done', detail: `moved ${t.stateFrom} to ${t.stateTo} (under appdata ${root})` };
  });

  await step('fleet file', async () => {
    await removeFleetEvent(d.fleetFile, event);
    return { outcome: 'done', detail: `dropped ${event} from ${d.fleetFile}` };
  });
}
