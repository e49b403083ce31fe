/**
 * Where each SSH server's docker CLI last said its engine is (`docker context inspect`), kept between
 * commands so the next one can forward that socket from its first request instead of starting
 * `docker system dial-stdio` on the server (a docker CLI start: 0.1–1 s before the first answer), with
 * what the docker CLI decided by (connection.ts CLI_INPUTS: its environment, current context and that
 * context's endpoint). connection.ts has a shell print those on the server every time (asking the docker
 * CLI again when they changed) and holds every request that changes something until it has; this file
 * is only a hint.
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

/** The engine socket the server's docker CLI named, and what it decided by (CLI_INPUTS' output). */
export interface EngineSocketEntry {
  socket: string;
  inputs: string;
}

const isEntry = (v: unknown): v is EngineSocketEntry =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as EngineSocketEntry).socket === 'string' &&
  typeof (v as EngineSocketEntry).inputs === 'string';

function readAll(file: string): Record<string, EngineSocketEntry> {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, EngineSocketEntry] => isEntry(e[1])));
  } catch {
    return {};
  }
}

/** What the server's docker CLI named last time, if anything. */
export function cachedEngineSocket(file: string | undefined, key: string): EngineSocketEntry | undefined {
  return file ? readAll(file)[key] : undefined;
}

/** Record (or, with null, forget) the server's answer; written whole through a rename, so a reader never sees half a file. */
export function rememberEngineSocket(file: string | undefined, key: string, entry: EngineSocketEntry | null): void {
  if (!file) return;
  try {
    const all = readAll(file);
    const was = all[key];
    if (was?.socket === entry?.socket && was?.inputs === entry?.inputs) return;
    if (entry === null) delete all[key];
    else all[key] = entry;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // a read-only home: the next command asks the server again, as without the cache
  }
}
