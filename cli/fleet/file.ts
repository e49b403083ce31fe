/**
 * The fleet file on disk: load + validate (errors carry file, line and field), comment-preserving
 * edits through the yaml Document API, atomic writes (temp + rename) serialized by a lock file.
 */
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import lockfile from 'proper-lockfile';
import { FleetSchema, type Fleet } from './schema.js';
import { checkFleetEntries, checkFleetSize, firstDuplicateKey, MAX_FLEET_BYTES } from './limits.js';
import { FleetFileMissingError, UsageError } from '../errors.js';
import { atomicWrite } from '../util/atomic-write.js';

import { shownPath } from './path.js';

export { DEFAULT_FLEET_FILE, resolveFleetPath } from './path.js';

export interface LoadedFleet {
  path: string;
  /** The raw text, for byte-identical no-op checks. */
  text: string;
  doc: Document;
  fleet: Fleet;
}

/**
 * Parse and validate text as a fleet file. Throws a UsageError whose message has one line per problem,
 * each `file:line: field: what is wrong and the fix` (the first is the one to fix first); `file` as seen
 * from `cwd`.
 */
export function parseFleet(text: string, file: string, cwd = process.cwd()): { doc: Document; fleet: Fleet } {
  const rel = shownPath(file, cwd);
  checkFleetSize(Buffer.byteLength(text), rel);
  const lineCounter = new LineCounter();
  // uniqueKeys: its pairwise check is quadratic in a map's size; firstDuplicateKey does it in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const syntax = (offset: number, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    const what = message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    return new UsageError(`${rel}:${line}:${col}: invalid YAML: ${what} (fix the syntax at that line)`);
  };
  if (doc.errors.length > 0) throw syntax(doc.errors[0]!.pos[0], doc.errors[0]!.message);
  const duplicate = firstDuplicateKey(doc);
  if (duplicate) throw syntax(duplicate.offset, 'Map keys must be unique');
  checkFleetEntries(doc, rel, lineCounter);
  const data = toData(doc, rel);
  const result = FleetSchema.safeParse(data);
  if (!result.success) {
    // Every problem, one line each, in the validator's order (the fields in schema order, then the
    // rules across fields), so one run shows all that needs fixing.
    const lines: string[] = [];
    for (const issue of result.error.issues) {
      const problems: Array<{ fieldPath: string[]; message: string }> =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({
              fieldPath: [...issue.path.map(String), key],
              message: `unknown key "${key}" (a typo? \`demo-fleet schema\` lists the allowed keys)`,
            }))
          : [{ fieldPath: issue.path.map(String), message: issue.message }];
      for (const { fieldPath, message } of problems) {
        const line = lineOf(doc, fieldPath, lineCounter);
        const where = `${rel}${line ? `:${line}` : ''}`;
        const field = fieldPath.length ? fieldPath.join('.') : '(top level)';
        lines.push(`${where}: ${field}: ${message}`);
      }
    }
    throw new UsageError(lines.join('\n'));
  }
  lostEventKeys(doc, result.data, rel, lineCounter);
  return { doc, fleet: result.data };
}

/** Line of the deepest existing node on `fieldPath` (a key's own line for a missing/unknown key). */
function lineOf(doc: Document, fieldPath: string[], lc: LineCounter): number | undefined {
  for (let n = fieldPath.length; n >= 0; n--) {
    const parentPath = fieldPath.slice(0, n - 1);
    const parent = n === 0 ? doc.contents : doc.getIn(parentPath, true);
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === fieldPath[n - 1]);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lc.linePos(range[0]).line;
    }
    if (n === 0) {
      const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
      return range ? lc.linePos(range[0]).line : undefined;
    }
  }
  return undefined;
}

/**
 * An event key that a plain object cannot hold as its own property (`__proto__` sets the prototype) is
 * silently gone after validation: refuse it rather than deploy a fleet without that event.
 */
function lostEventKeys(doc: Document, fleet: Fleet, rel: string, lineCounter: LineCounter): void {
  const events = doc.get('events', true);
  if (!isMap(events)) return;
  for (const pair of events.items) {
    const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (Object.hasOwn(fleet.events, key)) continue;
    const range = (pair.key as { range?: [number, number, number] } | undefined)?.range;
    const where = range ? `${rel}:${lineCounter.linePos(range[0]).line}` : rel;
    throw new UsageError(
      `${where}: events.${key}: event name "${key}" must be a DNS label (lowercase letters, digits and "-", at most 63)`,
    );
  }
}

/** Aliases a fleet file may expand: a handful is plenty; an alias bomb must not eat the machine. */
const MAX_ALIAS_COUNT = 100;

/** The document as plain data, within the yaml library's alias limit (an alias bomb is bad input). */
function toData(doc: Document, rel: string): unknown {
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    throw new UsageError(
      `${rel}: the YAML expands too many aliases (${(err as Error).message.split('\n')[0]}): write the values out instead of nesting aliases`,
    );
  }
  return data;
}

/** Load and validate the fleet file; a missing file is a UsageError pointing at `init`/`add`. */
export async function loadFleet(file: string, cwd = process.cwd()): Promise<LoadedFleet> {
  let text: string;
  try {
    text = await readBounded(file, shownPath(file, cwd));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FleetFileMissingError(file);
    }
    throw new UsageError(`${file}: cannot read the fleet file: ${(err as Error).message}`);
  }
  return { path: file, text, ...parseFleet(text, file, cwd) };
}

/**
 * The file's text, refused unread when it is over the size limit (stat) and read no further than the
 * limit (a file that grows, or one that is no regular file, cannot make the read unbounded).
 */
async function readBounded(file: string, rel: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    checkFleetSize(size, rel);
    const buffer = Buffer.alloc(MAX_FLEET_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    checkFleetSize(length, rel);
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Read-modify-write under an exclusive lock: `edit` gets the current document (or null when the file
 * does not exist yet) and returns the new text, which must validate before it replaces the file.
 * Any throw leaves the file byte-identical.
 */
export async function editFleet(
  file: string,
  edit: (current: LoadedFleet | null) => string | Promise<string>,
  cwd = process.cwd(),
): Promise<LoadedFleet> {
  // A symlinked fleet file is edited where it really is: writing the link's path would replace the
  // link with a file (and the file it points to would go stale).
  const target = await realpath(file).catch(() => file);
  const release = await acquireLock(target);
  try {
    let current: LoadedFleet | null = null;
    try {
      current = await loadFleet(file, cwd);
    } catch (err) {
      if (!(err instanceof FleetFileMissingError)) throw err;
    }
    const text = await edit(current);
    let parsed: { doc: Document; fleet: Fleet };
    try {
      parsed = parseFleet(text, file, cwd); // never write a file we could not load back
    } catch (err) {
      // The change is what is wrong, not the file: a line number would point into text that was never
      // written, so name the file and field only.
      if (!(err instanceof UsageError)) throw err;
      const lines = err.message.split('\n').map((line) => line.replace(/^(.*?):\d+(:\d+)?: /, '$1: '));
      lines[0] = `${lines[0]} (not written: the fleet file is unchanged)`;
      throw new UsageError(lines.join('\n'));
    }
    if (text !== current?.text) await atomicWrite(target, text);
    return { path: file, text, ...parsed };
  } finally {
    await release();
  }
}

async function acquireLock(file: string): Promise<() => Promise<void>> {
  // proper-lockfile retries on every error, so a missing directory would take all its retries to report.
  const dir = path.dirname(file);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`${file}: the directory ${dir} does not exist (create it, or pass another --file)`);
  try {
    return await lockfile.lock(file, {
      realpath: false, // the file may not exist yet (first `add`)
      lockfilePath: `${file}.lock`,
      stale: 10_000,
      // Up to ~60 s of waiting: 20 `add`s started at once took ~20 s in all on a loaded 2-CPU machine,
      // which is all that 200 retries (~20 s) allowed. A dead holder's lock goes stale after 10 s.
      retries: { retries: 600, minTimeout: 10, maxTimeout: 100, randomize: true },
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`${file}: the directory ${path.dirname(file)} does not exist (create it, or pass another --file)`);
    }
    if (code === 'ELOCKED') {
      throw new UsageError(`${file}: another demo-fleet is editing this file (lock ${file}.lock; if none is running, remove the lock)`);
    }
    throw new UsageError(`${file}: cannot lock the fleet file (${file}.lock): ${(err as Error).message}`);
  }
}
