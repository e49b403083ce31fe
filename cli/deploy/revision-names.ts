/**
 * How people name a revision (`<7 of the commit>-<12 hex>`, cli/targets/revision.ts): the short form
 * `status` and `revisions` show — the shortest prefix no other known revision shares, as git abbreviates
 * object names — and what `rollback --to` accepts back: a full revision, `rev-<revision>`, or a prefix
 * that names exactly one of the revisions the engine keeps.
 */
import { UsageError } from '../errors.js';
import { parseRevision, REVISION_TAG_PREFIX } from '../targets/revision.js';

/** Shown at least: the commit's 7 digits, the dash and 4 of the build's (two builds of one commit differ there). */
const SHORT_MIN = 12;

/** The shortest prefix of `revision` (at least SHORT_MIN characters) that no other of `known` starts with. */
export function shortRevision(revision: string, known: Iterable<string>): string {
  const others = [...new Set(known)].filter((k) => k !== revision);
  for (let n = Math.min(SHORT_MIN, revision.length); n < revision.length; n++) {
    const prefix = revision.slice(0, n);
    if (!others.some((o) => o.startsWith(prefix))) return prefix;
  }
  return revision;
}

/** What `--to` may look like before the engine is asked: a revision or a prefix of one, with or without `rev-`. */
export function revisionQuery(text: string): string | null {
  const id = text.startsWith(REVISION_TAG_PREFIX) ? text.slice(REVISION_TAG_PREFIX.length) : text;
  // a revision or the start of one: the commit's hex digits (`local` outside git), the dash, the build's
  return /^(?:[0-9a-f]{1,40}|local)(?:-[0-9a-f]{0,12})?$/.test(id) ? id : null;
}

const LISTED = 'demo-fleet revisions';

/**
 * The one revision of `known` that `query` (revisionQuery's output) names: itself, or the only one it
 * starts. A full revision the engine does not keep is returned as it is (the caller says it is gone); an
 * ambiguous prefix, or one that names nothing, is a usage error naming the candidates.
 */
export function resolveRevision(query: string, known: string[], flag = '--to'): string {
  if (known.includes(query)) return query;
  const candidates = [...new Set(known.filter((k) => k.startsWith(query)))];
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    const shown = candidates.map((c) => shortRevision(c, known));
    throw new UsageError(
      `${flag}: "${query}" names ${candidates.length} revisions: ${shown.join(', ')} (give more of it; \`${LISTED}\` lists them)`,
    );
  }
  if (parseRevision(query)) return query;
  throw new UsageError(`${flag}: no revision on the engine starts with "${query}" (\`${LISTED}\` lists them)`);
}
