/** The starting fleet file: what `init` (and the first `add`) writes before any event exists. */
import { newFleetId } from './identity.js';

export const SCHEMA_FILE = 'fleet.schema.json';

/** The commented starting fleet file written by `init` (and by the first `add`). */
export function initialFleetText(options: { name?: string; image?: string; year?: number; id?: string } = {}): string {
  const year = options.year ?? new Date().getFullYear();
  return `# yaml-language-server: $schema=./${SCHEMA_FILE}
# demo-fleet: one Tailscale identity-headers demo container per conference event.
# Edit by hand or with \`demo-fleet add/remove\`; \`demo-fleet render\` writes compose/docker-compose.yml.

# Fleet name: containers are named <name>-<event>.
name: ${options.name ?? 'id-demo'}
${FLEET_ID_COMMENT}
id: ${options.id ?? newFleetId()}
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

/** The comment above `id:` (written by init/add, and by ensureFleetId into an older file). */
export const FLEET_ID_COMMENT =
  '# Fleet identity: copies of this file (a clone, CI) share it and act on its containers; another fleet file never does.';
