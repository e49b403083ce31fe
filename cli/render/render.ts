/**
 * `render`: fleet → compose/docker-compose.yml + compose/secrets/<event>.env (0600).
 * Also the first step of `up`, which gets the same service definitions back.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Fleet } from '../fleet/schema.js';
import { atomicWriteIfChanged } from '../util/atomic-write.js';
import { COMPOSE_FILE, composeText } from './compose.js';
import { pruneSecrets, readEventSecret, storeEventSecret } from './secrets.js';
import { serviceFor, type ServiceDefinition } from './service.js';

export interface RenderResult {
  composeFile: string;
  services: ServiceDefinition[];
  /** Missing auth keys and the like: printed by the CLI, never containing a secret. */
  warnings: string[];
}

export interface RenderOptions {
  fleetFile: string;
  /** Output directory; default <fleet dir>/compose. */
  outDir?: string;
}

export function composeDirFor(fleetFile: string, outDir?: string): string {
  return path.resolve(outDir ?? path.join(path.dirname(fleetFile), 'compose'));
}

export async function renderFleet(fleet: Fleet, options: RenderOptions): Promise<RenderResult> {
  const fleetDir = path.dirname(options.fleetFile);
  const composeDir = composeDirFor(options.fleetFile, options.outDir);
  const secretsDir = path.join(composeDir, 'secrets');
  const warnings: string[] = [];
  const events = Object.keys(fleet.events).sort();
  // Read every key before writing anything: a bad one fails the render with no file touched.
  const secrets = await Promise.all(events.map((event) => readEventSecret(event, fleet.events[event]!, fleetDir)));
  await mkdir(composeDir, { recursive: true });
  const services = await Promise.all(
    events.map(async (event, i) => {
      const secret = await storeEventSecret(event, secrets[i]!, secretsDir);
      if (secret.warning) warnings.push(secret.warning);
      return serviceFor(fleet, event, { fleetDir, secretsDir }, secret.digest);
    }),
  );
  await pruneSecrets(secretsDir, new Set(events));
  const composeFile = path.join(composeDir, COMPOSE_FILE);
  await atomicWriteIfChanged(composeFile, composeText(services, composeDir, path.basename(options.fleetFile)));
  return { composeFile, services, warnings: warnings.sort() };
}
