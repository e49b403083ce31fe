/**
 * The seam between deploying and the place event containers run. `up`, `down`, `status`, `logs` and
 * the deploy lock talk to a Runtime; `plan` stays pure over the containers a Runtime lists. Today's
 * target is one Docker engine, local or over ssh:// (runtime/docker/). Another target (e.g. Swarm
 * services) implements this interface in its own folder and is picked in connectRuntime().
 */
import type { ContainerConfig } from '../config-diff.js';
import type { NodeSettings, ServiceDefinition } from '../../render/service.js';

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
  node?: NodeSettings;
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
  /** Take it, or throw LockedError naming the holder. */
  acquire: (fleetName: string, message: string, fleetId?: string) => Promise<AcquiredLock>;
  /** Remove the lock with this ID (the one `holder` read), or by the fleet's name when no ID is given. */
  forceRelease: (fleetName: string, id?: string) => Promise<void>;
  /** Who holds it now, or null when nobody does. */
  holder: (fleetName: string) => Promise<LockInfo | null>;
}

export interface Runtime {
  /** Where containers run, for messages: DOCKER_HOST or the default socket. */
  readonly endpoint: string;
  readonly lock: DeployLock;
  /** Every demo-fleet container (any fleet) and every container holding one of `names`. */
  list: (names: string[]) => Promise<ActualContainer[]>;
  /** Create the event's container from its service definition and start it; returns its ID. */
  createAndStart: (service: ServiceDefinition) => Promise<string>;
  start: (id: string) => Promise<void>;
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
}
