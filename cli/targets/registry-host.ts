/** The registry host a repository names (`ghcr.io/acme/app` → `ghcr.io`), or null when it names none (`acme/app`). */
export function namedRegistry(repo: string): string | null {
  const first = repo.split('/')[0]!;
  return repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : null;
}

/** `ghcr.io/acme/app` → `ghcr.io`; `acme/app` → Docker Hub (the docker CLI's rule for an image reference). */
export function registryHost(repo: string): string {
  return namedRegistry(repo) ?? 'docker.io';
}
