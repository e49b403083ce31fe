/**
 * cli/targets/swarm/tasks.ts: a service and its tasks read as the event's one "container". The objects
 * are hand-made in the shape of the engine's answers (GET /services/{id}, GET /tasks; moby
 * api/types/swarm), with the task states FINDINGS.md §4-5 saw. Pure: no engine.
 */
import { describe, expect, it } from 'vitest';
import { SWARM_LABELS } from '../../../../cli/targets/swarm/spec.js';
import { actualOf, currentTasks, detailsOf, type Service, type Task, viewOf } from '../../../../cli/targets/swarm/tasks.js';

const SERVICE_ID = 'svc0000000000000000000001';
const IMAGE_ID = `sha256:${'a'.repeat(64)}`;

function serviceOf(generation: string): Service {
  return {
    ID: SERVICE_ID,
    Version: { Index: 42 },
    Spec: {
      Name: 'id-demo-cleveland',
      Labels: { 'dev.demo-fleet.fleet': 'id-demo', [SWARM_LABELS.imageId]: IMAGE_ID },
      TaskTemplate: {
        ContainerSpec: {
          Image: `registry.example:5000/demo:rev-x@sha256:${'e'.repeat(64)}`,
          Env: ['TZ=Etc/UTC', 'TAILSCALE_AUTHKEY=file:/run/secrets/authkey', 'EMPTY=', 'ODD', 'URL=https://a/?b=c'],
          Labels: { [SWARM_LABELS.generation]: generation },
          Mounts: [
            { Type: 'bind', Source: '/srv/appdata/2026/cleveland', Target: '/var/lib/tailscale' },
            { Type: 'bind', Source: '/dev/net/tun', Target: '/dev/net/tun' },
            { Type: 'volume', Source: 'not-a-bind', Target: '/x' },
          ],
        },
      },
      Mode: { Replicated: { Replicas: 1 } },
    },
  };
}

let n = 0;
function taskOf(generation: string, createdAt: string, status: NonNullable<Task['Status']>, serviceId = SERVICE_ID): Task {
  n += 1;
  return {
    ID: `task${n}`,
    NodeID: 'node1',
    ServiceID: serviceId,
    DesiredState: 'running',
    CreatedAt: createdAt,
    Status: status,
    Spec: { ContainerSpec: { Labels: { [SWARM_LABELS.generation]: generation } } },
  };
}

const service = serviceOf('gen-new');

describe('the task that counts', () => {
  it("is the newest of the service's current generation", () => {
    const old = taskOf('gen-new', '2026-12-08T01:00:00.1Z', { State: 'failed', ContainerStatus: { ExitCode: 3 } });
    const newest = taskOf('gen-new', '2026-12-08T01:00:10.2Z', { State: 'running', Timestamp: '2026-12-08T01:00:20Z' });
    const view = viewOf(service, [old, newest]);
    expect(view.task?.ID).toBe(newest.ID);
    expect(view.state).toBe('running');
  });

  it("ignores an older generation's running task during an update", () => {
    const previous = taskOf('gen-old', '2026-12-08T01:00:30Z', { State: 'running', Timestamp: '2026-12-08T01:00:31Z' });
    const next = taskOf('gen-new', '2026-12-08T01:00:20Z', { State: 'pending', Err: 'no suitable node' });
    expect(viewOf(service, [previous, next])).toMatchObject({ state: 'created', task: { ID: next.ID }, restarts: 0 });
    // only the old generation's task: the new spec has no task yet
    expect(viewOf(service, [previous])).toMatchObject({ state: 'created', task: undefined });
  });

  it("ignores other services' tasks", () => {
    const other = taskOf('gen-new', '2026-12-08T01:00:40Z', { State: 'running' }, 'svc-other');
    expect(currentTasks(service, [other])).toEqual([]);
  });

  it('is ordered by time, not by the text of the timestamp', () => {
    // the engine writes RFC 3339 with trailing zeros of the fraction dropped (Go's RFC3339Nano): a whole
    // second has no fraction at all, so "…:05Z" is before "…:05.3Z" though it sorts after it as text
    const first = taskOf('gen-new', '2026-12-08T01:00:05Z', { State: 'rejected', Err: 'first' });
    const second = taskOf('gen-new', '2026-12-08T01:00:05.3Z', { State: 'rejected', Err: 'second' });
    expect(currentTasks(service, [first, second]).map((t) => t.ID)).toEqual([second.ID, first.ID]);
  });
});

describe('task state → container state', () => {
  it('no task yet → created, waiting for the manager', () => {
    const view = viewOf(service, []);
    expect(view).toMatchObject({ state: 'created', health: undefined, restarts: 0, exitCode: 0, startedAt: null });
    expect(view.detail).toMatch(/schedule/);
    expect(actualOf(service, [])).not.toHaveProperty('health');
  });

  it.each(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready'])('%s → created', (state) => {
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', { State: state, Message: 'some message' });
    expect(viewOf(service, [t])).toMatchObject({ state: 'created', detail: `${state}: some message`, health: undefined });
  });

  it("pending → created, with the task's error in detail (a drained home, FINDINGS.md §4)", () => {
    const why = 'no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 1 node)';
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'pending', Message: 'pending task scheduling', Err: why });
    const details = detailsOf(service, [t]);
    expect(details.state).toBe('created');
    expect(details.detail).toBe(`pending: ${why}`);
    expect(details.startedAt).toBeNull();
  });

  it('starting → running, health starting', () => {
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'starting', Message: 'starting', Timestamp: '2026-12-08T01:01:02Z' });
    expect(actualOf(service, [t])).toMatchObject({ state: 'running', health: 'starting' });
    const d = detailsOf(service, [t]);
    expect(d).toMatchObject({ state: 'running', health: 'starting', startedAt: '2026-12-08T01:01:02Z' });
    expect(d).not.toHaveProperty('detail');
  });

  it('running → running and healthy (a task with a health check runs only once healthy, FINDINGS.md §5)', () => {
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'running', Message: 'started', Timestamp: '2026-12-08T01:01:09Z' });
    expect(actualOf(service, [t])).toMatchObject({ state: 'running', health: 'healthy' });
    expect(detailsOf(service, [t])).toMatchObject({ state: 'running', health: 'healthy', startedAt: '2026-12-08T01:01:09Z', exitCode: 0 });
  });

  it('failed → exited, with its exit code and why', () => {
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', {
      State: 'failed',
      Message: 'started',
      Err: 'task: non-zero exit (137): dockerexec: unhealthy container',
      ContainerStatus: { ContainerID: 'c1', ExitCode: 137 },
    });
    const d = detailsOf(service, [t]);
    expect(d).toMatchObject({ state: 'exited', exitCode: 137, health: undefined });
    expect(d.detail).toBe('failed: task: non-zero exit (137): dockerexec: unhealthy container');
  });

  it('rejected without a container → exited 1, with why', () => {
    const t = taskOf('gen-new', '2026-12-08T01:01:00Z', {
      State: 'rejected',
      Err: 'invalid mount config for type "bind": bind source path does not exist: /srv/appdata/2026/cleveland',
    });
    expect(detailsOf(service, [t])).toMatchObject({
      state: 'exited',
      exitCode: 1,
      detail: expect.stringMatching(/^rejected: invalid mount/),
    });
  });

  it('earlier tasks of the generation count as restarts; those of an older one do not', () => {
    const tasks = [
      taskOf('gen-old', '2026-12-08T01:00:00Z', { State: 'shutdown' }),
      taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'failed', ContainerStatus: { ExitCode: 1 } }),
      taskOf('gen-new', '2026-12-08T01:02:00Z', { State: 'failed', ContainerStatus: { ExitCode: 1 } }),
      taskOf('gen-new', '2026-12-08T01:03:00Z', { State: 'starting' }),
    ];
    expect(viewOf(service, tasks).restarts).toBe(2);
    expect(detailsOf(service, tasks).restartCount).toBe(2);
  });

  it('a task of the generation shut down by a drain (or a lost node) is no restart', () => {
    const tasks = [
      taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'shutdown' }),
      taskOf('gen-new', '2026-12-08T01:02:00Z', { State: 'pending', Message: 'pending task scheduling' }),
    ];
    expect(viewOf(service, tasks).restarts).toBe(0);
  });
});

describe('the service as a container', () => {
  const t = taskOf('gen-new', '2026-12-08T01:01:00Z', { State: 'running' });

  it('actualOf: the service ID and name, its labels, the image ID label, the bind sources', () => {
    expect(actualOf(service, [t])).toEqual({
      id: SERVICE_ID,
      name: 'id-demo-cleveland',
      labels: service.Spec!.Labels,
      state: 'running',
      health: 'healthy',
      imageId: IMAGE_ID,
      mounts: ['/srv/appdata/2026/cleveland', '/dev/net/tun'],
    });
  });

  it('detailsOf: the image reference, the environment split at the first =', () => {
    const d = detailsOf(service, [t]);
    expect(d.image).toBe(service.Spec!.TaskTemplate!.ContainerSpec!.Image);
    expect(d.imageId).toBe(IMAGE_ID);
    expect(d.environment).toEqual([
      ['TZ', 'Etc/UTC'],
      ['TAILSCALE_AUTHKEY', 'file:/run/secrets/authkey'],
      ['EMPTY', ''],
      ['ODD', ''],
      ['URL', 'https://a/?b=c'],
    ]);
    expect(d.mounts).toEqual(['/srv/appdata/2026/cleveland', '/dev/net/tun']);
  });

  it('a service without a spec reads as an empty one, not a crash', () => {
    const bare: Service = { ID: 'bare' };
    expect(actualOf(bare, [])).toMatchObject({ id: 'bare', name: '', labels: {}, state: 'created', imageId: '', mounts: [] });
  });
});
