/**
 * A service and its tasks, read as the one "container" of an event the rest of demo-fleet knows
 * (targets/target.ts). The task that counts is the newest one made from the service's current spec (its
 * generation label, spec.ts): during an update the previous spec's task may still be listed. Swarm task
 * states (moby api/types/swarm/task.go) map onto container states: scheduled and preparing → created
 * (the task's message says why, e.g. "no suitable node"), starting → running with its health check not
 * passed yet, running → running and healthy (a task with a health check is only `running` once healthy:
 * FINDINGS.md §5), the rest → exited. Pure.
 */
import type Docker from 'dockerode';
import type { ActualContainer, ContainerDetails } from '../target.js';
import { LABELS } from '../../fleet/naming.js';
import { envPairs } from '../docker/containers.js';
import { SWARM_LABELS } from './spec.js';

export interface Task {
  ID: string;
  NodeID?: string;
  ServiceID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  Spec?: { ContainerSpec?: { Labels?: Record<string, string> } };
}

/** The parts of a service (`GET /services/{id}`) read here; dockerode's TaskSpec is a union. */
export interface Service {
  ID: string;
  Version?: { Index?: number };
  PreviousSpec?: Service['Spec'];
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    TaskTemplate?: { ContainerSpec?: Docker.ContainerSpec; ForceUpdate?: number };
    Mode?: { Replicated?: { Replicas?: number } };
  };
}

/** Task states after which the task's container is gone or going (moby api/types/swarm/task.go). */
export const TASK_ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

const SCHEDULED = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready']);

export function generationOf(service: Service): string | undefined {
  return service.Spec?.TaskTemplate?.ContainerSpec?.Labels?.[SWARM_LABELS.generation];
}

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : 0;
}

/** The service's tasks of its current spec, newest first. */
export function currentTasks(service: Service, tasks: Task[]): Task[] {
  const generation = generationOf(service);
  return (
    tasks
      .filter((t) => t.ServiceID === service.ID && t.Spec?.ContainerSpec?.Labels?.[SWARM_LABELS.generation] === generation)
      // by time, not text: the engine drops trailing zeros of the fraction (…:05Z is before …:05.3Z)
      .sort((a, b) => time(b.CreatedAt) - time(a.CreatedAt))
  );
}

interface TaskView {
  state: string;
  health: 'starting' | 'healthy' | undefined;
  detail: string | undefined;
  exitCode: number;
  startedAt: string | null;
  task: Task | undefined;
  /** Earlier tasks of this spec that failed (or were rejected): each a failed start Swarm replaced. */
  restarts: number;
}

export function viewOf(service: Service, tasks: Task[]): TaskView {
  const [task, ...earlier] = currentTasks(service, tasks);
  // a task shut down by a drain or a lost node is no failed start: only failed and rejected ones count
  const restarts = earlier.filter((t) => t.Status?.State === 'failed' || t.Status?.State === 'rejected').length;
  const base = { task, restarts, exitCode: 0, startedAt: null, health: undefined };
  if (!task) return { ...base, state: 'created', detail: 'waiting for the manager to schedule its task' };
  const state = task.Status?.State ?? 'new';
  const why = task.Status?.Err || task.Status?.Message || '';
  const detail = why ? `${state}: ${why}` : state;
  if (SCHEDULED.has(state)) return { ...base, state: 'created', detail };
  if (state === 'starting')
    return { ...base, state: 'running', health: 'starting', detail: undefined, startedAt: task.Status?.Timestamp ?? null };
  if (state === 'running')
    return { ...base, state: 'running', health: 'healthy', detail: undefined, startedAt: task.Status?.Timestamp ?? null };
  return { ...base, state: 'exited', detail, exitCode: task.Status?.ContainerStatus?.ExitCode ?? 1 };
}

function bindSources(service: Service): string[] {
  return (service.Spec?.TaskTemplate?.ContainerSpec?.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => m.Source ?? '');
}

/**
 * An interrupted re-create (its spec unconfirmed, spec.ts) is listed with a config hash that matches
 * nothing: the plan re-creates it, and that re-create rolls back to the previous spec, not to this one.
 */
export const UNCONFIRMED_HASH = 'unconfirmed';

export function actualOf(service: Service, tasks: Task[]): ActualContainer {
  const view = viewOf(service, tasks);
  const own = service.Spec?.Labels ?? {};
  const labels = own[SWARM_LABELS.unconfirmed] ? { ...own, [LABELS.configHash]: UNCONFIRMED_HASH } : own;
  return {
    id: service.ID,
    name: service.Spec?.Name ?? '',
    labels,
    state: view.state,
    imageId: labels[SWARM_LABELS.imageId] ?? '',
    ...(view.health ? { health: view.health } : {}),
    mounts: bindSources(service),
  };
}

export function detailsOf(service: Service, tasks: Task[]): ContainerDetails {
  const view = viewOf(service, tasks);
  const spec = service.Spec?.TaskTemplate?.ContainerSpec;
  const labels = service.Spec?.Labels ?? {};
  return {
    id: service.ID,
    name: service.Spec?.Name ?? '',
    labels,
    state: view.state,
    health: view.health,
    image: spec?.Image ?? '',
    imageId: labels[SWARM_LABELS.imageId] ?? '',
    startedAt: view.startedAt,
    exitCode: view.exitCode,
    restartCount: view.restarts,
    environment: envPairs(spec?.Env),
    mounts: bindSources(service),
    ...(view.detail ? { detail: view.detail } : {}),
  };
}
