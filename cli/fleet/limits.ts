/**
 * How big a fleet file may be (README "The fleet file"). A fleet is the events of one machine: a few
 * dozen, a few hundred at most. Without a bound, a 13 MB file kept `list` busy for minutes: the yaml
 * package checks a map's keys for duplicates pair by pair (quadratic), and every unknown key's error line
 * looks its key up again. So the size is checked before parsing, duplicate keys are found here in one
 * pass, and a map or list longer than any fleet needs is refused before validation looks at its entries.
 */
import { type Document, isMap, isPair, isScalar, type LineCounter, visit } from 'yaml';
import { UsageError } from '../errors.js';

/** Bytes a fleet file may hold: 500 events with every field set and a comment each fit in half of it. */
export const MAX_FLEET_BYTES = 256 * 1024;
/** Events one fleet file may hold (one container each, all on one engine). */
export const MAX_EVENTS = 500;
/** Entries of any map or list: no other field comes near the events'. */
const MAX_ENTRIES = MAX_EVENTS;

const SPLIT = 'split the events over several fleet files (--file)';

/** Refuse `bytes` of fleet file over the limit (before any parsing). */
export function checkFleetSize(bytes: number, rel: string): void {
  if (bytes > MAX_FLEET_BYTES) {
    throw new UsageError(
      `${rel}: the fleet file is ${Math.ceil(bytes / 1024)} KiB, over the limit of ${MAX_FLEET_BYTES / 1024} KiB: a fleet file holds at most ${MAX_EVENTS} events; ${SPLIT}`,
    );
  }
}

/**
 * The first duplicate key (as the yaml package would report it with `uniqueKeys`, which file.ts turns
 * off for its quadratic cost): scalar keys of one map that are equal. Null when there is none.
 */
export function firstDuplicateKey(doc: Document): { offset: number } | null {
  let found: { offset: number } | null = null;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          const offset = pair.key.range?.[0] ?? 0;
          if (!found || offset < found.offset) found = { offset };
        }
        seen.add(pair.key.value);
      }
    },
  });
  return found;
}

/** Refuse more events, or a longer map or list, than a fleet file holds (one line naming where). */
export function checkFleetEntries(doc: Document, rel: string, lineCounter: LineCounter): void {
  const where = (range: readonly number[] | null | undefined) => (range ? `${rel}:${lineCounter.linePos(range[0]!).line}` : rel);
  const events = doc.get('events', true);
  if (isMap(events) && events.items.length > MAX_EVENTS) {
    const key = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'events')?.key : undefined;
    throw new UsageError(
      `${where(isScalar(key) ? key.range : events.range)}: events: ${events.items.length} events, over the limit of ${MAX_EVENTS} in one fleet file: ${SPLIT}`,
    );
  }
  visit(doc, {
    Collection(_, node, ancestry) {
      if (node.items.length <= MAX_ENTRIES) return undefined;
      const keys = ancestry.filter(isPair).map((p) => p.key);
      const field = keys.length ? keys.map((k) => (isScalar(k) ? String(k.value) : '?')).join('.') : '(top level)';
      const last = keys.at(-1);
      throw new UsageError(
        `${where(isScalar(last) ? last.range : node.range)}: ${field}: ${node.items.length} entries, over the limit of ${MAX_ENTRIES} in one map or list (no fleet field needs that many): remove the extra ones`,
      );
    },
  });
}
