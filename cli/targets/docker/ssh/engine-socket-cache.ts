/**
 * Where each SSH server's docker CLI last said its engine is (`docker context inspect`), kept between
 * commands so the next one can forward that socket from its first request instead of starting
 * `docker system dial-stdio` on the server (a docker CLI start: 0.1–1 s before the first answer).
 * connection.ts still asks the server every time and holds every request that changes something until
 * the answer agrees; this file is only a hint.
 *
 * One JSON object in $XDG_CACHE_HOME/demo-fleet/ssh-engines.json (~/.cache when unset), keyed by
 * `user@known_hosts name`. Best effort: an unreadable, unwritable or garbled file is no hint, never an error.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function engineSocketCacheFile(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(base, 'demo-fleet', 'ssh-engines.json');
}

function readAll(file: string): Record<string, string> {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** The engine socket the server's docker CLI named last time, if any. */
export function cachedEngineSocket(file: string | undefined, key: string): string | undefined {
  return file ? readAll(file)[key] : undefined;
}

/** Record (or, with null, forget) the server's answer; written whole through a rename, so a reader never sees half a file. */
export function rememberEngineSocket(file: string | undefined, key: string, socket: string | null): void {
  if (!file) return;
  try {
    const all = readAll(file);
    if ((all[key] ?? null) === socket) return;
    if (socket === null) delete all[key];
    else all[key] = socket;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // a read-only home: the next command asks the server again, as without the cache
  }
}
