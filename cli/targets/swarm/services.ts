/**
 * The Runtime of the Swarm target: each event is one service `<fleet>-<event>` (spec.ts) on its home
 * node (placement.ts); its "container" is the service with its current task (tasks.ts). A re-create is a
 * service update, stop-first, and its rollback an update back to the previous spec. What the event sees
 * inside comes from its own reports (report.ts); exec and port forwarding reach only tasks on the manager
 * itself (the manager cannot exec into another node's task) and say so in one line otherwise.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { DeployError, UsageError } from '../../errors.js';
import { LABELS } from '../../fleet/naming.js';
import { readSecretEnv } from '../../render/secrets.js';
import { AUTHKEY_ENV, STOP_GRACE_SECONDS, type ServiceDefinition } from '../../render/service.js';
import { engineMessage, statusCode, type Engine } from '../docker/client.js';
import { withoutSecrets } from '../docker/containers.js';
import { MOVE_STATE_SCRIPT, moveFailure, moveOutcome } from '../docker/state-dir.js';
import { execInContainer } from '../docker/exec.js';
import { connectInContainer } from '../docker/forward.js';
import type { ActualContainer, ContainerDetails, HostFiles, Replacement, Runtime, StateDirOutcome } from '../target.js';
import type { ImageResolver } from './images.js';
import { runJob } from './node-job.js';
import { describeNode, type Home, homeOf, labelNode, listNodes, nodeHolding, placeEvent, refuseUnavailable } from './placement.js';
import { lastReport, RESEND_MINUTES } from './report.js';
import { asRequest, credentials } from './request.js';
import { lastTaskLogLines, serviceLogs, taskLogText } from './service-logs.js';
import { SWARM_LABELS, serviceSpec } from './spec.js';
import { actualOf, currentTasks, detailsOf, type Service, TASK_ENDED, type Task } from './tasks.js';

/** swarmkit's limit on a secret's name (64 characters). */
const MAX_SECRET_NAME = 64;

export function swarmRuntime(engine: Engine, images: ImageResolver): { runtime: Runtime; hostFiles: HostFiles } {
  const { docker } = engine;
  // One placement at a time: a node label is written at the node's version, and events deploy in parallel.
  let placing: Promise<unknown> = Promise.resolve();
  const place = (service: ServiceDefinition): Promise<Home> => {
    const next = placing.then(() => placeEvent(docker, service));
    placing = next.catch(() => {});
    return next;
  };
  let localNode: Promise<string> | undefined;
  const managerNode = () => {
    localNode ??= docker.info().then((i: { Swarm?: { NodeID?: string } }) => i.Swarm?.NodeID ?? '');
    return localNode;
  };

  // the nodes, read once per command for naming where tasks run (status inspects every event)
  let nodes: ReturnType<typeof listNodes> | undefined;
  const nodesOnce = () => {
    nodes ??= listNodes(docker);
    return nodes;
  };

  const service = async (idOrName: string): Promise<Service | null> => {
    try {
      return (await docker.getService(idOrName).inspect()) as Service;
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  };
  const tasksOf = async (ids: string[]): Promise<Task[]> =>
    ids.length ? ((await docker.listTasks({ filters: { service: ids } })) as unknown as Task[]) : [];
  /** The service, its tasks and its current task (tasks.ts), or null when there is no such service. */
  const withTasks = async (idOrName: string): Promise<{ service: Service; tasks: Task[]; task: Task | undefined } | null> => {
    const s = await service(idOrName);
    if (!s) return null;
    const tasks = await tasksOf([s.ID]);
    return { service: s, tasks, task: currentTasks(s, tasks)[0] };
  };

  /** The service's current task, running on the manager itself; throws the one line why not otherwise. */
  const localTask = async (id: string, what: string): Promise<Task & { containerId: string }> => {
    const found = await withTasks(id);
    if (!found) throw new DeployError(`no service ${id}`);
    const { service: s, task } = found;
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (!task || !containerId || (task.Status?.State !== 'running' && task.Status?.State !== 'starting')) {
      throw new DeployError(`${s.Spec?.Name}: no running task to ${what}`);
    }
    if (task.NodeID !== (await managerNode())) {
      const node = (await listNodes(docker)).find((n) => n.id === task.NodeID);
      throw new UsageError(
        `${s.Spec?.Name} runs on node ${node ? describeNode(node) : task.NodeID}: the manager cannot ${what} a task on another node ` +
          `(run it there: DOCKER_HOST=<that node> docker exec ${containerId.slice(0, 12)} …)`,
      );
    }
    return { ...task, containerId };
  };

  /** The auth key as a Swarm secret named after its content (the same key is the same secret). */
  const secretFor = async (def: ServiceDefinition): Promise<{ id: string; name: string } | null> => {
    const secrets = await readSecretEnv(def.envFile);
    const other = Object.keys(secrets).filter((k) => k !== AUTHKEY_ENV);
    if (other.length)
      throw new DeployError(`${def.event}: the secret env file holds ${other.join(', ')}: only ${AUTHKEY_ENV} goes to a Swarm secret`);
    const key = secrets[AUTHKEY_ENV];
    if (!key) return null;
    // Swarm takes secret names of at most 64 characters: a long service name is cut, the digest (of both)
    // keeps it apart from another event's
    const digest = createHash('sha256').update(`${def.name}\n${key}`).digest('hex').slice(0, 12);
    const name = `${def.name.slice(0, MAX_SECRET_NAME - 21)}-authkey-${digest}`;
    const found = (await docker.listSecrets({ filters: { name: [name] } })) as Array<{ ID: string; Spec?: { Name?: string } }>;
    const same = found.find((s) => s.Spec?.Name === name);
    if (same) return { id: same.ID, name };
    const labels = { [LABELS.fleet]: def.labels[LABELS.fleet] ?? '', [SWARM_LABELS.service]: def.name };
    try {
      const made = (await docker.createSecret(
        asRequest({}, { Name: name, Labels: labels, Data: Buffer.from(key).toString('base64') }),
      )) as { id?: string; ID?: string };
      return { id: made.id ?? made.ID ?? '', name };
    } catch (err) {
      throw withoutSecrets(err, [key]);
    }
  };

  /** Remove the event's secrets but `keep` (a secret still in use is refused by the engine: left). */
  const pruneSecrets = async (serviceName: string, keep: string[]): Promise<void> => {
    const all = (await docker.listSecrets({ filters: { label: [`${SWARM_LABELS.service}=${serviceName}`] } })) as Array<{
      ID: string;
      Spec?: { Name?: string };
    }>;
    for (const s of all) {
      if (keep.includes(s.Spec?.Name ?? '')) continue;
      await docker
        .getSecret(s.ID)
        .remove()
        .catch(() => {});
    }
  };

  /** The state dir on the home node: made if missing; whether it holds a registered node. */
  const stateOnNode = async (home: Home, image: string, stateDir: string, what: string): Promise<boolean> => {
    // <appdata>/<year>/<event>: the job binds appdata, which must exist on the node
    const appdata = path.dirname(path.dirname(stateDir));
    const inside = `/appdata/${path.relative(appdata, stateDir)}`; // passed as $1, never spliced
    const r = await runJob(docker, {
      constraint: `node.id==${home.node.id}`,
      image,
      auth: await images.pullAuth(image),
      mounts: [{ source: appdata, target: '/appdata' }],
      script: `mkdir -p "$1" && if grep -Eq '"_current-profile"[[:space:]]*:[[:space:]]*"[^"]' "$1/tailscaled.state" 2>/dev/null; then echo registered; else echo none; fi`,
      args: [inside],
      what,
      where: describeNode(home.node),
    }).catch((err: unknown) => {
      if (/bind source path does not exist/.test(engineMessage(err))) {
        throw new UsageError(`appdata ${appdata} does not exist on node ${describeNode(home.node)}: make it there (mkdir -p ${appdata})`);
      }
      throw err;
    });
    if (r.exitCode !== 0)
      throw new DeployError(`${what} on node ${describeNode(home.node)} failed (exit ${r.exitCode}): ${r.output.trim()}`);
    const verdict = r.output.trim().split('\n').pop();
    if (verdict !== 'registered' && verdict !== 'none') {
      throw new DeployError(
        `${what} on node ${describeNode(home.node)}: the job's output was not read (${JSON.stringify(r.output.slice(-80))}): run up again`,
      );
    }
    return verdict === 'registered';
  };

  const specFor = async (def: ServiceDefinition, home: Home) => {
    const image = await images.resolve(def.image);
    const secret = await secretFor(def);
    return {
      spec: serviceSpec(def, { image: image.ref, imageId: image.id, home, secret, generation: randomBytes(6).toString('hex') }),
      secret,
      image: image.ref,
    };
  };

  const update = async (id: string, mutate: (spec: NonNullable<Service['Spec']>) => NonNullable<Service['Spec']>): Promise<void> => {
    const s = await service(id);
    if (!s?.Spec) throw new DeployError(`no service ${id}`);
    await docker.getService(s.ID).update(asRequest({ version: s.Version?.Index ?? 0 }, mutate(structuredClone(s.Spec))));
  };
  const newGeneration = (spec: NonNullable<Service['Spec']>) => {
    const cs = spec.TaskTemplate?.ContainerSpec;
    if (cs) cs.Labels = { ...(cs.Labels ?? {}), [SWARM_LABELS.generation]: randomBytes(6).toString('hex') };
    return spec;
  };

  /** Scale to 0 and wait until its tasks ended (their containers stopped), so a successor never overlaps. */
  const drain = async (id: string): Promise<void> => {
    await update(id, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 0 } } }));
    const deadline = Date.now() + (STOP_GRACE_SECONDS + 50) * 1000;
    for (;;) {
      const tasks = await tasksOf([id]);
      if (tasks.every((t) => TASK_ENDED.has(t.Status?.State ?? ''))) return;
      if (Date.now() >= deadline) return; // its node may be down: removing the service is all that is left
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  /**
   * An event of this fleet still running as a plain container on the manager (target: docker before):
   * a service beside it would be a second tailscaled on the same node identity.
   */
  const refuseContainers = async (names: string[]): Promise<void> => {
    if (names.length === 0) return;
    const found = (await docker.listContainers({
      all: true,
      filters: { name: names.map((n) => `^/${n}$`), label: [LABELS.fleet] },
    })) as Array<{
      Names?: string[];
      Labels?: Record<string, string>;
    }>;
    const plain = found.filter((c) => c.Labels?.['com.docker.swarm.service.name'] === undefined);
    if (plain.length === 0) return;
    const which = plain.map((c) => (c.Names?.[0] ?? '').replace(/^\//, '')).join(', ');
    throw new UsageError(
      `${which} run${plain.length === 1 ? 's' : ''} as a container on ${engine.endpoint} (target: docker): run \`demo-fleet down\` with target: docker first, then up with target: swarm`,
    );
  };

  const runtime: Runtime = {
    async list(names) {
      await refuseContainers(names);
      const [labelled, named] = await Promise.all([
        docker.listServices({ filters: { label: [LABELS.fleet] } }) as Promise<Service[]>,
        names.length ? (docker.listServices({ filters: { name: names } }) as Promise<Service[]>) : Promise.resolve([]),
      ]);
      const seen = new Map<string, Service>();
      for (const s of labelled) seen.set(s.ID, s);
      // the name filter matches prefixes: keep exact names only
      for (const s of named) if (names.includes(s.Spec?.Name ?? '')) seen.set(s.ID, s);
      const services = [...seen.values()];
      const tasks = await tasksOf(services.map((s) => s.ID));
      return services.map((s): ActualContainer => actualOf(s, tasks));
    },
    async createAndStart(def) {
      const home = await place(def);
      const { spec, secret, image } = await specFor(def, home);
      await stateOnNode(home, image, def.volumes[0]!.source, `make the state dir of ${def.event}`);
      try {
        const auth = credentials(await images.pullAuth(image));
        const made = (await docker.createService(auth, asRequest({}, spec))) as unknown as { ID?: string; id?: string };
        return made.ID ?? made.id ?? '';
      } catch (err) {
        if (secret) await pruneSecrets(def.name, []);
        throw err;
      }
    },
    // A service whose task ended (or that an interrupted remove scaled to 0): one replica, a new task.
    async start(id) {
      // a task that cannot be placed (its home drained or down) is said so now, not at the wait's timeout
      const s = await service(id);
      const home = s?.Spec?.Name ? homeOf(await listNodes(docker), s.Spec.Name) : null;
      if (home) refuseUnavailable(s?.Spec?.Labels?.[LABELS.event] ?? s?.Spec?.Name ?? id, home);
      await update(id, (spec) => ({
        ...newGeneration(spec),
        Mode: { Replicated: { Replicas: 1 } },
        TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 },
      }));
    },
    // the Swarm target never makes a service under another name; an event's service under another name is
    // the fleet's old name: (recovery would adopt it), which Swarm cannot do
    async rename(id, name) {
      const s = await service(id);
      const was = s?.Spec?.Name ?? id;
      throw new UsageError(
        `${was} cannot become ${name}: Swarm cannot rename a service (was the fleet's name: changed?): put name: back, or run \`demo-fleet down\` under the old name first`,
      );
    },
    // a stopped one (scaled to 0 by an interrupted remove) is started too, as the Runtime asks
    async restart(id) {
      await update(id, (spec) => ({
        ...newGeneration(spec),
        Mode: { Replicated: { Replicas: 1 } },
        TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 },
      }));
    },
    async replace(oldId, def): Promise<Replacement> {
      const before = await service(oldId);
      if (!before?.Spec) throw new DeployError(`no service ${oldId}`);
      // what a rollback goes back to: the spec known to have worked (an interrupted re-create's previous one)
      // (Swarm keeps one previous spec: when that one was never confirmed either — a second interrupted
      // re-create, or a restart in between — there is none known to work, and the current one is used)
      const previous = before.PreviousSpec;
      const known =
        before.Spec.Labels?.[SWARM_LABELS.unconfirmed] && previous && !previous.Labels?.[SWARM_LABELS.unconfirmed] ? previous : before.Spec;
      const home = await place(def);
      const { spec, secret, image } = await specFor(def, home);
      spec.Labels = { ...spec.Labels, [SWARM_LABELS.unconfirmed]: 'true' };
      await docker
        .getService(before.ID)
        .update(credentials(await images.pullAuth(image)), asRequest({ version: before.Version?.Index ?? 0 }, spec));
      const confirmed = (s: NonNullable<Service['Spec']>) => {
        const { [SWARM_LABELS.unconfirmed]: _, ...labels } = s.Labels ?? {};
        return { ...s, Labels: labels };
      };
      return {
        id: before.ID,
        // a service label only: no new task
        commit: async () => {
          await update(before.ID, confirmed);
          await pruneSecrets(def.name, secret ? [secret.name] : []);
        },
        // running again, as the Docker target starts the old container (even if a remove had scaled it to 0)
        rollback: () =>
          update(before.ID, () => ({ ...newGeneration(confirmed(structuredClone(known))), Mode: { Replicated: { Replicas: 1 } } })),
      };
    },
    async stopAndRemove(id) {
      const s = await service(id);
      if (!s) return;
      await drain(s.ID);
      try {
        await docker.getService(s.ID).remove();
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
      await pruneSecrets(s.Spec?.Name ?? '', []);
    },
    async inspect(idOrName): Promise<ContainerDetails | null> {
      const found = await withTasks(idOrName);
      if (!found) return null;
      const { task } = found;
      const details = detailsOf(found.service, found.tasks);
      const node = task?.NodeID ? (await nodesOnce()).find((n) => n.id === task.NodeID) : undefined;
      return node ? { ...details, runsOn: describeNode(node) } : details;
    },
    logs: (id, options) => serviceLogs(docker, id, options),
    // the current task's (the one that failed), not the lines of every task the service kept
    async lastLogLines(id, lines) {
      const task = (await withTasks(id).catch(() => null))?.task;
      return task ? lastTaskLogLines(docker, task.ID, lines) : '(no logs)';
    },
    async exec(id, cmd) {
      const task = await localTask(id, 'exec into');
      return execInContainer(docker, task.containerId, cmd);
    },
    async connect(id, port) {
      const task = await localTask(id, 'forward a port to');
      return connectInContainer(docker, task.containerId, port);
    },
    async probe(id) {
      const found = await withTasks(id);
      if (!found) throw new DeployError(`no service ${id}`);
      const { task } = found;
      if (!task) return null;
      // the report is sent again every RESEND_MINUTES: two of those and a margin for the nodes' clocks are
      // enough (a whole day of an event's logs is not read for one look); never before the task's creation
      const created = task.CreatedAt ? Math.floor(Date.parse(task.CreatedAt) / 1000) - 60 : 0;
      const since = Math.max(created, Math.floor(Date.now() / 1000) - (2 * RESEND_MINUTES + 1) * 60);
      return lastReport(await taskLogText(docker, task.ID, { since }), task.ID);
    },
    errorMessage: engineMessage,
  };

  const hostFiles: HostFiles = {
    async hasNodeState(image, hostDir) {
      const home = nodeHolding(await listNodes(docker), hostDir);
      if (!home) return false; // never placed: no node of the swarm holds it
      // a home that takes no task now was deployed to before: no key to mint (placing the event says why it waits)
      if (!home.node.ready || !home.node.active) return true;
      const resolved = await images.resolve(image);
      return stateOnNode(home, resolved.ref, hostDir, `look at the state dir ${hostDir}`);
    },
    async moveStateDir(image, root, from, to): Promise<StateDirOutcome> {
      const stateDir = path.join(root, from);
      const home = nodeHolding(await listNodes(docker), stateDir);
      if (!home) return 'absent';
      refuseUnavailable(path.basename(stateDir), home);
      const resolved = await images.resolve(image);
      // the Docker target's move, as a job on the home node
      const r = await runJob(docker, {
        constraint: `node.id==${home.node.id}`,
        image: resolved.ref,
        auth: await images.pullAuth(resolved.ref),
        mounts: [{ source: root, target: '/appdata' }],
        script: MOVE_STATE_SCRIPT,
        args: [from, to ?? ''],
        what: `move the state dir ${stateDir}`,
        where: describeNode(home.node),
      });
      const outcome = moveOutcome(r.exitCode);
      if (!outcome) throw new DeployError(`move ${stateDir} on node ${describeNode(home.node)}: ${moveFailure(r.exitCode, root, to)}`);
      await labelNode(docker, home.node, { [home.key]: null });
      return outcome;
    },
  };
  return { runtime, hostFiles };
}
