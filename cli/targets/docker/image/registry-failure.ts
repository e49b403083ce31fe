/**
 * What a registry failure the engine reports means, so the fix named is the one that works: the
 * engine's host cannot reach the registry (a DNS failure, a refused or timed-out connection) is not a
 * matter of credentials, and `docker login` is named only when the registry refused them. The patterns
 * are the engine's own texts (dockerd 20.10, Go's net package), e.g.
 *   Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 10.255.255.53:53: no such host
 *   Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused
 *   Head "http://127.0.0.1:5000/v2/x/manifests/1": no basic auth credentials
 *   unauthorized: authentication required · denied: requested access to the resource is denied
 *   manifest unknown: manifest unknown
 */

export type RegistryFailureKind = 'dns' | 'unreachable' | 'auth' | 'not-found' | 'other';

const DNS =
  /\blookup \S+( on \S+)?: (no such host|server misbehaving|i\/o timeout|Temporary failure in name resolution)|no such host|server misbehaving/i;
const UNREACHABLE =
  /connect: connection refused|connection refused|network is unreachable|no route to host|i\/o timeout|TLS handshake timeout|dial tcp|proxyconnect|Client\.Timeout exceeded|context deadline exceeded/i;
const AUTH =
  /no basic auth credentials|unauthori[sz]ed|authentication required|\bdenied\b|incorrect username or password|may require 'docker login'/i;
const NOT_FOUND = /manifest unknown|name unknown|not found|no such manifest|does not exist/i;

/** The kind of a registry failure from the engine's message. */
export function registryFailureKind(message: string): RegistryFailureKind {
  // DNS before "unreachable" (a lookup failure is also a failed dial); auth before "not found" (Docker Hub
  // says "repository does not exist or may require 'docker login'" for both).
  if (DNS.test(message)) return 'dns';
  if (UNREACHABLE.test(message)) return 'unreachable';
  if (AUTH.test(message)) return 'auth';
  if (NOT_FOUND.test(message)) return 'not-found';
  return 'other';
}

/** A short clause for what happened, e.g. "the engine cannot resolve the registry ghcr.io". */
export function registryFailureReason(kind: RegistryFailureKind, host: string): string {
  switch (kind) {
    case 'dns':
      return `the engine's host cannot resolve the registry ${host} (DNS)`;
    case 'unreachable':
      return `the engine's host cannot connect to the registry ${host}`;
    case 'auth':
      return `the registry ${host} refused the credentials (or has none for this image)`;
    case 'not-found':
      return `the registry ${host} has no such image`;
    case 'other':
      return `the registry ${host} failed`;
  }
}

/**
 * The fix for a base image that cannot be fetched: network trouble names the network and a base that
 * is on the engine already, never `docker login`.
 */
export function baseImageFix(kind: RegistryFailureKind, host: string): string {
  const localBase = 'or build on a base image the engine has (`docker images`): --base-image <ref> or baseImage in the fleet file';
  switch (kind) {
    case 'dns':
      return `give the engine's host working DNS for ${host} (or its proxy), ${localBase}`;
    case 'unreachable':
      return `let the engine's host reach ${host} (firewall, proxy, the registry's address), ${localBase}`;
    case 'auth':
      return `\`docker login ${host}\` with an account that may pull it, ${localBase}`;
    case 'not-found':
      return `check the name and tag, ${localBase}`;
    case 'other':
      return `check the name and the registry, ${localBase}`;
  }
}

/** The fix for published event images (`pull: true`) that cannot be fetched. */
export function publishedImageFix(kind: RegistryFailureKind, host: string): string {
  const build = 'or set pull: false to build here';
  switch (kind) {
    case 'dns':
      return `give the engine's host working DNS for ${host} (or its proxy), ${build}`;
    case 'unreachable':
      return `let the engine's host reach ${host} (firewall, proxy, the registry's address), ${build}`;
    case 'auth':
      return `\`docker login ${host}\` with an account that may pull it, ${build}`;
    case 'not-found':
      return `\`demo-fleet publish\` it, ${build}`;
    case 'other':
      return `check the registry, ${build}`;
  }
}

/** The fix for the control server's headscale image (`controlServer:`) that cannot be fetched. */
export function controlServerImageFix(kind: RegistryFailureKind, host: string): string {
  const local = 'or load the image onto the engine (`docker load`) and name it in controlServer.image';
  switch (kind) {
    case 'dns':
      return `give the engine's host working DNS for ${host} (or its proxy), ${local}`;
    case 'unreachable':
      return `let the engine's host reach ${host} (firewall, proxy, the registry's address), ${local}`;
    case 'auth':
      return `\`docker login ${host}\` with an account that may pull it, ${local}`;
    case 'not-found':
      return `check controlServer.version (the image is tagged v<version>) and controlServer.image, ${local}`;
    case 'other':
      return `check the registry, ${local}`;
  }
}
