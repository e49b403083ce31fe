/**
 * Who may see the friend view, after headscale's OIDC `allowed_domains` / `allowed_users`.
 * With no filter configured everyone identified is allowed; otherwise a login must pass every
 * configured filter.
 */
export interface AccessPolicy {
  /** Lower-cased domains; empty = no domain filter. */
  readonly domains: ReadonlySet<string>;
  /** Lower-cased logins; empty = no user filter. */
  readonly users: ReadonlySet<string>;
}

function normalise(list: readonly string[] | undefined, strip: RegExp | null): Set<string> {
  const out = new Set<string>();
  for (const raw of list ?? []) {
    const value = (strip ? raw.trim().replace(strip, '') : raw.trim()).toLowerCase();
    if (value) out.add(value);
  }
  return out;
}

export function createAccessPolicy(allowedDomains?: readonly string[], allowedUsers?: readonly string[]): AccessPolicy {
  return { domains: normalise(allowedDomains, /^@+/), users: normalise(allowedUsers, null) };
}

export function hasFilters(policy: AccessPolicy): boolean {
  return policy.domains.size > 0 || policy.users.size > 0;
}

/** Domain of a login: the part after the last `@`, lower-cased; '' when there is no `@`. */
export function loginDomain(login: string): string {
  const at = login.lastIndexOf('@');
  return at === -1 ? '' : login.slice(at + 1).toLowerCase();
}

export function isAllowed(login: string, policy: AccessPolicy): boolean {
  if (policy.domains.size > 0 && !policy.domains.has(loginDomain(login))) return false;
  if (policy.users.size > 0 && !policy.users.has(login.toLowerCase())) return false;
  return true;
}
