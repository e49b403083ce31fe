/**
 * Edits of a fleet file as text → text. Every byte outside the event being added, changed or removed
 * stays as the user wrote it (comments, blank lines, alignment, flow/block style): the edits splice
 * lines into or out of the `events:` block map, using the yaml parser only to find where things are.
 * Shapes the splicing does not handle (a non-empty flow map `events: {a: {}}`) fall back to the yaml
 * Document API, which keeps comments and order but re-formats. Validation happens in file.ts before
 * anything is written.
 */
import { Document, isMap, isScalar, parseDocument, YAMLMap, type Node, type Pair } from 'yaml';
import { UsageError } from '../errors.js';
import { EVENT_NAME, type EventInput } from './schema.js';

export const SCHEMA_FILE = 'fleet.schema.json';

/** The commented starting fleet file written by `init` (and by the first `add`). */
export function initialFleetText(options: { name?: string; image?: string; year?: number } = {}): string {
  const year = options.year ?? new Date().getFullYear();
  return `# yaml-language-server: $schema=./${SCHEMA_FILE}
# demo-fleet: one Tailscale identity-headers demo container per conference event.
# Edit by hand or with \`demo-fleet add/remove\`; \`demo-fleet render\` writes compose/docker-compose.yml.

# Fleet name: containers are named <name>-<event>.
name: ${options.name ?? 'id-demo'}
# Image repository; every event runs <image>:<event> (one build, one tag per event).
image: ${options.image ?? 'demo-fleet/id-headers-demo'}
# Base image: a linuxserver.io base with s6-overlay, so DOCKER_MODS installs Tailscale at start.
baseImage: ghcr.io/linuxserver/baseimage-alpine:3.22
year: ${year}
# Node state lives at <appdata>/<year>/<event>; keep it, or the node rejoins as <hostname>-1.
appdata: ./appdata
puid: 1000
pgid: 1000
tz: Etc/UTC
dockerMods:
  - ghcr.io/tailscale-dev/docker-mod:main
# loginServer: https://headscale.example.com   # headscale instead of Tailscale (no Funnel there)
# tailnetDomain: tail1234.ts.net              # sets TAILSCALE_URL for social cards

events: {}
`;
}

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
    throw new UsageError(`event "${name}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  }
  const map = events.pair!.value;
  const src = new Source(text);
  const region = isBlockMap(map) ? src.itemRegion(pair) : null;
  if (!region || !isBlockMap(map)) {
    doc.deleteIn(['events', name]);
    return String(doc);
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

// ---------------------------------------------------------------------------------------------------

function parse(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UsageError(`fleet file is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

function eventsNode(doc: Document): { pair?: Pair<unknown, unknown> } {
  if (doc.contents === null || !isMap(doc.contents)) return {};
  const pair = doc.contents.items.find((p) => keyName(p) === 'events');
  if (pair && !isEmptyValue(pair.value) && !isMap(pair.value)) {
    throw new UsageError(`fleet file: "events" must be a map of event name → settings`);
  }
  return { pair };
}

function keyName(pair: Pair<unknown, unknown>): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function findPair(map: unknown, name: string): Pair<unknown, unknown> | undefined {
  return isMap(map) ? map.items.find((p) => keyName(p) === name) : undefined;
}

function isBlockMap(node: unknown): node is YAMLMap {
  return isMap(node) && !node.flow && node.range !== undefined && node.range !== null;
}

/** The pair's key starts its line and its (empty) value, if written, is on the same line. */
function onKeyLine(src: Source, pair: Pair<unknown, unknown>): boolean {
  const keyStart = (pair.key as Node | null)?.range?.[0];
  if (keyStart === undefined || src.column(keyStart) !== 0) return false;
  const valueStart = (pair.value as Node | null)?.range?.[0];
  return valueStart === undefined || valueStart < src.lineEnd(keyStart);
}

function isEmptyValue(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null) || (isMap(node) && node.items.length === 0);
}

/** The Document API fallbacks (re-formats the file; used only for shapes the splicing does not handle). */
function documentAdd(doc: Document, name: string, given: Record<string, unknown>): string {
  let events = doc.get('events', true);
  if (!isMap(events)) {
    events = new YAMLMap();
    doc.set('events', events);
  }
  (events as YAMLMap).set(name, doc.createNode(given));
  return String(doc);
}

function documentUpdate(doc: Document, name: string, given: Record<string, unknown>): string {
  const existing = doc.getIn(['events', name], true);
  if (isMap(existing) && existing.items.length === 0) existing.flow = false;
  if (!isMap(existing) && Object.keys(given).length > 0) doc.setIn(['events', name], doc.createNode({}));
  for (const [key, value] of Object.entries(given)) doc.setIn(['events', name, key], doc.createNode(value));
  return String(doc);
}

/** Line arithmetic on the source text. */
class Source {
  readonly eol: string;
  constructor(readonly text: string) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Offset just after the newline of the line holding `offset` (or the end of the text). */
  lineEnd(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    return nl === -1 ? this.text.length : nl + 1;
  }

  column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  /** The line starting at `offset`, without its newline; null at the end of the text. */
  lineAt(offset: number): string | null {
    if (offset >= this.text.length) return null;
    return this.text.slice(offset, this.lineEnd(offset)).replace(/\r?\n$/, '');
  }

  /** The line before the one starting at `offset`; null at the start. */
  lineBefore(offset: number): string | null {
    if (offset === 0) return null;
    return this.lineAt(this.lineStart(offset - 1));
  }

  /**
   * The whole lines of one block-map entry: from its key's line to the end of its value, plus comment
   * lines indented deeper than the key right after it. Null when the entry does not start its line.
   */
  itemRegion(pair: Pair<unknown, unknown>): { start: number; end: number; indent: number } | null {
    const key = pair.key as Node | null;
    const keyStart = key?.range?.[0];
    if (keyStart === undefined) return null;
    const start = this.lineStart(keyStart);
    if (this.text.slice(start, keyStart).trim() !== '') return null;
    const indent = keyStart - start;
    const valueEnd = (pair.value as Node | null)?.range?.[1] ?? key!.range![1];
    let end = this.lineEnd(Math.max(valueEnd - 1, keyStart));
    for (let line = this.lineAt(end); line !== null && isCommentLine(line) && indentOf(line) > indent; line = this.lineAt(end)) {
      end = this.lineEnd(end);
    }
    return { start, end, indent };
  }

  /** Start of the run of comment lines at exactly `indent` directly above the line at `start`. */
  leadingComments(start: number, indent: number): number {
    let at = start;
    for (let line = this.lineBefore(at); line !== null && isCommentLine(line) && indentOf(line) === indent; line = this.lineBefore(at)) {
      at = this.lineStart(at - 1);
    }
    return at;
  }

  /** Indentation step of a block map's nested entries (2 unless its first entry shows otherwise). */
  indentStep(map: unknown): number {
    if (!isBlockMap(map)) return 2;
    for (const pair of map.items) {
      const inner = pair.value;
      const outerKey = (pair.key as Node | null)?.range?.[0];
      if (isBlockMap(inner) && inner.items.length > 0 && outerKey !== undefined) {
        const innerKey = (inner.items[0]!.key as Node | null)?.range?.[0];
        if (innerKey !== undefined) {
          const step = this.column(innerKey) - this.column(outerKey);
          if (step > 0) return step;
        }
      }
    }
    return 2;
  }

  indent(block: string, by: number): string {
    const pad = ' '.repeat(by);
    return block
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join('\n')
      .replace(/\n/g, this.eol);
  }

  dedent(block: string, by: number): string {
    return block
      .split('\n')
      .map((line) => line.slice(Math.min(by, indentOf(line))))
      .join('\n')
      .replace(/\r\n/g, '\n');
  }

  /** Insert whole lines at a line boundary `at` (adding the newline a last line without one lacks). */
  insertLines(at: number, lines: string): string {
    if (at === this.text.length && this.text.length > 0 && !this.text.endsWith('\n')) {
      return this.text + this.eol + lines.replace(/\r?\n$/, '');
    }
    return this.text.slice(0, at) + lines + this.text.slice(at);
  }
}

function isCommentLine(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
