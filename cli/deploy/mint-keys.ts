/**
 * `up`'s auth-key steps (fleet file `keys:`): before anything is created, mint one key for each event
 * whose node does not exist yet; after the converge (served, failed or given up on), revoke them.
 *
 * - Which events: those the plan creates or re-creates without an `authKey` of their own (a key read
 *   from `authKey` wins), and whose state dir holds no node (no tailscaled.state). An event whose
 *   container is gone but whose state dir keeps its node gets no key: the node logs in from its state.
 * - Where the key goes: the event's 0600 env file, read by the container's create, and so the
 *   container's env; never the compose file, output, --json or logs. The service's config hash is the
 *   one without a key, so the next `up` (with the env file gone) keeps the container.
 * - A failed mint fails the deploy before any container is created: keys minted for other events in
 *   the same run are revoked again.
 * - Every minted key's ID is remembered (tailnet/open-keys.ts) until it is revoked: a deploy that dies
 *   between mint and revoke leaves it for `retire`, and it expires on its own after keys.expiry.
 */
import { ControlServerError } from '../errors.js';
import { dropMintedKey, storeMintedKey } from '../render/secrets.js';
import type { ServiceDefinition } from '../render/service.js';
import { type ControlServer, controlServer, keyRef, type KeyRef } from '../tailnet/control.js';
import { forgetKey, openKeys, rememberKey } from '../tailnet/open-keys.js';
import type { HttpOptions } from '../tailnet/http.js';
import type { Action, Plan } from '../converge/plan.js';
import type { Reporter } from '../reporter.js';
import type { Deployment } from './deployment.js';
import { mapPool } from '../util/pool.js';

/** Node-state looks and mints in flight at once. */
const MINT_CONCURRENCY = 4;

export interface MintedRun {
  /** The plan with each minted event's service reading its key from the env file. */
  plan: Plan;
  /** Events that got a key (in plan order). */
  events: string[];
  /** Revoke every key minted in this run and remove its env file; failures are warnings. */
  revoke: () => Promise<void>;
}

interface Minted {
  event: string;
  ref: KeyRef;
  key: string;
}

function needsKey(action: Action): action is Extract<Action, { kind: 'create' | 'recreate' }> {
  return (action.kind === 'create' || action.kind === 'recreate') && action.service.envFile === null;
}

/** The mint step. Without `keys:` in the fleet file, or nothing new to key, the plan is returned as is. */
export async function mintKeys(
  d: Deployment,
  plan: Plan,
  report: Reporter,
  http: HttpOptions = {},
  /** The fleet's own control server (`controlServer:`), when `up` runs one. */
  accessory: ControlServer | null = null,
): Promise<MintedRun> {
  const { fleet } = d;
  const none: MintedRun = { plan, events: [], revoke: async () => {} };
  if (!fleet.keys && !accessory) return none;
  const { secretsDir } = d.paths;
  let control: ControlServer | undefined = accessory ?? undefined;
  const connect = async () => (control ??= (await controlServer(fleet, d.fleetFile, http))!);
  await revokeLeftovers(connect, Object.keys(fleet.events), secretsDir, report);
  // an event that logs in interactively (e.g. through OIDC) never gets a key
  const candidates = plan.actions.filter(needsKey).filter((a) => !fleet.events[a.event]?.interactiveLogin);
  if (candidates.length === 0) return none;
  report.step('mint auth keys for new nodes');
  // One look (a helper container) and one mint per event, several at once: on a real control server each
  // takes seconds, and a cold `up` of many events waited for them one after another.
  const hasNode = await mapPool(candidates, MINT_CONCURRENCY, (action) =>
    d.target.hostFiles.hasNodeState(action.service.image, action.service.volumes[0]!.source),
  );
  const fresh = candidates.filter((action, i) => {
    if (hasNode[i]) report.progress(`${action.event}: node exists (${action.service.volumes[0]!.source} holds its state): no key`);
    return !hasNode[i];
  });
  if (fresh.length === 0) return none;
  const server = await connect();
  const minted: Minted[] = [];
  const revoke = () => revokeAll(server, minted, secretsDir, report);
  const services = new Map<string, ServiceDefinition>();
  // Every mint runs to its end (none is abandoned in flight), so a failure takes back all that were made.
  const outcomes = await mapPool(fresh, MINT_CONCURRENCY, async (action) => {
    try {
      const key = await server.mint(action.event);
      const ref = keyRef(key);
      minted.push({ event: action.event, ref, key: key.key });
      await rememberKey(secretsDir, action.event, ref);
      const envFile = await storeMintedKey(action.event, key.key, secretsDir);
      // Same config hash as without a key: the key is for this create only.
      services.set(action.event, { ...action.service, envFile });
      const until = ref.expires ? `, expires ${ref.expires}` : '';
      report.progress(`${action.event}: minted auth key ${ref.id} on ${server.name} (single use${until})`);
      return null;
    } catch (err) {
      return err;
    }
  });
  const failed = outcomes.find((o) => o !== null);
  if (failed !== undefined) {
    // Nothing was created yet: take back what this run minted, then fail the deploy.
    await revoke();
    throw failed;
  }
  return {
    plan: {
      ...plan,
      actions: plan.actions.map((a) => (services.has(a.event) && needsKey(a) ? { ...a, service: services.get(a.event)! } : a)),
    },
    events: minted.map((m) => m.event),
    revoke,
  };
}

/**
 * Keys an earlier run minted and could not revoke (it died, or `up --no-wait` left them for the node):
 * revoked now, before anything else happens. Failures stay remembered and are warnings.
 */
async function revokeLeftovers(
  connect: () => Promise<ControlServer>,
  events: string[],
  secretsDir: string,
  report: Reporter,
): Promise<void> {
  const left = (await Promise.all(events.map(async (event) => (await openKeys(secretsDir, event)).map((ref) => ({ event, ref }))))).flat();
  if (left.length === 0) return;
  report.step(`revoke ${left.length} auth key(s) left open by an earlier run`);
  const control = await connect();
  for (const { event, ref } of left) {
    try {
      const outcome = await control.revoke(ref);
      await forgetKey(secretsDir, event, ref.id);
      report.progress(`${event}: auth key ${ref.id} ${outcome === 'gone' ? 'was gone already' : 'revoked'}`);
    } catch (err) {
      report.warn(`${event}: auth key ${ref.id} not revoked: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function revokeAll(control: ControlServer, minted: Minted[], secretsDir: string, report: Reporter): Promise<void> {
  for (const m of minted.splice(0)) {
    await dropMintedKey(m.event, secretsDir);
    try {
      const outcome = await control.revoke(m.ref, m.key);
      await forgetKey(secretsDir, m.event, m.ref.id);
      report.progress(`${m.event}: auth key ${m.ref.id} ${outcome === 'gone' ? 'was gone already' : 'revoked'}`);
    } catch (err) {
      const why = err instanceof ControlServerError ? err.message : String(err);
      const until = m.ref.expires ? ` (it expires ${m.ref.expires})` : '';
      report.warn(`${m.event}: auth key ${m.ref.id} not revoked${until}: ${why}; \`demo-fleet retire\` or the next revoke takes it back`);
    }
  }
}
