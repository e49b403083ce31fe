/**
 * Keys minted for an event and not revoked yet, remembered beside its secret env file
 * (`compose/secrets/<event>.keys.json`, 0600): their IDs only, never the keys. `up` adds one before the
 * key is used and drops it once revoked; a deploy that died in between leaves it, and the next `up` or
 * `retire` revokes it.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureSecretsDir } from '../render/secrets.js';
import { atomicWrite } from '../util/atomic-write.js';
import type { KeyRef } from './control.js';

function fileOf(secretsDir: string, event: string): string {
  return path.join(secretsDir, `${event}.keys.json`);
}

/** The keys still open for `event` (none when the file is missing or unreadable). */
export async function openKeys(secretsDir: string, event: string): Promise<KeyRef[]> {
  try {
    const parsed = JSON.parse(await readFile(fileOf(secretsDir, event), 'utf8')) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter((r): r is KeyRef => typeof r === 'object' && r !== null && typeof (r as KeyRef).id === 'string')
      : [];
  } catch {
    return [];
  }
}

async function write(secretsDir: string, event: string, refs: KeyRef[]): Promise<void> {
  const file = fileOf(secretsDir, event);
  if (refs.length === 0) {
    await rm(file, { force: true });
    return;
  }
  await ensureSecretsDir(secretsDir);
  await atomicWrite(file, `${JSON.stringify(refs, null, 2)}\n`, { mode: 0o600 });
}

export async function rememberKey(secretsDir: string, event: string, ref: KeyRef): Promise<void> {
  await write(secretsDir, event, [...(await openKeys(secretsDir, event)).filter((r) => r.id !== ref.id), ref]);
}

export async function forgetKey(secretsDir: string, event: string, id: string): Promise<void> {
  await write(
    secretsDir,
    event,
    (await openKeys(secretsDir, event)).filter((r) => r.id !== id),
  );
}
