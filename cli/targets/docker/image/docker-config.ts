/**
 * The docker CLI's config file, read as the docker CLI reads it: `$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`. Only what registry credentials need: `auths`, `credsStore`, `credHelpers`.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../../../errors.js';

export interface DockerConfig {
  /** The file it came from (for messages); null when there is none. */
  file: string | null;
  auths: Record<string, { auth?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
}

/** No file: an empty config (anonymous). A file that is not JSON: one line naming it. */
export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfig> {
  const file = dockerConfigFile(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { file: null, auths: {}, credHelpers: {} };
  }
  let raw: { auths?: unknown; credsStore?: unknown; credHelpers?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (err) {
    throw new RegistryError(`${file}: not valid JSON (${(err as Error).message}): fix or remove it`);
  }
  const object = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, never>) : {});
  return {
    file,
    auths: object(raw.auths),
    credsStore: typeof raw.credsStore === 'string' && raw.credsStore ? raw.credsStore : undefined,
    credHelpers: Object.fromEntries(Object.entries(object(raw.credHelpers)).filter(([, v]) => typeof v === 'string' && v)),
  };
}
