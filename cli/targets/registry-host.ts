/** `ghcr.io/acme/app` → `ghcr.io`; `acme/app` → Docker Hub (the docker CLI's rule for an image reference). */
export function registryHost(repo: string): string {
  const first = repo.split('/')[0]!;
  return repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}
