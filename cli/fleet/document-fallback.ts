/**
 * The Document API fallbacks of the fleet file edits: they keep comments and order but re-format the
 * file, so edit.ts uses them only for shapes its line splicing does not handle (a non-empty flow map
 * `events: {a: {}}`, an entry that does not start its line).
 */
import { type Document, isMap, YAMLMap } from 'yaml';

export function documentAdd(doc: Document, name: string, given: Record<string, unknown>): string {
  let events = doc.get('events', true);
  if (!isMap(events)) {
    events = new YAMLMap();
    doc.set('events', events);
  }
  (events as YAMLMap).set(name, doc.createNode(given));
  return String(doc);
}

export function documentUpdate(doc: Document, name: string, given: Record<string, unknown>): string {
  const existing = doc.getIn(['events', name], true);
  if (isMap(existing) && existing.items.length === 0) existing.flow = false;
  if (!isMap(existing) && Object.keys(given).length > 0) doc.setIn(['events', name], doc.createNode({}));
  for (const [key, value] of Object.entries(given)) doc.setIn(['events', name, key], doc.createNode(value));
  return String(doc);
}

/** The removal fallback: delete the entry through the Document API. */
export function documentRemove(doc: Document, name: string): string {
  doc.deleteIn(['events', name]);
  return String(doc);
}
