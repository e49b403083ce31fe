/** `connect to Docker`: the engine (images) and the runtime on it (event containers), checked reachable. */
import { connectEngine, pingEngine, type Engine } from './client/docker.js';
import { dockerRuntime } from './runtime/docker/runtime.js';
import type { Runtime } from './runtime/runtime.js';

export interface Target {
  engine: Engine;
  runtime: Runtime;
  /** The engine's API version, for the progress line. */
  apiVersion: string;
}

export async function connect(): Promise<Target> {
  const engine = connectEngine();
  const apiVersion = await pingEngine(engine);
  return { engine, runtime: dockerRuntime(engine), apiVersion };
}
