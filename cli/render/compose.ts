/**
 * Service definitions → docker-compose.yml text. Deterministic: the same services give byte-identical
 * output. Secrets are referenced through env_file, never inlined.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import type { ServiceDefinition } from './service.js';
import { formatDuration } from '../util/duration.js';

export const COMPOSE_FILE = 'docker-compose.yml';

/**
 * Compose interpolates `${VAR}` and `$VAR` in the values of a compose file and reads `$$` as a literal
 * `$` (docker-compose 1.29 here: `inviteLink: …/a${HOME}b` became `…/a/rootb`). Every value is written
 * escaped, so `docker-compose up` on the render passes exactly what `demo-fleet up` passes: that builds
 * the container from the same ServiceDefinition, unescaped (targets/docker/containers.ts createOptions).
 */
function escapeDollars<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$') as T;
  if (Array.isArray(value)) return value.map(escapeDollars) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)])) as T;
  }
  return value;
}

export function composeService(s: ServiceDefinition, composeDir: string): Record<string, unknown> {
  return escapeDollars({
    image: s.image,
    container_name: s.name,
    volumes: s.volumes.map((v) => `${v.source}:${v.target}`),
    environment: s.environment.map(([k, v]) => `${k}=${v}`),
    ...(s.envFile ? { env_file: [path.relative(composeDir, s.envFile)] } : {}),
    healthcheck: {
      test: s.healthcheck.test,
      interval: formatDuration(s.healthcheck.intervalMs),
      timeout: formatDuration(s.healthcheck.timeoutMs),
      retries: s.healthcheck.retries,
      start_period: formatDuration(s.healthcheck.startPeriodMs),
    },
    labels: s.labels,
    restart: s.restart,
    ...(s.devices.length ? { devices: s.devices.map((d) => `${d}:${d}`) } : {}),
    ...(s.capAdd.length ? { cap_add: s.capAdd } : {}),
    ...(s.network ? { networks: [s.network] } : {}),
  });
}

export function composeText(services: ServiceDefinition[], composeDir: string, source: string): string {
  const networks = [...new Set(services.flatMap((s) => (s.network ? [s.network] : [])))].sort();
  const doc = {
    services: Object.fromEntries(
      [...services].sort((a, b) => a.name.localeCompare(b.name)).map((s) => [s.name, composeService(s, composeDir)]),
    ),
    // The fleet's network is made outside the compose file (by the user, or the headscale accessory).
    ...(networks.length ? { networks: Object.fromEntries(networks.map((n) => [n, { external: true }])) } : {}),
  };
  const header = `# Rendered by demo-fleet from ${source}. Do not edit: change the fleet file and run \`demo-fleet render\`.\n`;
  return header + stringify(doc, { lineWidth: 0 });
}
