/** The Runtime over one Docker engine (local socket, tcp:// or ssh://): plain containers. */
import type { Engine } from '../../client/docker.js';
import type { Runtime } from '../runtime.js';
import { createAndStart, inspectContainer, listFleetContainers, restartContainer, startContainer, stopAndRemove } from './containers.js';
import { execInContainer } from './exec.js';
import { acquireLock, lockName, readLock, releaseLock } from './lock.js';
import { containerLogs, lastLogLines } from './logs.js';
import { replaceContainer } from './replace.js';

export function dockerRuntime(engine: Engine): Runtime {
  const { docker } = engine;
  return {
    endpoint: engine.endpoint,
    lock: {
      name: lockName,
      acquire: (key, message, fleetName) => acquireLock(docker, key, message, fleetName),
      forceRelease: (key) => releaseLock(docker, key),
      holder: (key) => readLock(docker, key),
    },
    list: (names) => listFleetContainers(docker, names),
    createAndStart: (service) => createAndStart(docker, service),
    start: (id) => startContainer(docker, id),
    restart: (id) => restartContainer(docker, id),
    replace: (oldId, service) => replaceContainer(docker, oldId, service),
    stopAndRemove: (id) => stopAndRemove(docker, id),
    inspect: (idOrName) => inspectContainer(docker, idOrName),
    logs: (id, options) => containerLogs(docker, id, options),
    lastLogLines: (id, lines) => lastLogLines(docker, id, lines),
    exec: (id, cmd) => execInContainer(docker, id, cmd),
  };
}
