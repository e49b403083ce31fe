/**
 * Real parts (Docker engine, Chromium, registry, ...) that integration tests need.
 *
 * On a laptop without them a suite may skip, but it says so loudly on stderr. Under CI=true a missing
 * part is a failure, never a silent skip: `requirement()` throws and the suite fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const inCI = process.env.CI === 'true';

export interface Requirement {
  ok: boolean;
  name: string;
  why: string;
}

/** Check a requirement once; when absent, print a banner (or throw under CI). */
export function requirement(name: string, check: () => string | true): Requirement {
  let why = '';
  try {
    const result = check();
    if (result === true) return { ok: true, name, why: '' };
    why = result;
  } catch (err) {
    why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  const msg = `${name} unavailable (${why})`;
  if (inCI) throw new Error(`CI=true and ${msg}: integration tests must not skip in CI`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!!! SKIPPING tests that need ${msg}\n${'!'.repeat(78)}\n\n`);
  return { ok: false, name, why };
}

export function dockerEngine(): Requirement {
  return requirement('Docker engine', () => {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
    return true;
  });
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromium(): Requirement {
  return requirement('Chromium', () => (existsSync(CHROMIUM) ? true : `${CHROMIUM} not found`));
}

/** Root + iproute2, to make a network namespace with a veth pair (a real non-loopback peer). */
export function netns(): Requirement {
  return requirement('network namespaces (root + iproute2)', () => {
    if (process.getuid?.() !== 0) return 'not root';
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return true;
  });
}

/** A suffix unique to this run, for fleet names, netns names, image tags. */
export const runId = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
