/**
 * Replace an event's container without leaving the event with none: the new container is created
 * (not started) beside the old one first, so a create the engine refuses changes nothing; the old one
 * is stopped only then (two tailscaleds must never run on one state dir). Both are renamed while
 * neither runs (renaming a container the engine is restarting fails, "sandbox … not found"), so the
 * new one starts under the event's name. If any step fails, what was done is undone: the new one is
 * removed and the old one is back under its name, started. The old one is kept, stopped, until the
 * caller knows whether the new one is ready: commit() removes it, rollback() puts it back in place.
 * A deploy killed between two steps leaves containers converge/recovery.ts settles on the next run: the
 * new one says what it replaces (LABELS.replaces).
 */
import type Docker from 'dockerode';
import { LABELS } from '../../fleet/naming.js';
import { readSecretEnv } from '../../render/secrets.js';
import type { ServiceDefinition } from '../../render/service.js';
import type { Replacement } from '../target.js';
import { createOptions, removeContainer, renameContainer, startContainer, stopContainer, withoutSecrets } from './containers.js';

/** The replacement's name until the old container has left the event's name. */
function replacementName(service: ServiceDefinition, oldId: string): string {
  return `${service.name}-next-${oldId.slice(0, 12)}`;
}

/** The old container's name while its replacement proves itself (kept for a rollback). */
function previousName(service: ServiceDefinition, oldId: string): string {
  return `${service.name}-prev-${oldId.slice(0, 12)}`;
}

export async function replaceContainer(docker: Docker, oldId: string, service: ServiceDefinition): Promise<Replacement> {
  const options = await createOptions(service);
  const scrubbed = async (err: unknown) => withoutSecrets(err, Object.values(await readSecretEnv(service.envFile)));
  let fresh: Docker.Container;
  try {
    fresh = await docker.createContainer({
      ...options,
      name: replacementName(service, oldId),
      Labels: { ...options.Labels, [LABELS.replaces]: oldId },
    });
  } catch (err) {
    throw await scrubbed(err); // nothing changed: the old container runs on
  }
  let oldRenamed = false;
  // Back to what ran before: the new one gone, the old one under its name and started.
  const undo = async () => {
    await removeContainer(docker, fresh.id);
    if (oldRenamed) await renameContainer(docker, oldId, service.name);
    await startContainer(docker, oldId);
  };
  try {
    await stopContainer(docker, oldId);
    await renameContainer(docker, oldId, previousName(service, oldId));
    oldRenamed = true;
    await renameContainer(docker, fresh.id, service.name);
    await fresh.start();
  } catch (err) {
    const failed = await scrubbed(err);
    try {
      await undo();
    } catch (undoErr) {
      const why = (await scrubbed(undoErr)).message;
      throw Object.assign(failed, {
        message: `${failed.message}; putting the old container back failed too (${why}): the next \`up\` settles it`,
      });
    }
    throw failed;
  }
  return {
    id: fresh.id,
    commit: () => removeContainer(docker, oldId),
    rollback: async () => {
      await stopContainer(docker, fresh.id);
      await removeContainer(docker, fresh.id);
      await renameContainer(docker, oldId, service.name);
      await startContainer(docker, oldId);
    },
  };
}
