/**
 * Auth keys: read from where the fleet file says (an env variable or a file), written to
 * compose/secrets/<event>.env with mode 0600. The key itself is never returned to callers that print.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FleetEvent } from '../fleet/schema.js';
import { AUTHKEY_ENV } from './service.js';
import { atomicWriteIfChanged } from '../util/atomic-write.js';
import { UsageError } from '../errors.js';
import { refuseLinkedDir, refuseLinkedFile } from './no-links.js';

export interface SecretResult {
  /** sha256 of the env file content, or null when the event has no key (interactive login). */
  digest: string | null;
  /** A warning to show (never containing the key), e.g. "TS_KEY_CLEVELAND is not set". */
  warning?: string;
}

/**
 * An OAuth client secret works as `tailscale up --auth-key` only together with `--advertise-tags`, for
 * which the docker-mod has no variable: the node would never log in.
 */
const OAUTH_CLIENT_SECRET_PREFIX = 'tskey-client-';
/** Auth keys are ~60 printable characters; these bounds leave room and stop what is surely no key. */
const MAX_KEY_LENGTH = 512;
const MAX_KEY_FILE_BYTES = 4096;

async function readAuthKey(
  event: string,
  config: FleetEvent,
  fleetDir: string,
  minting: boolean,
  env: NodeJS.ProcessEnv,
): Promise<{ key?: string; warning?: string }> {
  const source = config.authKey;
  const login = minting
    ? '`up` mints a key for it if its node is new (keys:)'
    : `the node will wait for an interactive login (see \`demo-fleet logs ${event}\`)`;
  // With `keys:`, an event without its own authKey is the usual case: nothing to warn about.
  if (!source) return minting ? {} : { warning: `event ${event}: no authKey configured; ${login}` };
  const where = 'env' in source ? `environment variable ${source.env}` : `auth key file ${source.file}`;
  let key: string | undefined;
  if ('env' in source) {
    key = env[source.env]?.trim();
    if (!key) return { warning: `event ${event}: ${where} is not set; ${login}` };
  } else {
    const file = path.resolve(fleetDir, source.file);
    const info = await stat(file).catch(() => null);
    if (!info) return { warning: `event ${event}: ${where} cannot be read; ${login}` };
    // Read only a small regular file: a FIFO would block the render forever, /dev/zero would fill memory.
    if (!info.isFile())
      throw new UsageError(`event ${event}: authKey: ${where} is not a regular file; point authKey.file at a file holding the key`);
    if (info.size > MAX_KEY_FILE_BYTES) {
      throw new UsageError(
        `event ${event}: authKey: ${where} is ${info.size} bytes; an auth key file holds one key (at most ${MAX_KEY_FILE_BYTES} bytes)`,
      );
    }
    try {
      key = (await readFile(file, 'utf8')).trim();
    } catch {
      return { warning: `event ${event}: ${where} cannot be read; ${login}` };
    }
    if (!key) return { warning: `event ${event}: ${where} is empty; ${login}` };
  }
  if (/[\r\n]/.test(key)) throw new UsageError(`event ${event}: ${where} holds more than one line; it must hold the auth key only`);
  // An env var the engine would reject (NUL) or echo back in its error: refuse before anything is created.
  if (key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new UsageError(
      `event ${event}: authKey: ${where} does not hold an auth key (printable characters without spaces, at most ${MAX_KEY_LENGTH}); check what it holds`,
    );
  }
  if (ENV_FILE_INTERPRETED.test(key)) {
    throw new UsageError(
      `event ${event}: authKey: ${where} holds a character that Compose interprets in an env file ($, a quote, \\ or #), which no auth key has; check what it holds`,
    );
  }
  if (key.startsWith(OAUTH_CLIENT_SECRET_PREFIX)) {
    // Never any of the key in the message: the prefix says all there is to say.
    throw new UsageError(
      `event ${event}: authKey: ${where} holds an OAuth client secret (${OAUTH_CLIENT_SECRET_PREFIX}…), not an auth key: the docker-mod cannot pass --advertise-tags, which a key from an OAuth client needs; mint an auth key (tskey-auth-…) and put that there`,
    );
  }
  return { key };
}

/**
 * Characters that Compose interprets in an env_file value, where no escape works: docker-compose 1.29
 * (checked on the installed one; python-dotenv with interpolate=True) expands `${X}` even in single
 * quotes, keeps `$$` as two dollars and strips quotes, and other Compose implementations have rules of
 * their own. demo-fleet reads the file verbatim (parseEnvFile). A value holding one is refused: the
 * container would get another value through `docker-compose up` than through `up`. Auth keys have none.
 */
export const ENV_FILE_INTERPRETED = /[$'"\\#]/;

/** One line per variable; the values are single-line secrets, rejected otherwise. */
export function envFileText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new UsageError(`${k}: the secret must be a single line`);
      if (ENV_FILE_INTERPRETED.test(v))
        throw new UsageError(`${k}: the secret holds a character that Compose interprets in an env file ($, a quote, \\ or #)`);
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

/** An event's secret env file content, read from where the fleet file says; nothing written yet. */
export interface EventSecret {
  /** The env file text (TAILSCALE_AUTHKEY=...), or null when there is no key. */
  text: string | null;
  warning?: string;
}

/**
 * Read the event's auth key. Throws a UsageError for a key that cannot be an env file line. `minting`:
 * the fleet has `keys:`, so an event without a key of its own gets a minted one when its node is new.
 * `env`: where an `authKey: {env: …}` is looked up (the run's environment).
 */
export async function readEventSecret(
  event: string,
  config: FleetEvent,
  fleetDir: string,
  minting = false,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EventSecret> {
  const { key, warning } = await readAuthKey(event, config, fleetDir, minting, env);
  return key ? { text: envFileText({ [AUTHKEY_ENV]: key }) } : { text: null, warning };
}

/** The event's secret env file: `<secretsDir>/<event>.env`. */
export function secretFileOf(event: string, secretsDir: string): string {
  return path.join(secretsDir, `${event}.env`);
}

/** Make the secrets dir (0700) if need be; a symbolic link there is refused, never followed. */
export async function ensureSecretsDir(secretsDir: string): Promise<void> {
  await refuseLinkedDir(secretsDir);
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const dir = await open(secretsDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await dir.chmod(0o700);
  } finally {
    await dir.close();
  }
}

/**
 * Write a read secret to <secretsDir>/<event>.env (0600, dir 0700), or remove a stale one. Never through
 * a symbolic link: a linked dir or file is refused, the dir's mode is set on the dir itself (O_NOFOLLOW),
 * and the file is replaced by rename, which replaces a link instead of following it.
 */
export async function storeEventSecret(event: string, secret: EventSecret, secretsDir: string): Promise<SecretResult> {
  const file = secretFileOf(event, secretsDir);
  if (secret.text === null) {
    await rm(file, { force: true }); // removes a link itself, never its target
    return { digest: null, warning: secret.warning };
  }
  await ensureSecretsDir(secretsDir);
  await refuseLinkedFile(file);
  await atomicWriteIfChanged(file, secret.text, { mode: 0o600 });
  return { digest: digestOf(secret.text) };
}

/**
 * Write a key minted for a new node to the event's env file (0600), where the container's create reads
 * it; the compose file never names it. Returns the file. `dropMintedKey` removes it once revoked.
 */
export async function storeMintedKey(event: string, key: string, secretsDir: string): Promise<string> {
  await storeEventSecret(event, { text: envFileText({ [AUTHKEY_ENV]: key }) }, secretsDir);
  return secretFileOf(event, secretsDir);
}

export async function dropMintedKey(event: string, secretsDir: string): Promise<void> {
  await removeEventSecret(event, secretsDir);
}

/** Remove the event's secret env file (a link there: the link, not its target); whether there was one. */
export async function removeEventSecret(event: string, secretsDir: string): Promise<boolean> {
  const file = secretFileOf(event, secretsDir);
  const there = await lstat(file).then(
    () => true,
    () => false,
  );
  await rm(file, { force: true });
  return there;
}

/** Remove secret files of events that are no longer in the fleet. */
export async function pruneSecrets(secretsDir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(secretsDir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.endsWith('.env') && !keep.has(n.slice(0, -4))).map((n) => rm(path.join(secretsDir, n), { force: true })),
  );
}

export async function readSecretEnv(envFile: string | null): Promise<Record<string, string>> {
  if (!envFile) return {};
  return parseEnvFile(await readFile(envFile, 'utf8'));
}
