/**
 * Replace an event's container without leaving the event with none: the new container is created
 * (not started) beside the old one first, so a create the engine refuses changes nothing; the old one
 * is stopped only then (two tailscaleds must never run on one state dir), and if the new one does not
 * start, it is removed and the old one started again. The old one is kept, stopped, until the caller
 * knows whether the new one is ready: commit() removes it, rollback() puts it back in place.
 */
import type Docker from 'dockerode';
import { readSecretEnv } from '../../render/secrets.js';
import type { ServiceDefinition } from '../../render/service.js';
import type { Replacement } from '../target.js';
import { createOptions, removeContainer, startContainer, stopContainer, withoutSecrets } from './containers.js';

/**
 * The name the replacement has until the old container is gone. One left behind by a deploy that died
 * half-way is ours under another name: the next plan removes it, or re-makes the event from it.
 */
function replacementName(service: ServiceDefinition, oldId: string): string {
  return `${service.name}-next-${oldId.slice(0, 12)}`;
}

export async function replaceContainer(docker: Docker, oldId: string, service: ServiceDefinition): Promise<Replacement> {
  const options = await createOptions(service);
  const scrubbed = async (err: unknown) => withoutSecrets(err, Object.values(await readSecretEnv(service.envFile)));
  let fresh: Docker.Container;
  try {
    fresh = await docker.createContainer({ ...options, name: replacementName(service, oldId) });
  } catch (err) {
    throw await scrubbed(err); // nothing changed: the old container runs on
  }
  try {
    await stopContainer(docker, oldId);
  } catch (err) {
    await removeContainer(docker, fresh.id);
    throw err;
  }
  try {
    await fresh.start();
  } catch (err) {
    await removeContainer(docker, fresh.id);
    await startContainer(docker, oldId); // back to what ran before
    throw await scrubbed(err);
  }
  // The old one stays, stopped, under another name until the new one is known to be ready.
  const old = docker.getContainer(oldId);
  await old.rename({ name: previousName(service, oldId) });
  await fresh.rename({ name: service.name });
  return {
    id: fresh.id,
    commit: () => removeContainer(docker, oldId),
    rollback: async () => {
      await stopContainer(docker, fresh.id);
      await removeContainer(docker, fresh.id);
      await old.rename({ name: service.name });
      await startContainer(docker, oldId);
    },
  };
}

/** The old container's name while its replacement proves itself (kept for a rollback). */
function previousName(service: ServiceDefinition, oldId: string): string {
  return `${service.name}-prev-${oldId.slice(0, 12)}`;
}
