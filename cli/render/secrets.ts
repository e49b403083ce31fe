/**
 * Auth keys: read from where the fleet file says (an env variable or a file), written to
 * compose/secrets/<event>.env with mode 0600. The key itself is never returned to callers that print.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FleetEvent } from '../fleet/schema.js';
import { atomicWrite } from '../util/atomic-write.js';
import { UsageError } from '../ui/errors.js';

export interface SecretResult {
  /** sha256 of the env file content, or null when the event has no key (interactive login). */
  digest: string | null;
  /** A warning to show (never containing the key), e.g. "TS_KEY_CLEVELAND is not set". */
  warning?: string;
}

async function readAuthKey(event: string, e: FleetEvent, fleetDir: string): Promise<{ key?: string; warning?: string }> {
  const source = e.authKey;
  const login = 'the node will wait for an interactive login (see `demo-fleet logs ' + event + '`)';
  if (!source) return { warning: `event ${event}: no authKey configured; ${login}` };
  if ('env' in source) {
    const key = process.env[source.env]?.trim();
    return key ? { key } : { warning: `event ${event}: environment variable ${source.env} is not set; ${login}` };
  }
  const file = path.resolve(fleetDir, source.file);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    return key ? { key } : { warning: `event ${event}: auth key file ${source.file} is empty; ${login}` };
  } catch {
    return { warning: `event ${event}: auth key file ${source.file} cannot be read; ${login}` };
  }
}

/** One line per variable; the values are single-line secrets, rejected otherwise. */
export function envFileText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new UsageError(`${k}: the secret must be a single line`);
      return `${k}=${v}\n`;
    })
    .join('');
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Write the event's secret env file (0600) or remove a stale one; returns its digest. */
export async function writeEventSecret(
  event: string,
  e: FleetEvent,
  dirs: { fleetDir: string; secretsDir: string },
): Promise<SecretResult> {
  const file = path.join(dirs.secretsDir, `${event}.env`);
  const { key, warning } = await readAuthKey(event, e, dirs.fleetDir);
  if (!key) {
    await rm(file, { force: true });
    return { digest: null, warning };
  }
  const text = envFileText({ TAILSCALE_AUTHKEY: key });
  await mkdir(dirs.secretsDir, { recursive: true, mode: 0o700 });
  await chmod(dirs.secretsDir, 0o700);
  await atomicWrite(file, text, { mode: 0o600 });
  return { digest: digestOf(text) };
}

/** Remove secret files of events that are no longer in the fleet. */
export async function pruneSecrets(secretsDir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(secretsDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.endsWith('.env') && !keep.has(n.slice(0, -4)))
      .map((n) => rm(path.join(secretsDir, n), { force: true })),
  );
}

export async function readSecretEnv(envFile: string | null): Promise<Record<string, string>> {
  if (!envFile) return {};
  return parseEnvFile(await readFile(envFile, 'utf8'));
}
