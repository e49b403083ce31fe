/**
 * Edits of a fleet file as text → text. Every byte outside the event being added, changed or removed
 * stays as the user wrote it (comments, blank lines, alignment, flow/block style): the edits splice
 * lines into or out of the `events:` block map, using the yaml parser only to find where things are
 * (events-map.ts) and line arithmetic to cut and indent (source-lines.ts). Shapes the splicing does not
 * handle (a non-empty flow map `events: {a: {}}`) fall back to the yaml Document API
 * (document-fallback.ts), which keeps comments and order but re-formats. Validation happens in file.ts
 * before anything is written.
 */
import { Document, isMap, type Node, type Pair, parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { unknownEvent } from './known-events.js';
import { documentAdd, documentRemove, documentUpdate } from './document-fallback.js';
import { eventsNode, findPair, isBlockMap, isEmptyValue, parse } from './events-map.js';
import { newFleetId } from './identity.js';
import { FLEET_ID_COMMENT } from './initial-text.js';
import { EVENT_NAME, type EventInput } from './schema.js';
import { Source } from './source-lines.js';

export { initialFleetText, SCHEMA_FILE } from './initial-text.js';

/** Event fields as given on the command line; undefined = not given. */
export type EventFields = Partial<{ [K in keyof EventInput]: EventInput[K] }>;

/**
 * Add event `name` with the given fields, or (with `update`) set the given fields of an existing event
 * and leave its other fields alone. A new event goes after the last one; an update rewrites only the
 * lines of that event.
 */
export function addEvent(text: string, name: string, fields: EventFields, options: { update?: boolean } = {}): string {
  if (!EVENT_NAME.test(name)) {
    throw new UsageError(
      `event name "${name}": must be a DNS label (lowercase letters, digits and "-", at most 63); it becomes a hostname and an image tag`,
    );
  }
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const doc = parse(text);
  const events = eventsNode(doc);
  const existing = events.pair ? findPair(events.pair.value, name) : undefined;
  if (existing && !options.update) {
    throw new UsageError(`event "${name}" already exists in the fleet file (use --update to change it, or pick another name)`);
  }
  const src = new Source(text);
  if (existing) {
    if (Object.keys(given).length === 0) return text; // nothing to change
    const region = isBlockMap(events.pair?.value) ? src.itemRegion(existing) : null;
    if (!region) return documentUpdate(doc, name, given);
    // Re-write this event's lines only: parse them as a document of their own, set the fields, indent back.
    const own = parseDocument(src.dedent(text.slice(region.start, region.end), region.indent));
    const node = own.get(name, true);
    if (isMap(node) && node.items.length === 0) node.flow = false; // `berlin: {}` grows into a block
    if (!isMap(node) && Object.keys(given).length > 0) own.set(name, own.createNode({}));
    for (const [key, value] of Object.entries(given)) own.setIn([name, key], own.createNode(value));
    const replacement = src.indent(own.toString({ indent: src.indentStep(events.pair?.value) }), region.indent);
    return text.slice(0, region.start) + replacement + text.slice(region.end);
  }

  const block = (indent: number, step: number) => src.indent(new Document({ [name]: given }).toString({ indent: step }), indent);
  const value = events.pair?.value;
  if (events.pair && isBlockMap(value) && value.items.length > 0) {
    const first = src.itemRegion(value.items[0]!);
    const last = src.itemRegion(value.items[value.items.length - 1]!);
    if (first && last) return src.insertLines(last.end, block(first.indent, src.indentStep(value)));
  } else if (events.pair && isEmptyValue(value) && onKeyLine(src, events.pair)) {
    // `events: {}` / `events:` / `events: ~` → `events:` followed by the new entry.
    const keyStart = (events.pair.key as Node).range![0];
    const indent = src.column(keyStart) + 2;
    const range = value ? (value as Node).range : undefined;
    let out = text;
    let at = src.lineEnd(keyStart);
    if (range && range[1] > range[0]) {
      let cut = range[0];
      while (cut > 0 && (text[cut - 1] === ' ' || text[cut - 1] === '\t')) cut--;
      out = text.slice(0, cut) + text.slice(range[1]);
      at -= range[1] - cut;
    }
    return new Source(out).insertLines(at, block(indent, 2));
  } else if (!events.pair && (doc.contents === null || isBlockMap(doc.contents))) {
    const tail = text.length === 0 || text.endsWith('\n') ? '' : src.eol;
    return `${text}${tail}events:${src.eol}${block(2, 2)}`;
  }
  return documentAdd(doc, name, given);
}

/**
 * Remove event `name`: its lines, the comment lines directly above it (same indentation, no blank line
 * between: they describe it) and comment lines indented under it. When that leaves two blank lines
 * together (or a blank line first in a map that still has entries), one goes too. The last event leaves
 * `events: {}`.
 */
export function removeEvent(text: string, name: string): string {
  const doc = parse(text);
  const events = eventsNode(doc);
  const pair = events.pair ? findPair(events.pair.value, name) : undefined;
  if (!pair) {
    throw unknownEvent(name);
  }
  const map = events.pair!.value;
  const src = new Source(text);
  const region = isBlockMap(map) ? src.itemRegion(pair) : null;
  if (!region || !isBlockMap(map)) {
    return documentRemove(doc, name);
  }
  const isFirst = map.items[0] === pair;
  let start = src.leadingComments(region.start, region.indent);
  let end = region.end;
  const before = src.lineBefore(start);
  const after = src.lineAt(end);
  if (after !== null && after.trim() === '' && ((isFirst && map.items.length > 1) || (before !== null && before.trim() === ''))) {
    end = src.lineEnd(end);
  }
  if (end === text.length && !text.endsWith('\n') && start > 0) {
    start -= 1; // the removed lines were the last, without a final newline: take the newline before them
    if (text[start - 1] === '\r') start -= 1;
  }
  let out = text.slice(0, start) + text.slice(end);
  if (map.items.length === 1) {
    // Nothing left under `events:`: write it as an empty flow map (the schema wants a map, not null).
    const key = events.pair!.key as Node;
    const colon = out.indexOf(':', key.range![1]);
    out = `${out.slice(0, colon + 1)} {}${out.slice(colon + 1)}`;
  }
  return out;
}

/**
 * Give a fleet file without `id:` one (fleet/identity.ts): the line goes after `name:` (else first), every
 * other byte stays. A file that has an id is returned as it is.
 */
export function ensureFleetId(text: string, id: string = newFleetId()): string {
  const doc = parse(text);
  const top = doc.contents;
  if (findPair(top, 'id')) return text;
  const src = new Source(text);
  if (isBlockMap(top) && top.items.length > 0) {
    const name = findPair(top, 'name');
    const region = src.itemRegion(name ?? top.items[0]!);
    if (region && region.indent === 0) {
      const at = name ? region.end : src.leadingComments(region.start, 0);
      return src.insertLines(at, `${FLEET_ID_COMMENT}${src.eol}id: ${id}${src.eol}`);
    }
  }
  if (top === null || top === undefined) return `${text}${text === '' || text.endsWith('\n') ? '' : src.eol}id: ${id}${src.eol}`;
  doc.set('id', id); // a flow map or an odd layout: the Document API keeps comments, may re-format
  return doc.toString();
}

/** The pair's key starts its line and its (empty) value, if written, is on the same line. */
function onKeyLine(src: Source, pair: Pair<unknown, unknown>): boolean {
  const keyStart = (pair.key as Node | null)?.range?.[0];
  if (keyStart === undefined || src.column(keyStart) !== 0) return false;
  const valueStart = (pair.value as Node | null)?.range?.[0];
  return valueStart === undefined || valueStart < src.lineEnd(keyStart);
}
