/**
 * `up`'s control server step (fleet file `controlServer:`), run before the events: the fleet network, the
 * headscale accessory as the fleet file describes it (kept when its config hash is unchanged, re-created
 * when not, its database backed up first when the release changes), ready when headscale answers on its
 * socket, and the user the event nodes belong to. Returns the accessory as the fleet's ControlServer, so
 * the mint step gives every new event node a key from it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DeployError, UsageError } from '../errors.js';
import { LABELS } from '../fleet/naming.js';
import { ownerLabels } from '../fleet/identity.js';
import type { Reporter } from '../reporter.js';
import { accessoryControl, ensureUser, findUser, type HeadscaleCli } from '../tailnet/accessory-control.js';
import type { ControlServer } from '../tailnet/control.js';
import { type AccessoryDefinition, accessoryName, controlServerAccessory, isOurAccessory } from '../tailnet/control-server.js';
import { readCredential } from '../tailnet/credentials.js';
import { OIDC_SECRET_ENV } from '../tailnet/headscale-config.js';
import type { ActualContainer, Runtime } from '../targets/target.js';
import type { Deployment } from './deployment.js';

/** How long headscale may take to answer after a start (it migrates its database first). */
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 500;
/** The database files a release change backs up (sqlite with its write-ahead log). */
const DATABASE_FILES = /^db\.sqlite(-wal|-shm)?$/;

export interface ControlServerOptions {
  /** Wait this long for headscale to answer (tests shorten it). */
  readyTimeoutMs?: number;
  /** For backup dir names (tests fix it). */
  now?: () => Date;
}

/** The accessory and its secrets as this run renders them. */
async function desired(d: Deployment): Promise<{ def: AccessoryDefinition; secrets: Record<string, string> }> {
  const control = d.fleet.controlServer!;
  const secrets: Record<string, string> = {};
  if (control.oidc)
    secrets[OIDC_SECRET_ENV] = await readCredential('controlServer.oidc.clientSecret', control.oidc.clientSecret, d.paths.fleetDir);
  const digest = Object.keys(secrets).length
    ? createHash('sha256')
        .update(JSON.stringify(Object.entries(secrets).sort()))
        .digest('hex')
    : null;
  return { def: controlServerAccessory(d.fleet, d.appdata(), digest), secrets };
}

/** The labels of what only this fleet made (the network it created). */
export function fleetNetworkLabels(d: Deployment): Record<string, string> {
  return { ...ownerLabels(d.fleet), [LABELS.accessory]: 'network' };
}

/** The container holding the accessory's name, if any. */
async function current(runtime: Runtime, name: string): Promise<ActualContainer | undefined> {
  return (await runtime.list([name])).find((c) => c.name === name);
}

/** What `up` would do with the control server (`up --dry-run`): nothing is changed. */
export async function planControlServer(d: Deployment, report: Reporter): Promise<void> {
  if (!d.fleet.controlServer) return;
  const { def } = await desired(d);
  report.step(`control server ${def.name} (headscale ${def.version}, --dry-run: nothing changes)`);
  const found = await current(d.target.containers, def.name);
  if (!found) report.progress(`would create it (network ${def.network}, state in ${def.volumes[0]!.source})`);
  else if (!isOurAccessory(found.labels, d.fleet)) report.warn(`${def.name} is not this fleet's control server: up would stop there`);
  else if (releaseChangeProblem(found.labels[LABELS.headscaleVersion], def.version))
    report.warn(`controlServer.version: ${releaseChangeProblem(found.labels[LABELS.headscaleVersion], def.version)}`);
  else if (found.labels[LABELS.configHash] !== def.labels[LABELS.configHash]) {
    const was = found.labels[LABELS.headscaleVersion];
    report.progress(
      was && was !== def.version
        ? `would back up its database and re-create it (${was} → ${def.version})`
        : 'would re-create it (its config changed)',
    );
  } else report.progress(found.state === 'running' ? 'unchanged' : `would start it (${found.state})`);
}

/** Bring the control server to the fleet file's description; null when the fleet has none. */
export async function ensureControlServer(
  d: Deployment,
  report: Reporter,
  options: ControlServerOptions = {},
): Promise<ControlServer | null> {
  const control = d.fleet.controlServer;
  if (!control) return null;
  const { containers, accessories } = d.target;
  const { def, secrets } = await desired(d);
  report.step(`control server ${def.name} (headscale ${control.version})`);
  const listed = await containers.list([def.name]);
  const found = listed.find((c) => c.name === def.name);
  if (found && !isOurAccessory(found.labels, d.fleet)) {
    throw new DeployError(
      `${def.name} is not this fleet's control server (it has other labels): rename the fleet (name:) or have its owner free the name`,
    );
  }
  refuseSharedState(listed, found, def);
  const refused = found ? releaseChangeProblem(found.labels[LABELS.headscaleVersion], def.version) : null;
  if (refused) throw new UsageError(`controlServer.version: ${refused}`);
  // a container that never started is what an interrupted create left (its config may be missing)
  const keep = found && found.state !== 'created' && found.labels[LABELS.configHash] === def.labels[LABELS.configHash];
  let id: string;
  if (found && keep) {
    id = found.id;
    if (found.state !== 'running') {
      await containers.start(id);
      report.progress(`started (was ${found.state})`);
    } else report.progress('unchanged');
  } else {
    // everything that can fail before the old one stops: the network and the image
    if ((await accessories.ensureNetwork(def.network, fleetNetworkLabels(d))) === 'created')
      report.progress(`network ${def.network} created`);
    if ((await accessories.ensureImage(def.image, report.progress)) === 'pulled') report.progress(`pulled ${def.image}`);
    if (found) {
      await accessories.stop(found.id);
      await backUp(d, found.id, found.labels[LABELS.headscaleVersion], def, report, options);
      await containers.stopAndRemove(found.id);
      report.progress(`removed the old container (${found.labels[LABELS.headscaleVersion] ?? '?'} → ${def.version})`);
    }
    id = await createChecked(d, def, secrets, !found, report, options);
    report.progress(found ? 're-created' : 'created');
  }
  const cli: HeadscaleCli = (args) => containers.exec(id, ['headscale', ...args]);
  await waitUntilAnswering(containers, id, cli, def, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  const userId = await ensureUser(cli, control.user);
  report.progress(`answering; event nodes belong to user ${control.user}`);
  return accessoryControl({ cli, version: control.version, userId, name: def.name, expiry: '1h' });
}

/** The release the state dir's database was last run with (written by demo-fleet before each start). */
const VERSION_MARKER = '.demo-fleet-headscale-version';

/**
 * Create the new container (not started), then, from the state dir it binds: when no old container said
 * which release the database is of (a first start, or after `down --with-control-server`), read it from
 * the marker and refuse a step headscale cannot take, or back the database up before another release
 * opens it; write the marker; start. A failure removes the new container.
 */
async function createChecked(
  d: Deployment,
  def: AccessoryDefinition,
  secrets: Record<string, string>,
  noOldContainer: boolean,
  report: Reporter,
  options: ControlServerOptions,
): Promise<string> {
  const { containers, accessories } = d.target;
  const stateDir = def.volumes[0]!.target;
  const id = await accessories.create(def, secrets);
  try {
    if (noOldContainer) {
      const was = (await accessories.readText(id, `${stateDir}/${VERSION_MARKER}`))?.trim() || undefined;
      const refused = releaseChangeProblem(was, def.version);
      if (refused)
        throw new UsageError(`controlServer.version: ${refused.replace('the control server runs', 'its database was last run by')}`);
      const hasDatabase = (await accessories.readText(id, `${stateDir}/db.sqlite`)) !== null;
      if (hasDatabase && was !== def.version) await backUp(d, id, was ?? 'unknown', def, report, options);
    }
    await accessories.writeText(id, `${stateDir}/${VERSION_MARKER}`, `${def.version}\n`);
    await containers.start(id);
    return id;
  } catch (err) {
    await containers.stopAndRemove(id).catch(() => {});
    throw err;
  }
}

/**
 * Another container binding this fleet's control server state dir (e.g. the accessory of this fleet file
 * under its old name: two headscales on one database) is refused before anything starts.
 */
function refuseSharedState(listed: ActualContainer[], found: ActualContainer | undefined, def: AccessoryDefinition): void {
  const dir = def.volumes[0]!.source;
  const sharer = listed.find((c) => c !== found && (c.mounts ?? []).includes(dir));
  if (sharer)
    throw new DeployError(
      `${sharer.name} already runs on the control server's state dir ${dir}: two headscales must not share one database; ` +
        `stop it (\`docker stop ${sharer.name}\`: its fleet's \`down --with-control-server\`) or give this fleet another appdata`,
    );
}

/**
 * headscale moves its database forward one minor release at a time and never back (0.29 refuses to start
 * otherwise: its CHANGELOG, see test/fixtures/real-tailnet/FINDINGS.md h): say so before anything stops.
 */
export function releaseChangeProblem(was: string | undefined, now: string): string | null {
  if (!was || was === now) return null;
  const [wasMinor, wasPatch] = was.split('.').slice(1).map(Number) as [number, number];
  const [nowMinor, nowPatch] = now.split('.').slice(1).map(Number) as [number, number];
  if (nowMinor < wasMinor || (nowMinor === wasMinor && nowPatch < wasPatch))
    return `the control server runs headscale ${was}, and headscale never moves its database back: set version: "${was}" again (or restore a backup-* database by hand)`;
  if (nowMinor > wasMinor + 1)
    return `the control server runs headscale ${was}: headscale upgrades one minor release at a time, so set version to a 0.${wasMinor + 1}.x release first and run up, then ${now}`;
  return null;
}

/** Copy the database files into `backup-<release>-<time>/` in the state dir (through container `id`, stopped or never started). */
async function backUp(
  d: Deployment,
  id: string,
  was: string | undefined,
  def: AccessoryDefinition,
  report: Reporter,
  options: ControlServerOptions,
): Promise<void> {
  if (!was || was === def.version) return;
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const into = `backup-${was}-${stamp}`;
  const copied = await d.target.accessories.backup(id, def.volumes[0]!.target, DATABASE_FILES, into);
  report.progress(
    copied.length
      ? `database of headscale ${was} backed up to ${path.join(def.volumes[0]!.source, into)} (${copied.length} file(s))`
      : `no database of headscale ${was} to back up`,
  );
}

/**
 * Ask headscale on its socket until it answers, bounded: `headscale health` from 0.28 (the server checks
 * its database: cmd/headscale/cli/health.go l.15-27 @v0.28.0), `users list` before (0.26 has no health
 * command). The official image has no shell or HTTP client to ask /health from inside.
 */
async function waitUntilAnswering(
  runtime: Runtime,
  id: string,
  cli: HeadscaleCli,
  def: AccessoryDefinition,
  timeoutMs: number,
): Promise<void> {
  const { name } = def;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const info = await runtime.inspect(id);
    if (!info || (info.state !== 'running' && info.state !== 'restarting')) {
      const logs = await runtime.lastLogLines(id, 10);
      throw new DeployError(`control server ${name} stopped (${info?.state ?? 'gone'}, exit ${info?.exitCode ?? '?'}):\n${logs}`);
    }
    const r = await cli(def.healthCommand).catch((err: unknown) => ({ exitCode: -1, stdout: '', stderr: String(err) }));
    if (r.exitCode === 0) return;
    last = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    if (Date.now() > deadline) {
      const logs = await runtime.lastLogLines(id, 10);
      throw new DeployError(`control server ${name} did not answer within ${Math.round(timeoutMs / 1000)}s (${last}):\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/** The running accessory as the fleet's ControlServer, for commands that do not deploy it (`retire`). */
export async function runningControlServer(d: Deployment): Promise<ControlServer> {
  const control = d.fleet.controlServer!;
  const { containers } = d.target;
  const name = accessoryName(d.fleet);
  const found = await current(containers, name);
  if (!found || !isOurAccessory(found.labels, d.fleet) || found.state !== 'running')
    throw new DeployError(`control server ${name} is ${found ? found.state : 'missing'}: run \`demo-fleet up\` first (it starts it)`);
  const cli: HeadscaleCli = (args) => containers.exec(found.id, ['headscale', ...args]);
  // looked up, never created here (retire --dry-run changes nothing); no user: its keys minted nothing yet
  const userId = (await findUser(cli, control.user)) ?? '0';
  return accessoryControl({ cli, version: found.labels[LABELS.headscaleVersion] ?? control.version, userId, name, expiry: '1h' });
}
