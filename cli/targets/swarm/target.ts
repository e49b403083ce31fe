/**
 * The Swarm target: the fleet's events as services on a Docker Swarm, through a manager reached like the
 * single engine (DOCKER_HOST, a Docker context, ssh://). What lives on the manager's own engine works as
 * on one engine and is the Docker target's code: building and tagging images, the deploy lock (a marker
 * container) and the audit log (under appdata on the manager). Events, their state dirs and auth keys
 * are the Swarm's (services.ts, node-job.ts, Swarm secrets). The control server is not run here (the
 * fleet schema refuses controlServer: with target: swarm).
 */
import { EngineError, UsageError } from '../../errors.js';
import { appendEntry, readEntries } from '../docker/audit-store.js';
import { connectEngine, engineMessage, pingEngine, type Engine } from '../docker/client.js';
import { dockerLock } from '../docker/runtime.js';
import type { Accessories, Target } from '../target.js';
import { swarmImages } from './images.js';
import { listNodes } from './placement.js';
import { swarmRuntime } from './services.js';

interface SwarmInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; Nodes?: number };
}

/** The engine is a manager of an active swarm, or the one line why not (with the fix). */
export async function swarmState(engine: Engine): Promise<{ nodes: number }> {
  const info = (await engine.docker.info()) as SwarmInfo;
  const state = info.Swarm?.LocalNodeState ?? 'inactive';
  if (state !== 'active') {
    throw new UsageError(
      `target: swarm, but the engine at ${engine.endpoint} is in no swarm (Swarm: ${state}): point DOCKER_HOST at a manager, run \`docker swarm init\` there, or set target: docker`,
    );
  }
  if (!info.Swarm?.ControlAvailable) {
    throw new UsageError(
      `target: swarm, but the engine at ${engine.endpoint} is a worker: point DOCKER_HOST (or the Docker context) at a manager of the swarm`,
    );
  }
  return { nodes: info.Swarm?.Nodes ?? (await listNodes(engine.docker)).length };
}

function noAccessories(): Accessories {
  const refuse = async (): Promise<never> => {
    throw new UsageError('the Swarm target runs no control server: set loginServer: to a headscale you run, or use target: docker');
  };
  return {
    ensureImage: refuse,
    create: refuse,
    readText: refuse,
    writeText: refuse,
    stop: refuse,
    backup: refuse,
    ensureNetwork: refuse,
    removeNetwork: refuse,
  };
}

export function swarmTarget(engine: Engine = connectEngine()): Target {
  const { docker } = engine;
  const { images, resolver } = swarmImages(engine);
  const { runtime, hostFiles } = swarmRuntime(engine, resolver);
  return {
    kind: 'swarm',
    endpoint: engine.endpoint,
    // state dirs are on the nodes, never this machine's: appdata must be absolute
    sharesHostPaths: false,
    async connect() {
      const api = await pingEngine(engine);
      try {
        const { nodes } = await swarmState(engine);
        return `${engine.endpoint} (API ${api}, Swarm manager of ${nodes} node${nodes === 1 ? '' : 's'})`;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new EngineError(`${engine.endpoint}: ${engineMessage(err)}`);
      }
    },
    containers: runtime,
    lock: dockerLock(engine),
    images,
    hostFiles,
    auditLog: {
      append: (dir, entry) => appendEntry(docker, dir, entry),
      read: (dir) => readEntries(docker, dir),
    },
    accessories: noAccessories(),
    errorMessage: engineMessage,
  };
}
