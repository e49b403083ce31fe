/**
 * `npm ci` on the supported Node 20 installs without an engine warning: every package the lock holds
 * (dev ones too: `npm ci` checks them all) accepts Node 20. The lowest 20.x checked is the one the dev
 * toolchain itself needs (vite 8, under vitest 4: `^20.19.0`); the first 20.x that every package in the
 * lock accepts must not be later than that.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// semver is in node_modules through npm's own tree (vitest, esbuild…); it is not one of ours.
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };

const NODE_20 = ['20.19.0', '20.20.0'];

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

describe('package-lock.json', () => {
  it('holds no package whose engines.node refuses the supported Node 20', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock;
    const refused: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!range) continue;
      for (const v of NODE_20) if (!semver.satisfies(v, range)) refused.push(`${where}@${entry.version} wants node ${range}, not ${v}`);
    }
    expect(refused).toEqual([]);
  });

  it('the check itself refuses a range Node 20 does not meet (cookie 2 wants >=22)', () => {
    expect(semver.satisfies('20.19.0', '>=22')).toBe(false);
    expect(semver.satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
  });
});
