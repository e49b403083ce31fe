/**
 * The files under app/static, found in both build layouts and held in memory (no per-request reads).
 *
 * - esbuild bundle: dist/image/server.cjs with dist/image/static next to it;
 * - tsc output:     dist/app/server.js, static files still in app/static.
 * `import.meta` is undefined in the CJS bundle, so the location comes from process.argv[1].
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** `STATIC_DIR`-style override, else the first existing of `<entry dir>/static`, `<entry dir>/../../app/static`. */
export function resolveStaticDir(explicit?: string, entry: string | undefined = process.argv[1]): string | undefined {
  if (explicit) return resolve(explicit);
  if (!entry) return undefined;
  let file = entry;
  try {
    file = realpathSync(entry);
  } catch {
    // keep the path as given
  }
  const base = dirname(file);
  return [join(base, 'static'), join(base, '..', '..', 'app', 'static')].find((dir) => existsSync(dir));
}

/** Regular files directly in `dir` with a known type, by file name. Missing dir = no files. */
export function loadStaticFiles(dir: string | undefined): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!dir || !existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const contentType = TYPES[extname(name).toLowerCase()];
    const path = join(dir, name);
    if (!contentType || !statSync(path).isFile()) continue;
    files.set(name, { body: readFileSync(path), contentType });
  }
  return files;
}

/** The static files of `explicit` (STATIC_DIR) or next to the entry script, warning on `log` when social.png is missing. */
export function loadStatic(explicit: string | undefined, log: { warn(details: object, message: string): void }): Map<string, StaticFile> {
  const staticDir = resolveStaticDir(explicit);
  const files = loadStaticFiles(staticDir);
  if (!files.has('social.png')) log.warn({ staticDir }, 'social.png not found; /static/social.png will 404');
  return files;
}
