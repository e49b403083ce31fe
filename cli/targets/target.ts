/**
 * The seam between deploying and the place event containers run: a Target. Command cores (deploy/) and
 * the convergence (converge/) speak only this interface; `plan` stays pure over the containers a target
 * lists. Today's target is one Docker engine, local or over ssh:// (targets/docker/). Another target
 * (e.g. Swarm services) implements this interface in its own folder and is picked in open.ts.
 */
import type { Duplex } from 'node:stream';
import type { Finding } from '../finding.js';
import type { Fleet } from '../fleet/schema.js';
import type { Reporter } from '../reporter.js';
import type { KeptNodeSettings, ServiceDefinition } from '../render/service.js';
import type { AccessoryDefinition } from '../tailnet/control-server.js';
import type { Revision } from './revision.js';

/** A target: where the fleet's containers, images, host files, deploy lock and audit log live. */
export interface Target {
  /** Which implementation (the folder under targets/), e.g. `docker`. */
  readonly kind: string;
  /** Where it is, for messages: DOCKER_HOST or the default socket. */
  readonly endpoint: string;
  /**
   * Whether the target's host paths are this machine's (a local engine): only then can appdata be
   * relative to the fleet file. State dirs, the audit log and secrets live on the target's host.
   */
  readonly sharesHostPaths: boolean;
  /** Reach it (bounded); returns a version line for the progress report. Throws EngineError. */
  connect(): Promise<string>;
  readonly containers: Runtime;
  readonly lock: DeployLock;
  readonly images: Images;
  readonly hostFiles: HostFiles;
  readonly auditLog: AuditLog;
  readonly accessories: Accessories;
  /** One line for an error the target raised, in its own words (never a stack). */
  errorMessage(err: unknown): string;
}

/** The parts of a container the comparison of a re-create reads (from an inspect). */
export interface ContainerConfig {
  environment: Array<[string, string]>;
  image: string;
  mounts: string[];
  labels: Record<string, string>;
}

/** A container as the target lists it: enough for the plan to decide, without inspecting each. */
export interface ActualContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  imageId: string;
  /** Health as the listing shows it ("Up 2 minutes (healthy)"), when the container has a check. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** Host paths mounted into it (bind sources). */
  mounts?: string[];
  /**
   * What its node keeps in the state dir (serve mode, login server), read before a re-create; undefined
   * when not looked at (the container stays, or is not ours).
   */
  node?: KeptNodeSettings;
  /** Its env, image and mounts as created, read with `node` (for the plan to say what a re-create changes). */
  config?: ContainerConfig;
}

/** One container in detail (`status`, `logs`). */
export interface ContainerDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  /** healthy | unhealthy | starting, or undefined without a health check */
  health: string | undefined;
  /** The image reference it was created from, e.g. ghcr.io/acme/demo:cleveland */
  image: string;
  imageId: string;
  /** When it started, while it runs; null when it does not run. */
  startedAt: string | null;
  /** Exit code of its last run (0 while it runs). */
  exitCode: number;
  /** How often the runtime restarted it (restart policy). */
  restartCount: number;
  /** Its environment as created. Holds secrets (the auth key): read what you need, never print it. */
  environment: Array<[string, string]>;
  /** Host paths mounted into it (bind sources). */
  mounts: string[];
  /** The machine it runs on, where a target has several (Swarm: the node's hostname and ID). */
  runsOn?: string;
  /**
   * Why it is in that state, in the target's words, when the state alone does not say (Swarm: the task's
   * message, e.g. "no suitable node (1 node not available for new tasks)").
   */
  detail?: string;
}

export interface LogOptions {
  /** Only the last lines (0: none, e.g. to follow new output only); all when undefined. */
  tail?: number;
  follow?: boolean;
  /** Only output since this time (UNIX seconds). */
  since?: number;
  /** Prefix each line with the runtime's timestamp. */
  timestamps?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A started replacement whose predecessor is kept until the caller knows the new one is ready. */
export interface Replacement {
  id: string;
  /** The new one is good: remove the old one. */
  commit: () => Promise<void>;
  /** The new one is not: remove it and run the old one again, as it was. */
  rollback: () => Promise<void>;
}

/** Who holds a deploy lock (Kamal's `lock status`). */
export interface LockInfo {
  /** The lock's own ID on the target (so a take-over removes exactly the lock it judged stale). */
  id?: string;
  holder: string;
  host: string;
  pid: number;
  since: string;
  message: string;
  /** The holder's fleet file id (absent on locks taken by versions before fleet ids). */
  fleetId?: string;
}

export interface AcquiredLock {
  release: () => Promise<void>;
  /**
   * Write one entry into the audit directory given to `acquire`, through the lock itself (so a command
   * that holds the lock needs no carrier of the log's own). Throws when none was given. A target whose
   * lock cannot carry it leaves this out: the entry then goes through its `auditLog`.
   */
  audit?: (entry: AuditRecord) => Promise<void>;
  /** Set when a stale lock of a dead local process was taken over. */
  tookOver?: LockInfo;
}

/**
 * One deploy at a time per fleet name, held on the target itself so two operators exclude each other
 * (two fleet files of the same name share container names, so they exclude each other too; the holder's
 * fleet id says whose lock it is).
 */
export interface DeployLock {
  /** The lock's name, for messages. */
  name: (fleetName: string) => string;
  /** Take it, or throw LockedError naming the holder; `auditDir`: the audit log the holder writes to (AcquiredLock.audit). */
  acquire: (fleetName: string, message: string, fleetId?: string, auditDir?: string) => Promise<AcquiredLock>;
  /** Remove the lock with this ID (the one `holder` read), or by the fleet's name when no ID is given. */
  forceRelease: (fleetName: string, id?: string) => Promise<void>;
  /** Who holds it now, or null when nobody does. */
  holder: (fleetName: string) => Promise<LockInfo | null>;
}

/** The containers part of a target (its endpoint and deploy lock are the Target's own). */
export interface Runtime {
  /** Every demo-fleet container (any fleet) and every container holding one of `names`. */
  list: (names: string[]) => Promise<ActualContainer[]>;
  /** Create the event's container from its service definition and start it; returns its ID. */
  createAndStart: (service: ServiceDefinition) => Promise<string>;
  start: (id: string) => Promise<void>;
  /** Give the container another name (its state, running or not, is unchanged). */
  rename: (id: string, name: string) => Promise<void>;
  /** Stop (SIGTERM, then the grace period) and start again; a stopped one is started. Same container, same state dir. */
  restart: (id: string) => Promise<void>;
  /**
   * Put the service in place of the container `oldId` (same state dir; never both running). If the new
   * one cannot be made or started, the old one is left (or put back) running and the error is thrown.
   */
  replace: (oldId: string, service: ServiceDefinition) => Promise<Replacement>;
  /** Stop (SIGTERM, then the grace period) and remove; already gone is fine. */
  stopAndRemove: (id: string) => Promise<void>;
  /** null when there is no such container. */
  inspect: (idOrName: string) => Promise<ContainerDetails | null>;
  logs: (id: string, options: LogOptions) => Promise<void>;
  /** The last lines of its output, for a failure report ("(no logs)" when they cannot be read). */
  lastLogLines: (id: string, lines: number) => Promise<string>;
  /** Run a command inside the running container and collect its output. */
  exec: (id: string, cmd: string[]) => Promise<ExecResult>;
  /**
   * What the event's probe (tailnet/probe.ts EVENT_PROBE) prints inside it now: an exec, or where the
   * target cannot exec into the event, what the event itself last reported of the same probe; null when it
   * has not reported yet.
   */
  probe: (id: string) => Promise<ExecResult | null>;
  /**
   * A byte stream to TCP `port` on the running container's own loopback, carried by the runtime itself
   * (no port published; works wherever exec does). destroy() ends it and whatever carried it; the stream
   * errors with the runtime's words when nothing listens there.
   */
  connect: (id: string, port: number) => Promise<Duplex>;
  /** One line for an error one of these calls raised, in the target's own words (never a stack). */
  errorMessage: (err: unknown) => string;
}

export interface ImageRequest {
  repo: string;
  baseImage: string;
  dockerfile?: string | undefined;
  /** Build even when an image for this revision exists. */
  force?: boolean | undefined;
  revision?: Revision | undefined;
  /** Pull the base image first (`build --pull`): a re-published tag is another base, so another revision. */
  pull?: boolean | undefined;
}

export interface BuiltImage {
  id: string;
  /** `<repo>:rev-<revision>` */
  ref: string;
  /** The revision (revision.ts): unique per commit, build context and base image ID. */
  revision: string;
  /** `sha-<7>` (or `ctx-<7>` outside git): also put on the image, pointing at the commit's newest build. */
  commitTag: string;
  built: boolean;
  /** Every `repo:tag` the target had for the image when it was inspected (so tagging needs no second look). */
  repoTags: string[];
}

/** An image as the target has it. */
export interface StoredImage {
  id: string;
  labels: Record<string, string>;
}

export interface StoredRevision {
  revision: string;
  imageId: string;
  /** UNIX seconds the image was built. */
  created: number;
  /** Every `repo:tag` of this fleet's image repository on the image (rev-, sha-, event tags). */
  tags: string[];
}

/** A container that uses an image (any container on the target, ours or not): what `prune` must keep. */
export interface ImageUser {
  name: string;
  imageId: string;
  /** The reference it was created from, e.g. ghcr.io/acme/demo:cleveland */
  image: string;
  labels: Record<string, string>;
  mounts: string[];
}

export interface Images {
  /** The image of this revision (built, or reused when the target has it), then `<repo>:<tag>` for each tag. */
  buildAndTag(request: ImageRequest, tags: string[], report: Reporter): Promise<BuiltImage>;
  /** Pull `<repo>:<event>` for every event; they must be one image. Returns its ID (null: no events). */
  pullEventTags(repo: string, events: string[], onProgress: (line: string) => void): Promise<string | null>;
  /** null when there is no such image. */
  inspect(ref: string): Promise<StoredImage | null>;
  /** Point `<repo>:<tag>` at the image. */
  tag(imageId: string, repo: string, tag: string): Promise<void>;
  /** Remove one tag (the image goes with its last one); false when it was gone already. */
  untag(ref: string): Promise<boolean>;
  /** The revisions of `repo` the target keeps (every `<repo>:rev-<revision>` tag), newest first. */
  revisions(repo: string): Promise<StoredRevision[]>;
  /** Every container on the target and the image it uses. */
  users(): Promise<ImageUser[]>;
  /** Check that the registry takes our credentials for `repo`, before anything is built or pushed. */
  checkPush(repo: string, report: Reporter): Promise<void>;
  /** Push `<repo>:<tag>`; returns the digest the registry reported (null: none). */
  push(repo: string, tag: string, report: Reporter): Promise<string | null>;
}

export type StateDirOutcome = 'moved' | 'deleted' | 'absent';

/** Files on the target's host that no container of ours holds open: event state dirs. */
export interface HostFiles {
  /**
   * Whether `hostDir` holds a node (a non-empty tailscaled.state). `image` is an image on the target
   * that may be used to look (nothing runs).
   */
  hasNodeState(image: string, hostDir: string): Promise<boolean>;
  /**
   * Move `<root>/<from>` to `<root>/<to>` (`to` null: delete it); `image` has `sh` (the event's own). A
   * missing `from` is `absent` (a re-run after it was moved).
   */
  moveStateDir(image: string, root: string, from: string, to: string | null): Promise<StateDirOutcome>;
}

/** What the audit log stores: one JSON record per entry, named by its time. */
export interface AuditRecord {
  /** ISO 8601, UTC. */
  time: string;
}

/** The audit log on the target's host (a directory of one file per entry). */
export interface AuditLog {
  append(dir: string, entry: AuditRecord): Promise<void>;
  /** Every entry of `dir`, oldest first ([] for a directory never written). */
  read(dir: string): Promise<AuditRecord[]>;
}

/**
 * Containers of the fleet that are not events (the control server) and the network they share with
 * the events. Listing, exec, logs, stop and remove are the Runtime's.
 */
export interface Accessories {
  /** Its image on the target, pulled when missing (`pulled`); a failure says what it is and the fix. */
  ensureImage(ref: string, onProgress: (line: string) => void): Promise<'present' | 'pulled'>;
  /** Create it (not started) with its files in; returns its ID. `secrets`: values of its secretEnvironment. */
  create(def: AccessoryDefinition, secrets: Record<string, string>): Promise<string>;
  /** A text file in the container (running or not, bind mounts included), or null when there is none. */
  readText(id: string, file: string): Promise<string | null>;
  /** Write a text file into the container (running or not); its directory must exist. */
  writeText(id: string, file: string, content: string): Promise<void>;
  /** Stop it (SIGTERM, then the grace period); stopped already is fine. */
  stop(id: string): Promise<void>;
  /** Copy the files of `dir` in container `id` (running or not) whose names match into `dir/<into>/`; the names copied. */
  backup(id: string, dir: string, names: RegExp, into: string): Promise<string[]>;
  /** Make the network unless one of that name exists. */
  ensureNetwork(name: string, labels: Record<string, string>): Promise<'created' | 'exists'>;
  /** Remove the network only when it carries all of `labels` and nothing is on it. */
  removeNetwork(name: string, labels: Record<string, string>): Promise<'removed' | 'absent' | 'not ours' | 'in use'>;
}

/** `doctor`'s look at a target, which may not be reachable at all (so it is not a part of a Target). */
export interface TargetChecks {
  /** Is it there (its address, whether it answers)? `ready` when the checks below can run. */
  reach(): Promise<{ findings: Finding[]; ready: boolean }>;
  /**
   * What `up` needs of it for this fleet (images, disk); only after reach() said ready. `baseImage` and
   * `pull` are `up`'s options of the same names (they change which image `up` needs).
   */
  forFleet(fleet: Fleet, options?: { baseImage?: string | undefined; pull?: boolean | undefined }): Promise<Finding[]>;
  /** The target reach() found, for checks through the common interface (the tailnet). */
  target(): Target;
}
