/**
 * A one-off task on one node: the only way through the manager to a node's files (the manager cannot
 * exec there). Used for an event's state dir, which lives on its home node: make it before the event's
 * first task (a bind mount's missing source is not created on Swarm: the task is rejected, FINDINGS.md
 * §4), look whether it holds a node, move it aside on retire. The job is a service of one task that is
 * never restarted, runs `sh -c <script>` in the event's own image (it has sh, and the node pulls it for
 * the event anyway), and is removed when its task ended; its output is read through the service's logs.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { DeployError } from '../../errors.js';
import { asRequest, credentials } from './request.js';
import { SWARM_LABELS } from './spec.js';
import { TASK_ENDED, type Task } from './tasks.js';
import { serviceLogText } from './service-logs.js';

export interface JobRequest {
  /** Placement constraint, e.g. node.id==<id>. */
  constraint: string;
  image: string;
  /** The credentials the node pulls the image with (the event's own may not be there yet). */
  auth: object | undefined;
  /** Host directory → path in the job. */
  mounts: Array<{ source: string; target: string }>;
  script: string;
  /** The script's arguments ($1, …): paths are passed, never spliced into it. */
  args?: string[];
  /** For messages: what the job does, e.g. "make the state dir of cleveland". */
  what: string;
  /** For messages: the node, e.g. "w1 (abc123)". */
  where: string;
}

/** A first job on a node may pull the image: minutes, not seconds. */
const JOB_TIMEOUT_MS = 300_000;
/** A job Swarm cannot place for this long is given up on. */
const UNPLACEABLE_MS = 15_000;

export async function runJob(docker: Docker, job: JobRequest): Promise<{ exitCode: number; output: string }> {
  await sweepEndedJobs(docker);
  const name = `demo-fleet-job-${randomBytes(5).toString('hex')}`;
  const created = (await docker.createService(
    credentials(job.auth),
    asRequest(
      {},
      {
        Name: name,
        Labels: { [SWARM_LABELS.job]: job.what },
        TaskTemplate: {
          ContainerSpec: {
            Image: job.image,
            Command: ['sh', '-c', job.script, ...(job.args ? ['sh', ...job.args] : [])],
            Mounts: job.mounts.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target })),
          },
          RestartPolicy: { Condition: 'none' },
          Placement: { Constraints: [job.constraint] },
        },
        Mode: { Replicated: { Replicas: 1 } },
      },
    ),
  )) as unknown as { ID?: string; id?: string };
  const id = created.ID ?? created.id ?? name;
  try {
    const task = await untilEnded(docker, id, job);
    const state = task.Status?.State;
    if (state !== 'complete' && state !== 'failed') {
      const why = task.Status?.Err || task.Status?.Message || state;
      throw new DeployError(`${job.what} on node ${job.where}: the job's task was ${state}: ${why}`);
    }
    const output = await serviceLogText(docker, id, {});
    return { exitCode: task.Status?.ContainerStatus?.ExitCode ?? (state === 'complete' ? 0 : 1), output };
  } finally {
    await docker
      .getService(id)
      .remove()
      .catch(() => {});
  }
}

/**
 * Jobs a killed command left behind (its `finally` never ran): removed once their task ended. A job
 * still running (another command's, now) is left alone.
 */
async function sweepEndedJobs(docker: Docker): Promise<void> {
  const jobs = (await docker.listServices({ filters: { label: [SWARM_LABELS.job] } })) as Array<{ ID: string }>;
  if (jobs.length === 0) return;
  const tasks = (await docker.listTasks({ filters: { service: jobs.map((j) => j.ID) } })) as unknown as Task[];
  for (const job of jobs) {
    const own = tasks.filter((t) => t.ServiceID === job.ID);
    if (own.length > 0 && own.every((t) => TASK_ENDED.has(t.Status?.State ?? ''))) {
      await docker
        .getService(job.ID)
        .remove()
        .catch(() => {});
    }
  }
}

async function untilEnded(docker: Docker, id: string, job: JobRequest): Promise<Task> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let last = 'not scheduled';
  let unplaceableSince: number | undefined;
  for (;;) {
    const tasks = (await docker.listTasks({ filters: { service: [id] } })) as unknown as Task[];
    const task = tasks[0];
    if (task) {
      const state = task.Status?.State ?? 'new';
      if (TASK_ENDED.has(state)) return task;
      last = `${state}${task.Status?.Err ? `: ${task.Status.Err}` : task.Status?.Message ? `: ${task.Status.Message}` : ''}`;
      // the node takes no task (drained or down since it was looked at): not worth the whole timeout
      if (/no suitable node/.test(last)) {
        unplaceableSince ??= Date.now();
        if (Date.now() - unplaceableSince > UNPLACEABLE_MS) throw new DeployError(`${job.what} on node ${job.where}: ${last}`);
      } else unplaceableSince = undefined;
    }
    if (Date.now() >= deadline) {
      throw new DeployError(`${job.what} on node ${job.where}: the job did not end within ${JOB_TIMEOUT_MS / 1000}s (${last})`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
