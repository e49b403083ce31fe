/** Write a file so readers see the old or the new content, never a torn one: temp file + rename. */
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export async function atomicWrite(file: string, data: string, options: { mode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Keep an existing file's mode unless one is asked for (0600 for secrets).
  let mode = options.mode;
  if (mode === undefined) {
    mode = await stat(file).then(
      (s) => s.mode & 0o777,
      () => 0o644,
    );
  }
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.chmod(mode); // umask must not loosen or tighten what was asked
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The file's text and mode, read without following a symbolic link (a link reads as no file). */
async function currentFile(file: string): Promise<{ text: string; mode: number } | null> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    return { text: await handle.readFile('utf8'), mode: info.mode & 0o777 };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * atomicWrite, unless the file already holds exactly `data` (and has the asked mode): a no-op `up`
 * rewrites nothing. Returns whether it wrote. A symbolic link at `file` is replaced, never followed: the
 * temp file is made with O_EXCL and renamed over the link.
 */
export async function atomicWriteIfChanged(file: string, data: string, options: { mode?: number } = {}): Promise<boolean> {
  const found = await currentFile(file);
  const current = found?.text ?? null;
  const mode = found?.mode ?? null;
  if (current === data && (options.mode === undefined || mode === options.mode)) return false;
  // the mode just read is the one atomicWrite would keep: spare it a second stat
  await atomicWrite(file, data, { mode: options.mode ?? mode ?? undefined });
  return true;
}
