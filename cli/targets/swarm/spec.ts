/**
 * THE mapping of an event's service definition (render/service.ts) to a Swarm service spec, as
 * test/fixtures/swarm/FINDINGS.md found an event needs it: one task, restarted on failure, updated
 * stop-first (two tasks of one node identity never run at once), placed by its node label, the state dir
 * bound from that node, the TUN as a bind mount with NET_ADMIN (a service cannot take devices: the field
 * is dropped silently, §1), the auth key as a Swarm secret read through `file:` (§3), and a health check
 * that reports the event's probe (report.ts). Pure.
 */
import type Docker from 'dockerode';
import { AUTHKEY_ENV, STOP_GRACE_SECONDS, type ServiceDefinition } from '../../render/service.js';
import { engineHealthcheck } from '../docker/containers.js';
import { reportingHealthCheck, TASK_ENV, TASK_ENV_VALUE } from './report.js';

/** Labels of the Swarm target's own (the fleet's labels are render's). */
export const SWARM_LABELS = {
  /** On the service: the ID of the image its revision reference names (what the plan compares). */
  imageId: 'dev.demo-fleet.swarm.image-id',
  /** On the task's container spec: changes with every create and update, so a task says which spec made it. */
  generation: 'dev.demo-fleet.swarm.generation',
  /** On a secret: the service it belongs to. */
  service: 'dev.demo-fleet.swarm.service',
  /** On a one-off job (node-job.ts). */
  job: 'dev.demo-fleet.swarm.job',
  /**
   * On a service updated by a re-create whose outcome is not decided yet (the readiness wait); removed
   * on commit. Still there on the next run: the deploy was interrupted, and its previous spec (Swarm keeps
   * it as PreviousSpec) is the one known to have worked (tasks.ts, services.ts).
   */
  unconfirmed: 'dev.demo-fleet.swarm.unconfirmed',
} as const;

/** Node label `<prefix><service name>` = the event's state dir on that node: its home (placement.ts). */
export const HOME_LABEL_PREFIX = 'dev.demo-fleet.home.';

/** Where the auth key secret is mounted in the task (`/run/secrets/<name>`). */
export const AUTHKEY_SECRET_FILE = 'authkey';

const NS_PER_MS = 1_000_000;

export interface SpecInputs {
  /** The image by digest (`<repo>:<tag>@sha256:…`): every node runs the same bytes. */
  image: string;
  imageId: string;
  /** The node label key and value the task is placed by. */
  home: { key: string; value: string };
  /** The auth key's secret, when the event has one. */
  secret: { id: string; name: string } | null;
  generation: string;
}

export function homeLabelKey(service: Pick<ServiceDefinition, 'name'>): string {
  return `${HOME_LABEL_PREFIX}${service.name}`;
}

export function serviceSpec(service: ServiceDefinition, inputs: SpecInputs): Docker.ServiceSpec {
  const env = service.environment.map(([k, v]) => `${k}=${v}`);
  if (inputs.secret) env.push(`${AUTHKEY_ENV}=file:/run/secrets/${AUTHKEY_SECRET_FILE}`);
  env.push(`${TASK_ENV}=${TASK_ENV_VALUE}`);
  return {
    Name: service.name,
    Labels: { ...service.labels, [SWARM_LABELS.imageId]: inputs.imageId },
    TaskTemplate: {
      ContainerSpec: {
        Image: inputs.image,
        Hostname: service.hostname,
        Env: env,
        Labels: { ...service.labels, [SWARM_LABELS.generation]: inputs.generation },
        // the state dir first: it is what the plan reads as mounts[0]
        Mounts: [
          ...service.volumes.map((v) => ({ Type: 'bind' as const, Source: v.source, Target: v.target })),
          ...service.devices.map((d) => ({ Type: 'bind' as const, Source: d, Target: d })),
        ],
        CapabilityAdd: service.capAdd,
        Healthcheck: engineHealthcheck(reportingHealthCheck(service.healthcheck)),
        StopGracePeriod: STOP_GRACE_SECONDS * 1000 * NS_PER_MS,
        Secrets: inputs.secret
          ? [
              {
                SecretID: inputs.secret.id,
                SecretName: inputs.secret.name,
                File: { Name: AUTHKEY_SECRET_FILE, UID: '0', GID: '0', Mode: 0o400 },
              },
            ]
          : [],
      },
      RestartPolicy: { Condition: 'on-failure', Delay: 5_000 * NS_PER_MS },
      Placement: { Constraints: [`node.labels.${inputs.home.key}==${inputs.home.value}`] },
      ...(service.network ? { Networks: [{ Target: service.network }] } : {}),
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
    RollbackConfig: { Parallelism: 1, Order: 'stop-first' },
  } as Docker.ServiceSpec;
}
