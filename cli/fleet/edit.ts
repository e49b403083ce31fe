/**
 * Edits of a fleet file as text → text, through the yaml Document API so that comments, key order and
 * formatting the user wrote survive. Validation happens in file.ts before anything is written.
 */
import { isMap, parseDocument, YAMLMap, type Document } from 'yaml';
import { UsageError } from '../ui/errors.js';
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

export function addEvent(text: string, name: string, fields: EventFields, options: { update?: boolean } = {}): string {
  if (!EVENT_NAME.test(name)) {
    throw new UsageError(
      `event name "${name}": must be a DNS label (lowercase letters, digits and "-", at most 63); it becomes a hostname and an image tag`,
    );
  }
  const doc = parseDocument(text);
  const events = ensureBlockMap(doc, 'events');
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const existing = events.get(name, true);
  if (existing !== undefined) {
    if (!options.update) {
      throw new UsageError(`event "${name}" already exists in the fleet file (use --update to change it, or pick another name)`);
    }
    if (isMap(existing) && existing.items.length === 0) existing.flow = false; // `berlin: {}` grows into a block
    for (const [key, value] of Object.entries(given)) doc.setIn(['events', name, key], doc.createNode(value));
  } else {
    events.set(name, doc.createNode(given));
    const node = events.get(name, true);
    if (isMap(node)) node.flow = Object.keys(given).length === 0;
  }
  return String(doc);
}

export function removeEvent(text: string, name: string): string {
  const doc = parseDocument(text);
  if (!doc.hasIn(['events', name])) {
    throw new UsageError(`event "${name}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
  }
  doc.deleteIn(['events', name]);
  return String(doc);
}

/** The map at `key`, turned from an empty flow map (`events: {}`) into a block map so entries read well. */
function ensureBlockMap(doc: Document, key: string): YAMLMap {
  let node = doc.get(key, true);
  if (node === undefined || node === null || (isMap(node) && node.items.length === 0)) {
    const map = new YAMLMap();
    const old = node as { comment?: string | null; commentBefore?: string | null } | undefined;
    if (old?.comment) map.comment = old.comment;
    doc.set(key, map);
    node = map;
  }
  if (!isMap(node)) throw new UsageError(`fleet file: "${key}" must be a map of event name → settings`);
  return node as YAMLMap;
}
