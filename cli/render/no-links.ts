/**
 * The render's output is never written through a symbolic link. A linked compose/secrets would put the
 * 0600 env files into the link's target and change that directory's mode to 700; a link planted at
 * <event>.env would point the secret write at another file. So the render refuses such links before it
 * writes anything, and the secret writes themselves never follow one (secrets.ts).
 */
import { lstat, readlink } from 'node:fs/promises';
import { UsageError } from '../errors.js';

const RENDER_ELSEWHERE = 'or render elsewhere with `demo-fleet render --out <dir>`';

/** `p` is a symbolic link: its target, for the message; null when it is none (or does not exist). */
async function linkTarget(p: string): Promise<string | null> {
  const info = await lstat(p).catch(() => null);
  if (!info?.isSymbolicLink()) return null;
  return readlink(p).catch(() => '?');
}

/** Refuse an output directory that is a symbolic link. */
export async function refuseLinkedDir(dir: string): Promise<void> {
  const target = await linkTarget(dir);
  if (target === null) return;
  throw new UsageError(
    `${dir}: is a symbolic link (to ${target}), and render writes the secret files only into a directory of its own: replace the link with a directory, ${RENDER_ELSEWHERE}`,
  );
}

/** Refuse a secret file path that is a symbolic link. */
export async function refuseLinkedFile(file: string): Promise<void> {
  const target = await linkTarget(file);
  if (target === null) return;
  throw new UsageError(
    `${file}: is a symbolic link (to ${target}), and render writes each secret file as a file of its own: remove the link and render again`,
  );
}

/** Before a render writes: the compose dir, the secrets dir and every event's secret file are no links. */
export async function refuseLinkedOutput(composeDir: string, secretsDir: string, secretFiles: string[]): Promise<void> {
  await refuseLinkedDir(composeDir);
  await refuseLinkedDir(secretsDir);
  for (const file of secretFiles) await refuseLinkedFile(file);
}
