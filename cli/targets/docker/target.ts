/** The Docker target: event containers on one engine, local or over ssh:// / tcp:// (or a Docker context). */
import type { Target } from '../target.js';
import { backupFiles, createAccessory, ensureAccessoryImage, ensureNetwork, readTextIn, removeNetwork, writeTextIn } from './accessory.js';
import { appendEntry, readEntries } from './audit-store.js';
import { connectEngine, engineMessage, pingEngine, type Engine } from './client.js';
import { dockerImages } from './image/store.js';
import { dockerLock, dockerRuntime } from './runtime.js';
import { hasNodeState, moveStateDir } from './state-dir.js';
import { stopContainer } from './containers.js';

/** A local socket: the engine's host paths are this machine's. */
function isLocalEndpoint(endpoint: string): boolean {
  return endpoint.startsWith('unix://') || endpoint.startsWith('npipe://');
}

/** No request is made until a part is used (`connect` first, by the caller that reports it). */
export function dockerTarget(engine: Engine = connectEngine()): Target {
  const { docker } = engine;
  return {
    kind: 'docker',
    endpoint: engine.endpoint,
    sharesHostPaths: isLocalEndpoint(engine.endpoint),
    connect: async () => `${engine.endpoint} (API ${await pingEngine(engine)})`,
    containers: dockerRuntime(engine),
    lock: dockerLock(engine),
    images: dockerImages(engine),
    hostFiles: {
      hasNodeState: (image, hostDir) => hasNodeState(docker, image, hostDir),
      moveStateDir: (image, root, from, to) => moveStateDir(docker, image, root, from, to),
    },
    auditLog: {
      append: (dir, entry) => appendEntry(docker, dir, entry),
      read: (dir) => readEntries(docker, dir),
    },
    accessories: {
      ensureImage: (ref, onProgress) => ensureAccessoryImage(docker, ref, onProgress),
      create: (def, secrets) => createAccessory(docker, def, secrets),
      readText: (id, file) => readTextIn(docker, id, file),
      writeText: (id, file, content) => writeTextIn(docker, id, file, content),
      stop: (id) => stopContainer(docker, id),
      backup: (id, dir, names, into) => backupFiles(docker, id, dir, names, into),
      ensureNetwork: (name, labels) => ensureNetwork(docker, name, labels),
      removeNetwork: (name, labels) => removeNetwork(docker, name, labels),
    },
    errorMessage: engineMessage,
  };
}
