/**
 * An in-memory Target (cli/targets/target.ts): containers, images with revisions and tags, the deploy
 * lock, host files, the audit log and accessories, all in maps, so command cores (`up`, `rollback`,
 * `down`, `status`, `prune`, `lock`) run in-process through `openDeployment(file, { target })`.
 *
 * Time is the process clock (`Date.now()`), so a test that fakes it (vitest fake timers) controls every
 * wait: readiness looks, a container's start period, an app's restarts. What a started container does is
 * scripted per container (`behave`): serve (the default), exit, be restarted by the engine, fail to
 * start, never become healthy, crash-loop inside (its supervisor restarts the app), or wait for a login.
 * Exec answers what readiness and status run inside an event container — `tailscale status --json
 * --peers=false` and `tailscale serve status --json` in the shapes cli/tailnet/node-state.ts parses, the
 * app's recorded starts, `date +%s` — from the container's script. Any call can be made to fail (`fail`),
 * e.g. an engine that refuses one rename.
 *
 * It models the Docker target's observable rules where the cores depend on them: names are unique (a
 * create under a taken name is a 409), `replace` goes through `-next-`/`-prev-` names as replace.ts does
 * (so an interruption can be reproduced by a fault), removing the last tag of an image a container uses
 * is refused, and the lock's stale/refusal rules are the shared ones (cli/targets/lock-rules.ts).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { APP_ENV } from '../../app/env-names.js';
import { LABELS } from '../../cli/fleet/naming.js';
import type { Reporter } from '../../cli/reporter.js';
import { readSecretEnv } from '../../cli/render/secrets.js';
import type { AccessoryDefinition } from '../../cli/tailnet/control-server.js';
import { isStaleLock, lockedBy } from '../../cli/targets/lock-rules.js';
import { OCI_REVISION_LABEL, REVISION_LABEL, REVISION_TAG_PREFIX } from '../../cli/targets/revision.js';
import type {
  Accessories,
  ActualContainer,
  AuditLog,
  AuditRecord,
  BuiltImage,
  ContainerDetails,
  DeployLock,
  ExecResult,
  HostFiles,
  ImageRequest,
  Images,
  LockInfo,
  Replacement,
  Runtime,
  StoredRevision,
  Target,
} from '../../cli/targets/target.js';
import type { ServiceDefinition } from '../../cli/render/service.js';
import { EVENT_PROBE } from '../../cli/tailnet/probe.js';

/** What a started container does. */
export type Behaviour =
  /** Runs; healthy after its first second; its node is Running and serves the app on :443. */
  | 'serve'
  /** Exits at once (code 3), as an app that crashes at start under a restart policy that gave up. */
  | 'exit'
  /** Exits and the engine restarts it: state `restarting`, RestartCount grows. */
  | 'restart'
  /** The start itself fails (an entry point that does not exist): the container stays `created`. */
  | 'cannot-start'
  /** Runs, its node is served, but the app's health check fails (unhealthy after 3 s). */
  | 'unhealthy'
  /** Runs, its node is served, its health stays `starting`. */
  | 'starting'
  /** Runs; the app inside is restarted by its supervisor every 5 s (recorded in its starts file). */
  | 'crash-loop'
  /** Runs, healthy; its node waits for an interactive login. */
  | 'login';

/** How a container is scripted: its behaviour, and (optionally) the node's answers as JSON objects. */
export interface ContainerScript {
  behaviour?: Behaviour;
  /** `tailscale status --json` (ipnstate.Status) instead of the behaviour's. */
  status?: object;
  /** `tailscale serve status --json` (ipn.ServeConfig) instead of the behaviour's. */
  serve?: object;
}

/** What a rule sees of a container being created. */
export interface Creating {
  name: string;
  labels: Record<string, string>;
  env: Map<string, string>;
  image: MemoryImage | undefined;
}

export interface MemoryImage {
  id: string;
  labels: Record<string, string>;
  /** The request it was built from (tests script behaviour by it). */
  dockerfile: string | undefined;
  baseImage: string;
  /** Order of creation (newest = highest): `revisions` sorts by it. */
  seq: number;
}

export interface MemoryContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** The reference it was created from. */
  image: string;
  imageId: string;
  env: Array<[string, string]>;
  mounts: string[];
  state: 'created' | 'running' | 'exited' | 'restarting';
  exitCode: number;
  restartCount: number;
  /** ms (Date.now()) of its current start; null when it does not run. */
  startedAt: number | null;
  script: ContainerScript;
  logs: string[];
  /** Marks an accessory (no health check). */
  accessory?: boolean;
}

/** A call the target can be made to fail, named `<part>.<method>` (e.g. `containers.rename`). */
export interface Fault {
  call: string;
  /** Only calls whose arguments match; every call when absent. */
  when?: (...args: unknown[]) => boolean;
  /** The engine's message. */
  message: string;
  statusCode?: number;
  /** How many calls fail (default: every one). */
  times?: number;
}

export interface MemoryTarget extends Target {
  /** Every call made, as `<part>.<method> <first argument>`, in order. */
  readonly calls: string[];
  /** Every container, by id. */
  readonly all: Map<string, MemoryContainer>;
  /** The container under this name (or id), or undefined. */
  container(nameOrId: string): MemoryContainer | undefined;
  /** Script what containers do: the first rule that answers for a container being created wins. */
  behave(rule: (c: Creating) => ContainerScript | Behaviour | undefined): void;
  /** Make a call fail (see Fault). */
  fail(fault: Fault): void;
  /** Put a container there as someone (or an earlier run) made it; returns it. */
  seed(c: Partial<MemoryContainer> & { name: string }): MemoryContainer;
  /** Put a lock there as another process took it. */
  plantLock(fleetName: string, info: LockInfo): void;
  /** The images and their tags. */
  readonly images: Images & { all: Map<string, MemoryImage>; tags: Map<string, string>; tagsOf(id: string): string[] };
  /** The audit log's directories. */
  readonly audit: Map<string, AuditRecord[]>;
  /** State dirs that hold a node (`hasNodeState`), and every state dir that exists. */
  readonly nodeStates: Set<string>;
  readonly networks: Map<string, Record<string, string>>;
  /** The commit the builds are of (`sha-<7>`): a test sets another one to make another revision. */
  commit: string;
}

const hex = (text: string, n: number) => createHash('sha256').update(text).digest('hex').slice(0, n);

function engineError(message: string, statusCode = 500): Error {
  return Object.assign(new Error(message), { statusCode, json: { message } });
}

/** The app's start interval of a crash-looping container (s). */
const CRASH_EVERY_S = 5;
const MODEL_SUFFIX = 'tail0000.ts.net';

export function memoryTarget(options: { endpoint?: string; sharesHostPaths?: boolean } = {}): MemoryTarget {
  const calls: string[] = [];
  const containers = new Map<string, MemoryContainer>();
  const rules: Array<(c: Creating) => ContainerScript | Behaviour | undefined> = [];
  const faults: Fault[] = [];
  const images = new Map<string, MemoryImage>();
  const tags = new Map<string, string>();
  const locks = new Map<string, LockInfo & { id: string }>();
  const audit = new Map<string, AuditRecord[]>();
  const nodeStates = new Set<string>();
  const stateDirs = new Set<string>();
  const networks = new Map<string, Record<string, string>>();
  let seq = 0;

  /** Record the call; throw when a fault says so. */
  const hit = (call: string, ...args: unknown[]) => {
    calls.push(`${call}${args.length && typeof args[0] === 'string' ? ` ${args[0]}` : ''}`);
    const fault = faults.find((f) => f.call === call && (f.times === undefined || f.times > 0) && (!f.when || f.when(...args)));
    if (!fault) return;
    if (fault.times !== undefined) fault.times--;
    throw engineError(fault.message, fault.statusCode);
  };

  const find = (nameOrId: string): MemoryContainer | undefined =>
    containers.get(nameOrId) ??
    [...containers.values()].find((c) => c.name === nameOrId || (nameOrId.length >= 12 && c.id.startsWith(nameOrId)));
  const must = (nameOrId: string): MemoryContainer => {
    const c = find(nameOrId);
    if (!c) throw engineError(`No such container: ${nameOrId}`, 404);
    return c;
  };
  const nameTaken = (name: string, except?: string) => {
    const holder = [...containers.values()].find((c) => c.name === name && c.id !== except);
    if (holder) throw engineError(`Conflict. The container name "/${name}" is already in use by container "${holder.id}"`, 409);
  };
  const imageOf = (ref: string): MemoryImage | undefined => images.get(tags.get(ref) ?? ref);

  const scriptFor = (c: Creating): ContainerScript => {
    for (const rule of rules) {
      const s = rule(c);
      if (s) return typeof s === 'string' ? { behaviour: s } : s;
    }
    return { behaviour: 'serve' };
  };

  function create(def: {
    name: string;
    image: string;
    env: Array<[string, string]>;
    labels: Record<string, string>;
    mounts: string[];
    accessory?: boolean;
  }): MemoryContainer {
    nameTaken(def.name);
    const image = imageOf(def.image);
    if (!image) throw engineError(`No such image: ${def.image}`, 404);
    const id = hex(`container ${++seq} ${def.name}`, 64);
    const c: MemoryContainer = {
      id,
      name: def.name,
      labels: { ...def.labels },
      image: def.image,
      imageId: image.id,
      env: def.env,
      mounts: def.mounts,
      state: 'created',
      exitCode: 0,
      restartCount: 0,
      startedAt: null,
      script: scriptFor({ name: def.name, labels: def.labels, env: new Map(def.env), image }),
      logs: [],
      ...(def.accessory ? { accessory: true } : {}),
    };
    for (const m of def.mounts) stateDirs.add(m);
    containers.set(id, c);
    return c;
  }

  function start(c: MemoryContainer): void {
    if (c.state === 'running' || c.state === 'restarting') return;
    switch (c.script.behaviour) {
      case 'cannot-start':
        throw engineError(
          `failed to create task for container: exec: "/nonexistent": stat /nonexistent: no such file or directory: unknown`,
          400,
        );
      case 'exit':
        c.logs.push('[custom-init] starting', 'app: exiting with code 3');
        Object.assign(c, { state: 'exited', exitCode: 3, startedAt: null });
        return;
      case 'restart':
        c.logs.push('[custom-init] starting', 'app: exiting with code 1');
        Object.assign(c, { state: 'restarting', exitCode: 1, restartCount: c.restartCount + 1, startedAt: null });
        return;
      default:
        c.logs.push('[custom-init] starting', `] starting service svc-demo-app`);
        Object.assign(c, { state: 'running', exitCode: 0, startedAt: Date.now() });
    }
  }

  function stop(c: MemoryContainer): void {
    if (c.state === 'created' || c.state === 'exited') return;
    Object.assign(c, { state: 'exited', exitCode: 0, startedAt: null });
  }

  /** Seconds since its start (fake clock). */
  const upFor = (c: MemoryContainer) => (c.startedAt === null ? 0 : (Date.now() - c.startedAt) / 1000);

  function healthOf(c: MemoryContainer): 'starting' | 'healthy' | 'unhealthy' | undefined {
    if (c.accessory || c.state !== 'running') return undefined;
    switch (c.script.behaviour) {
      case 'starting':
      case 'crash-loop':
        return 'starting';
      case 'unhealthy':
        return upFor(c) >= 3 ? 'unhealthy' : 'starting';
      default:
        return upFor(c) >= 1 ? 'healthy' : 'starting';
    }
  }

  /** The app's recorded starts (UNIX s): one at the container's start, then every CRASH_EVERY_S when it crash-loops. */
  function appStarts(c: MemoryContainer): number[] {
    if (c.startedAt === null) return [];
    const first = Math.floor(c.startedAt / 1000);
    if (c.script.behaviour !== 'crash-loop') return [first];
    const n = Math.floor(upFor(c) / CRASH_EVERY_S) + 1;
    return Array.from({ length: n }, (_, i) => first + i * CRASH_EVERY_S);
  }

  function nodeStatus(c: MemoryContainer): object {
    if (c.script.status) return c.script.status;
    const env = new Map(c.env);
    if (c.script.behaviour === 'login') {
      return { BackendState: 'NeedsLogin', AuthURL: `https://login.example/a/${hex(c.id, 8)}`, HaveNodeKey: false, Self: {} };
    }
    return {
      BackendState: 'Running',
      HaveNodeKey: true,
      Self: { DNSName: `${env.get('TAILSCALE_HOSTNAME') ?? c.name}.${MODEL_SUFFIX}.`, Online: true, Capabilities: ['https', 'funnel'] },
    };
  }

  function serveStatus(c: MemoryContainer): object {
    if (c.script.serve) return c.script.serve;
    if (c.script.behaviour === 'login') return {};
    const env = new Map(c.env);
    const host = `${env.get('TAILSCALE_HOSTNAME') ?? c.name}.${MODEL_SUFFIX}:443`;
    const https = env.get('TAILSCALE_SERVE_MODE') !== 'http';
    return {
      TCP: { '443': https ? { HTTPS: true } : { HTTP: true } },
      Web: { [host]: { Handlers: { '/': { Proxy: `http://localhost:${env.get('TAILSCALE_SERVE_PORT') ?? '5000'}` } } } },
      ...(env.has(APP_ENV.funnel) ? { AllowFunnel: { [host]: true } } : {}),
    };
  }

  /** One command of a shell line, as the container's programs would answer it. */
  function runOne(c: MemoryContainer, command: string): ExecResult {
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });
    const cmd = command.trim();
    if (cmd === 'date +%s') return ok(`${Math.floor(Date.now() / 1000)}\n`);
    if (/^cat \/run\/demo-fleet\/app-starts/.test(cmd))
      return ok(
        appStarts(c)
          .map((t) => `${t}\n`)
          .join(''),
      );
    const echo = /^echo(?: '([^']*)')?$/.exec(cmd);
    if (echo) return ok(`${echo[1] ?? ''}\n`);
    if (c.accessory || !/tailscale/.test(new Map(c.env).get('DOCKER_MODS') ?? '')) {
      return { exitCode: 127, stdout: '', stderr: `sh: ${cmd.split(' ')[0]}: not found\n` };
    }
    if (/^tailscale status --json/.test(cmd)) return ok(`${JSON.stringify(nodeStatus(c))}\n`);
    if (cmd === 'tailscale serve status --json') return ok(`${JSON.stringify(serveStatus(c))}\n`);
    if (/^tailscale (serve|funnel)\b/.test(cmd)) return ok('');
    return { exitCode: 127, stdout: '', stderr: `sh: ${cmd.split(' ')[0]}: not found\n` };
  }

  /** `sh -c` lines of `;` and `&&` (what readiness and the serve fix run), or one argv. */
  function execute(c: MemoryContainer, cmd: string[]): ExecResult {
    const script = cmd[0] === 'sh' && cmd[1] === '-c' ? cmd[2]! : cmd.join(' ');
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    for (const part of script.split(/\s*;\s*/)) {
      for (const step of part.split(/\s*&&\s*/)) {
        const r = runOne(c, step.replace(/ 2>\/dev\/null$/, ''));
        stdout += r.stdout;
        stderr += r.stderr;
        exitCode = r.exitCode;
        if (exitCode !== 0) break;
      }
    }
    return { exitCode, stdout, stderr };
  }

  function actual(c: MemoryContainer): ActualContainer {
    const health = healthOf(c);
    return {
      id: c.id,
      name: c.name,
      labels: { ...c.labels },
      state: c.state,
      imageId: c.imageId,
      ...(health && c.state === 'running' ? { health } : {}),
      mounts: [...c.mounts],
    };
  }

  function details(c: MemoryContainer): ContainerDetails {
    return {
      id: c.id,
      name: c.name,
      labels: { ...c.labels },
      state: c.state,
      health: healthOf(c),
      image: c.image,
      imageId: c.imageId,
      startedAt: c.startedAt === null ? null : new Date(c.startedAt).toISOString(),
      exitCode: c.exitCode,
      restartCount: c.restartCount,
      environment: c.env.map(([k, v]): [string, string] => [k, v]),
      mounts: [...c.mounts],
    };
  }

  // As the Docker target creates it: the rendered env, then the event's secret env file (the auth key).
  const serviceEnv = async (service: ServiceDefinition): Promise<Array<[string, string]>> => [
    ...service.environment,
    ...Object.entries(await readSecretEnv(service.envFile)),
  ];
  const serviceMounts = (service: ServiceDefinition) => service.volumes.map((v) => v.source);
  const fromService = async (service: ServiceDefinition, name: string, extraLabels: Record<string, string> = {}) =>
    create({
      name,
      image: service.image,
      env: await serviceEnv(service),
      labels: { ...service.labels, ...extraLabels },
      mounts: serviceMounts(service),
    });

  const remove = (id: string) => {
    const c = find(id);
    if (c) containers.delete(c.id);
  };

  const runtime: Runtime = {
    async connect(id) {
      hit('containers.connect', id);
      throw new Error(`memory target: no app to connect to in ${id}`);
    },
    async list(names) {
      hit('containers.list', names);
      return [...containers.values()]
        .filter((c) => c.labels[LABELS.fleet] !== undefined || names.includes(c.name))
        .reverse() // the engine lists newest first
        .map(actual);
    },
    async createAndStart(service) {
      hit('containers.createAndStart', service.name);
      const c = await fromService(service, service.name);
      start(c);
      return c.id;
    },
    async start(id) {
      hit('containers.start', id);
      start(must(id));
    },
    async rename(id, name) {
      hit('containers.rename', id, name);
      const c = must(id);
      nameTaken(name, c.id);
      c.name = name;
    },
    async restart(id) {
      hit('containers.restart', id);
      const c = must(id);
      stop(c);
      start(c);
    },
    async replace(oldId, service) {
      hit('containers.replace', oldId, service.name);
      // replace.ts's order: create -next- (not started), stop the old one, rename it -prev-, the new one to the name, start
      const fresh = await fromService(service, `${service.name}-next-${oldId.slice(0, 12)}`, { [LABELS.replaces]: oldId });
      const old = must(oldId);
      let oldRenamed = false;
      try {
        hit('containers.stop', oldId);
        stop(old);
        await runtime.rename(oldId, `${service.name}-prev-${oldId.slice(0, 12)}`);
        oldRenamed = true;
        await runtime.rename(fresh.id, service.name);
        hit('containers.start', fresh.id);
        start(fresh);
      } catch (err) {
        remove(fresh.id);
        if (oldRenamed) old.name = service.name;
        start(old);
        throw err;
      }
      const replacement: Replacement = {
        id: fresh.id,
        commit: async () => {
          hit('containers.remove', oldId);
          remove(oldId);
        },
        rollback: async () => {
          hit('containers.remove', fresh.id);
          remove(fresh.id);
          await runtime.rename(oldId, service.name);
          hit('containers.start', oldId);
          start(old);
        },
      };
      return replacement;
    },
    async stopAndRemove(id) {
      hit('containers.stopAndRemove', id);
      remove(id);
    },
    async inspect(idOrName) {
      hit('containers.inspect', idOrName);
      const c = find(idOrName);
      return c ? details(c) : null;
    },
    async logs(id, opts) {
      hit('containers.logs', id);
      const lines = must(id).logs;
      const shown = opts.tail === undefined ? lines : opts.tail === 0 ? [] : lines.slice(-opts.tail);
      for (const l of shown) opts.stdout.write(`${l}\n`);
    },
    async lastLogLines(id, lines) {
      hit('containers.lastLogLines', id);
      const c = find(id);
      return c?.logs.length ? c.logs.slice(-lines).join('\n') : '(no logs)';
    },
    async exec(id, cmd) {
      hit('containers.exec', id, cmd);
      const c = must(id);
      if (c.state !== 'running') throw engineError(`container ${c.id} is not running`, 409);
      return execute(c, cmd);
    },
    // The Docker target's probe is an exec of the same command: so is this one.
    probe(id) {
      return runtime.exec(id, [...EVENT_PROBE]);
    },
    errorMessage: (err) => (err instanceof Error ? err.message : String(err)),
  };

  const lock: DeployLock = {
    name: (fleetName) => `demo-fleet-lock-${fleetName}`,
    async acquire(fleetName, message, fleetId) {
      hit('lock.acquire', fleetName);
      let tookOver: LockInfo | undefined;
      const held = locks.get(fleetName);
      if (held) {
        if (!isStaleLock(held)) throw lockedBy(fleetName, held, fleetId);
        tookOver = held;
        locks.delete(fleetName);
      }
      const id = hex(`lock ${++seq}`, 64);
      locks.set(fleetName, {
        id,
        holder: `${os.userInfo().username}@${os.hostname()}`,
        host: os.hostname(),
        pid: process.pid,
        since: new Date().toISOString(),
        message,
        ...(fleetId ? { fleetId } : {}),
      });
      return {
        release: async () => {
          if (locks.get(fleetName)?.id === id) locks.delete(fleetName);
        },
        ...(tookOver ? { tookOver } : {}),
      };
    },
    async forceRelease(fleetName, id) {
      hit('lock.forceRelease', fleetName);
      if (!id || locks.get(fleetName)?.id === id) locks.delete(fleetName);
    },
    async holder(fleetName) {
      hit('lock.holder', fleetName);
      const held = locks.get(fleetName);
      return held ? { ...held } : null;
    },
  };

  const tagsOf = (id: string) => [...tags].filter(([, i]) => i === id).map(([ref]) => ref);
  const inUse = (id: string) => [...containers.values()].some((c) => c.imageId === id);
  const setTag = (id: string, ref: string) => tags.set(ref, id);

  const imagePart: MemoryTarget['images'] = {
    all: images,
    tags,
    tagsOf,
    async buildAndTag(request: ImageRequest, eventTags: string[], report: Reporter): Promise<BuiltImage> {
      hit('images.buildAndTag', request.repo, request.dockerfile);
      report.step('build image');
      const commit7 = target.commit.slice(0, 7);
      const revision = `${commit7}-${hex(`${request.baseImage}\n${request.dockerfile ?? 'templates/Dockerfile'}`, 12)}`;
      const ref = `${request.repo}:${REVISION_TAG_PREFIX}${revision}`;
      const commitTag = `sha-${commit7}`;
      let image = imageOf(ref);
      const built = !image || Boolean(request.force);
      if (built) {
        image = {
          id: `sha256:${hex(`image ${++seq} ${revision}`, 64)}`,
          labels: { [REVISION_LABEL]: revision, [OCI_REVISION_LABEL]: target.commit },
          dockerfile: request.dockerfile,
          baseImage: request.baseImage,
          seq,
        };
        images.set(image.id, image);
      }
      report.progress(built ? `built ${ref}` : `${ref} is up to date (build skipped)`);
      for (const t of new Set([`${REVISION_TAG_PREFIX}${revision}`, commitTag, ...eventTags])) setTag(image!.id, `${request.repo}:${t}`);
      return { id: image!.id, ref, revision, commitTag, built, repoTags: tagsOf(image!.id) };
    },
    async pullEventTags(repo, events) {
      hit('images.pullEventTags', repo);
      const ids = new Set(events.map((e) => tags.get(`${repo}:${e}`)));
      if (ids.has(undefined)) throw engineError(`manifest for ${repo}:${events.find((e) => !tags.has(`${repo}:${e}`))} not found`, 404);
      if (ids.size > 1) throw engineError(`${repo}: the event tags are not one image`, 400);
      return events.length ? [...ids][0]! : null;
    },
    async inspect(ref) {
      hit('images.inspect', ref);
      const image = imageOf(ref);
      return image ? { id: image.id, labels: { ...image.labels } } : null;
    },
    async tag(imageId, repo, tag) {
      hit('images.tag', imageId, `${repo}:${tag}`);
      if (!images.has(imageId)) throw engineError(`No such image: ${imageId}`, 404);
      setTag(imageId, `${repo}:${tag}`);
    },
    async untag(ref) {
      hit('images.untag', ref);
      const id = tags.get(ref);
      if (!id) return false;
      if (tagsOf(id).length === 1 && inUse(id)) {
        throw engineError(
          `conflict: unable to remove repository reference "${ref}" (must force) - container is using its referenced image`,
          409,
        );
      }
      tags.delete(ref);
      if (tagsOf(id).length === 0) images.delete(id);
      return true;
    },
    async revisions(repo) {
      hit('images.revisions', repo);
      const out: StoredRevision[] = [];
      for (const [ref, id] of tags) {
        if (!ref.startsWith(`${repo}:${REVISION_TAG_PREFIX}`)) continue;
        const image = images.get(id)!;
        out.push({
          revision: ref.slice(`${repo}:${REVISION_TAG_PREFIX}`.length),
          imageId: id,
          created: image.seq,
          tags: tagsOf(id).filter((t) => t.startsWith(`${repo}:`)),
        });
      }
      return out.sort((a, b) => b.created - a.created);
    },
    async users() {
      hit('images.users');
      return [...containers.values()].map((c) => ({
        name: c.name,
        imageId: c.imageId,
        image: c.image,
        labels: { ...c.labels },
        mounts: [...c.mounts],
      }));
    },
    async checkPush(repo) {
      hit('images.checkPush', repo);
    },
    async push(repo, tag) {
      hit('images.push', `${repo}:${tag}`);
      const id = tags.get(`${repo}:${tag}`);
      if (!id) throw engineError(`An image does not exist locally with the tag: ${repo}:${tag}`, 404);
      return `sha256:${hex(`pushed ${id}`, 64)}`;
    },
  };

  const hostFiles: HostFiles = {
    async hasNodeState(_image, hostDir) {
      hit('hostFiles.hasNodeState', hostDir);
      return nodeStates.has(hostDir);
    },
    async moveStateDir(_image, root, from, to) {
      hit('hostFiles.moveStateDir', path.join(root, from));
      const src = path.join(root, from);
      if (!stateDirs.has(src) && !nodeStates.has(src)) return 'absent';
      const hadNode = nodeStates.delete(src);
      stateDirs.delete(src);
      if (to === null) return 'deleted';
      const dst = path.join(root, to);
      stateDirs.add(dst);
      if (hadNode) nodeStates.add(dst);
      return 'moved';
    },
  };

  const auditLog: AuditLog = {
    async append(dir, entry) {
      hit('auditLog.append', dir);
      audit.set(dir, [...(audit.get(dir) ?? []), structuredClone(entry)]);
    },
    async read(dir) {
      hit('auditLog.read', dir);
      return (audit.get(dir) ?? []).map((e) => structuredClone(e)).sort((a, b) => a.time.localeCompare(b.time));
    },
  };

  /** Files written into accessory containers (by container ID, then path): enough for the version marker. */
  const accessoryFiles = new Map<string, Map<string, string>>();
  const accessories: Accessories = {
    async ensureImage(ref) {
      hit('accessories.ensureImage', ref);
      if (images.has(ref) || tags.has(ref)) return 'present';
      const id = `sha256:${hex(`pulled ${ref}`, 64)}`;
      images.set(id, { id, labels: {}, dockerfile: undefined, baseImage: ref, seq: ++seq });
      tags.set(ref, id);
      return 'pulled';
    },
    async create(def: AccessoryDefinition) {
      hit('accessories.create', def.name);
      const c = create({
        name: def.name,
        image: def.image,
        env: def.secretEnvironment.map((k): [string, string] => [k, '***']),
        labels: def.labels,
        mounts: def.volumes.map((v) => v.source),
        accessory: true,
      });
      accessoryFiles.set(c.id, new Map(def.files.map((f) => [f.path, f.content])));
      return c.id;
    },
    async readText(id, file) {
      hit('accessories.readText', id, file);
      return accessoryFiles.get(find(id)?.id ?? id)?.get(file) ?? null;
    },
    async writeText(id, file, content) {
      hit('accessories.writeText', id, file);
      const key = find(id)?.id ?? id;
      accessoryFiles.set(key, (accessoryFiles.get(key) ?? new Map()).set(file, content));
    },
    async stop(id) {
      hit('accessories.stop', id);
      const c = find(id);
      if (c) stop(c);
    },
    async backup(id, dir, _names, into) {
      hit('accessories.backup', id, path.join(dir, into));
      return [];
    },
    async ensureNetwork(name, labels) {
      hit('accessories.ensureNetwork', name);
      if (networks.has(name)) return 'exists';
      networks.set(name, { ...labels });
      return 'created';
    },
    async removeNetwork(name, labels) {
      hit('accessories.removeNetwork', name);
      const have = networks.get(name);
      if (!have) return 'absent';
      if (Object.entries(labels).some(([k, v]) => have[k] !== v)) return 'not ours';
      networks.delete(name);
      return 'removed';
    },
  };

  const target: MemoryTarget = {
    kind: 'memory',
    endpoint: options.endpoint ?? 'memory://test',
    sharesHostPaths: options.sharesHostPaths ?? true,
    async connect() {
      hit('connect');
      return `${target.endpoint} (in memory)`;
    },
    containers: runtime,
    lock,
    images: imagePart,
    hostFiles,
    auditLog,
    accessories,
    errorMessage: runtime.errorMessage,
    calls,
    all: containers,
    container: find,
    behave: (rule) => void rules.push(rule),
    fail: (fault) => void faults.push(fault),
    seed(c) {
      nameTaken(c.name);
      const imageId = c.imageId ?? (c.image ? imageOf(c.image)?.id : undefined) ?? 'sha256:seeded';
      const made: MemoryContainer = {
        id: c.id ?? hex(`seeded ${++seq} ${c.name}`, 64),
        labels: {},
        image: 'someone/else:latest',
        env: [],
        mounts: [],
        state: 'created',
        exitCode: 0,
        restartCount: 0,
        startedAt: null,
        script: { behaviour: 'serve' },
        logs: [],
        ...c,
        imageId,
      };
      if (made.state === 'running' && made.startedAt === null) made.startedAt = Date.now();
      containers.set(made.id, made);
      return made;
    },
    plantLock(fleetName, info) {
      locks.set(fleetName, { id: info.id ?? hex(`planted ${++seq}`, 64), ...info });
    },
    audit,
    nodeStates,
    networks,
    commit: '0123456789abcdef0123456789abcdef01234567',
  };
  return target;
}
