/** The Runtime and the deploy lock over one Docker engine (local socket, tcp:// or ssh://): plain containers. */
import { engineMessage, type Engine } from './client.js';
import type { DeployLock, Runtime } from '../target.js';
import {
  createAndStart,
  inspectContainer,
  renameContainer,
  listFleetContainers,
  restartContainer,
  startContainer,
  stopAndRemove,
} from './containers.js';
import { execInContainer } from './exec.js';
import { EVENT_PROBE } from '../../tailnet/probe.js';
import { connectInContainer } from './forward.js';
import { acquireLock, lockName, readLock, releaseLock, removeMarker } from './lock.js';
import { containerLogs, lastLogLines } from './logs.js';
import { replaceContainer } from './replace.js';

/** The fleet's deploy lock as a marker container on the engine (lock.ts). */
export function dockerLock(engine: Engine): DeployLock {
  const { docker } = engine;
  return {
    name: lockName,
    acquire: (fleetName, message, fleetId, auditDir) => acquireLock(docker, fleetName, message, fleetId, auditDir),
    forceRelease: (fleetName, id) => (id ? removeMarker(docker, id) : releaseLock(docker, fleetName)),
    holder: (fleetName) => readLock(docker, fleetName),
  };
}

export function dockerRuntime(engine: Engine): Runtime {
  const { docker } = engine;
  return {
    list: (names) => listFleetContainers(docker, names),
    createAndStart: (service) => createAndStart(docker, service),
    start: (id) => startContainer(docker, id),
    rename: (id, name) => renameContainer(docker, id, name),
    restart: (id) => restartContainer(docker, id),
    replace: (oldId, service) => replaceContainer(docker, oldId, service),
    stopAndRemove: (id) => stopAndRemove(docker, id),
    inspect: (idOrName) => inspectContainer(docker, idOrName),
    logs: (id, options) => containerLogs(docker, id, options),
    lastLogLines: (id, lines) => lastLogLines(docker, id, lines),
    exec: (id, cmd) => execInContainer(docker, id, cmd),
    probe: (id) => execInContainer(docker, id, [...EVENT_PROBE]),
    connect: (id, port) => connectInContainer(docker, id, port),
    errorMessage: engineMessage,
  };
}
