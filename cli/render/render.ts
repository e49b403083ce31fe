/**
 * `render`: fleet → compose/docker-compose.yml + compose/secrets/<event>.env (0600).
 * Also the first step of `up`, which gets the same service definitions back.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import type { Fleet } from '../fleet/schema.js';
import { atomicWriteIfChanged } from '../util/atomic-write.js';
import { COMPOSE_FILE, composeText } from './compose.js';
import { refuseLinkedOutput } from './no-links.js';
import { digestOf, pruneSecrets, readEventSecret, secretFileOf, storeEventSecret } from './secrets.js';
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
  /** false: work out the services only and write nothing (`up --dry-run`). Default true. */
  write?: boolean;
  /** The run's environment (auth keys named by `authKey: {env: …}`); default the process's. */
  env?: NodeJS.ProcessEnv;
  /** The run's working directory (paths in messages are shown relative to it); default the process's. */
  cwd?: string;
}

export function composeDirFor(fleetFile: string, outDir?: string): string {
  return path.resolve(outDir ?? path.join(path.dirname(fleetFile), 'compose'));
}

/** Where the events' secret env files (and the minted keys' records) are kept: `<compose dir>/secrets`. */
export function secretsDirFor(composeDir: string): string {
  return path.join(composeDir, 'secrets');
}

export async function renderFleet(fleet: Fleet, options: RenderOptions): Promise<RenderResult> {
  const fleetDir = path.dirname(options.fleetFile);
  const composeDir = composeDirFor(options.fleetFile, options.outDir);
  const secretsDir = secretsDirFor(composeDir);
  const warnings: string[] = [];
  const events = Object.keys(fleet.events).sort();
  // Read every key before writing anything: a bad one fails the render with no file touched.
  const secrets = await Promise.all(
    events.map((event) =>
      readEventSecret(event, fleet.events[event]!, fleetDir, fleet.keys !== undefined || fleet.controlServer !== undefined, options.env),
    ),
  );
  const composeFile = path.join(composeDir, COMPOSE_FILE);
  if (options.write === false) {
    const services = events.map((event, i) => {
      const { text, warning } = secrets[i]!;
      if (text === null && warning) warnings.push(warning);
      return serviceFor(fleet, event, { fleetDir, secretsDir }, text === null ? null : digestOf(text));
    });
    return { composeFile, services, warnings: warnings.sort() };
  }
  // Nothing is written through a link: refused here, before the first write.
  await refuseLinkedOutput(
    composeDir,
    secretsDir,
    events.map((event) => secretFileOf(event, secretsDir)),
  );
  let services: ServiceDefinition[];
  try {
    await mkdir(composeDir, { recursive: true });
    services = await Promise.all(
      events.map(async (event, i) => {
        const secret = await storeEventSecret(event, secrets[i]!, secretsDir);
        if (secret.warning) warnings.push(secret.warning);
        return serviceFor(fleet, event, { fleetDir, secretsDir }, secret.digest);
      }),
    );
    await pruneSecrets(secretsDir, new Set(events));
    await atomicWriteIfChanged(composeFile, composeText(services, composeDir, path.basename(options.fleetFile)));
  } catch (err) {
    throw unwritableError(err, composeDir, options.cwd) ?? err;
  }
  return { composeFile, services, warnings: warnings.sort() };
}

/** Errors that mean the output directory cannot be written there: why, in words, and what fixes it. */
const UNWRITABLE: Record<string, { why: string; fix: string }> = {
  EACCES: { why: 'permission denied', fix: 'fix its permissions' },
  EPERM: { why: 'operation not permitted', fix: 'fix its permissions' },
  EROFS: { why: 'read-only file system', fix: 'use a directory on a writable file system' },
  ENOTDIR: { why: 'a part of the path is a file, not a directory', fix: 'name a directory' },
  EEXIST: { why: 'it is a file, not a directory', fix: 'name a directory' },
  EISDIR: { why: 'a directory is where the file goes', fix: 'move that directory away' },
};

/**
 * The UsageError for a render output that cannot be written (one line: the path, why, the fix), or
 * null when `err` is something else.
 */
export function unwritableError(err: unknown, composeDir: string, cwd = process.cwd()): UsageError | null {
  const { code, path: failed, dest } = (err ?? {}) as NodeJS.ErrnoException & { dest?: string };
  const reason = code ? UNWRITABLE[code] : undefined;
  if (!reason) return null;
  // A temp file (atomicWrite's .<name>.<pid>.<hex>.tmp) means nothing to the user: name the file it
  // was being renamed to, or its directory.
  const isTemp = (p: string) => /^\..*\.tmp$/.test(path.basename(p));
  const where = dest ?? (failed ? (isTemp(failed) ? path.dirname(failed) : failed) : composeDir);
  const shown = (p: string) => {
    const rel = path.relative(cwd, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
  };
  return new UsageError(
    `${shown(where)}: cannot write the render there (${reason.why}): ${reason.fix}, or render elsewhere with \`demo-fleet render --out <dir>\``,
  );
}

/** The `render` command's core: load and validate the fleet file, then render it (`outDir` absolute). */
export async function renderFleetFile(
  fleetFile: string,
  outDir: string | undefined,
  run: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RenderResult> {
  const { fleet } = await loadFleet(fleetFile, run.cwd);
  return renderFleet(fleet, { fleetFile, outDir, ...run });
}
