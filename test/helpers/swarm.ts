/**
 * A real Docker Swarm for tests: one node (a manager) or two (manager + worker), each a dockerd of the
 * test's own, in a network namespace of its own.
 *
 * Why not `docker swarm init` on the shared test engine: other test files (and other sessions) use that
 * engine at the same time. Swarm mode changes it for all of them — it creates the `ingress` and
 * `docker_gwbridge` networks, listens on 2377/7946 on the address it advertises (the machine's real
 * interface), and a `swarm leave --force` from one test removes every service of another. With a dockerd
 * per node the shared engine is only read (`docker save` of the images the swarm needs) and never
 * changes mode; a failed test can at worst leave processes and a netns whose names carry this run's id,
 * which `cleanup()` (and `reapAbandoned()`, for a test process that was killed) removes.
 *
 * Each node: `ip netns add`, then `nsenter --net=<netns> dockerd` with its own --data-root, --exec-root,
 * socket and --pidfile under one directory (`ip netns exec` would remount /sys, and dockerd then fails
 * with "Devices cgroup isn't mounted": /work/shared/notes/facts.md, "A two-node Docker Swarm on one
 * machine"). The two namespaces are linked by a veth pair that lives only inside them (nothing is added
 * to the root namespace's interfaces or routes, so fixed addresses cannot clash with anything); a single
 * node gets a veth pair with both ends in its own namespace, to have a non-loopback address to
 * advertise. The nodes share the machine's filesystem (nsenter enters only the network namespace): a
 * bind-mounted host directory is the same directory on both "nodes" — tests that mean "the node's own
 * directory" must give each node a directory of its own.
 *
 * Nothing can be pulled from outside: `loadImages()` saves images from the shared engine once and loads
 * them into every node. Services then name images by tag (a tag-only reference: the manager warns that it
 * could not record a digest, and each node uses its own copy). With `registry: true` the swarm also has a
 * registry of its own that every node can pull from (Debian's docker-registry in the manager's namespace,
 * plain HTTP on `<manager addr>:5000`, every dockerd started with --insecure-registry for it): push on
 * the manager, name the image by digest, and the node that runs the task pulls it.
 *
 *   const swarm = await startSwarm({ name: 'fixture', workers: 1, images: ['demo-fleet-test/base:tailnet'] });
 *   try { await swarm.manager.docker(['service', 'create', ...]); } finally { await swarm.cleanup(); }
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exec, sleep, waitFor } from './engine-fixture.js';
import { REGISTRY_BIN } from './registry.js';
import { requirement, runId, type Requirement } from './requirements.js';

/** Every swarm of every run lives under here: `<root>/<id>/{manager,worker}/…`, `<root>/<id>/owner`. */
export const SWARM_ROOT = path.join(tmpdir(), 'demo-fleet-swarm');
/** Network namespaces are named `dfsw-<id>-<m|w>`: the prefix finds them all, the id one run's. */
const NETNS_PREFIX = 'dfsw-';
/** The link between the nodes (inside their namespaces only). */
const LINK_SUBNET = '192.168.77';
/** The swarm's registry (`registry: true`) listens on the manager's link address, this port. */
const REGISTRY_PORT = 5000;
/** Node label every node gets: which fixture node it is (`manager` / `worker`). */
export const NODE_LABEL = 'dev.demo-fleet.test.node';

export type NodeRole = 'manager' | 'worker';

export interface SwarmNode {
  role: NodeRole;
  /** This node's directory: data/, exec/, docker.sock, docker.pid, dockerd.log. */
  dir: string;
  /** For DOCKER_HOST or `docker -H`. */
  host: string;
  netns: string;
  /** Its address on the link between the nodes. */
  addr: string;
  /** Swarm node ID (set once it is in the swarm). */
  nodeId: string;
  /** The docker CLI against this node; throws with stderr on a non-zero exit. */
  docker(args: string[], timeoutMs?: number): Promise<string>;
  /** The same, never throwing. */
  tryDocker(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface Swarm {
  /** `<name>-<runId>-<n>`: unique to the run, used in netns and directory names. */
  id: string;
  dir: string;
  manager: SwarmNode;
  worker: SwarmNode | null;
  nodes: SwarmNode[];
  /** `host:port` of the swarm's registry (`registry: true`; every node pulls from it over HTTP), else null. */
  registry: string | null;
  /** Add (or change) labels on a node through the manager. */
  labelNode(node: SwarmNode, labels: Record<string, string>): Promise<void>;
  /** Save these images from the shared engine (once per swarm) and load them into every node. */
  loadImages(images: string[]): Promise<void>;
  /** Remove everything this swarm made; safe to call twice and on a half-started swarm. */
  cleanup(): Promise<void>;
  /** What of this swarm is still on the machine (processes, mounts, netns, directory): [] after cleanup. */
  leftovers(): Promise<string[]>;
}

export interface SwarmOptions {
  /** A word for the names (e.g. the test file's subject). */
  name: string;
  /** 0: a single-node swarm (the manager); 1: manager + one worker. */
  workers: 0 | 1;
  /** Images to load into every node (from the shared engine). */
  images?: string[];
  /** Time to wait for a dockerd to answer. */
  startTimeoutMs?: number;
  /** Also run a registry every node can pull from (see `Swarm.registry`). */
  registry?: boolean;
}

/**
 * Root, iproute2, nsenter and a dockerd binary: what a swarm of the test's own needs; with `registry`,
 * also docker-registry and curl (which asks it whether it answers, from inside the manager's namespace).
 * Skips loudly (fails under CI=true) like the other requirements.
 */
export function swarmRequirement(options: { registry?: boolean } = {}): Requirement {
  const what = options.registry ? ', docker-registry, curl' : '';
  return requirement(`a Docker Swarm of the test's own (root, ip netns, nsenter, dockerd${what})`, () => {
    if (process.getuid?.() !== 0) return 'not root';
    for (const bin of ['ip', 'nsenter', 'dockerd', 'docker', ...(options.registry ? ['curl'] : [])]) {
      if (!onPath(bin)) return `${bin} not found on PATH`;
    }
    if (options.registry && !existsSync(REGISTRY_BIN)) return `${REGISTRY_BIN} not found`;
    return true;
  });
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(path.join(d, bin)));
}

let counter = 0;

/** Start the nodes, make the swarm, label the nodes, load the images. On any failure: clean up, rethrow. */
export async function startSwarm(options: SwarmOptions): Promise<Swarm> {
  const id = `${options.name}-${runId}-${++counter}`.replace(/[^a-z0-9-]/gi, '').slice(0, 30); // unix socket paths under it stay < 108 bytes
  const dir = path.join(SWARM_ROOT, id);
  await mkdir(dir, { recursive: true });
  // A later run reaps this swarm if this process dies without cleaning up (see reapAbandoned).
  await writeFile(path.join(dir, 'owner'), String(process.pid));

  const manager = makeNode('manager', id, dir, `${LINK_SUBNET}.1`);
  const worker = options.workers === 1 ? makeNode('worker', id, dir, `${LINK_SUBNET}.2`) : null;
  const nodes = worker ? [manager, worker] : [manager];
  const registry = options.registry ? `${manager.addr}:${REGISTRY_PORT}` : null;
  let savedImages: string | null = null;

  const swarm: Swarm = {
    id,
    dir,
    manager,
    worker,
    nodes,
    registry,
    async labelNode(node, labels) {
      const args = ['node', 'update'];
      for (const [k, v] of Object.entries(labels)) args.push('--label-add', `${k}=${v}`);
      await manager.docker([...args, node.nodeId]);
    },
    async loadImages(images) {
      if (images.length === 0) return;
      savedImages = path.join(dir, `images-${Date.now()}.tar`);
      const saved = await exec('docker', ['save', '-o', savedImages, ...images], { timeoutMs: 300_000 });
      if (saved.code !== 0) throw new Error(`docker save ${images.join(' ')} failed: ${saved.stderr.trim()}`);
      try {
        await Promise.all(nodes.map((n) => n.docker(['load', '-q', '-i', savedImages!], 300_000)));
      } finally {
        await rm(savedImages, { force: true });
      }
    },
    cleanup: () => removeSwarm(dir, nodes),
    leftovers: () => leftoversOf(dir, nodes),
  };

  try {
    await createNetns(manager, worker);
    // Every dockerd, the manager's own included (it pushes), talks plain HTTP to the registry.
    const dockerdArgs = registry ? ['--insecure-registry', registry] : [];
    await Promise.all([
      ...nodes.map((n) => startDockerd(n, dockerdArgs, options.startTimeoutMs ?? 60_000)),
      ...(registry ? [startRegistry(manager, dir, registry)] : []),
    ]);
    await manager.docker(['swarm', 'init', '--advertise-addr', manager.addr, '--listen-addr', `${manager.addr}:2377`]);
    manager.nodeId = (await manager.docker(['info', '--format', '{{.Swarm.NodeID}}'])).trim();
    if (worker) {
      const token = (await manager.docker(['swarm', 'join-token', '-q', 'worker'])).trim();
      await worker.docker(['swarm', 'join', '--token', token, '--advertise-addr', worker.addr, `${manager.addr}:2377`]);
      worker.nodeId = (await worker.docker(['info', '--format', '{{.Swarm.NodeID}}'])).trim();
    }
    // Both nodes carry the machine's hostname: tests place by label or ID, never by hostname.
    for (const n of nodes) await swarm.labelNode(n, { [NODE_LABEL]: n.role });
    await waitFor(
      'every swarm node Ready',
      async () => {
        const states = await nodeStates(manager);
        return states.length === nodes.length && states.every((s) => s.status === 'ready');
      },
      60_000,
      500,
    );
    await swarm.loadImages(options.images ?? []);
    return swarm;
  } catch (err) {
    const logs = nodes.map((n) => `--- ${n.role} dockerd.log (tail)\n${tail(path.join(n.dir, 'dockerd.log'), 15)}`);
    if (registry) logs.push(`--- registry.log (tail)\n${tail(path.join(dir, 'registry', 'registry.log'), 15)}`);
    await swarm.cleanup().catch(() => {});
    throw new Error(`starting the test swarm ${id} failed: ${err instanceof Error ? err.message : String(err)}\n${logs.join('\n')}`);
  }
}

/**
 * The environment for the product CLI against the swarm's manager, on top of the caller's: DOCKER_HOST set,
 * DOCKER_CONTEXT removed (undefined). Give it to runCli/runInProcess as `env` (test/helpers/cli.ts cliEnv:
 * an undefined variable is removed), or spread it over process.env for a child of one's own (spawn skips
 * undefined values).
 */
export function swarmEnv(swarm: Swarm): NodeJS.ProcessEnv {
  return { DOCKER_HOST: swarm.manager.host, DOCKER_CONTEXT: undefined };
}

/**
 * `docker service create` flags of an event-like service as FINDINGS.md says an event needs them on Swarm:
 * one task placed by a node label, restarted on failure, stop-first updates, the auth key as a secret, the
 * state dir bound from the node, the TUN as a bind mount + NET_ADMIN (a service cannot take devices), the
 * app's health check, and `env`. The caller adds the name, network and image.
 */
export function eventServiceFlags(options: { nodeLabel: string; secret: string; stateDir: string; env: Record<string, string> }): string[] {
  return [
    '--constraint',
    `node.labels.dev.demo-fleet.event-node==${options.nodeLabel}`,
    '--replicas',
    '1',
    '--restart-condition',
    'on-failure',
    '--update-order',
    'stop-first',
    '--secret',
    options.secret,
    '--mount',
    `type=bind,src=${options.stateDir},dst=/var/lib/tailscale`,
    '--mount',
    'type=bind,src=/dev/net/tun,dst=/dev/net/tun',
    '--cap-add',
    'NET_ADMIN',
    '--health-cmd',
    'wget -q -O /dev/null http://127.0.0.1:5000/healthz || exit 1',
    '--health-interval',
    '2s',
    '--health-timeout',
    '3s',
    '--health-retries',
    '3',
    '--health-start-period',
    '2m',
    '--stop-grace-period',
    '10s',
    ...Object.entries(options.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  ];
}

export interface NodeState {
  id: string;
  role: string;
  status: string;
  availability: string;
  labels: Record<string, string>;
}

/** The manager's view of every node (`docker node inspect`). */
export async function nodeStates(manager: SwarmNode): Promise<NodeState[]> {
  const ids = (await manager.docker(['node', 'ls', '-q'])).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const raw = JSON.parse(await manager.docker(['node', 'inspect', ...ids])) as Array<{
    ID: string;
    Spec: { Role: string; Availability: string; Labels?: Record<string, string> };
    Status: { State: string };
  }>;
  return raw.map((n) => ({
    id: n.ID,
    role: n.Spec.Role,
    status: n.Status.State,
    availability: n.Spec.Availability,
    labels: n.Spec.Labels ?? {},
  }));
}

export interface TaskState {
  id: string;
  nodeId: string;
  desired: string;
  state: string;
  error: string;
  containerId: string;
  exitCode: number | null;
}

/**
 * The service's newest task once it runs (= healthy, when it has a health check), in another container
 * than `notContainer`. A newest task that failed or was rejected is named in the error the wait ends with.
 */
export function runningTask(manager: SwarmNode, service: string, timeoutMs: number, pollMs = 500, notContainer = ''): Promise<TaskState> {
  return waitFor(
    `${service}: a task running`,
    async () => {
      const [t] = await serviceTasks(manager, service);
      if (t && (t.state === 'failed' || t.state === 'rejected')) throw new Error(`task ${t.state}: ${t.error}`);
      return t?.state === 'running' && t.containerId !== notContainer ? t : undefined;
    },
    timeoutMs,
    pollMs,
  );
}

/** A service's tasks as the manager sees them (the API's Task objects, newest first). */
export async function serviceTasks(manager: SwarmNode, service: string): Promise<TaskState[]> {
  const ids = (await manager.docker(['service', 'ps', '-q', '--no-trunc', service])).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const raw = JSON.parse(await manager.docker(['inspect', '--type', 'task', ...ids])) as Array<{
    ID: string;
    NodeID?: string;
    DesiredState: string;
    Status: { State: string; Err?: string; Timestamp: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  }>;
  return raw
    .sort((a, b) => b.Status.Timestamp.localeCompare(a.Status.Timestamp))
    .map((t) => ({
      id: t.ID,
      nodeId: t.NodeID ?? '',
      desired: t.DesiredState,
      state: t.Status.State,
      error: t.Status.Err ?? '',
      containerId: t.Status.ContainerStatus?.ContainerID ?? '',
      exitCode: t.Status.ContainerStatus?.ExitCode ?? null,
    }));
}

/** What a visit got back: the raw HTTP response (or nothing) and `tailscale nc`'s complaints. */
export interface VisitReply {
  stdout: string;
  stderr: string;
}

/**
 * One HTTP request (`GET /whoami`, with `headers`, Host among them when wanted) from a tailnet client container on `node` to `host:port`
 * with `tailscale nc`. stdin stays open until the peer closes (nc ends as soon as either direction does:
 * test/helpers/real-tailnet.ts).
 */
export function visitFrom(
  node: SwarmNode,
  container: string,
  host: string,
  port: number,
  headers: Array<[string, string]>,
): Promise<VisitReply> {
  // no Host unless given: serve picks its handler by Host, and an IP's is none (the caller knows which it wants)
  const request = ['GET /whoami HTTP/1.1', ...headers.map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['-H', node.host, 'exec', '-i', container, 'tailscale', 'nc', host, String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: dockerEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.write(request);
    child.on('exit', () => child.stdin.destroy());
  });
}

// ---------------------------------------------------------------------------------------------
// nodes

function makeNode(role: NodeRole, id: string, swarmDir: string, addr: string): SwarmNode {
  const dir = path.join(swarmDir, role);
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  const node: SwarmNode = {
    role,
    dir,
    host,
    netns: `${NETNS_PREFIX}${id}-${role === 'manager' ? 'm' : 'w'}`,
    addr,
    nodeId: '',
    tryDocker: (args, timeoutMs = 120_000) => exec('docker', ['-H', host, ...args], { timeoutMs, env: dockerEnv() }),
    async docker(args, timeoutMs) {
      const r = await node.tryDocker(args, timeoutMs);
      if (r.code !== 0) throw new Error(`docker -H ${host} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
      return r.stdout;
    },
  };
  return node;
}

/** The CLI must talk to the node named with -H, not to a DOCKER_HOST or context of the caller's. */
function dockerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  return env;
}

async function ip(args: string[]): Promise<void> {
  const r = await exec('ip', args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

async function createNetns(manager: SwarmNode, worker: SwarmNode | null): Promise<void> {
  for (const n of worker ? [manager, worker] : [manager]) {
    await ip(['netns', 'add', n.netns]);
    await ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
  }
  // Created directly inside the namespaces: the root namespace never sees these interfaces.
  const peerNs = worker ? worker.netns : manager.netns;
  await ip(['link', 'add', 'dfsw0', 'netns', manager.netns, 'type', 'veth', 'peer', 'name', 'dfsw1', 'netns', peerNs]);
  await ip(['-n', manager.netns, 'addr', 'add', `${manager.addr}/24`, 'dev', 'dfsw0']);
  await ip(['-n', manager.netns, 'link', 'set', 'dfsw0', 'up']);
  if (worker) await ip(['-n', worker.netns, 'addr', 'add', `${worker.addr}/24`, 'dev', 'dfsw1']);
  await ip(['-n', peerNs, 'link', 'set', 'dfsw1', 'up']);
}

async function startDockerd(node: SwarmNode, extraArgs: string[], timeoutMs: number): Promise<void> {
  await mkdir(node.dir, { recursive: true });
  const log = openSync(path.join(node.dir, 'dockerd.log'), 'a');
  try {
    // nsenter without --fork execs dockerd in place: the child's pid is dockerd's (and the pidfile's).
    const child = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${node.netns}`,
        'dockerd',
        '--data-root',
        path.join(node.dir, 'data'),
        '--exec-root',
        path.join(node.dir, 'exec'),
        '-H',
        node.host,
        '--pidfile',
        path.join(node.dir, 'docker.pid'),
        ...extraArgs,
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    await writeFile(path.join(node.dir, 'spawned.pid'), String(child.pid ?? ''));
  } finally {
    closeSync(log);
  }
  await waitFor(
    `dockerd of the ${node.role} answering on ${node.host}`,
    async () => (await node.tryDocker(['version', '--format', '{{.Server.Version}}'], 10_000)).code === 0,
    timeoutMs,
    300,
  );
}

/**
 * docker-registry in the manager's namespace (nsenter, as for dockerd), config and storage under
 * `<swarm dir>/registry/`: its command line names the config file there, so cleanup and reapAbandoned
 * find it like a node's processes. No auth, plain HTTP; it answers once `GET /v2/` from inside the
 * namespace gives 200 (the address exists only there).
 */
async function startRegistry(manager: SwarmNode, swarmDir: string, addr: string): Promise<void> {
  const dir = path.join(swarmDir, 'registry');
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      'http:',
      `  addr: ${addr}`,
      '',
    ].join('\n'),
  );
  const log = openSync(path.join(dir, 'registry.log'), 'a');
  let child: ReturnType<typeof spawn>;
  try {
    // As for dockerd: nsenter execs in place, so the child's pid is the registry's.
    child = spawn('nsenter', [`--net=/var/run/netns/${manager.netns}`, REGISTRY_BIN, 'serve', config], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    await writeFile(path.join(dir, 'registry.pid'), String(child.pid ?? ''));
  } finally {
    closeSync(log);
  }
  await waitFor(
    `the registry answering on ${addr} in ${manager.netns}`,
    async () => {
      if (child.exitCode !== null)
        throw new Error(`docker-registry exited (${child.exitCode}): ${tail(path.join(dir, 'registry.log'), 5)}`);
      const r = await exec('nsenter', [`--net=/var/run/netns/${manager.netns}`, 'curl', '-fsS', '-o', '/dev/null', `http://${addr}/v2/`], {
        timeoutMs: 10_000,
      });
      return r.code === 0;
    },
    30_000,
    200,
  );
}

// ---------------------------------------------------------------------------------------------
// cleanup

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** Processes whose command line mentions `needle` (dockerd, its containerd, shims): by /proc, not by name. */
function processesMentioning(needle: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmd.includes(needle)) found.push({ pid: Number(entry), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
}

async function netnsList(): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list'], { timeoutMs: 30_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/**
 * Services, secrets and configs through the manager; every container of each node; the networks a
 * test made; `swarm leave --force` (worker first); then each dockerd stopped by its pidfile (SIGTERM,
 * SIGKILL after 20 s), the registry (if any) likewise,
 * stray processes of the node's directory (its containerd, shims) killed by pid, mounts under the
 * directory unmounted, the netns deleted (which deletes the veth pair inside), the directory removed.
 * Each step runs even when an earlier one failed; the errors are collected and thrown at the end.
 */
async function removeSwarm(dir: string, nodes: SwarmNode[]): Promise<void> {
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const manager = nodes.find((n) => n.role === 'manager');
  const answering = async (n: SwarmNode) => (await n.tryDocker(['version'], 10_000)).code === 0;

  const live: SwarmNode[] = [];
  for (const n of nodes) if (existsSync(n.dir) && (await answering(n))) live.push(n);
  const managerLive = !!manager && live.includes(manager);
  const active = managerLive && (await manager.tryDocker(['info', '--format', '{{.Swarm.ControlAvailable}}'])).stdout.trim() === 'true';

  if (active) {
    for (const kind of ['service', 'secret', 'config'] as const) {
      await step(`${kind} rm`, async () => {
        const ids = (await manager.docker([kind, 'ls', '-q'])).split('\n').filter(Boolean);
        if (ids.length) await manager.docker([kind, 'rm', ...ids]);
      });
    }
  }
  // Containers before networks: a standalone container on an attachable overlay network holds it.
  for (const n of live) {
    await step(`${n.role}: container rm`, async () => {
      const ids = (await n.docker(['ps', '-aq'])).split('\n').filter(Boolean);
      if (ids.length) await n.docker(['rm', '-f', ...ids], 60_000);
    });
  }
  if (active) {
    await step('network rm', async () => {
      // Only the networks a test made: the swarm's own (ingress) and the engine's go with the engine.
      // A removed service's tasks still hold a network for a moment: retry until they are gone.
      const mine = async () =>
        (await manager.docker(['network', 'ls', '--filter', 'scope=swarm', '--format', '{{.ID}} {{.Name}}']))
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
          .filter(([, name]) => name !== 'ingress')
          .map(([id]) => id!);
      let last = '';
      await waitFor(
        "the swarm's networks removed",
        async () => {
          const ids = await mine();
          if (ids.length === 0) return true;
          const r = await manager.tryDocker(['network', 'rm', ...ids]);
          last = r.stderr.trim();
          return r.code === 0 && (await mine()).length === 0;
        },
        60_000,
        500,
      ).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}: ${last}`);
      });
    });
  }
  // The worker leaves first: a manager that leaves first strands it.
  for (const n of [...live].reverse()) {
    await step(`${n.role}: swarm leave`, async () => {
      const state = (await n.docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
      if (state !== 'inactive') await n.docker(['swarm', 'leave', '--force'], 60_000);
    });
    // Leaving removes the node's task containers; anything left goes too.
    await step(`${n.role}: container rm after leave`, async () => {
      const ids = (await n.docker(['ps', '-aq'])).split('\n').filter(Boolean);
      if (ids.length) await n.docker(['rm', '-f', ...ids], 60_000);
    });
  }
  for (const n of nodes) await step(`${n.role}: stop dockerd`, () => stopDockerd(n));
  const registryDir = path.join(dir, 'registry');
  await step('stop registry', () => stopByPidfiles([path.join(registryDir, 'registry.pid')], registryDir));
  await step('stray processes', async () => {
    for (const p of processesMentioning(dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await waitFor("the swarm's processes gone", async () => processesMentioning(dir).length === 0, 20_000, 200);
  });
  await step('unmount', async () => {
    // Deepest first; dockerd unmounts its own on a clean stop, so this is for a dockerd that was killed.
    for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) {
      const r = await exec('umount', ['-l', m], { timeoutMs: 30_000 });
      if (r.code !== 0 && mountsUnder(dir).includes(m)) throw new Error(`umount ${m}: ${r.stderr.trim()}`);
    }
  });
  const present = await netnsList();
  for (const n of nodes) {
    if (present.includes(n.netns)) await step(`ip netns del ${n.netns}`, () => ip(['netns', 'del', n.netns]));
  }
  await step('rm dir', () => rm(dir, { recursive: true, force: true }));
  if (errors.length) throw new Error(`cleaning up the test swarm in ${dir}:\n${errors.join('\n')}`);
}

function stopDockerd(node: SwarmNode): Promise<void> {
  return stopByPidfiles(
    ['docker.pid', 'spawned.pid'].map((f) => path.join(node.dir, f)),
    node.dir,
  );
}

/** SIGTERM the processes of these pidfiles whose command line mentions `dir`; SIGKILL after 20 s. */
async function stopByPidfiles(files: string[], dir: string): Promise<void> {
  const pids = new Set<number>();
  for (const file of files) {
    const pid = await readPid(file);
    // Only a process that is still the one started there: a pid may have been reused since.
    if (pid && pidAlive(pid) && cmdline(pid).includes(dir)) pids.add(pid);
  }
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while ([...pids].some(pidAlive) && Date.now() < deadline) await sleep(200);
  for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

async function leftoversOf(dir: string, nodes: SwarmNode[]): Promise<string[]> {
  const left: string[] = [];
  for (const p of processesMentioning(dir)) left.push(`process ${p.pid}: ${p.cmd.slice(0, 120)}`);
  for (const m of mountsUnder(dir)) left.push(`mount ${m}`);
  const present = await netnsList();
  for (const n of nodes) if (present.includes(n.netns)) left.push(`netns ${n.netns}`);
  if (existsSync(dir)) left.push(`directory ${dir}`);
  return left;
}

/**
 * Swarms of runs whose test process is gone (killed before its cleanup ran): removed. Only those: a
 * swarm whose owner is alive belongs to a test that is still running (maybe in another session).
 */
export async function reapAbandoned(): Promise<string[]> {
  const reaped: string[] = [];
  for (const id of existsSync(SWARM_ROOT) ? readdirSync(SWARM_ROOT) : []) {
    const dir = path.join(SWARM_ROOT, id);
    // Another run's reaper (or the owner's own cleanup) may remove it while this one looks at it.
    try {
      const owner = await readPid(path.join(dir, 'owner'));
      if (owner && pidAlive(owner)) continue;
      // No owner file yet: a run that is making this directory right now.
      if (!owner && Date.now() - statSync(dir).mtimeMs < 60_000) continue;
      const nodes = (['manager', 'worker'] as const).map((role) =>
        makeNode(role, id, dir, role === 'manager' ? `${LINK_SUBNET}.1` : `${LINK_SUBNET}.2`),
      );
      await removeSwarm(dir, nodes);
      reaped.push(id);
    } catch (err) {
      if (existsSync(dir)) throw err;
    }
  }
  // A namespace whose swarm directory is gone (its run died between the two): the directory is made
  // before the namespaces and removed after them, so no live run has a namespace without one.
  for (const netns of await netnsList()) {
    const m = new RegExp(`^${NETNS_PREFIX}(.+)-[mw]$`).exec(netns);
    if (!m || existsSync(path.join(SWARM_ROOT, m[1]!))) continue;
    try {
      await ip(['netns', 'del', netns]);
      reaped.push(netns);
    } catch (err) {
      if ((await netnsList()).includes(netns)) throw err;
    }
  }
  return reaped;
}
