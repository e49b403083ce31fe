/**
 * `doctor`: which engine (DOCKER_HOST, else the Docker context, as the docker CLI picks it), its address
 * scheme, and whether it answers and lets us in (EACCES on the socket: the docker group).
 */
import { FleetError } from '../../../errors.js';
import { connectEngine, pingEngine, type Engine } from '../client.js';
import { describeEndpointSource, resolveDockerEndpoint, type DockerEndpoint } from '../docker-context.js';
import { fail, ok, type Finding } from '../../../finding.js';

export interface EngineCheck {
  findings: Finding[];
  /** The engine when it answered, for the checks that need one. */
  engine: Engine | null;
  endpoint: DockerEndpoint | null;
  /** The engine's /info (data root, driver status), when it answered. */
  info: EngineInfo | null;
}

export interface EngineInfo {
  ServerVersion?: string;
  DockerRootDir?: string;
  DriverStatus?: Array<[string, string]>;
}

export async function checkEngine(): Promise<EngineCheck> {
  let endpoint: DockerEndpoint;
  try {
    endpoint = resolveDockerEndpoint();
  } catch (err) {
    if (!(err instanceof FleetError)) throw err;
    return { findings: [fail('docker-host', err.message)], engine: null, endpoint: null, info: null };
  }
  const findings = [ok('docker-host', `${endpoint.host} (from ${describeEndpointSource(endpoint)})`)];
  try {
    const engine = connectEngine();
    const apiVersion = await pingEngine(engine);
    const info = (await engine.docker.info().catch(() => null)) as EngineInfo | null;
    findings.push(ok('engine', `Docker ${info?.ServerVersion ?? '?'} (API ${apiVersion}) answers at ${endpoint.host}`));
    return { findings, engine, endpoint, info };
  } catch (err) {
    if (!(err instanceof FleetError)) throw err;
    findings.push(fail('engine', err.message));
    return { findings, engine: null, endpoint, info: null };
  }
}
